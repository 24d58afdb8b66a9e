package api

import (
	"context"
	"net/http"

	"halfsky/internal/access"
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
	list := func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
		fs, err := owner.Files(r.Context(), c.Actor, id)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": httpx.Map(fs, toFileJSON), "total": len(fs)})
		return nil
	}
	attach := func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
		// Who may not see the owner learns so before uploading anything.
		if _, err := owner.Files(r.Context(), c.Actor, id); err != nil {
			return err
		}
		name, data, err := readUpload(r)
		if err != nil {
			return err
		}
		f, err := owner.Attach(r.Context(), c.Actor, id, name, data)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusCreated, map[string]any{"file": toFileJSON(f)})
		return nil
	}
	get := func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
		f, data, err := owner.File(r.Context(), c.Actor, id, fid)
		if err != nil {
			return err
		}
		files.Serve(w, f, data)
		return nil
	}
	detach := func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
		if err := owner.RemoveFile(r.Context(), c.Actor, id, fid); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	route(mux, base+"/files", methods{"GET": h.can(access.ViewDocs, httpx.ID(list)), "POST": upload{h.can(access.ViewDocs, httpx.ID(attach))}})
	route(mux, base+"/files/{fid}", methods{"GET": h.can(access.ViewDocs, httpx.IDs("fid", get)), "DELETE": h.can(access.ViewDocs, httpx.IDs("fid", detach))})
}
