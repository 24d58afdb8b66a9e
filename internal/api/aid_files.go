package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
)

// The attachments of an application, under
// /api/v1/aid/applications/{id}/documents: the required documents with
// their files (GET), an upload (POST multipart: doc_key, file), one
// file's bytes (GET …/{file}) and its removal (DELETE …/{file}). The
// domain audits reads and refusals.

// aidFileJSON is an attachment's metadata. Its name may name the person:
// it is only in this answer, never in a URL.
type aidFileJSON struct {
	ID          int64     `json:"id"`
	DocKey      string    `json:"doc_key"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	OrgID       int64     `json:"org_id"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url"`
}

type aidDocumentJSON struct {
	Key     string        `json:"key"`
	Label   string        `json:"label"`
	Missing bool          `json:"missing"`
	Files   []aidFileJSON `json:"files"`
}

func toAidFileJSON(f aid.File) aidFileJSON {
	return aidFileJSON{ID: f.ID, DocKey: f.DocKey, Name: f.Name, ContentType: f.ContentType, Size: f.Size, OrgID: f.OrgID,
		UploadedBy: f.Uploader, CreatedAt: f.CreatedAt.UTC(),
		URL: fmt.Sprintf("/api/v1/aid/applications/%d/documents/%d", f.ApplicationID, f.ID)}
}

func toAidDocumentJSON(d aid.DocumentFiles) aidDocumentJSON {
	return aidDocumentJSON{Key: d.Key, Label: d.Label, Missing: d.Missing(), Files: httpx.Map(d.Files, toAidFileJSON)}
}

// aidDocuments: GET /api/v1/aid/applications/{id}/documents.
func (h *handler) aidDocuments(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	docs, err := h.deps.Aid.Documents(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"documents": httpx.Map(docs, toAidDocumentJSON), "types": aid.FileTypes, "max_size": aid.MaxFileSize})
	return nil
}

// aidFileAdd: POST /api/v1/aid/applications/{id}/documents, multipart
// with doc_key and file — 201 with the file's metadata.
func (h *handler) aidFileAdd(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	docKey, name, data, err := aidUpload(r)
	if err != nil {
		return err
	}
	f, err := h.deps.Aid.AddFile(r.Context(), c.Actor, id, docKey, name, data)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"file": toAidFileJSON(f)})
	return nil
}

// aidUpload reads the multipart form of an upload.
func aidUpload(r *http.Request) (docKey, name string, data []byte, err error) {
	defer func() {
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}()
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return "", "", nil, apperr.Field("file", fmt.Sprintf("文件超过 %d MB 的上限", aid.MaxFileSize>>20))
		}
		return "", "", nil, apperr.Field("file", "上传失败，请用 multipart/form-data 提交 doc_key 和 file")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return "", "", nil, apperr.Field("file", "请选择要上传的文件")
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, files.MaxSize+1))
	if err != nil {
		return "", "", nil, apperr.Field("file", "上传失败，请重新选择文件")
	}
	return r.PostFormValue("doc_key"), hdr.Filename, data, nil
}

// aidFile: GET /api/v1/aid/applications/{id}/documents/{file} — the
// bytes, as an attachment, never cached.
func (h *handler) aidFile(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	f, data, err := h.deps.Aid.File(r.Context(), c.Actor, id, fid)
	if err != nil {
		return err
	}
	files.Serve(w, files.File{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size}, data)
	return nil
}

// aidFileRemove: DELETE /api/v1/aid/applications/{id}/documents/{file}.
func (h *handler) aidFileRemove(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	if err := h.deps.Aid.RemoveFile(r.Context(), c.Actor, id, fid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
