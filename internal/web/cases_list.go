package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/httpx"
	"halfsky/internal/rights"
)

// caseListData is the inbox and the lists of cases: lines without names.
type caseListData struct {
	Boxes      []Option
	F          rights.Filter
	Cases      []rights.Case
	Incoming   []rights.Case // escalations and transfers waiting for her unit
	Pager      Pager
	Now        time.Time
	CanRecord  bool
	Categories []Option
	Channels   []Option
	Statuses   []Option
	Risks      []Option
}

const casesPerPage = 30

func (h *handler) caseList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Rights
	q := r.URL.Query()
	f := rights.Filter{Under: strings.TrimSpace(q.Get("under")), Box: q.Get("box"), Status: q.Get("status"),
		Category: q.Get("category"), Channel: q.Get("channel"), Risk: q.Get("risk")}
	if _, set := q["box"]; !set {
		f.Box = "inbox"
	}
	pager := NewPager(r, casesPerPage, 0)
	f.Page = db.Page{Page: pager.Page, PerPage: casesPerPage}
	rows, total, err := svc.List(ctx, a, f)
	if err != nil {
		return err
	}
	cats, err := svc.Categories(ctx)
	if err != nil {
		return err
	}
	d := caseListData{Boxes: options(rights.Boxes), F: f, Cases: rows, Pager: NewPager(r, casesPerPage, total),
		Now: svc.Now(), CanRecord: a.Can(access.RecordCases), Channels: options(rights.Channels),
		Statuses: options(rights.Statuses), Risks: options(rights.Risks)}
	for _, c := range cats {
		if c.Parent == "" {
			d.Categories = append(d.Categories, Option{c.Code, c.Label})
		}
	}
	if d.Incoming, err = svc.Incoming(ctx, a); err != nil {
		return err
	}
	title := "巾帼维权"
	if f.Box == "inbox" && total > 0 {
		title += "（待接案 " + strconv.Itoa(total) + "）"
	}
	h.tpl.Page(w, r, http.StatusOK, "case_list", View{Layout: Layout{Title: title, Active: "cases"}, Data: d})
	return nil
}
