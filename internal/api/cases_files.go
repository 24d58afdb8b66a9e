package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"halfsky/internal/apperr"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/rights"
)

// A case's photos and files: listed in the case (GET /api/v1/cases/{id},
// "files"), uploaded with POST /api/v1/cases/{id}/files (multipart:
// version and one or more "files"; photos lose their EXIF and GPS before
// they are stored), read with GET …/files/{fid}, taken off with the
// remove-file action.

// caseFileJSON is a photo or file's metadata. Its name may name someone:
// it is only in this answer, never in a URL.
type caseFileJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Photo       bool      `json:"photo"`
	AddedBy     string    `json:"added_by"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url"`
}

func toCaseFileJSON(caseID int64, f rights.CaseFile) caseFileJSON {
	return caseFileJSON{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size, Photo: f.Photo, AddedBy: f.By,
		CreatedAt: f.CreatedAt.UTC(), URL: fmt.Sprintf("/api/v1/cases/%d/files/%d", caseID, f.ID)}
}

// caseFilesAdd: POST /api/v1/cases/{id}/files — 201 with the case's
// files as they now are.
func (h *handler) caseFilesAdd(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ups, version, err := caseUploads(r)
	if err != nil {
		return err
	}
	ctx, svc := r.Context(), h.deps.Rights
	if err := svc.AddFiles(ctx, c.Actor, id, version, ups); err != nil {
		return err
	}
	k, err := svc.Get(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"version": k.Version,
		"files": httpx.Map(k.Files, func(f rights.CaseFile) caseFileJSON { return toCaseFileJSON(id, f) })})
	return nil
}

// caseUploads reads the multipart form of an upload: "version" and the
// "files".
func caseUploads(r *http.Request) ([]rights.Upload, int, error) {
	defer func() {
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}()
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return nil, 0, apperr.Field("files", fmt.Sprintf("上传的照片和文件合计超过 %d MB，请分几次上传", files.MaxSize>>20))
		}
		return nil, 0, apperr.Field("files", "上传失败，请用 multipart/form-data 提交 version 和 files")
	}
	ups, err := formFiles[rights.Upload](r, "files", "上传失败，请重新选择照片或文件")
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	return ups, v, err
}

// caseFile: GET /api/v1/cases/{id}/files/{fid} — the bytes, as an
// attachment, never cached.
func (h *handler) caseFile(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	f, data, err := h.deps.Rights.File(r.Context(), c.Actor, id, fid)
	if err != nil {
		return err
	}
	files.Serve(w, f.File, data)
	return nil
}
