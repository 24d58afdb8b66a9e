package api

import (
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

func (h *handler) taskRoutes(mux httpx.Mux) {
	route(mux, "/api/v1/tasks", methods{"GET": h.can(access.ViewWork, h.taskList), "POST": h.can(access.ViewWork, h.taskCreate)})
	route(mux, "/api/v1/tasks/{id}", methods{"GET": h.can(access.ViewWork, httpx.ID(h.taskShow))})
	route(mux, "/api/v1/tasks/{id}/start", methods{"POST": h.can(access.ViewWork, httpx.ID(h.taskStart))})
	route(mux, "/api/v1/tasks/{id}/close", methods{"POST": h.can(access.ViewWork, httpx.ID(h.taskClose))})
}

// taskJSON is a practical task; colour is red when overdue, yellow when
// due within 3 days.
type taskJSON struct {
	ID            int64     `json:"id"`
	NeedID        int64     `json:"need_id,omitempty"`
	OrgCode       string    `json:"org_code"`
	OrgName       string    `json:"org_name"`
	Title         string    `json:"title"`
	Detail        string    `json:"detail"`
	OwnerID       int64     `json:"owner_id,omitempty"`
	OwnerName     string    `json:"owner_name"`
	StartsOn      string    `json:"starts_on"`
	DueOn         string    `json:"due_on"`
	Status        string    `json:"status"`
	StatusLabel   string    `json:"status_label"`
	Overdue       bool      `json:"overdue"`
	Colour        string    `json:"colour"`
	Result        string    `json:"result"`
	Feedback      string    `json:"feedback"`
	FeedbackLabel string    `json:"feedback_label"`
	ClosedOn      string    `json:"closed_on"`
	ClosedBy      string    `json:"closed_by"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func toTaskJSON(t visit.Task, today string) taskJSON {
	return taskJSON{ID: t.ID, NeedID: t.NeedID, OrgCode: t.OrgCode, OrgName: t.OrgName, Title: t.Title, Detail: t.Detail,
		OwnerID: t.OwnerID, OwnerName: t.OwnerName, StartsOn: t.StartsOn, DueOn: t.DueOn, Status: string(t.Status), StatusLabel: t.Status.Label(),
		Overdue: t.Overdue(today), Colour: t.Colour(today), Result: t.Result, Feedback: t.Feedback, FeedbackLabel: t.FeedbackLabel(),
		ClosedOn: t.ClosedOn, ClosedBy: t.ClosedBy, UpdatedAt: t.UpdatedAt.UTC()}
}

// taskList: GET /api/v1/tasks?under=&status=&overdue=1&soon=1&mine=1&q=&page=&per_page=.
func (h *handler) taskList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := visit.TaskFilter{Under: q.text("under", 20), Status: visit.TaskStatus(q.text("status", 20)), Overdue: q.v.Get("overdue") == "1",
		DueSoon: q.v.Get("soon") == "1", Mine: q.v.Get("mine") == "1", Q: q.text("q", 50), Full: true}
	page, per := q.page(20, 200)
	if err := q.err(); err != nil {
		return err
	}
	f.Page = visit.Page{Page: page, PerPage: per}
	items, total, err := h.deps.Visits.Tasks(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	today := h.deps.Visits.Today()
	out := httpx.Map(items, func(t visit.Task) taskJSON { return toTaskJSON(t, today) })
	httpx.WriteJSON(w, http.StatusOK, newList(out, total, page, per))
	return nil
}

// taskCreate: POST /api/v1/tasks {org_code, title, detail, owner_id |
// owner_name, starts_on, due_on} — 201; a task not made of a need.
func (h *handler) taskCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in visit.TaskInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	return h.createTask(w, r, c, in)
}

// createTask creates a task, of a need or not, and answers 201 with it.
func (h *handler) createTask(w http.ResponseWriter, r *http.Request, c *httpx.Current, in visit.TaskInput) error {
	e := map[string]string{}
	texts(e, "org_code", in.OrgCode)
	texts(e, "title", in.Title)
	texts(e, "detail", in.Detail)
	texts(e, "owner_name", in.OwnerName)
	texts(e, "starts_on", in.StartsOn)
	texts(e, "due_on", in.DueOn)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	t, err := h.deps.Visits.CreateTask(r.Context(), c.Actor, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"task": toTaskJSON(t, h.deps.Visits.Today())})
	return nil
}

// taskShow: GET /api/v1/tasks/{id}.
func (h *handler) taskShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	t, err := h.deps.Visits.Task(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"task": toTaskJSON(t, h.deps.Visits.Today())})
	return nil
}

// taskStart: POST /api/v1/tasks/{id}/start — 待办 → 办理中.
func (h *handler) taskStart(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	t, err := h.deps.Visits.StartTask(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"task": toTaskJSON(t, h.deps.Visits.Today())})
	return nil
}

// taskClose: POST /api/v1/tasks/{id}/close {outcome: done|unable, result,
// feedback: satisfied|fair|unsatisfied} — done needs result and feedback,
// unable the reason in result.
func (h *handler) taskClose(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in visit.CloseInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "outcome", string(in.Outcome))
	texts(e, "result", in.Result)
	texts(e, "feedback", in.Feedback)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	t, err := h.deps.Visits.CloseTask(r.Context(), c.Actor, id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"task": toTaskJSON(t, h.deps.Visits.Today())})
	return nil
}
