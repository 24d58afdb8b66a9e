package web

import (
	"net/http"
	"strconv"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/rights"
)

// caseShowData is a case's page: in full with the forms the actor may
// use, or a line with the break-the-glass form.
type caseShowData struct {
	C             rights.Case
	Now           time.Time
	Today         string
	Errors        map[string]string
	Form          map[string]string
	MayAct        bool // reads it in full, not through a glass, and it is open
	Mine          bool // her unit handles it
	CanAssign     bool
	CanGlass      bool
	CanOverride   bool
	IsDV          bool
	Colleagues    []rights.Colleague
	Danger        []rights.DangerItem
	Yes           map[string]bool // the latest assessment's items
	Consent       map[string]rights.Consent
	Pending       []rights.Move // moves waiting for her unit
	Agencies      []Option
	NoteKinds     []Option
	Outcomes      []Option
	Satisfactions []Option
	RefStatuses   []Option
	OrderKinds    []Option
	Reporters     []Option
	ReferralDays  int // a referral's reply is due this many days on, unless set
}

func (h *handler) caseShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.renderCase(w, r, c, id, http.StatusOK, nil, nil)
}

func (h *handler) renderCase(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int, errs, form map[string]string) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Rights
	k, err := svc.Get(ctx, a, id)
	if err != nil {
		return err
	}
	d := caseShowData{C: k, Now: svc.Now(), Today: svc.Today(), Errors: errs, Form: form,
		Agencies: options(rights.Agencies), NoteKinds: options(rights.NoteKinds), Outcomes: options(rights.Outcomes),
		Satisfactions: options(rights.Satisfactions), RefStatuses: options(rights.ReferralStatuses[1:]), Danger: rights.DangerItems,
		Yes: map[string]bool{}, Consent: map[string]rights.Consent{}, OrderKinds: options(rights.OrderKinds), Reporters: options(rights.ReportAgencies)}
	limits, err := svc.CurrentLimits(ctx)
	if err != nil {
		return err
	}
	d.ReferralDays = limits.ReferralDays
	full := k.Sight == rights.SightFull
	d.MayAct = full && !k.Glass && a.Can(access.RecordCases)
	d.Mine = d.MayAct && k.OrgID == a.OrgID
	d.CanAssign = d.Mine && a.Role == access.Leader && k.Status != rights.Closed
	d.CanGlass = k.Sight == rights.SightLine && a.Can(access.BreakGlass)
	d.CanOverride = a.Can(access.OverrideConsent)
	d.IsDV = rights.Top(k.Category) == "dv"
	if len(k.Assessments) > 0 {
		for _, it := range k.Assessments[0].Items {
			d.Yes[it] = true
		}
	}
	for _, cs := range k.Consents {
		d.Consent[cs.Agency] = cs
	}
	for _, m := range k.Moves {
		if m.Status == "pending" && m.ToOrgID == a.OrgID && a.Role == access.Leader {
			d.Pending = append(d.Pending, m)
		}
	}
	if d.CanAssign {
		if d.Colleagues, err = svc.Colleagues(ctx, a); err != nil {
			return err
		}
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	title := k.Number()
	h.tpl.Page(w, r, status, "case_show", View{Layout: Layout{Title: title, Active: "cases",
		Crumbs: []Crumb{{Href: "/cases", Label: "巾帼维权"}, {Label: title}}}, Data: d})
	return nil
}

// caseAction runs one of a case's actions from its page.
func (h *handler) caseAction(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Rights
	_ = r.ParseForm()
	f := r.PostForm
	v, _ := strconv.Atoi(f.Get("version"))
	action := r.PathValue("action")
	var err error
	var msg string
	switch action {
	case "take":
		err, msg = svc.Take(ctx, a, id, v), "已接案，请在24小时内联系求助人"
	case "assign":
		uid, _ := strconv.ParseInt(f.Get("handler"), 10, 64)
		err, msg = svc.Assign(ctx, a, id, v, uid), "已指定承办人"
	case "note":
		err, msg = svc.AddNote(ctx, a, id, v, f.Get("kind"), f.Get("note")), "已记录"
	case "assess":
		var level rights.Risk
		level, err = svc.Assess(ctx, a, id, v, f["items"])
		msg = "评估结果：" + level.Label() + "危险"
		if level.AtLeastHigh() {
			msg += "。已通知本单位和上级单位负责人，请立即落实安全计划"
		}
	case "consent":
		err, msg = svc.RecordConsent(ctx, a, id, v, rights.ConsentInput{Services: f.Get("services") == "1", Refer: f["refer"], Disclose: f["disclose"]}), "已记录知情同意"
	case "refer":
		_, err = svc.Refer(ctx, a, id, v, rights.ReferInput{Agency: f.Get("agency"), DueOn: f.Get("due_on"), Override: f.Get("override")})
		msg = "已转介"
	case "escalate":
		err, msg = svc.Escalate(ctx, a, id, v, f.Get("reason")), "已上报，等待上级接收"
	case "transfer":
		err, msg = svc.Transfer(ctx, a, id, v, f.Get("to"), f.Get("reason")), "已转办，等待对方接收"
	case "close":
		err, msg = svc.Close(ctx, a, id, v, f.Get("outcome"), f.Get("satisfaction"), f.Get("note")), "案件已办结"
	case "reopen":
		err, msg = svc.Reopen(ctx, a, id, v, f.Get("reason")), "案件已重新打开"
	case "glass":
		err, msg = svc.BreakGlass(ctx, a, id, f.Get("reason")), "已破窗查看：理由已记录，承办人已收到通知"
	case "report":
		err, msg = svc.RecordReport(ctx, a, id, v, f.Get("agency"), f.Get("reported_on"), f.Get("note")), "已记录强制报告"
	case "safety":
		err, msg = svc.MarkSafety(ctx, a, id, v, f["items"]), "已更新安全计划"
	case "order":
		_, err = svc.RecordOrder(ctx, a, id, v, rights.OrderInput{Kind: f.Get("kind"), Urgent: f.Get("urgent") == "1",
			AppliedOn: f.Get("applied_on"), IssuedOn: f.Get("issued_on"), Note: f.Get("note")})
		msg = "已记录"
	case "order-decision":
		oid, _ := strconv.ParseInt(f.Get("order"), 10, 64)
		err, msg = svc.DecideOrder(ctx, a, id, v, oid, f.Get("decision") == "issued", f.Get("issued_on"), f.Get("expires_on")), "已记录法院裁定"
	case "violation":
		oid, _ := strconv.ParseInt(f.Get("order"), 10, 64)
		err, msg = svc.RecordViolation(ctx, a, id, v, oid, f.Get("note")), "已记录违反情况"
	case "remove-file":
		fid, _ := strconv.ParseInt(f.Get("file"), 10, 64)
		err, msg = svc.RemoveFile(ctx, a, id, v, fid, f.Get("reason")), "已移除；原文件仍保存在系统中"
	case "followup":
		fid, _ := strconv.ParseInt(f.Get("followup"), 10, 64)
		err, msg = svc.DoFollowUp(ctx, a, id, v, fid, f.Get("note")), "已记录回访"
	default:
		return apperr.ErrNotFound
	}
	if errs := refusedFields(err, action+"."); errs != nil {
		form := map[string]string{}
		for k := range f {
			form[action+"."+k] = f.Get(k)
		}
		return h.renderCase(w, r, c, id, http.StatusUnprocessableEntity, errs, form)
	}
	return h.finish(w, r, rights.Link(id), err, msg)
}

// caseDecideMove is the receiving unit's leader accepting or refusing an
// escalation or a transfer.
func (h *handler) caseDecideMove(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, moveID int64) error {
	accept := r.PostFormValue("decision") == "accept"
	reply := r.PostFormValue("reply")
	err := h.deps.Rights.DecideMove(r.Context(), c.Actor, id, moveID, accept, reply)
	if errs := refusedFields(err, "move."); errs != nil {
		return h.renderCase(w, r, c, id, http.StatusUnprocessableEntity, errs, map[string]string{"move.reply": reply})
	}
	msg := "已拒收，并告知对方理由"
	if accept {
		msg = "已接收"
	}
	back := rights.Link(id)
	if err == nil && accept {
		back = "/cases?box=inbox"
	}
	return h.finish(w, r, back, err, msg)
}

// caseReferral records an agency's progress on a referral.
func (h *handler) caseReferral(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, refID int64) error {
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	status, reply := r.PostFormValue("status"), r.PostFormValue("reply")
	err := h.deps.Rights.UpdateReferral(r.Context(), c.Actor, id, v, refID, status, reply)
	prefix := "referral." + strconv.FormatInt(refID, 10) + "."
	if errs := refusedFields(err, prefix); errs != nil {
		return h.renderCase(w, r, c, id, http.StatusUnprocessableEntity, errs, map[string]string{prefix + "reply": reply, prefix + "status": status})
	}
	return h.finish(w, r, rights.Link(id)+"#referrals", err, "已记录转介进展")
}

// caseFromNeed turns a 维权 need into a case.
func (h *handler) caseFromNeed(w http.ResponseWriter, r *http.Request, c *httpx.Current, needID int64) error {
	id, err := h.deps.Rights.FromNeed(r.Context(), c.Actor, needID, r.PostFormValue("category"))
	if err != nil {
		return h.finish(w, r, "/needs/"+strconv.FormatInt(needID, 10), err, "")
	}
	redirectFlash(w, r, rights.Link(id), "success", "已转为维权案件，您是承办人")
	return nil
}
