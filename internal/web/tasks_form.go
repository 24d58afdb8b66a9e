package web

import (
	"net/http"
	"strconv"

	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

type taskFormData struct {
	visitPage
	Form   map[string]string
	Errors map[string]string
	Units  []Option
	Owners []Option
}

func (h *handler) renderTaskForm(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, d taskFormData) {
	d.visitPage = h.visitPage("tasks")
	d.Units = withSelected(h.unitOptions(r, c), d.Form["org_code"])
	d.Owners = h.ownerOptions(r, c, c.Actor.OrgID)
	h.tpl.Page(w, r, status, "task_form", View{Layout: Layout{Title: "安排实事", Active: "visits",
		Crumbs: []Crumb{{Href: "/tasks", Label: "办实事"}, {Label: "安排实事"}}}, Data: d})
}

// taskNew is the form of a task not made of a recorded need.
func (h *handler) taskNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	today := h.deps.Visits.Today()
	form := map[string]string{"org_code": c.Actor.OrgCode, "starts_on": today, "due_on": visit.AddDays(today, 14)}
	h.renderTaskForm(w, r, c, http.StatusOK, taskFormData{Form: form, Errors: map[string]string{}})
	return nil
}

// taskCreate saves a task made without a need.
func (h *handler) taskCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	form := formValues(r, "org_code", "title", "detail", "owner_id", "owner_name", "starts_on", "due_on")
	in := visit.TaskInput{OrgCode: form["org_code"], Title: form["title"], Detail: form["detail"], OwnerName: form["owner_name"],
		StartsOn: form["starts_on"], DueOn: form["due_on"]}
	in.OwnerID, _ = strconv.ParseInt(form["owner_id"], 10, 64)
	t, err := h.deps.Visits.CreateTask(r.Context(), c.Actor, in)
	if err == nil {
		redirectFlash(w, r, "/tasks/"+strconv.FormatInt(t.ID, 10), "success", "实事已安排")
		return nil
	}
	errs, ok := mergeErrors(map[string]string{}, err)
	if !ok {
		return err
	}
	h.renderTaskForm(w, r, c, http.StatusUnprocessableEntity, taskFormData{Form: form, Errors: errs})
	return nil
}

// ownerOptions are the cadres a task of the unit may be given to.
func (h *handler) ownerOptions(r *http.Request, c *httpx.Current, orgID int64) []Option {
	list, err := h.deps.Visits.Owners(r.Context(), c.Actor, orgID)
	if err != nil {
		return nil
	}
	return options(list)
}
