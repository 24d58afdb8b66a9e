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
func (h *handler) fileGet(owner attachments) func(http.ResponseWriter, *http.Request, *httpx.Current) {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
		id, ok1 := pathID(r, "id")
		fid, ok2 := pathID(r, "fid")
		if !ok1 || !ok2 {
			h.tpl.Error(w, r, http.StatusNotFound, "")
			return
		}
		f, data, err := owner.File(r.Context(), c.Actor, id, fid)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		files.Serve(w, f, data)
	}
}

// fileRemove takes an attachment off an owner and goes back to the page
// at prefix+id+suffix.
func (h *handler) fileRemove(owner attachments, prefix, suffix string) func(http.ResponseWriter, *http.Request, *httpx.Current) {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
		id, ok1 := pathID(r, "id")
		fid, ok2 := pathID(r, "fid")
		if !ok1 || !ok2 {
			h.tpl.Error(w, r, http.StatusNotFound, "")
			return
		}
		err := owner.RemoveFile(r.Context(), c.Actor, id, fid)
		h.finish(w, r, prefix+strconv.FormatInt(id, 10)+suffix, err, "已删除附件")
	}
}
