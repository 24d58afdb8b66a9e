package api

import (
	"context"
	"net/http"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
)

// attachments is what documents and reports both offer for their files;
// the domain checks visibility and who may change them.
type attachments interface {
	Files(ctx context.Context, a access.Actor, id int64) ([]files.File, error)
	File(ctx context.Context, a access.Actor, id, fileID int64) (files.File, []byte, error)
	Attach(ctx context.Context, a access.Actor, id int64, name string, data []byte) (files.File, error)
	RemoveFile(ctx context.Context, a access.Actor, id, fileID int64) error
}

// fileRoutes registers the four attachment endpoints under base
// (/api/v1/docs/{id} or /api/v1/reports/{id}).
func (h *handler) fileRoutes(mux httpx.Mux, base string, owner attachments) {
	list := func(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
		id := pathID(r, "id")
		if id == 0 {
			httpx.WriteError(w, r, apperr.ErrNotFound)
			return
		}
		fs, err := owner.Files(r.Context(), c.Actor, id)
		if err != nil {
			h.fail(w, r, c, err, false)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": toFilesJSON(fs), "total": len(fs)})
	}
	attach := func(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
		id := pathID(r, "id")
		if id == 0 {
			httpx.WriteError(w, r, apperr.ErrNotFound)
			return
		}
		// Who may not see the owner learns so before uploading anything.
		if _, err := owner.Files(r.Context(), c.Actor, id); err != nil {
			h.fail(w, r, c, err, false)
			return
		}
		name, data, err := readUpload(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		f, err := owner.Attach(r.Context(), c.Actor, id, name, data)
		if err != nil {
			h.fail(w, r, c, err, true)
			return
		}
		httpx.WriteJSON(w, http.StatusCreated, map[string]any{"file": toFileJSON(f)})
	}
	get := func(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
		id, fid := pathID(r, "id"), pathID(r, "fid")
		if id == 0 || fid == 0 {
			httpx.WriteError(w, r, apperr.ErrNotFound)
			return
		}
		f, data, err := owner.File(r.Context(), c.Actor, id, fid)
		if err != nil {
			h.fail(w, r, c, err, false)
			return
		}
		files.Serve(w, f, data)
	}
	detach := func(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
		id, fid := pathID(r, "id"), pathID(r, "fid")
		if id == 0 || fid == 0 {
			httpx.WriteError(w, r, apperr.ErrNotFound)
			return
		}
		if err := owner.RemoveFile(r.Context(), c.Actor, id, fid); err != nil {
			h.fail(w, r, c, err, true)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	route(mux, base+"/files", methods{"GET": h.can(access.ViewDocs, list), "POST": upload{h.can(access.ViewDocs, attach)}})
	route(mux, base+"/files/{fid}", methods{"GET": h.can(access.ViewDocs, get), "DELETE": h.can(access.ViewDocs, detach)})
}
