package api

import (
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// aidFollowupRoutes are the follow-ups of approved applications (爱心妈妈
// visits, 慈善助孤 checks, 春蕾圆梦 school years) and the list of those
// due. School, grade and notes are hidden except in …/followups/reveal.
func (h *handler) aidFollowupRoutes(mux httpx.Mux, base string) {
	route(mux, base+"/applications/{id}/followups", methods{"GET": h.can(access.ViewAid, httpx.ID(h.aidFollowups)), "POST": h.can(access.ViewAid, httpx.ID(h.aidFollowupAdd))})
	route(mux, base+"/applications/{id}/followups/reveal", methods{"POST": h.can(access.ViewAid, noStore(httpx.ID(h.aidFollowupReveal)))})
	route(mux, base+"/followups/due", methods{"GET": h.can(access.ViewAid, h.aidFollowupsDue)})
}

// aidFollowupJSON is one follow-up; school, grade and notes are
// "（已加密，需查看权限）" unless revealed is true.
type aidFollowupJSON struct {
	ID            int64     `json:"id"`
	ApplicationID int64     `json:"application_id"`
	Kind          string    `json:"kind"`
	KindLabel     string    `json:"kind_label"`
	Date          string    `json:"date"`
	SchoolYear    string    `json:"school_year,omitempty"`
	InSchool      bool      `json:"in_school"`
	Last          bool      `json:"last"`
	School        string    `json:"school"`
	Grade         string    `json:"grade"`
	Notes         string    `json:"notes"`
	Revealed      bool      `json:"revealed"`
	NextDue       string    `json:"next_due"`
	ByOrgName     string    `json:"by_org_name"`
	Creator       string    `json:"creator"`
	CreatedAt     time.Time `json:"created_at"`
}

func toAidFollowupJSON(f aid.Followup) aidFollowupJSON {
	return aidFollowupJSON{ID: f.ID, ApplicationID: f.ApplicationID, Kind: f.Kind, KindLabel: f.KindLabel(), Date: f.Date,
		SchoolYear: f.SchoolYear, InSchool: f.InSchool, Last: f.Last(), School: f.School, Grade: f.Grade, Notes: f.Notes,
		Revealed: f.Revealed, NextDue: f.NextDue, ByOrgName: f.ByOrgName, Creator: f.Creator, CreatedAt: f.CreatedAt.UTC()}
}

func aidFollowupsJSON(fs []aid.Followup) list[aidFollowupJSON] {
	out := httpx.Map(fs, toAidFollowupJSON)
	return newList(out, len(out), 1, len(out))
}

// aidFollowups: GET /api/v1/aid/applications/{id}/followups — newest
// first, contents hidden.
func (h *handler) aidFollowups(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	fs, err := h.deps.Aid.Followups(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, aidFollowupsJSON(fs))
	return nil
}

// aidFollowupAdd: POST /api/v1/aid/applications/{id}/followups {kind?,
// date, school_year, in_school, school, grade, notes} — 201 with the
// follow-up (contents hidden).
func (h *handler) aidFollowupAdd(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in aid.FollowupInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "kind", in.Kind)
	texts(e, "date", in.Date)
	texts(e, "school_year", in.SchoolYear)
	texts(e, "school", in.School)
	texts(e, "grade", in.Grade)
	texts(e, "notes", in.Notes)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	f, err := h.deps.Aid.AddFollowup(r.Context(), c.Actor, id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"followup": toAidFollowupJSON(f)})
	return nil
}

// aidFollowupReveal: POST /api/v1/aid/applications/{id}/followups/reveal
// {reason} — every follow-up in the clear, for a leader, audited with the
// reason (4 to 200 characters, no personal data in it) before it is
// returned; never cached.
func (h *handler) aidFollowupReveal(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	reason, err := revealReason(r)
	if err != nil {
		return err
	}
	fs, err := h.deps.Aid.RevealFollowups(r.Context(), c.Actor, id, reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, aidFollowupsJSON(fs))
	return nil
}

// aidDueJSON is one application due for a follow-up; days_left is
// negative when overdue.
type aidDueJSON struct {
	ApplicationID int64  `json:"application_id"`
	Programme     string `json:"programme"`
	ProgrammeName string `json:"programme_name"`
	Kind          string `json:"kind"`
	KindLabel     string `json:"kind_label"`
	Name          string `json:"name"` // masked
	OrgCode       string `json:"org_code"`
	OrgName       string `json:"org_name"`
	ApprovedOn    string `json:"approved_on"`
	LastDate      string `json:"last_date"`
	DueOn         string `json:"due_on"`
	DaysLeft      int    `json:"days_left"`
	Overdue       bool   `json:"overdue"`
}

func toAidDueJSON(it aid.DueItem) aidDueJSON {
	return aidDueJSON{ApplicationID: it.ApplicationID, Programme: it.ProgrammeCode, ProgrammeName: it.ProgrammeName,
		Kind: it.Kind, KindLabel: it.KindLabel(), Name: it.Name, OrgCode: it.OrgCode, OrgName: it.OrgName, ApprovedOn: it.ApprovedOn,
		LastDate: it.LastDate, DueOn: it.DueOn, DaysLeft: it.DaysLeft, Overdue: it.Overdue()}
}

// aidFollowupsDue: GET /api/v1/aid/followups/due?programme=&under=&page=
// — approved applications in scope whose follow-up is overdue or due
// within aid.DueSoonDays, most overdue first.
func (h *handler) aidFollowupsDue(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := aid.DueFilter{Programme: q.text("programme", 40), Under: q.text("under", 40)}
	page, per := q.page(20, 200)
	if err := q.err(); err != nil {
		return err
	}
	f.Page = aid.Page{Page: page, PerPage: per}
	items, total, err := h.deps.Aid.Due(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(httpx.Map(items, toAidDueJSON), total, page, per))
	return nil
}
