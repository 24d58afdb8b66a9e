package web

import (
	"net/http"

	"halfsky/internal/httpx"
)

// aidExportDownload is the one download of an approved request: the
// domain marks it used and audits it before a byte is written, so a
// second try is refused (410) whatever happens to this response. The
// workbook is sent private, no-store.
func (h *handler) aidExportDownload(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	file, err := h.deps.Aid.UseExport(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	t := file.Table()
	sh, err := t.Workbook()
	if err != nil {
		return err
	}
	return sh.Send(w, r, t.Filename)
}
