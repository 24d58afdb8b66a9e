package web

import (
	"net/http"
	"strconv"

	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

type taskShowData struct {
	visitPage
	T         visit.Task
	CanWork   bool
	Feedbacks []Option
	Form      map[string]string
	Errors    map[string]string
}

// taskShow is one task with its start and close forms.
func (h *handler) taskShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.renderTaskShow(w, r, c, http.StatusOK, id, map[string]string{"outcome": string(visit.TaskDone)}, map[string]string{})
}

func (h *handler) renderTaskShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, id int64, form, errs map[string]string) error {
	t, err := h.deps.Visits.Task(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	d := taskShowData{visitPage: h.visitPage("tasks"), T: t, CanWork: visit.MayWork(c.Actor, t),
		Feedbacks: options(visit.Feedbacks), Form: form, Errors: errs}
	h.tpl.Page(w, r, status, "task_show", View{Layout: Layout{Title: t.Title, Active: "visits",
		Crumbs: []Crumb{{Href: "/tasks", Label: "办实事"}, {Label: t.Title}}}, Data: d})
	return nil
}

// taskStart moves the task to 办理中.
func (h *handler) taskStart(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	_, err := h.deps.Visits.StartTask(r.Context(), c.Actor, id)
	return h.finish(w, r, "/tasks/"+strconv.FormatInt(id, 10), err, "已开始办理")
}

// taskClose finishes the task: done with result and feedback, or unable
// with the reason.
func (h *handler) taskClose(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	if r.ParseForm() != nil {
		return apperr.ErrNotFound
	}
	form := formValues(r, "outcome", "result", "feedback")
	_, err := h.deps.Visits.CloseTask(r.Context(), c.Actor, id, visit.CloseInput{Outcome: visit.TaskStatus(form["outcome"]), Result: form["result"], Feedback: form["feedback"]})
	if err == nil {
		redirectFlash(w, r, "/tasks/"+strconv.FormatInt(id, 10), "success", "实事已办结")
		return nil
	}
	errs, isForm := mergeErrors(map[string]string{}, err)
	if !isForm {
		return err
	}
	if _, whole := errs["_"]; whole && len(errs) == 1 {
		redirectFlash(w, r, "/tasks/"+strconv.FormatInt(id, 10), "error", errs["_"])
		return nil
	}
	return h.renderTaskShow(w, r, c, http.StatusUnprocessableEntity, id, form, errs)
}
