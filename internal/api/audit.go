package api

import (
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/httpx"
)

// eventJSON is an audit event; times are RFC 3339 in UTC.
type eventJSON struct {
	Seq          int64     `json:"seq"`
	At           time.Time `json:"at"`
	Username     string    `json:"username"`
	OrgCode      string    `json:"org_code"`
	Action       string    `json:"action"`
	ObjectType   string    `json:"object_type"`
	ObjectID     string    `json:"object_id"`
	IP           string    `json:"ip"`
	Outcome      string    `json:"outcome"`
	OutcomeLabel string    `json:"outcome_label"`
	Detail       string    `json:"detail"`
	Alert        bool      `json:"alert"` // an alert for the auditor (action alert.*)
	Hash         string    `json:"hash"`
}

func toEventJSON(e audit.Event) eventJSON {
	return eventJSON{Seq: e.Seq, At: e.At.UTC(), Username: e.Username, OrgCode: e.OrgCode,
		Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, IP: e.IP,
		Outcome: e.Outcome, OutcomeLabel: e.OutcomeLabel(), Detail: e.Detail, Alert: e.Alert(), Hash: e.Hash}
}

// auditList: GET /api/v1/audit?from=&to=&username=&action=&outcome=&q=&alert=&page=&per_page=
// — the auditor only (the refusal of anyone else is audited); newest first.
// alert=1 lists only the alerts (actions alert.*).
func (h *handler) auditList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if !c.Actor.Can(access.ReadAudit) {
		return access.ErrDenied
	}
	q := newQuery(r)
	f := audit.Filter{From: q.when("from", false), To: q.when("to", true),
		Username: q.text("username", 64), Action: q.text("action", 64), Outcome: q.text("outcome", 10), Q: q.text("q", 100)}
	switch f.Outcome {
	case "", audit.OK, audit.Fail, audit.Denied:
	default:
		q.fields["outcome"] = "结果只能是 ok、fail 或 denied"
	}
	switch q.text("alert", 5) {
	case "", "0", "false":
	case "1", "true":
		if f.Action != "" && f.Action != audit.AlertPrefix {
			q.fields["alert"] = "只看警报时不能再按操作筛选"
		}
		f.Action = audit.AlertPrefix
	default:
		q.fields["alert"] = "alert 只能是 1 或 0"
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		q.fields["to"] = "结束时间须晚于开始时间"
	}
	f.Page, f.PerPage = q.page(audit.DefaultPerPage, audit.MaxPerPage)
	if err := q.err(); err != nil {
		return err
	}
	events, total, err := audit.ListFor(r.Context(), h.deps.DB.Q(), c.Actor, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(httpx.Map(events, toEventJSON), total, f.Page, f.PerPage))
	return nil
}
