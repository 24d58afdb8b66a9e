package web

import (
	"net/http"

	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// aidExportDownload is the one download of an approved request: the
// domain marks it used and audits it before a byte is written, so a
// second try is refused (410) whatever happens to this response. The
// workbook is sent private, no-store.
func (h *handler) aidExportDownload(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	id, ok := pathID(r, "id")
	if !ok {
		h.fail(w, r, apperr.ErrNotFound)
		return
	}
	file, err := h.deps.Aid.UseExport(r.Context(), c.Actor, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sh, name, err := aidExportSheet(file)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer sh.Close()
	if err := sh.Send(w, r, name); err != nil {
		h.fail(w, r, err)
	}
}

// aidExportSheet writes an export's table to a workbook.
func aidExportSheet(file aid.ExportFile) (*sheet, string, error) {
	t := file.Table()
	cols := make([]Column, len(t.Columns))
	for i, col := range t.Columns {
		cols[i] = Column{col.Title, col.Width}
	}
	sh, err := newSheet(t.Sheet, cols)
	if err != nil {
		return nil, "", err
	}
	for _, row := range t.Rows {
		if err := sh.Add(row...); err != nil {
			sh.Close()
			return nil, "", err
		}
	}
	return sh, t.Filename, nil
}
