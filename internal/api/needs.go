package api

import (
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

func (h *handler) needRoutes(mux httpx.Mux) {
	route(mux, "/api/v1/needs", methods{"GET": h.can(access.ViewWork, h.needList), "POST": h.can(access.ViewWork, h.needCreate)})
	route(mux, "/api/v1/needs/{id}", methods{"GET": h.can(access.ViewWork, httpx.ID(h.needShow))})
	route(mux, "/api/v1/needs/{id}/handover", methods{"GET": h.can(access.ViewWork, httpx.ID(h.handoverList)), "POST": h.can(access.ViewWork, httpx.ID(h.handoverSend))})
	route(mux, "/api/v1/needs/{id}/handover/accept", methods{"POST": h.can(access.ViewWork, httpx.ID(h.handoverDecide(true)))})
	route(mux, "/api/v1/needs/{id}/handover/refuse", methods{"POST": h.can(access.ViewWork, httpx.ID(h.handoverDecide(false)))})
	route(mux, "/api/v1/needs/{id}/task", methods{"POST": h.can(access.ViewWork, httpx.ID(h.needTask))})
}

// needJSON is a need. person_name is masked (王**) and contact empty
// unless the caller is of the responsible unit (revealed true).
type needJSON struct {
	ID            int64     `json:"id"`
	VisitID       int64     `json:"visit_id,omitempty"`
	OriginName    string    `json:"origin_org_name"`
	OrgCode       string    `json:"org_code"`
	OrgName       string    `json:"org_name"`
	Category      string    `json:"category"`
	CategoryLabel string    `json:"category_label"`
	Urgency       string    `json:"urgency"`
	UrgencyLabel  string    `json:"urgency_label"`
	Summary       string    `json:"summary"`
	Consent       bool      `json:"consent"`
	PersonName    string    `json:"person_name"`
	Contact       string    `json:"contact,omitempty"`
	Revealed      bool      `json:"revealed"`
	Status        string    `json:"status"`
	StatusLabel   string    `json:"status_label"`
	Recorder      string    `json:"recorded_by"`
	RecordedOn    string    `json:"recorded_on"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func toNeedJSON(n visit.Need) needJSON {
	return needJSON{ID: n.ID, VisitID: n.VisitID, OriginName: n.OriginName, OrgCode: n.OrgCode, OrgName: n.OrgName,
		Category: n.Category, CategoryLabel: n.CategoryLabel(), Urgency: n.Urgency, UrgencyLabel: n.UrgencyLabel(),
		Summary: n.Summary, Consent: n.Consent, PersonName: n.PersonName, Contact: n.Contact, Revealed: n.Revealed,
		Status: string(n.Status), StatusLabel: n.Status.Label(), Recorder: n.Recorder, RecordedOn: n.RecordedOn, UpdatedAt: n.UpdatedAt.UTC()}
}

// handoverJSON is one hand-over of a need.
type handoverJSON struct {
	ID          int64      `json:"id"`
	FromOrg     string     `json:"from_org_name"`
	ToOrgCode   string     `json:"to_org_code"`
	ToOrg       string     `json:"to_org_name"`
	Reason      string     `json:"reason"`
	Status      string     `json:"status"`
	StatusLabel string     `json:"status_label"`
	Reply       string     `json:"reply"`
	SentBy      string     `json:"sent_by"`
	SentAt      time.Time  `json:"sent_at"`
	DecidedBy   string     `json:"decided_by"`
	DecidedAt   *time.Time `json:"decided_at"`
}

func toHandoverJSON(x visit.Handover) handoverJSON {
	return handoverJSON{ID: x.ID, FromOrg: x.FromName, ToOrgCode: x.ToCode, ToOrg: x.ToName, Reason: x.Reason, Status: string(x.Status),
		StatusLabel: x.Status.Label(), Reply: x.Reply, SentBy: x.SentBy, SentAt: x.SentAt.UTC(), DecidedBy: x.DecidedBy, DecidedAt: optTime(x.DecidedAt)}
}

// needList: GET /api/v1/needs?under=&category=&urgency=&status=&visit=&incoming=1&from=&to=&page=&per_page=.
func (h *handler) needList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := visit.NeedFilter{Under: q.text("under", 20), Category: q.text("category", 20), Urgency: q.text("urgency", 20),
		Status: visit.NeedStatus(q.text("status", 20)), Incoming: q.v.Get("incoming") == "1", From: q.text("from", 10), To: q.text("to", 10)}
	f.VisitID = int64(q.number("visit", 0, 1, 1<<31-1))
	page, per := q.page(20, 200)
	if err := q.err(); err != nil {
		return err
	}
	f.Page = visit.Page{Page: page, PerPage: per}
	items, total, err := h.deps.Visits.Needs(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(httpx.Map(items, toNeedJSON), total, page, per))
	return nil
}

// needCreate: POST /api/v1/needs {visit_id | org_code, category, urgency,
// summary, consent, person_name, contact, recorded_on} — 201.
func (h *handler) needCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in visit.NeedInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "org_code", in.OrgCode)
	texts(e, "category", in.Category)
	texts(e, "urgency", in.Urgency)
	texts(e, "summary", in.Summary)
	texts(e, "person_name", in.PersonName)
	texts(e, "contact", in.Contact)
	texts(e, "recorded_on", in.RecordedOn)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	n, err := h.deps.Visits.CreateNeed(r.Context(), c.Actor, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"need": toNeedJSON(n)})
	return nil
}

// needShow: GET /api/v1/needs/{id} — the need, its hand-overs and tasks.
// Reading a contact is audited (need.read).
func (h *handler) needShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx, svc := r.Context(), h.deps.Visits
	n, err := svc.Need(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	hs, err := svc.Handovers(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	ts, _, err := svc.Tasks(ctx, c.Actor, visit.TaskFilter{NeedID: id, Full: true, Page: visit.Page{All: true}})
	if err != nil {
		return err
	}
	hj := httpx.Map(hs, toHandoverJSON)
	today := svc.Today()
	tj := httpx.Map(ts, func(t visit.Task) taskJSON { return toTaskJSON(t, today) })
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"need": toNeedJSON(n), "handovers": hj, "tasks": tj})
	return nil
}

// handoverList: GET /api/v1/needs/{id}/handover — the timeline.
func (h *handler) handoverList(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	hs, err := h.deps.Visits.Handovers(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	out := httpx.Map(hs, toHandoverJSON)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
	return nil
}

// handoverSend: POST /api/v1/needs/{id}/handover {to_org_code, reason} —
// 201; to a unit above or below the one responsible now.
func (h *handler) handoverSend(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in visit.HandoverInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "to_org_code", in.ToCode)
	texts(e, "reason", in.Reason)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	x, err := h.deps.Visits.HandOver(r.Context(), c.Actor, id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"handover": toHandoverJSON(x)})
	return nil
}

// handoverDecide: POST /api/v1/needs/{id}/handover/accept|refuse {reply}
// — by the receiving unit; refusing needs a reply.
func (h *handler) handoverDecide(accept bool) idHandler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
		var in struct {
			Reply string `json:"reply"`
		}
		if err := decodeOptional(r, &in); err != nil {
			return err
		}
		if !textOK(in.Reply) {
			return apperr.Field("reply", "含有无效字符")
		}
		x, err := h.deps.Visits.Decide(r.Context(), c.Actor, id, accept, in.Reply)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"handover": toHandoverJSON(x)})
		return nil
	}
}

// needTask: POST /api/v1/needs/{id}/task {title, detail, owner_id |
// owner_name, starts_on, due_on} — 201; the need becomes 已转实事.
func (h *handler) needTask(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in visit.TaskInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	in.NeedID, in.OrgCode = id, ""
	return h.createTask(w, r, c, in)
}
