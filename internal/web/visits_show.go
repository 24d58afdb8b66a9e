package web

import (
	"net/http"

	"halfsky/internal/access"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

type visitShowData struct {
	visitPage
	V       visit.Visit
	Photos  []files.File
	Needs   []visit.Need
	CanEdit bool
	CanNeed bool
}

// visitShow is one visit with its photos and the needs recorded on it.
func (h *handler) visitShow(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	id, ok := pathID(r, "id")
	if !ok {
		h.tpl.Error(w, r, http.StatusNotFound, "")
		return
	}
	ctx, a, svc := r.Context(), c.Actor, h.deps.Visits
	v, err := svc.Visit(ctx, a, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	photos, err := svc.Photos(ctx, a, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	needs, _, err := svc.Needs(ctx, a, visit.NeedFilter{VisitID: id, Page: visit.Page{All: true}})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := visitShowData{visitPage: h.visitPage("visits"), V: v, Photos: photos, Needs: needs,
		CanEdit: visit.MayEditVisit(a, v) == nil,
		CanNeed: a.Can(access.RecordWork)}
	title := v.Place + " · " + isoCNDate(v.VisitedOn)
	h.tpl.Page(w, r, http.StatusOK, "visit_show", View{Layout: Layout{Title: title, Active: "visits",
		Crumbs: []Crumb{{Href: "/visits", Label: "走访记录"}, {Label: title}}}, Data: d})
}

// visitPhoto serves one photo of a visible visit.
func (h *handler) visitPhoto(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	id, ok1 := pathID(r, "id")
	fid, ok2 := pathID(r, "fid")
	if !ok1 || !ok2 {
		h.tpl.Error(w, r, http.StatusNotFound, "")
		return
	}
	f, data, err := h.deps.Visits.Photo(r.Context(), c.Actor, id, fid)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	files.Serve(w, f, data)
}
