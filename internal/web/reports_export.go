package web

import (
	"net/http"
	"strings"

	"halfsky/internal/db"

	"halfsky/internal/httpx"
	"halfsky/internal/report"
)

// dashboardExport writes the per-unit table of a requirement as an Excel
// workbook, streamed row by row: the same domain call and filter as the
// page (under, state), every row instead of one page.
func (h *handler) dashboardExport(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid int64) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Reports
	q := r.URL.Query()
	state := q.Get("state")
	if !report.KnownUnitState(state) {
		state = ""
	}
	req, d, err := svc.Requirement(ctx, a, id, rid)
	if err != nil {
		return err
	}
	units, _, err := svc.Units(ctx, a, id, rid, report.UnitFilter{Under: strings.TrimSpace(q.Get("under")), State: state})
	if err != nil {
		return err
	}

	cols := []Column{{"单位代码", 14}, {"单位名称", 28}, {"状态", 10}, {"签收时间", 18}, {"报送时间", 18}, {"截止日期", 12}, {"延期", 22}}
	for _, fl := range req.Fields {
		label := fl.Label
		if fl.Unit != "" {
			label += "（" + fl.Unit + "）"
		}
		cols = append(cols, Column{Title: label})
	}
	cols = append(cols, Column{"退回理由", 30})
	sh, err := newSheet("报送情况", cols)
	if err != nil {
		return err
	}
	defer sh.Close()
	now := svc.Now()
	for _, u := range units {
		ext := u.ExtStatus.Label()
		if u.ExtUntil != "" {
			ext += " 至 " + u.ExtUntil
		}
		vals := []any{u.OrgCode, u.OrgName, u.StateAt(now).Label, formatDateTime(u.ReceivedAt), formatDateTime(u.SubmittedAt),
			u.DueAt.In(db.Shanghai).Format("2006-01-02"), ext}
		for _, fl := range req.Fields {
			if v, ok := u.Numbers[fl.Key]; ok {
				vals = append(vals, v)
			} else {
				vals = append(vals, nil)
			}
		}
		vals = append(vals, u.ReturnReason)
		if err := sh.Add(vals...); err != nil {
			return err
		}
	}
	name := req.Title + "报送情况"
	if d.Number != "" {
		name = d.Number + name
	}
	return sh.Send(w, r, name)
}
