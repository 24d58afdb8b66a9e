package api

import (
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/rights"
)

// caseRoutes is 巾帼维权 under /api/v1/cases: the same domain calls as the
// pages, the same sight of each case.
func (h *handler) caseRoutes(mux httpx.Mux) {
	route(mux, "/api/v1/cases", methods{"GET": h.can(access.ViewCases, h.caseList), "POST": h.can(access.RecordCases, h.caseCreate)})
	routeBeside(mux, "/api/v1/cases/stats", methods{"GET": h.can(access.ViewCases, h.caseStats)})
	route(mux, "/api/v1/cases/{id}", methods{"GET": h.can(access.ViewCases, httpx.ID(h.caseShow))})
	for _, action := range caseActions {
		route(mux, "/api/v1/cases/{id}/"+action, methods{"POST": h.can(access.ViewCases, httpx.ID(h.caseAction(action)))})
	}
	route(mux, "/api/v1/cases/{id}/files", methods{"POST": upload{h.can(access.RecordCases, httpx.ID(h.caseFilesAdd))}})
	route(mux, "/api/v1/cases/{id}/files/{fid}", methods{"GET": h.can(access.ViewCases, httpx.IDs("fid", h.caseFile))})
	route(mux, "/api/v1/cases/{id}/referrals/{fid}", methods{"POST": h.can(access.RecordCases, httpx.IDs("fid", h.caseReply))})
	route(mux, "/api/v1/cases/{id}/moves/{fid}", methods{"POST": h.can(access.RecordCases, httpx.IDs("fid", h.caseDecide))})
}

// caseActions are a case's actions, each POST /api/v1/cases/{id}/ACTION.
var caseActions = []string{"take", "assign", "note", "assess", "consent", "refer", "escalate", "transfer", "close", "reopen", "break-glass",
	"order", "order-decision", "violation", "follow-up", "report", "safety", "remove-file"}

// caseJSON is a case as its reader may see it: the personal fields only
// when "sight" is "full".
type caseJSON struct {
	ID            int64            `json:"id"`
	Number        string           `json:"number"`
	Sight         string           `json:"sight"` // line, full
	Glass         bool             `json:"glass"`
	OrgCode       string           `json:"org_code"`
	OrgName       string           `json:"org_name"`
	Channel       string           `json:"channel"`
	ChannelLabel  string           `json:"channel_label"`
	SourceAgency  string           `json:"source_agency,omitempty"`
	Category      string           `json:"category"`
	CategoryLabel string           `json:"category_label"`
	Risk          string           `json:"risk"`
	RiskLabel     string           `json:"risk_label"`
	Status        string           `json:"status"`
	StatusLabel   string           `json:"status_label"`
	Handler       string           `json:"handler"`
	ReceivedAt    time.Time        `json:"received_at"`
	ContactDue    time.Time        `json:"contact_due"`
	ContactedAt   *time.Time       `json:"contacted_at"`
	RouteDue      time.Time        `json:"route_due"`
	RoutedAt      *time.Time       `json:"routed_at"`
	ClosedAt      *time.Time       `json:"closed_at"`
	Outcome       string           `json:"outcome,omitempty"`
	Overdue       string           `json:"overdue,omitempty"`
	Version       int              `json:"version"`
	Full          *caseDetailJSON  `json:"detail,omitempty"`
	Parties       []casePartyJSON  `json:"parties,omitempty"`
	Referrals     []caseRefJSON    `json:"referrals,omitempty"`
	Timeline      []caseEventJSON  `json:"timeline,omitempty"`
	Moves         []caseMoveJSON   `json:"moves,omitempty"`
	Consents      []rights.Consent `json:"consents,omitempty"`
	Orders        []caseOrderJSON  `json:"orders,omitempty"`
	FollowUps     []caseFollowJSON `json:"follow_ups,omitempty"`
	Reports       []caseReportJSON `json:"mandatory_reports,omitempty"`
	NeedsReport   bool             `json:"needs_mandatory_report,omitempty"`
	Safety        []caseSafetyJSON `json:"safety_plan,omitempty"`
	Files         []caseFileJSON   `json:"files,omitempty"`
}

type caseOrderJSON struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	Urgent     bool       `json:"urgent"`
	AppliedAt  *time.Time `json:"applied_at"`
	DecideBy   *time.Time `json:"decide_by"`
	Status     string     `json:"status"`
	IssuedOn   string     `json:"issued_on"`
	ExpiresOn  string     `json:"expires_on"`
	Violations int        `json:"violations"`
}

type caseFollowJSON struct {
	ID     int64      `json:"id"`
	DueOn  string     `json:"due_on"`
	DoneAt *time.Time `json:"done_at"`
	Note   string     `json:"note"`
}

type caseReportJSON struct {
	Agency     string `json:"agency"`
	ReportedOn string `json:"reported_on"`
	By         string `json:"by"`
}

type caseSafetyJSON struct {
	Item   string     `json:"item"`
	Label  string     `json:"label"`
	DoneAt *time.Time `json:"done_at"`
}

type caseDetailJSON struct {
	Narrative   string `json:"narrative"`
	Phone       string `json:"phone"`
	ContactTime string `json:"contact_time"`
	NoCall      bool   `json:"no_call"`
	Anonymous   bool   `json:"anonymous"`
	Consent     bool   `json:"consent_services"`
	NeedID      int64  `json:"need_id,omitempty"`
}

type casePartyJSON struct {
	Role     string `json:"role"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Address  string `json:"address"`
	Relation string `json:"relation"`
	AgeGroup string `json:"age_group"`
	Disabled bool   `json:"disabled"`
	Ill      bool   `json:"ill"`
}

type caseRefJSON struct {
	ID             int64  `json:"id"`
	Agency         string `json:"agency"`
	Status         string `json:"status"`
	DueOn          string `json:"due_on"`
	Disclose       bool   `json:"disclose"`
	Reply          string `json:"reply"`
	OverrideReason string `json:"override_reason,omitempty"`
}

type caseEventJSON struct {
	Kind  string    `json:"kind"`
	Label string    `json:"label"`
	Note  string    `json:"note"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

type caseMoveJSON struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	To     string `json:"to"`
	Status string `json:"status"`
	Reason string `json:"reason"`
	Reply  string `json:"reply"`
}

func toCaseJSON(c rights.Case, now time.Time) caseJSON {
	out := caseJSON{ID: c.ID, Number: c.Number(), Sight: "line", Glass: c.Glass, OrgCode: c.OrgCode, OrgName: c.OrgName,
		Channel: c.Channel, ChannelLabel: rights.Label("channel", c.Channel), SourceAgency: c.SourceAgency, Category: c.Category,
		CategoryLabel: c.CategoryName, Risk: string(c.Risk), RiskLabel: c.Risk.Label(), Status: string(c.Status), StatusLabel: c.Status.Label(),
		Handler: c.HandlerName, ReceivedAt: c.ReceivedAt, ContactDue: c.ContactDue, ContactedAt: optTime(c.ContactedAt),
		RouteDue: c.RouteDue, RoutedAt: optTime(c.RoutedAt), ClosedAt: optTime(c.ClosedAt), Outcome: c.Outcome,
		Overdue: c.Overdue(now), Version: c.Version}
	if c.Sight != rights.SightFull {
		return out
	}
	out.Sight = "full"
	out.Full = &caseDetailJSON{Narrative: c.Narrative, Phone: c.Phone, ContactTime: c.ContactTime, NoCall: c.NoCall,
		Anonymous: c.Anonymous, Consent: c.Consent, NeedID: c.NeedID}
	out.Parties = httpx.Map(c.Parties, func(p rights.Party) casePartyJSON {
		return casePartyJSON{p.Role, p.Name, p.Phone, p.Address, p.Relation, p.AgeGroup, p.Disabled, p.Ill}
	})
	out.Referrals = httpx.Map(c.Referrals, func(r rights.Referral) caseRefJSON {
		return caseRefJSON{r.ID, r.Agency, string(r.Status), r.DueOn, r.Disclose, r.Reply, r.OverrideReason}
	})
	out.Timeline = httpx.Map(c.Events, func(e rights.Event) caseEventJSON {
		return caseEventJSON{e.Kind, rights.Label("event", e.Kind), e.Note, e.By, e.At}
	})
	out.Moves = httpx.Map(c.Moves, func(m rights.Move) caseMoveJSON {
		return caseMoveJSON{m.ID, m.Kind, m.ToName, m.Status, m.Reason, m.Reply}
	})
	out.Consents = c.Consents
	out.Orders = httpx.Map(c.Orders, func(o rights.Order) caseOrderJSON {
		return caseOrderJSON{o.ID, o.Kind, o.Urgent, optTime(o.AppliedAt), optTime(o.DecideBy), o.Status, o.IssuedOn, o.ExpiresOn, o.Violations}
	})
	out.FollowUps = httpx.Map(c.FollowUps, func(f rights.FollowUp) caseFollowJSON {
		return caseFollowJSON{f.ID, f.DueOn, optTime(f.DoneAt), f.Note}
	})
	out.Reports = httpx.Map(c.Reports, func(r rights.MandatoryReport) caseReportJSON { return caseReportJSON{r.Agency, r.ReportedOn, r.By} })
	out.NeedsReport = c.NeedsReport()
	out.Safety = httpx.Map(c.Safety, func(it rights.SafetyItem) caseSafetyJSON {
		return caseSafetyJSON{it.Item, it.Label, optTime(it.DoneAt)}
	})
	out.Files = httpx.Map(c.Files, func(f rights.CaseFile) caseFileJSON { return toCaseFileJSON(c.ID, f) })
	return out
}

// caseList: GET /api/v1/cases?box=inbox|mine&under=&status=&category=&channel=&risk=&page=&per_page=
// — lines without names.
func (h *handler) caseList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := rights.Filter{Under: q.text("under", 40), Box: q.text("box", 10), Status: q.text("status", 20),
		Category: q.text("category", 40), Channel: q.text("channel", 20), Risk: q.text("risk", 20)}
	f.Page.Page, f.Page.PerPage = q.page(30, 200)
	if err := q.err(); err != nil {
		return err
	}
	svc := h.deps.Rights
	rows, total, err := svc.List(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	now := svc.Now()
	out := httpx.Map(rows, func(k rights.Case) caseJSON { k.Sight = rights.SightLine; return toCaseJSON(k, now) })
	httpx.WriteJSON(w, http.StatusOK, newList(out, total, f.Page.Page, f.Page.PerPage))
	return nil
}

// caseCreate: POST /api/v1/cases {channel, source_agency, category,
// anonymous, narrative, phone, contact_time, no_call, received_on, take,
// parties: [{role, name, phone, address, relation, age_group, disabled,
// ill}]} — 201 with the case.
func (h *handler) caseCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in rights.Input
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "narrative", in.Narrative, in.Phone, in.ContactTime, in.Category, in.Channel, in.SourceAgency, in.ReceivedOn)
	for _, p := range in.Parties {
		texts(e, "parties", p.Role, p.Name, p.Phone, p.Address, p.Relation, p.AgeGroup)
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	ctx, svc := r.Context(), h.deps.Rights
	id, err := svc.Intake(ctx, c.Actor, in)
	if err != nil {
		return err
	}
	k, err := svc.Get(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"case": toCaseJSON(k, svc.Now())})
	return nil
}

// caseShow: GET /api/v1/cases/{id} — in full for its readers, a line for
// the units above (a read through a broken glass is audited).
func (h *handler) caseShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	svc := h.deps.Rights
	k, err := svc.Get(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"case": toCaseJSON(k, svc.Now())})
	return nil
}

// caseActionInput is every action's body; each reads its own fields.
type caseActionInput struct {
	Version      int      `json:"version"`
	Handler      int64    `json:"handler"`
	Kind         string   `json:"kind"`
	Note         string   `json:"note"`
	Items        []string `json:"items"`
	Services     bool     `json:"services"`
	Refer        []string `json:"refer"`
	Disclose     []string `json:"disclose"`
	Agency       string   `json:"agency"`
	DueOn        string   `json:"due_on"`
	Override     string   `json:"override"`
	Reason       string   `json:"reason"`
	To           string   `json:"to"`
	Outcome      string   `json:"outcome"`
	Satisfaction string   `json:"satisfaction"`
	// Orders, follow-ups, the 强制报告 and the safety plan.
	Order      rights.OrderInput `json:"order"`
	OrderID    int64             `json:"order_id"`
	Issued     bool              `json:"issued"`
	IssuedOn   string            `json:"issued_on"`
	ExpiresOn  string            `json:"expires_on"`
	FollowUp   int64             `json:"follow_up"`
	ReportedOn string            `json:"reported_on"`
	File       int64             `json:"file"` // remove-file
}

// caseAction: POST /api/v1/cases/{id}/ACTION — take {version}, assign
// {version, handler}, note {version, kind, note}, assess {version,
// items} (→ {risk}), consent {version, services, refer, disclose}, refer
// {version, agency, due_on, override} (→ {id}), escalate {version,
// reason}, transfer {version, to, reason}, close {version, outcome,
// satisfaction, note}, reopen {version, reason}, break-glass {reason},
// remove-file {version, file, reason}.
// 204 unless it says.
func (h *handler) caseAction(action string) idHandler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
		var in caseActionInput
		if err := httpx.DecodeJSON(r, &in); err != nil {
			return err
		}
		e := map[string]string{}
		texts(e, "note", in.Note, in.Kind)
		texts(e, "reason", in.Reason, in.Override, in.To)
		texts(e, "items", in.Items...)
		texts(e, "agency", append(append([]string{in.Agency, in.DueOn, in.Outcome, in.Satisfaction}, in.Refer...), in.Disclose...)...)
		texts(e, "order", in.Order.Kind, in.Order.AppliedOn, in.Order.IssuedOn, in.Order.ExpiresOn, in.Order.Note, in.IssuedOn, in.ExpiresOn, in.ReportedOn)
		if len(e) > 0 {
			return apperr.Invalid(e)
		}
		ctx, svc, a, v := r.Context(), h.deps.Rights, c.Actor, in.Version
		var err error
		switch action {
		case "take":
			err = svc.Take(ctx, a, id, v)
		case "assign":
			err = svc.Assign(ctx, a, id, v, in.Handler)
		case "note":
			err = svc.AddNote(ctx, a, id, v, in.Kind, in.Note)
		case "assess":
			var risk rights.Risk
			if risk, err = svc.Assess(ctx, a, id, v, in.Items); err == nil {
				httpx.WriteJSON(w, http.StatusOK, map[string]string{"risk": string(risk), "risk_label": risk.Label()})
				return nil
			}
		case "consent":
			err = svc.RecordConsent(ctx, a, id, v, rights.ConsentInput{Services: in.Services, Refer: in.Refer, Disclose: in.Disclose})
		case "refer":
			var ref int64
			if ref, err = svc.Refer(ctx, a, id, v, rights.ReferInput{Agency: in.Agency, DueOn: in.DueOn, Override: in.Override}); err == nil {
				httpx.WriteJSON(w, http.StatusCreated, map[string]int64{"id": ref})
				return nil
			}
		case "escalate":
			err = svc.Escalate(ctx, a, id, v, in.Reason)
		case "transfer":
			err = svc.Transfer(ctx, a, id, v, in.To, in.Reason)
		case "close":
			err = svc.Close(ctx, a, id, v, in.Outcome, in.Satisfaction, in.Note)
		case "reopen":
			err = svc.Reopen(ctx, a, id, v, in.Reason)
		case "break-glass":
			err = svc.BreakGlass(ctx, a, id, in.Reason)
		case "order":
			var oid int64
			if oid, err = svc.RecordOrder(ctx, a, id, v, in.Order); err == nil {
				httpx.WriteJSON(w, http.StatusCreated, map[string]int64{"id": oid})
				return nil
			}
		case "order-decision":
			err = svc.DecideOrder(ctx, a, id, v, in.OrderID, in.Issued, in.IssuedOn, in.ExpiresOn)
		case "violation":
			err = svc.RecordViolation(ctx, a, id, v, in.OrderID, in.Note)
		case "follow-up":
			err = svc.DoFollowUp(ctx, a, id, v, in.FollowUp, in.Note)
		case "report":
			err = svc.RecordReport(ctx, a, id, v, in.Agency, in.ReportedOn, in.Note)
		case "safety":
			err = svc.MarkSafety(ctx, a, id, v, in.Items)
		case "remove-file":
			err = svc.RemoveFile(ctx, a, id, v, in.File, in.Reason)
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// caseReply: POST /api/v1/cases/{id}/referrals/{fid} {version, status,
// reply} — an agency's progress on a referral (received, replied, done).
func (h *handler) caseReply(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, ref int64) error {
	var in struct {
		Version int    `json:"version"`
		Status  string `json:"status"`
		Reply   string `json:"reply"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if !textOK(in.Reply) || !textOK(in.Status) {
		return apperr.Field("reply", "含有无效字符")
	}
	if err := h.deps.Rights.UpdateReferral(r.Context(), c.Actor, id, in.Version, ref, in.Status, in.Reply); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// caseDecide: POST /api/v1/cases/{id}/moves/{fid} {accept, reply} — the
// receiving unit's leader on an escalation or a transfer.
func (h *handler) caseDecide(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, move int64) error {
	var in struct {
		Accept bool   `json:"accept"`
		Reply  string `json:"reply"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if !textOK(in.Reply) {
		return apperr.Field("reply", "含有无效字符")
	}
	if err := h.deps.Rights.DecideMove(r.Context(), c.Actor, id, move, in.Accept, in.Reply); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// caseStats: GET /api/v1/cases/stats?under=CODE&year=2026&month=2026-11 —
// the unit's cases by category, channel, danger level, outcome and month,
// and the roll-up by the units below (columns named in "columns"). Exact
// counts: the "<5" of the monthly report is for what leaves the unit.
func (h *handler) caseStats(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	under, month := q.text("under", 40), q.text("month", 7)
	svc := h.deps.Rights
	year := q.number("year", svc.Now().Year(), 2015, svc.Now().Year()+1)
	if err := q.err(); err != nil {
		return err
	}
	st, err := svc.Stats(r.Context(), c.Actor, under, year, month)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"node": map[string]string{"code": st.Node.Code, "name": st.Node.Name},
		"year": st.Year, "month": st.Month, "total": st.Total, "closed": st.Closed, "by_category": st.ByCategory,
		"by_channel": st.ByChannel, "by_risk": st.ByRisk, "by_outcome": st.ByOutcome, "by_month": st.ByMonth,
		"columns": st.Columns, "rows": toRollupRows(st.Rows), "totals": st.Totals})
	return nil
}
