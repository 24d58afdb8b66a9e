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
func (h *handler) visitShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Visits
	v, err := svc.Visit(ctx, a, id)
	if err != nil {
		return err
	}
	photos, err := svc.Photos(ctx, a, id)
	if err != nil {
		return err
	}
	needs, _, err := svc.Needs(ctx, a, visit.NeedFilter{VisitID: id, Page: visit.Page{All: true}})
	if err != nil {
		return err
	}
	d := visitShowData{visitPage: h.visitPage("visits"), V: v, Photos: photos, Needs: needs,
		CanEdit: visit.MayEditVisit(a, v) == nil,
		CanNeed: a.Can(access.RecordWork)}
	title := v.Place + " · " + isoCNDate(v.VisitedOn)
	h.tpl.Page(w, r, http.StatusOK, "visit_show", View{Layout: Layout{Title: title, Active: "visits",
		Crumbs: []Crumb{{Href: "/visits", Label: "走访记录"}, {Label: title}}}, Data: d})
	return nil
}

// visitPhoto serves one photo of a visible visit.
func (h *handler) visitPhoto(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	f, data, err := h.deps.Visits.Photo(r.Context(), c.Actor, id, fid)
	if err != nil {
		return err
	}
	files.Serve(w, f, data)
	return nil
}
