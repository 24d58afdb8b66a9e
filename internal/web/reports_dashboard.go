package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/report"
)

// dashState are the states the per-unit table can be filtered by.
var dashStates = options(report.UnitStates)

const dashPerPage = 50

type dashData struct {
	D         report.Dashboard
	Base      string // the dashboard's path
	Units     []reportRow
	Pager     Pager
	State     string
	Under     string
	States    []Option
	CanManage bool   // the issuing unit itself: decisions and 催办
	Export    string // the Excel link, same filter
	Query     string // the current query, for the row forms to come back to
	// A refused row decision shown again.
	RowID   int64
	Errors  map[string]string
	Form    map[string]string
	Crumbs  []Crumb
	HasSelf bool
}

func (d dashData) GroupHref(code string) string {
	s, _ := queryURL(d.Base, "under", code, "state", d.State)
	return s
}

func (h *handler) dashboard(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid int64) error {
	return h.renderDashboard(w, r, c, id, rid, http.StatusOK, 0, nil, nil)
}

// renderDashboard draws requirement rid of document id; rowID is the
// report whose row carries a refused decision's errs and form.
func (h *handler) renderDashboard(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid int64, status int, rowID int64, errs, form map[string]string) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Reports
	q := r.URL.Query()
	d := dashData{State: q.Get("state"), Under: strings.TrimSpace(q.Get("under")), States: dashStates, RowID: rowID, Errors: errs, Form: form,
		Base: "/docs/" + strconv.FormatInt(id, 10) + "/requirements/" + strconv.FormatInt(rid, 10)}
	if !report.KnownUnitState(d.State) {
		d.State = ""
	}
	dash, err := svc.Dashboard(ctx, a, id, rid, d.Under)
	if err != nil {
		return err
	}
	d.D = dash
	pager := NewPager(r, dashPerPage, 0)
	units, total, err := svc.Units(ctx, a, id, rid, report.UnitFilter{Under: d.Under, State: d.State, Page: pager.Page, PerPage: dashPerPage})
	if err != nil {
		return err
	}
	d.Units, d.Pager = reportRows(units, svc), NewPager(r, dashPerPage, total)
	d.CanManage = dash.Document.OrgID == a.OrgID && a.Can(access.ManageReports)
	d.Export, _ = queryURL(d.Base+"/export.xlsx", "under", d.Under, "state", d.State)
	d.Query = r.URL.RawQuery
	for _, g := range dash.Groups {
		if g.Self {
			d.HasSelf = true
		}
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	d.Crumbs = []Crumb{{Href: "/docs/" + strconv.FormatInt(id, 10), Label: dash.Document.Title}}
	if len(dash.Crumbs) == 0 {
		d.Crumbs = append(d.Crumbs, Crumb{Label: dash.Requirement.Title})
	} else {
		d.Crumbs = append(d.Crumbs, Crumb{Href: d.GroupHref(""), Label: dash.Requirement.Title})
		for _, o := range dash.Crumbs[1:] {
			d.Crumbs = append(d.Crumbs, Crumb{Href: d.GroupHref(o.Code), Label: o.Name})
		}
		d.Crumbs = append(d.Crumbs, Crumb{Label: dash.Node.Name})
	}
	h.tpl.Page(w, r, status, "report_dashboard", View{Layout: Layout{Title: dash.Requirement.Title + " · 督办情况", Active: "docs", Crumbs: d.Crumbs}, Data: d})
	return nil
}

// dashboardDecide is a decision posted from a row of the dashboard; it
// comes back to the same view (drill-down, filter and page kept).
func (h *handler) dashboardDecide(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid, rpid int64) error {
	// The report must be under this requirement of this document.
	rep, err := h.deps.Reports.Get(r.Context(), c.Actor, rpid)
	if err != nil || rep.DocID != id || rep.RequirementID != rid {
		return apperr.ErrNotFound
	}
	msg, known, err := h.decideReport(r, c, rpid, r.PathValue("action"))
	if !known {
		return apperr.ErrNotFound
	}
	back := "/docs/" + strconv.FormatInt(id, 10) + "/requirements/" + strconv.FormatInt(rid, 10)
	if q := keepDashQuery(r.URL.Query()); q != "" {
		back += "?" + q
	}
	if fields := refusedFields(err, ""); fields != nil {
		form := map[string]string{"reason": r.PostFormValue("reason"), "reply": r.PostFormValue("reply")}
		return h.renderDashboard(w, r, c, id, rid, http.StatusUnprocessableEntity, rpid, fields, form)
	}
	return h.finish(w, r, back, err, rep.OrgName+"："+msg)
}

// reportIDs gives fn the path's {id}, {rid} and {rpid}: a report on a
// requirement of a document, each checked as httpx.ID checks one.
func reportIDs(fn func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid, rpid int64) error) httpx.Handler {
	return httpx.IDs("rid", func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid int64) error {
		rpid, ok := httpx.PathID(r, "rpid")
		if !ok {
			return apperr.ErrNotFound
		}
		return fn(w, r, c, id, rid, rpid)
	})
}

// keepDashQuery keeps only the dashboard's own parameters.
func keepDashQuery(q url.Values) string {
	out := url.Values{}
	for _, k := range []string{"under", "state", "page"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out.Encode()
}

// dashboardUrge is the one-click 催办 of every unit still missing.
func (h *handler) dashboardUrge(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid int64) error {
	n, err := h.deps.Reports.Urge(r.Context(), c.Actor, id, rid)
	back := "/docs/" + strconv.FormatInt(id, 10) + "/requirements/" + strconv.FormatInt(rid, 10)
	if q := keepDashQuery(r.URL.Query()); q != "" {
		back += "?" + q
	}
	msg := "已向 " + strconv.Itoa(n) + " 个单位催办"
	if n == 0 {
		msg = "各单位均已报送，无需催办"
	}
	return h.finish(w, r, back, err, msg)
}

// RowAction is where a row's decision posts, keeping the current view.
func (d dashData) RowAction(id int64, action string) string {
	s := d.Base + "/reports/" + strconv.FormatInt(id, 10) + "/" + action
	if q, err := url.ParseQuery(d.Query); err == nil {
		if k := keepDashQuery(q); k != "" {
			s += "?" + k
		}
	}
	return s
}

// UrgeAction is where 催办 posts.
func (d dashData) UrgeAction() string {
	s := d.Base + "/urge"
	if q, err := url.ParseQuery(d.Query); err == nil {
		if k := keepDashQuery(q); k != "" {
			s += "?" + k
		}
	}
	return s
}
