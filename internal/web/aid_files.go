package web

import (
	"fmt"
	"net/http"

	"halfsky/internal/aid"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
)

// The application's documents on its page: the collecting unit uploads a
// file for one of the required documents (PDF, JPG, PNG) or removes one
// while the application is editable; everyone who sees the application
// downloads them, each download audited by the domain. File names may name
// the person: they appear in the page and the download's header, never in
// a URL.

// aidFileHint is the line under the file field: the types and size an
// application's document may have.
func aidFileHint() string {
	return fmt.Sprintf("可上传 %s，每个不超过 %d MB；手机可直接拍照上传", aid.FileTypes, aid.MaxFileSize>>20)
}

// aidFileUpload: POST /aid/{id}/documents (multipart: doc_key, file).
func (h *handler) aidFileUpload(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	defer cleanupMultipart(r)
	name, data, err := upload(r, "file")
	docKey := r.PostFormValue("doc_key")
	if err == nil {
		_, err = h.deps.Aid.AddFile(r.Context(), c.Actor, id, docKey, name, data)
	}
	if fields, _ := fieldErrors(err); len(fields) > 0 {
		e := map[string]string{}
		for k, v := range fields {
			e["upload."+k] = v
		}
		return h.renderAid(w, r, c, id, http.StatusUnprocessableEntity, aidShowData{Errors: e, Form: map[string]string{"upload.doc_key": docKey}})
	}
	return h.finish(w, r, aidLink(id)+"#documents", err, "已上传")
}

// aidFileDownload: GET /aid/{id}/documents/{file}/download.
func (h *handler) aidFileDownload(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	f, data, err := h.deps.Aid.File(r.Context(), c.Actor, id, fid)
	if err != nil {
		return err
	}
	files.Serve(w, files.File{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size}, data)
	return nil
}

// aidFileDelete: POST /aid/{id}/documents/{file}/delete.
func (h *handler) aidFileDelete(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	err := h.deps.Aid.RemoveFile(r.Context(), c.Actor, id, fid)
	return h.finish(w, r, aidLink(id)+"#documents", err, "已删除")
}
