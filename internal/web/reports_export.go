package web

import (
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/xuri/excelize/v2"

	"halfsky/internal/httpx"
	"halfsky/internal/report"
)

// dashboardExport writes the per-unit table of a requirement as an Excel
// workbook, streamed row by row: the same domain call and filter as the
// page (under, state), every row instead of one page.
func (h *handler) dashboardExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	id, ok1 := pathID(r, "id")
	rid, ok2 := pathID(r, "rid")
	if !ok1 || !ok2 {
		h.tpl.Error(w, r, http.StatusNotFound, "")
		return
	}
	ctx, a, svc := r.Context(), c.Actor, h.deps.Reports
	q := r.URL.Query()
	state := q.Get("state")
	if !in(state, "", "missing", "unsigned", "signed", "submitted", "returned", "accepted", "overdue") {
		state = ""
	}
	req, d, err := svc.Requirement(ctx, a, id, rid)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	units, _, err := svc.Units(ctx, a, id, rid, report.UnitFilter{Under: strings.TrimSpace(q.Get("under")), State: state})
	if err != nil {
		h.fail(w, r, err)
		return
	}

	f := excelize.NewFile()
	defer f.Close()
	const sheet = "报送情况"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		h.fail(w, r, err)
		return
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	head := []any{"单位代码", "单位名称", "状态", "签收时间", "报送时间", "截止日期", "延期"}
	for _, fl := range req.Fields {
		label := fl.Label
		if fl.Unit != "" {
			label += "（" + fl.Unit + "）"
		}
		head = append(head, label)
	}
	head = append(head, "退回理由")
	widths := map[int]float64{1: 14, 2: 28, 3: 10, 4: 18, 5: 18, 6: 12, 7: 22, len(head): 30}
	for col, wd := range widths {
		if err := sw.SetColWidth(col, col, wd); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	row := make([]any, len(head))
	for i, v := range head {
		row[i] = excelize.Cell{StyleID: bold, Value: v}
	}
	if err := sw.SetRow("A1", row, excelize.RowOpts{StyleID: bold}); err != nil {
		h.fail(w, r, err)
		return
	}
	now := svc.Now()
	for i, u := range units {
		ext := extLabel(u.ExtStatus)
		if u.ExtUntil != "" {
			ext += " 至 " + u.ExtUntil
		}
		vals := []any{u.OrgCode, u.OrgName, u.StateAt(now).Label, formatDateTime(u.ReceivedAt), formatDateTime(u.SubmittedAt),
			u.DueAt.In(Shanghai).Format("2006-01-02"), ext}
		for _, fl := range req.Fields {
			if v, ok := u.Numbers[fl.Key]; ok {
				vals = append(vals, v)
			} else {
				vals = append(vals, nil)
			}
		}
		vals = append(vals, u.ReturnReason)
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, vals); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if err := sw.Flush(); err != nil {
		h.fail(w, r, err)
		return
	}
	name := req.Title + "报送情况"
	if d.Number != "" {
		name = d.Number + name
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + ".xlsx"}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := f.Write(w); err != nil {
		slog.Error("excel export", "path", r.URL.Path, "err", err)
	}
}
