package web

import (
	"net/http"
	"strconv"

	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

type needFormData struct {
	visitPage
	Visit      visit.Visit // the visit it is recorded on, if any
	Form       map[string]string
	Errors     map[string]string
	Units      []Option
	Categories []Option
	Urgencies  []Option
}

var needFields = []string{"visit_id", "org_code", "category", "urgency", "summary", "consent", "person_name", "contact", "recorded_on"}

func (h *handler) renderNeedForm(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, d needFormData) {
	d.visitPage = h.visitPage("needs")
	d.Units = withSelected(h.unitOptions(r, c), d.Form["org_code"])
	d.Categories, d.Urgencies = options(visit.Categories), options(visit.Urgencies)
	crumbs := []Crumb{{Href: "/needs", Label: "妇情"}, {Label: "记录妇情"}}
	if d.Visit.ID > 0 {
		crumbs = []Crumb{{Href: "/visits", Label: "走访记录"}, {Href: "/visits/" + strconv.FormatInt(d.Visit.ID, 10), Label: d.Visit.Place}, {Label: "记录妇情"}}
	}
	h.tpl.Page(w, r, status, "need_form", View{Layout: Layout{Title: "记录妇情", Active: "visits", Crumbs: crumbs}, Data: d})
}

// needNew is the need form, on a visit (?visit=ID) or alone.
func (h *handler) needNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	d := needFormData{Form: map[string]string{"urgency": "normal", "recorded_on": h.deps.Visits.Today(), "org_code": c.Actor.OrgCode},
		Errors: map[string]string{}}
	if vid, err := strconv.ParseInt(r.URL.Query().Get("visit"), 10, 64); err == nil && vid > 0 {
		v, err := h.deps.Visits.Visit(r.Context(), c.Actor, vid)
		if err != nil {
			return err
		}
		d.Visit, d.Form["visit_id"], d.Form["org_code"] = v, strconv.FormatInt(vid, 10), v.OrgCode
	}
	h.renderNeedForm(w, r, c, http.StatusOK, d)
	return nil
}

// needCreate records a need; back to its visit when it came from one.
func (h *handler) needCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	form := formValues(r, needFields...)
	in := visit.NeedInput{OrgCode: form["org_code"], Category: form["category"], Urgency: form["urgency"], Summary: form["summary"],
		Consent: form["consent"] == "1", PersonName: form["person_name"], Contact: form["contact"], RecordedOn: form["recorded_on"]}
	in.VisitID, _ = strconv.ParseInt(form["visit_id"], 10, 64)
	var v visit.Visit
	if in.VisitID > 0 {
		var err error
		if v, err = h.deps.Visits.Visit(r.Context(), c.Actor, in.VisitID); err != nil {
			return err
		}
	}
	n, err := h.deps.Visits.CreateNeed(r.Context(), c.Actor, in)
	if err == nil {
		to := "/needs/" + strconv.FormatInt(n.ID, 10)
		if in.VisitID > 0 {
			to = "/visits/" + strconv.FormatInt(in.VisitID, 10)
		}
		redirectFlash(w, r, to, "success", "妇情已记录")
		return nil
	}
	errs, ok := mergeErrors(map[string]string{}, err)
	if !ok {
		return err
	}
	h.renderNeedForm(w, r, c, http.StatusUnprocessableEntity, needFormData{Visit: v, Form: form, Errors: errs})
	return nil
}
