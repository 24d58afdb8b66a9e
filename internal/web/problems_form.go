package web

import (
	"net/http"
	"strings"

	"halfsky/internal/httpx"
	"halfsky/internal/rectify"
)

// problemFormData is the record form of a problem, new or being edited.
type problemFormData struct {
	ID         int64 // 0 for a new one
	In         rectify.Input
	Reviews    []string // the review date inputs, blanks included
	Errors     map[string]string
	Categories []Option
	Sources    []Option
	Modes      []Option
}

// Action is where the form posts.
func (d problemFormData) Action() string {
	if d.ID == 0 {
		return "/problems"
	}
	return rectify.Link(d.ID) + "/edit"
}

func (h *handler) renderProblemForm(w http.ResponseWriter, r *http.Request, status int, d problemFormData) {
	d.Categories, d.Sources, d.Modes = options(rectify.Categories), options(rectify.Sources), options(rectify.Modes)
	d.Reviews = append([]string{}, d.In.Reviews...)
	for len(d.Reviews) < max(4, len(d.In.Reviews)+2) {
		d.Reviews = append(d.Reviews, "")
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	title, crumbs := "登记问题", []Crumb{{Href: "/problems", Label: "整改台账"}, {Label: "登记问题"}}
	if d.ID != 0 {
		title = "修改问题"
		crumbs = []Crumb{{Href: "/problems", Label: "整改台账"}, {Href: rectify.Link(d.ID), Label: "问题详情"}, {Label: title}}
	}
	h.tpl.Page(w, r, status, "problem_form", View{Layout: Layout{Title: title, Active: "problems", Crumbs: crumbs}, Data: d})
}

func readProblemForm(r *http.Request) rectify.Input {
	_ = r.ParseForm()
	f := r.PostForm
	in := rectify.Input{Category: f.Get("category"), Source: f.Get("source"), Description: f.Get("description"),
		Measures: f.Get("measures"), Responsible: f.Get("responsible"), Mode: f.Get("mode"), Plan: f.Get("plan"),
		FoundOn: f.Get("found_on"), DueOn: f.Get("due_on")}
	for _, v := range f["reviews"] {
		if v = strings.TrimSpace(v); v != "" {
			in.Reviews = append(in.Reviews, v)
		}
	}
	return in
}

func (h *handler) problemNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	in := rectify.Input{Source: "self", Mode: rectify.ModeNow, FoundOn: h.deps.Rectify.Today()}
	h.renderProblemForm(w, r, http.StatusOK, problemFormData{In: in})
	return nil
}

func (h *handler) problemCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	in := readProblemForm(r)
	id, err := h.deps.Rectify.Create(r.Context(), c.Actor, in)
	if fields, _ := fieldErrors(err); len(fields) > 0 {
		h.renderProblemForm(w, r, http.StatusUnprocessableEntity, problemFormData{In: in, Errors: fields})
		return nil
	}
	return h.finish(w, r, rectify.Link(id), err, "问题已登记")
}

func (h *handler) problemEdit(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	p, err := h.deps.Rectify.Get(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	if p.OrgID != c.Actor.OrgID || !p.Editable() {
		redirectFlash(w, r, rectify.Link(id), "error", "只有本单位整改中或被退回的问题可以修改")
		return nil
	}
	h.renderProblemForm(w, r, http.StatusOK, problemFormData{ID: id, In: rectify.InputOf(p)})
	return nil
}

func (h *handler) problemUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	in := readProblemForm(r)
	err := h.deps.Rectify.Update(r.Context(), c.Actor, id, in)
	if fields, _ := fieldErrors(err); len(fields) > 0 {
		h.renderProblemForm(w, r, http.StatusUnprocessableEntity, problemFormData{ID: id, In: in, Errors: fields})
		return nil
	}
	return h.finish(w, r, rectify.Link(id), err, "已保存修改")
}
