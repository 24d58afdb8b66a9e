package web

import (
	"net/http"
	"strconv"

	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

type visitFormData struct {
	visitPage
	Visit  visit.Visit // zero for a new one
	Form   map[string]string
	Errors map[string]string
	Units  []Option
	Action string
}

var visitFields = []string{"org_code", "visited_on", "place", "companions", "households", "women", "notes", "version"}

func (h *handler) renderVisitForm(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, d visitFormData) {
	d.visitPage = h.visitPage("visits")
	d.Units = withSelected(h.unitOptions(r, c), d.Form["org_code"])
	title := "登记走访"
	if d.Visit.ID > 0 {
		title = "修改走访记录"
	}
	h.tpl.Page(w, r, status, "visit_form", View{Layout: Layout{Title: title, Active: "visits",
		Crumbs: []Crumb{{Href: "/visits", Label: "走访记录"}, {Label: title}}}, Data: d})
}

// visitNew is the empty visit form: today, at the cadre's own unit.
func (h *handler) visitNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	form := map[string]string{"org_code": c.Actor.OrgCode, "visited_on": h.deps.Visits.Today()}
	h.renderVisitForm(w, r, c, http.StatusOK, visitFormData{Form: form, Errors: map[string]string{}, Action: "/visits"})
	return nil
}

func visitInput(r *http.Request) (visit.VisitInput, map[string]string, map[string]string) {
	form := formValues(r, visitFields...)
	errs := map[string]string{}
	in := visit.VisitInput{OrgCode: form["org_code"], VisitedOn: form["visited_on"], Place: form["place"],
		Companions: form["companions"], Notes: form["notes"]}
	in.Households = formInt(form, errs, "households", "走访户数应为整数")
	in.Women = formInt(form, errs, "women", "接触妇女人数应为整数")
	in.Version, _ = strconv.Atoi(form["version"])
	return in, form, errs
}

// visitCreate records a visit with its photos.
func (h *handler) visitCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	defer cleanupMultipart(r)
	photos, err := visitPhotos(r)
	in, form, errs := visitInput(r)
	if err == nil && len(errs) == 0 {
		var v visit.Visit
		if v, err = h.deps.Visits.CreateVisit(r.Context(), c.Actor, in, photos); err == nil {
			redirectFlash(w, r, "/visits/"+strconv.FormatInt(v.ID, 10), "success", "走访已登记")
			return nil
		}
	}
	if err != nil {
		var ok bool
		if errs, ok = mergeErrors(errs, err); !ok {
			return err
		}
	}
	h.renderVisitForm(w, r, c, http.StatusUnprocessableEntity, visitFormData{Form: form, Errors: errs, Action: "/visits"})
	return nil
}

// visitEdit is the form of an existing visit.
func (h *handler) visitEdit(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	v, err := h.deps.Visits.Visit(r.Context(), c.Actor, id)
	if err == nil {
		err = visit.MayEditVisit(c.Actor, v) // the form of a visit she may not change is not offered
	}
	if err != nil {
		return err
	}
	form := map[string]string{"org_code": v.OrgCode, "visited_on": v.VisitedOn, "place": v.Place, "companions": v.Companions,
		"households": strconv.Itoa(v.Households), "women": strconv.Itoa(v.Women), "notes": v.Notes, "version": strconv.Itoa(v.Version)}
	h.renderVisitForm(w, r, c, http.StatusOK, visitFormData{Visit: v, Form: form, Errors: map[string]string{},
		Action: "/visits/edit/" + strconv.FormatInt(id, 10)})
	return nil
}

// visitUpdate saves an edited visit (and any photos added).
func (h *handler) visitUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	defer cleanupMultipart(r)
	v, err := h.deps.Visits.Visit(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	photos, err := visitPhotos(r)
	in, form, errs := visitInput(r)
	if err == nil && len(errs) == 0 {
		if _, err = h.deps.Visits.UpdateVisit(r.Context(), c.Actor, id, in, photos); err == nil {
			redirectFlash(w, r, "/visits/"+strconv.FormatInt(id, 10), "success", "已保存")
			return nil
		}
	}
	if err != nil {
		var ok bool
		if errs, ok = mergeErrors(errs, err); !ok {
			return err
		}
	}
	h.renderVisitForm(w, r, c, http.StatusUnprocessableEntity, visitFormData{Visit: v, Form: form, Errors: errs,
		Action: "/visits/edit/" + strconv.FormatInt(id, 10)})
	return nil
}
