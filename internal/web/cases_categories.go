package web

import (
	"net/http"

	"halfsky/internal/httpx"
	"halfsky/internal/rights"
)

// caseCategoriesData is the city's list of 12338 categories: everyone
// reads it; the top unit's leaders add, rename, retire and restore.
type caseCategoriesData struct {
	Categories []rights.Category
	Limits     rights.LimitsInput // the limits new cases are held to
	Tops       []Option
	MayEdit    bool
	Errors     map[string]string
	Form       map[string]string
}

func (h *handler) caseCategories(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	return h.renderCaseCategories(w, r, c, http.StatusOK, nil, nil)
}

func (h *handler) renderCaseCategories(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, errs, form map[string]string) error {
	svc := h.deps.Rights
	cats, err := svc.Categories(r.Context())
	if err != nil {
		return err
	}
	limits, err := svc.CurrentLimits(r.Context())
	if err != nil {
		return err
	}
	d := caseCategoriesData{Categories: cats, Limits: rights.LimitsInputOf(limits), MayEdit: svc.MayConfigure(c.Actor), Errors: errs, Form: form}
	for _, k := range cats {
		if k.Parent == "" && k.Active {
			d.Tops = append(d.Tops, Option{k.Code, k.Label})
		}
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	h.tpl.Page(w, r, status, "case_categories", View{Layout: Layout{Title: "案件类别与办理时限", Active: "cases",
		Crumbs: []Crumb{{Href: "/cases", Label: "巾帼维权"}, {Label: "类别与时限"}}}, Data: d})
	return nil
}

func (h *handler) caseCategoryEdit(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	_ = r.ParseForm()
	if r.PostForm.Get("action") == "limits" {
		return h.caseLimitsEdit(w, r, c)
	}
	in := rights.CategoryEdit{Action: r.PostForm.Get("action"), Code: r.PostForm.Get("code"), Parent: r.PostForm.Get("parent"),
		Label: r.PostForm.Get("label")}
	err := h.deps.Rights.EditCategory(r.Context(), c.Actor, in)
	if errs := refusedFields(err, in.Action+"."); errs != nil {
		return h.renderCaseCategories(w, r, c, http.StatusUnprocessableEntity, errs,
			map[string]string{in.Action + ".label": in.Label, in.Action + ".parent": in.Parent, in.Action + ".code": in.Code})
	}
	return h.finish(w, r, "/cases/categories", err, "已保存")
}

// caseLimitsEdit sets the city's time limits (the form's action "limits").
func (h *handler) caseLimitsEdit(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	f := r.PostForm
	in := rights.LimitsInput{FirstContactHours: f.Get("first_contact_hours"), RouteDays: f.Get("route_days"), ReferralDays: f.Get("referral_days")}
	err := h.deps.Rights.SetLimits(r.Context(), c.Actor, in)
	if errs := refusedFields(err, "limits."); errs != nil {
		return h.renderCaseCategories(w, r, c, http.StatusUnprocessableEntity, errs, map[string]string{"limits.first_contact_hours": in.FirstContactHours,
			"limits.route_days": in.RouteDays, "limits.referral_days": in.ReferralDays})
	}
	return h.finish(w, r, "/cases/categories#limits", err, "已保存办理时限，新受理的案件和新的转介按此执行")
}
