package web

import (
	"context"
	"net/http"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
)

// attachments is what documents and reports both offer for their files;
// the domain checks visibility and who may change them.
type attachments interface {
	File(ctx context.Context, a access.Actor, id, fileID int64) (files.File, []byte, error)
	RemoveFile(ctx context.Context, a access.Actor, id, fileID int64) error
}

// fileGet serves one attachment of an owner (GET …/{id}/files/{fid}).
func (h *handler) fileGet(owner attachments) httpx.Handler {
	return httpx.IDs("fid", func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
		f, data, err := owner.File(r.Context(), c.Actor, id, fid)
		if err != nil {
			return err
		}
		files.Serve(w, f, data)
		return nil
	})
}

// fileRemove takes an attachment off an owner and goes back to the page
// at prefix+id+suffix.
func (h *handler) fileRemove(owner attachments, prefix, suffix string) httpx.Handler {
	return httpx.IDs("fid", func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
		err := owner.RemoveFile(r.Context(), c.Actor, id, fid)
		return h.finish(w, r, prefix+strconv.FormatInt(id, 10)+suffix, err, "已删除附件")
	})
}
