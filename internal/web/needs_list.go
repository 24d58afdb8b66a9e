package web

import (
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

type needListData struct {
	visitPage
	Items      []visit.Need
	Pager      Pager
	F          visit.NeedFilter
	CanRecord  bool
	Export     string
	Categories []Option
	Urgencies  []Option
	Statuses   []Option
}

func needFilter(r *http.Request) visit.NeedFilter {
	q := r.URL.Query()
	f := visit.NeedFilter{Under: strings.TrimSpace(q.Get("under")), Category: q.Get("category"), Urgency: q.Get("urgency"),
		Status: visit.NeedStatus(q.Get("status")), Incoming: q.Get("incoming") == "1", From: q.Get("from"), To: q.Get("to")}
	f.VisitID, _ = strconv.ParseInt(q.Get("visit"), 10, 64)
	return f
}

func (d needListData) query(path string) string {
	incoming, vid := "", ""
	if d.F.Incoming {
		incoming = "1"
	}
	if d.F.VisitID > 0 {
		vid = strconv.FormatInt(d.F.VisitID, 10)
	}
	return withQuery(path, "under", d.F.Under, "category", d.F.Category, "urgency", d.F.Urgency, "status", string(d.F.Status),
		"incoming", incoming, "visit", vid, "from", d.F.From, "to", d.F.To)
}

// needsList is the needs the actor sees, names masked and contacts hidden.
func (h *handler) needsList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	f := needFilter(r)
	f.Page = listPage(r, 20)
	items, total, err := h.deps.Visits.Needs(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	d := needListData{visitPage: h.visitPage("needs"), Items: items, Pager: NewPager(r, 20, total), F: f,
		CanRecord: c.Actor.Can(access.RecordWork), Categories: options(visit.Categories),
		Urgencies: options(visit.Urgencies), Statuses: options(visit.NeedStatuses)}
	d.Export = d.query("/needs/export.xlsx")
	h.tpl.Page(w, r, http.StatusOK, "need_list", View{Layout: Layout{Title: "妇情", Active: "visits"}, Data: d})
	return nil
}

// needsExport writes the filtered need list as Excel: masked names, no
// contacts, as on the page.
func (h *handler) needsExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	f := needFilter(r)
	f.All = true
	items, _, err := h.deps.Visits.Needs(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	sh, err := newSheet("妇情", []Column{{"记录日期", 12}, {"类别", 10}, {"紧急程度", 8}, {"诉求内容", 50}, {"妇女", 10},
		{"状态", 10}, {"责任单位", 24}, {"记录单位", 24}, {"记录人", 12}})
	if err != nil {
		return err
	}
	defer sh.Close()
	for _, n := range items {
		if err := sh.Add(n.RecordedOn, n.CategoryLabel(), n.UrgencyLabel(), n.Summary, n.PersonName, n.Status.Label(), n.OrgName,
			n.OriginName, n.Recorder); err != nil {
			return err
		}
	}
	h.visitExported(r, c, "need.export", "need", len(items))
	return sh.Send(w, r, "妇情")
}
