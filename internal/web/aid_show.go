package web

import (
	"net/http"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/httpx"
)

// aidShowData is one application, masked, with its review steps and the
// forms the actor may use; Revealed is set only on the answer to a reveal.
type aidShowData struct {
	X         aid.Application
	P         aid.Programme
	Steps     []aid.Step
	Docs      []aid.DocumentFiles // the documents required at entry, with their files
	Mine      bool                // the collecting unit, still editable
	CanDecide bool                // the unit at the level it waits at
	CanReveal bool
	CanRecord bool   // may record what follows approval (the bank account)
	Returned  string // the latest return's reason
	Revealed  *aid.Personal
	Facts     []Option // the revealed facts, labelled
	Errors    map[string]string
	Form      map[string]string
}

// PassLabel is the pass button's words at the application's level.
func (d aidShowData) PassLabel() string {
	switch d.X.Level {
	case "street":
		return "核实通过"
	case "city":
		return "批准救助"
	}
	return "审核通过"
}

// renderAid renders an application's page; d carries a refused form's
// messages and input, or the revealed personal data.
func (h *handler) renderAid(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int, d aidShowData) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Aid
	x, err := svc.Application(ctx, a, id)
	if err != nil {
		return err
	}
	d.X = x
	if d.P, err = svc.Programme(ctx, a, x.ProgrammeCode); err != nil {
		return err
	}
	if d.Steps, err = svc.Steps(ctx, a, id); err != nil {
		return err
	}
	unit, err := h.aidUnitOf(ctx, a)
	if err != nil {
		return err
	}
	d.Mine = x.OrgID == a.OrgID && a.Can(access.RecordAid) && (x.Status == aid.Draft || x.Status == aid.Returned)
	// The last level is the programme's owner unit's, whatever its kind.
	d.CanDecide = x.Status == aid.Reviewing && x.OrgID != a.OrgID && a.Can(access.RecordAid) &&
		((x.Level == "city" && aid.Manages(a, d.P)) || (x.Level != "city" && unit.Level == x.Level && unit.Org.ID != d.P.OwnerID))
	d.CanReveal = a.Can(access.RevealAid) && !x.Purged
	d.CanRecord = a.Can(access.RecordAid) && !x.Purged
	if d.Docs, err = svc.Documents(ctx, a, id); err != nil {
		return err
	}
	for _, s := range d.Steps {
		if s.Decision == aid.Return {
			d.Returned = s.Reason
		}
	}
	if d.Revealed != nil {
		d.Facts = aidFactLabels(d.P, d.Revealed.Facts)
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	title := x.ProgrammeName + "申请 " + strconv.Itoa(x.Year) + "-" + strconv.FormatInt(x.ID, 10)
	h.tpl.Page(w, r, status, "aid_show", View{Layout: Layout{Title: title, Active: "aid",
		Crumbs: []Crumb{{Href: "/aid", Label: "关爱救助"}, {Label: title}}}, Data: d})
	return nil
}

// aidFactLabels lists revealed facts in the domain's order with Chinese
// labels, a diagnosis key shown as the programme's words for it.
func aidFactLabels(p aid.Programme, facts map[string]string) []Option {
	var out []Option
	for _, f := range aid.Facts {
		v, ok := facts[f.Key]
		if !ok {
			continue
		}
		if f.Key == "diagnosis" {
			for _, dg := range p.Rules.Diagnoses {
				if dg.Key == v {
					v = dg.Label
				}
			}
		}
		out = append(out, Option{f.Label, v})
	}
	return out
}

// aidSubmit sends a draft or returned application up.
func (h *handler) aidSubmit(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err := h.deps.Aid.Submit(r.Context(), c.Actor, id, version)
	if fields, _ := fieldErrors(err); fields[aid.ErrDocumentsField] != "" {
		// Shown beside the documents, where the upload form is.
		return h.renderAid(w, r, c, id, http.StatusUnprocessableEntity, aidShowData{Errors: map[string]string{"documents": fields[aid.ErrDocumentsField]}})
	}
	return h.finish(w, r, aidLink(id), err, "已提交上级审核")
}

// aidDecide is a reviewer's pass, return or reject.
func (h *handler) aidDecide(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	d := aid.Decision{Decision: r.PostFormValue("decision"), Reason: r.PostFormValue("reason"), Version: version}
	x, err := h.deps.Aid.Decide(r.Context(), c.Actor, id, d)
	if fields, _ := fieldErrors(err); fields["reason"] != "" && refused(err) {
		return h.renderAid(w, r, c, id, http.StatusUnprocessableEntity, aidShowData{Errors: map[string]string{"decide.reason": fields["reason"]},
			Form: map[string]string{"decide.reason": d.Reason}})
	}
	msg := "已审核通过，报上一级"
	switch {
	case d.Decision == aid.Return:
		msg = "已退回录入单位"
	case d.Decision == aid.Reject:
		msg = "已决定不予救助"
	case err == nil && x.Status == aid.Approved:
		msg = "已批准救助"
	}
	return h.finish(w, r, aidLink(id), err, msg)
}

// aidReveal opens the personal data for a leader with a typed reason and
// answers with the page itself: the values are never in a URL, and the
// response is not to be stored anywhere.
func (h *handler) aidReveal(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	w.Header().Set("Cache-Control", "no-store")
	reason := r.PostFormValue("reason")
	p, err := h.deps.Aid.Reveal(r.Context(), c.Actor, id, reason)
	if fields, _ := fieldErrors(err); fields["reason"] != "" && refused(err) {
		return h.renderAid(w, r, c, id, http.StatusUnprocessableEntity, aidShowData{Errors: map[string]string{"reveal.reason": fields["reason"]},
			Form: map[string]string{"reveal.reason": reason}})
	}
	if err != nil {
		return err
	}
	return h.renderAid(w, r, c, id, http.StatusOK, aidShowData{Revealed: &p})
}
