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
	d := caseCategoriesData{Categories: cats, MayEdit: svc.MayConfigure(c.Actor), Errors: errs, Form: form}
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
	h.tpl.Page(w, r, status, "case_categories", View{Layout: Layout{Title: "维权案件类别", Active: "cases",
		Crumbs: []Crumb{{Href: "/cases", Label: "巾帼维权"}, {Label: "案件类别"}}}, Data: d})
	return nil
}

func (h *handler) caseCategoryEdit(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	_ = r.ParseForm()
	in := rights.CategoryEdit{Action: r.PostForm.Get("action"), Code: r.PostForm.Get("code"), Parent: r.PostForm.Get("parent"),
		Label: r.PostForm.Get("label")}
	err := h.deps.Rights.EditCategory(r.Context(), c.Actor, in)
	if errs := refusedFields(err, in.Action+"."); errs != nil {
		return h.renderCaseCategories(w, r, c, http.StatusUnprocessableEntity, errs,
			map[string]string{in.Action + ".label": in.Label, in.Action + ".parent": in.Parent, in.Action + ".code": in.Code})
	}
	return h.finish(w, r, "/cases/categories", err, "已保存")
}
