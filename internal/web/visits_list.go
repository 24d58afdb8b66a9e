package web

import (
	"net/http"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

type visitListData struct {
	visitPage
	Items     []visit.Visit
	Pager     Pager
	F         visit.VisitFilter
	Mine      bool
	CanRecord bool
	Export    string
}

func visitFilter(r *http.Request) visit.VisitFilter {
	q := r.URL.Query()
	return visit.VisitFilter{Under: strings.TrimSpace(q.Get("under")), From: q.Get("from"), To: q.Get("to"),
		Mine: q.Get("mine") == "1", Q: strings.TrimSpace(q.Get("q"))}
}

func (f visitListData) query(path string) string {
	mine := ""
	if f.F.Mine {
		mine = "1"
	}
	return withQuery(path, "under", f.F.Under, "from", f.F.From, "to", f.F.To, "mine", mine, "q", f.F.Q)
}

// visitsList is the visits in scope, newest first, with filters.
func (h *handler) visitsList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	f := visitFilter(r)
	f.Page = listPage(r, 20)
	items, total, err := h.deps.Visits.Visits(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	d := visitListData{visitPage: h.visitPage("visits"), Items: items, Pager: NewPager(r, 20, total), F: f,
		CanRecord: c.Actor.Can(access.RecordWork)}
	d.Export = d.query("/visits/export.xlsx")
	h.tpl.Page(w, r, http.StatusOK, "visit_list", View{Layout: Layout{Title: "走访记录", Active: "visits"}, Data: d})
	return nil
}

// visitsExport writes the filtered visit list, every row, as Excel.
func (h *handler) visitsExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	f := visitFilter(r)
	f.All, f.Full = true, true
	items, _, err := h.deps.Visits.Visits(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	sh, err := newSheet("走访记录", []Column{{"走访日期", 12}, {"单位代码", 14}, {"单位", 24}, {"地点", 24}, {"走访人", 12},
		{"同行人员", 16}, {"走访户数", 10}, {"接触妇女", 10}, {"记录妇情", 10}, {"走访情况", 50}})
	if err != nil {
		return err
	}
	defer sh.Close()
	for _, v := range items {
		if err := sh.Add(v.VisitedOn, v.OrgCode, v.OrgName, v.Place, v.CadreName, v.Companions, v.Households, v.Women, v.Needs, v.Notes); err != nil {
			return err
		}
	}
	h.visitExported(r, c, "visit.export", "visit", len(items))
	return sh.Send(w, r, "走访记录")
}
