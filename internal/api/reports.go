package api

import (
	"context"
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/report"
)

// requirementJSON is what the recipients of a document must report.
type requirementJSON struct {
	ID         int64          `json:"id"`
	DocID      int64          `json:"doc_id"`
	Title      string         `json:"title"`
	Detail     string         `json:"detail"`
	Department string         `json:"department"`
	DueDate    string         `json:"due_date"`
	DueAt      *time.Time     `json:"due_at"`
	Fields     []report.Field `json:"fields"`
	CreatedAt  time.Time      `json:"created_at"`
}

func toRequirementJSON(q report.Requirement) requirementJSON {
	out := requirementJSON{ID: q.ID, DocID: q.DocID, Title: q.Title, Detail: q.Detail, Department: q.Department,
		DueDate: q.DueDate, Fields: q.Fields, CreatedAt: q.CreatedAt.UTC()}
	if due, err := report.DueAt(q.DueDate); err == nil {
		out.DueAt = optTime(due)
	}
	if out.Fields == nil {
		out.Fields = []report.Field{}
	}
	return out
}

// extensionJSON is a unit's request for a later deadline.
type extensionJSON struct {
	Status      report.ExtStatus `json:"status"`
	StatusLabel string           `json:"status_label"`
	Until       string           `json:"until"`
	Reason      string           `json:"reason"`
	Reply       string           `json:"reply"`
}

func toExtensionJSON(r report.Report) *extensionJSON {
	if r.ExtStatus == "" {
		return nil
	}
	return &extensionJSON{Status: r.ExtStatus, StatusLabel: r.ExtStatus.Label(), Until: r.ExtUntil, Reason: r.ExtReason, Reply: r.ExtReply}
}

// reportJSON is one unit's report under a requirement. status is the
// stored status; state, state_label and colour are the dashboard's view
// of it now (逾期 when the deadline passed without a report).
type reportJSON struct {
	ID               int64              `json:"id"`
	RequirementID    int64              `json:"requirement_id"`
	RequirementTitle string             `json:"requirement_title"`
	DocID            int64              `json:"doc_id"`
	DocNumber        string             `json:"doc_number"`
	DocTitle         string             `json:"doc_title"`
	OrgCode          string             `json:"org_code"`
	OrgName          string             `json:"org_name"`
	Status           report.Status      `json:"status"`
	State            string             `json:"state"`
	StateLabel       string             `json:"state_label"`
	Colour           string             `json:"colour"`
	DueAt            time.Time          `json:"due_at"`
	Body             string             `json:"body"`
	Numbers          map[string]float64 `json:"numbers"`
	ReceivedAt       *time.Time         `json:"received_at"`
	SubmittedAt      *time.Time         `json:"submitted_at"`
	SubmittedBy      string             `json:"submitted_by"`
	DecidedAt        *time.Time         `json:"decided_at"`
	DecidedBy        string             `json:"decided_by"`
	ReturnReason     string             `json:"return_reason"`
	Extension        *extensionJSON     `json:"extension"`
	LastUrgedAt      *time.Time         `json:"last_urged_at"`
	Version          int                `json:"version"`
	UpdatedAt        time.Time          `json:"updated_at"`
}

func toReportJSON(r report.Report, now time.Time) reportJSON {
	st := r.StateAt(now)
	nums := r.Numbers
	if nums == nil {
		nums = map[string]float64{}
	}
	return reportJSON{ID: r.ID, RequirementID: r.RequirementID, RequirementTitle: r.RequirementName, DocID: r.DocID,
		DocNumber: r.DocNumber, DocTitle: r.DocTitle, OrgCode: r.OrgCode, OrgName: r.OrgName, Status: r.Status,
		State: st.Key, StateLabel: st.Label, Colour: st.Colour, DueAt: r.DueAt.UTC(), Body: r.Body, Numbers: nums,
		ReceivedAt: optTime(r.ReceivedAt), SubmittedAt: optTime(r.SubmittedAt), SubmittedBy: r.SubmittedBy,
		DecidedAt: optTime(r.DecidedAt), DecidedBy: r.DecidedBy, ReturnReason: r.ReturnReason, Extension: toExtensionJSON(r),
		LastUrgedAt: optTime(r.LastUrgedAt), Version: r.Version, UpdatedAt: r.UpdatedAt.UTC()}
}

// requirementInputText checks the texts of a requirement can be stored.
func requirementInputText(in report.RequirementInput) map[string]string {
	e := map[string]string{}
	texts(e, "title", in.Title)
	texts(e, "detail", in.Detail)
	texts(e, "department", in.Department)
	texts(e, "due_date", in.DueDate)
	for _, f := range in.Fields {
		texts(e, "fields", f.Key, f.Label, f.Unit)
	}
	return e
}

// requirementList: GET /api/v1/docs/{id}/requirements.
func (h *handler) requirementList(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	rs, err := h.deps.Reports.Requirements(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	out := httpx.Map(rs, toRequirementJSON)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
	return nil
}

// requirementAdd: POST /api/v1/docs/{id}/requirements {"title", "detail",
// "department", "due_date", "fields": [{key, label, unit}]} — 201; only on
// a document of the caller's unit not yet issued.
func (h *handler) requirementAdd(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in report.RequirementInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if e := requirementInputText(in); len(e) > 0 {
		return apperr.Invalid(e)
	}
	q, err := h.deps.Reports.AddRequirement(r.Context(), c.Actor, id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"requirement": toRequirementJSON(q)})
	return nil
}

// requirementShow: GET /api/v1/docs/{id}/requirements/{rid}.
func (h *handler) requirementShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid int64) error {
	q, _, err := h.deps.Reports.Requirement(r.Context(), c.Actor, id, rid)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"requirement": toRequirementJSON(q)})
	return nil
}

// requirementRemove: DELETE /api/v1/docs/{id}/requirements/{rid} — 204.
func (h *handler) requirementRemove(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid int64) error {
	ctx := r.Context()
	if err := h.deps.Reports.RemoveRequirement(ctx, c.Actor, id, rid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// countsJSON are the numbers of units in each state under a node.
type countsJSON struct {
	Total        int     `json:"total"`
	Unsigned     int     `json:"unsigned"`
	Signed       int     `json:"signed"`
	Submitted    int     `json:"submitted"`
	Returned     int     `json:"returned"`
	Accepted     int     `json:"accepted"`
	Overdue      int     `json:"overdue"`
	OnTime       int     `json:"on_time"`
	DueSoon      int     `json:"due_soon"`
	Done         int     `json:"done"`
	Completeness float64 `json:"completeness"`
	Timeliness   float64 `json:"timeliness"`
	Colour       string  `json:"colour"`
}

func toCountsJSON(c report.Counts) countsJSON {
	return countsJSON{Total: c.Total, Unsigned: c.Unsigned, Signed: c.Signed, Submitted: c.Submitted, Returned: c.Returned,
		Accepted: c.Accepted, Overdue: c.Overdue, OnTime: c.OnTime, DueSoon: c.DueSoon, Done: c.Done(),
		Completeness: c.Completeness(), Timeliness: c.Timeliness(), Colour: c.Colour()}
}

// groupJSON is one roll-up row: a unit directly under the node (or the
// node itself, self) with the counts of its subtree.
type groupJSON struct {
	OrgCode   string `json:"org_code"`
	OrgName   string `json:"org_name"`
	Kind      string `json:"kind"`
	KindLabel string `json:"kind_label"`
	Self      bool   `json:"self"`
	countsJSON
}

// unitJSON is one reporting unit's row.
type unitJSON struct {
	ReportID     int64          `json:"report_id"`
	OrgCode      string         `json:"org_code"`
	OrgName      string         `json:"org_name"`
	Status       report.Status  `json:"status"`
	State        string         `json:"state"`
	StateLabel   string         `json:"state_label"`
	Colour       string         `json:"colour"`
	ReceivedAt   *time.Time     `json:"received_at"`
	SubmittedAt  *time.Time     `json:"submitted_at"`
	DueAt        time.Time      `json:"due_at"`
	ReturnReason string         `json:"return_reason"`
	Extension    *extensionJSON `json:"extension"`
	LastUrgedAt  *time.Time     `json:"last_urged_at"`
}

func toGroupJSON(g report.Group) groupJSON {
	return groupJSON{OrgCode: g.Org.Code, OrgName: g.Org.Name, Kind: string(g.Org.Kind), KindLabel: g.Org.Kind.Label(),
		Self: g.Self, countsJSON: toCountsJSON(g.Counts)}
}

func toUnitJSON(u report.Report, now time.Time) unitJSON {
	st := u.StateAt(now)
	return unitJSON{ReportID: u.ID, OrgCode: u.OrgCode, OrgName: u.OrgName, Status: u.Status, State: st.Key,
		StateLabel: st.Label, Colour: st.Colour, ReceivedAt: optTime(u.ReceivedAt), SubmittedAt: optTime(u.SubmittedAt),
		DueAt: u.DueAt.UTC(), ReturnReason: u.ReturnReason, Extension: toExtensionJSON(u), LastUrgedAt: optTime(u.LastUrgedAt)}
}

// requirementStatus: GET /api/v1/docs/{id}/requirements/{rid}/status?under=CODE&state=&page=&per_page=
// — the sending side's dashboard: totals under the node (the issuer by
// default), one roll-up row per child, and the reporting units, filtered
// by state, in tree order.
func (h *handler) requirementStatus(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid int64) error {
	q := newQuery(r)
	f := report.UnitFilter{Under: q.text("under", 64), State: q.text("state", 20)}
	if !report.KnownUnitState(f.State) {
		q.fields["state"] = "状态只能是 unsigned、signed、submitted、returned、accepted、overdue 或 missing"
	}
	f.Page, f.PerPage = q.page(50, 500)
	if err := q.err(); err != nil {
		return err
	}
	ctx, a := r.Context(), c.Actor
	dash, err := h.deps.Reports.Dashboard(ctx, a, id, rid, f.Under)
	if err != nil {
		return err
	}
	units, total, err := h.deps.Reports.Units(ctx, a, id, rid, f)
	if err != nil {
		return err
	}
	rows := httpx.Map(units, func(u report.Report) unitJSON { return toUnitJSON(u, dash.Now) })
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"requirement": toRequirementJSON(dash.Requirement),
		"node":        toOrgRef(dash.Node),
		"crumbs":      httpx.Map(dash.Crumbs, toOrgRef),
		"now":         dash.Now.UTC(),
		"counts":      toCountsJSON(dash.Totals),
		"groups":      httpx.Map(dash.Groups, toGroupJSON),
		"units":       rows,
		"total_units": total,
		"page":        f.Page,
		"per_page":    f.PerPage,
	})
	return nil
}

// requirementUrge: POST /api/v1/docs/{id}/requirements/{rid}/urge — 催办
// to every unit that has not reported; {"urged": N}.
func (h *handler) requirementUrge(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid int64) error {
	if err := noBody(r); err != nil {
		return err
	}
	n, err := h.deps.Reports.Urge(r.Context(), c.Actor, id, rid)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"urged": n})
	return nil
}

// reportTodo: GET /api/v1/reports/todo — what the caller's own unit still
// has to report, soonest deadline first.
func (h *handler) reportTodo(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	rs, err := h.deps.Reports.Todo(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	now := h.deps.Reports.Now()
	out := httpx.Map(rs, func(rp report.Report) reportJSON { return toReportJSON(rp, now) })
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
	return nil
}

// reportShow: GET /api/v1/reports/{id} — the report with its requirement
// and attachments.
func (h *handler) reportShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.writeReport(w, r, c, id)
}

// writeReport answers with the report, its requirement and attachments.
func (h *handler) writeReport(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx, a := r.Context(), c.Actor
	rp, err := h.deps.Reports.Get(ctx, a, id)
	if err != nil {
		return err
	}
	q, _, err := h.deps.Reports.Requirement(ctx, a, rp.DocID, rp.RequirementID)
	if err != nil {
		return err
	}
	fs, err := h.deps.Reports.Files(ctx, a, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"report":      toReportJSON(rp, h.deps.Reports.Now()),
		"requirement": toRequirementJSON(q),
		"files":       httpx.Map(fs, toFileJSON),
	})
	return nil
}

// reportInput decodes a report's body and numbers.
func reportInput(r *http.Request) (report.Input, error) {
	var in report.Input
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return in, err
	}
	if !textOK(in.Body) {
		return in, apperr.Field("body", "含有无效字符")
	}
	return in, nil
}

// reportAction is one change to a report: PUT /api/v1/reports/{id} (save
// a draft) or POST /api/v1/reports/{id}/<name>; it answers with the report.
type reportAction struct {
	name string
	do   func(ctx context.Context, s *report.Service, a access.Actor, id int64, r *http.Request) error
}

var (
	reportSave = reportAction{"save", func(ctx context.Context, s *report.Service, a access.Actor, id int64, r *http.Request) error {
		in, err := reportInput(r)
		if err != nil {
			return err
		}
		return s.Save(ctx, a, id, in)
	}}
	reportActions = []reportAction{
		{"submit", func(ctx context.Context, s *report.Service, a access.Actor, id int64, r *http.Request) error {
			in, err := reportInput(r)
			if err != nil {
				return err
			}
			return s.Submit(ctx, a, id, in)
		}},
		{"accept", func(ctx context.Context, s *report.Service, a access.Actor, id int64, r *http.Request) error {
			if err := noBody(r); err != nil {
				return err
			}
			return s.Accept(ctx, a, id)
		}},
		{"return", func(ctx context.Context, s *report.Service, a access.Actor, id int64, r *http.Request) error {
			var b struct {
				Reason string `json:"reason"`
			}
			if err := httpx.DecodeJSON(r, &b); err != nil {
				return err
			}
			if !textOK(b.Reason) {
				return apperr.Field("reason", "含有无效字符")
			}
			return s.Return(ctx, a, id, b.Reason)
		}},
		{"extension", func(ctx context.Context, s *report.Service, a access.Actor, id int64, r *http.Request) error {
			var b struct {
				Until  string `json:"until"`
				Reason string `json:"reason"`
			}
			if err := httpx.DecodeJSON(r, &b); err != nil {
				return err
			}
			e := map[string]string{}
			texts(e, "until", b.Until)
			texts(e, "reason", b.Reason)
			if len(e) > 0 {
				return apperr.Invalid(e)
			}
			return s.RequestExtension(ctx, a, id, b.Until, b.Reason)
		}},
		{"extension/decide", func(ctx context.Context, s *report.Service, a access.Actor, id int64, r *http.Request) error {
			var b struct {
				Grant *bool  `json:"grant"`
				Reply string `json:"reply"`
			}
			if err := httpx.DecodeJSON(r, &b); err != nil {
				return err
			}
			e := map[string]string{}
			if b.Grant == nil {
				e["grant"] = "请选择同意（true）或不同意（false）延期"
			}
			texts(e, "reply", b.Reply)
			if len(e) > 0 {
				return apperr.Invalid(e)
			}
			return s.DecideExtension(ctx, a, id, *b.Grant, b.Reply)
		}},
	}
)

func (h *handler) reportAction(act reportAction) idHandler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
		if err := act.do(r.Context(), h.deps.Reports, c.Actor, id, r); err != nil {
			// The service audits its own refusals.
			return err
		}
		return h.writeReport(w, r, c, id)
	}
}
