package report

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/notify"
)

// Status is where a unit's report stands, as stored.
type Status string

// Report statuses as stored.
const (
	Pending   Status = "pending"   // nothing written yet
	DraftS    Status = "draft"     // saved, not submitted
	Submitted Status = "submitted" // 已报送
	Returned  Status = "returned"  // 已退回
	Accepted  Status = "accepted"  // 已采纳
)

// Label is the status's Chinese name.
func (s Status) Label() string {
	switch s {
	case Pending:
		return "待报送"
	case DraftS:
		return "草稿已存"
	case Submitted:
		return "已报送"
	case Returned:
		return "已退回"
	case Accepted:
		return "已采纳"
	}
	return string(s)
}

// ExtStatus is where a unit's request for a later deadline stands; ""
// when it asked for none.
type ExtStatus string

// Extension statuses as stored.
const (
	ExtRequested ExtStatus = "requested"
	ExtGranted   ExtStatus = "granted"
	ExtRefused   ExtStatus = "refused"
)

// Label is the extension status's Chinese name ("" when none was asked).
func (s ExtStatus) Label() string {
	switch s {
	case ExtRequested:
		return "延期申请审批中"
	case ExtGranted:
		return "已同意延期"
	case ExtRefused:
		return "延期未获同意"
	}
	return ""
}

// Colour is the badge colour of the extension status: yellow while it
// waits, green when granted, red when refused.
func (s ExtStatus) Colour() string {
	switch s {
	case ExtGranted:
		return "green"
	case ExtRefused:
		return "red"
	}
	return "yellow"
}

// Report is one unit's report under a requirement.
type Report struct {
	ID              int64
	RequirementID   int64
	DocID           int64
	IssuerOrgID     int64
	OrgID           int64
	OrgCode         string
	OrgName         string
	OrgPath         string
	Status          Status
	DueAt           time.Time
	Body            string
	Numbers         map[string]float64
	SubmittedAt     time.Time
	SubmittedBy     string
	DecidedAt       time.Time
	DecidedBy       string
	ReturnReason    string
	ExtStatus       ExtStatus
	ExtUntil        string
	ExtReason       string
	ExtReply        string
	ReceivedAt      time.Time // the unit's 签收 of the document
	LastUrgedAt     time.Time
	UpdatedAt       time.Time
	Version         int
	RequirementName string
	DocNumber       string
	DocTitle        string
}

// Done reports whether the unit has reported (submitted or accepted).
func (r Report) Done() bool { return r.Status == Submitted || r.Status == Accepted }

// State is the dashboard's view of a report.
type State struct {
	Key    string // unsigned, signed, submitted, returned, accepted, overdue
	Label  string // 未签收 / 已签收 / 已报送 / 已退回 / 已采纳 / 逾期
	Colour string // green, yellow, red
}

// StateAt is the report's state at time now: its status, 逾期 when the
// deadline passed without a report; green when on time, yellow when due
// within 3 days, red when overdue (or reported late).
func (r Report) StateAt(now time.Time) State {
	colour := "green"
	switch {
	case r.Done() && r.SubmittedAt.After(r.DueAt):
		colour = "red"
	case r.Done():
	case now.After(r.DueAt):
		colour = "red"
	case r.DueAt.Sub(now) <= 3*24*time.Hour:
		colour = "yellow"
	}
	switch {
	case r.Status == Accepted:
		return State{"accepted", "已采纳", colour}
	case r.Status == Submitted:
		return State{"submitted", "已报送", colour}
	case r.Status == Returned && now.After(r.DueAt):
		return State{"returned", "已退回（逾期）", colour}
	case r.Status == Returned:
		return State{"returned", "已退回", colour}
	case now.After(r.DueAt):
		return State{"overdue", "逾期", colour}
	case !r.ReceivedAt.IsZero():
		return State{"signed", "已签收", colour}
	}
	return State{"unsigned", "未签收", colour}
}

const reportColumns = `rp.id, rp.requirement_id, rq.doc_id, d.org_id, rp.org_id, o.code, o.name, o.path, rp.status, rp.due_at,
	rp.body, rp.numbers, COALESCE(rp.submitted_at, 0), COALESCE(us.display_name, ''), COALESCE(rp.decided_at, 0),
	COALESCE(ud.display_name, ''), rp.return_reason, rp.extension_status, rp.extension_until, rp.extension_reason,
	rp.extension_reply, COALESCE(rp.received_at, 0), COALESCE(rp.last_urged_at, 0), rp.updated_at, rp.version, rq.title, d.number, d.title`

const reportFrom = ` FROM reports rp
	JOIN requirements rq ON rq.id = rp.requirement_id
	JOIN documents d ON d.id = rq.doc_id
	JOIN orgs o ON o.id = rp.org_id
	LEFT JOIN users us ON us.id = rp.submitted_by
	LEFT JOIN users ud ON ud.id = rp.decided_by`

func scanReport(row db.Scanner) (Report, error) {
	var r Report
	var due, sub, dec, recv, urged, upd int64
	var numbers string
	err := row.Scan(&r.ID, &r.RequirementID, &r.DocID, &r.IssuerOrgID, &r.OrgID, &r.OrgCode, &r.OrgName, &r.OrgPath, &r.Status, &due,
		&r.Body, &numbers, &sub, &r.SubmittedBy, &dec, &r.DecidedBy, &r.ReturnReason, &r.ExtStatus, &r.ExtUntil, &r.ExtReason,
		&r.ExtReply, &recv, &urged, &upd, &r.Version, &r.RequirementName, &r.DocNumber, &r.DocTitle)
	if err != nil {
		return r, err
	}
	r.Numbers = map[string]float64{}
	_ = json.Unmarshal([]byte(numbers), &r.Numbers)
	r.DueAt, r.UpdatedAt = db.FromMillis(due), db.FromMillis(upd)
	r.SubmittedAt, r.DecidedAt, r.ReceivedAt, r.LastUrgedAt = opt(sub), opt(dec), opt(recv), opt(urged)
	return r, nil
}

func opt(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return db.FromMillis(ms)
}

func (s *Service) reportByID(ctx context.Context, q db.Querier, id int64) (Report, error) {
	r, err := scanReport(q.QueryRow(ctx, `SELECT `+reportColumns+reportFrom+` WHERE rp.id = ?`, id))
	return r, db.NoRows(err)
}

// Get returns a report the actor may see: their own unit's (or a unit's in
// their scope), or any report under a document issued by a unit in their
// scope (the sending side).
func (s *Service) Get(ctx context.Context, a access.Actor, id int64) (Report, error) {
	r, err := s.reportByID(ctx, s.DB.Q(), id)
	if err != nil {
		return Report{}, err
	}
	if !a.Can(access.ViewDocs) {
		return Report{}, db.ErrNotFound
	}
	if a.Scope().Contains(r.OrgPath) {
		return r, nil
	}
	issuer, err := s.Orgs.ByID(ctx, s.DB.Q(), r.IssuerOrgID)
	if err != nil || !a.Scope().Contains(issuer.Path) {
		return Report{}, db.ErrNotFound
	}
	return r, nil
}

// mine loads a report the actor's own unit writes.
func (s *Service) mine(ctx context.Context, a access.Actor, id int64, action string) (Report, error) {
	r, err := s.Get(ctx, a, id)
	if err != nil {
		return Report{}, err
	}
	if err := a.MayChange(access.ReceiveDocs, r.OrgPath, ""); err != nil {
		return Report{}, s.refuse(ctx, a, action, strconv.FormatInt(id, 10), err)
	}
	if r.OrgID != a.OrgID { // the unit's own report: written by that unit only
		return Report{}, s.deny(ctx, a, action, strconv.FormatInt(id, 10))
	}
	return r, nil
}

// theirs loads a report for a decision by the issuing unit.
func (s *Service) theirs(ctx context.Context, a access.Actor, id int64, action string) (Report, error) {
	r, err := s.Get(ctx, a, id)
	if err != nil {
		return Report{}, err
	}
	if err := a.MayChange(access.ManageReports, r.OrgPath, ""); err != nil {
		return Report{}, s.refuse(ctx, a, action, strconv.FormatInt(id, 10), err)
	}
	if r.IssuerOrgID != a.OrgID {
		return Report{}, s.deny(ctx, a, action, strconv.FormatInt(id, 10))
	}
	return r, nil
}

// Input is what a unit writes in its report.
type Input struct {
	Body    string             `json:"body"`
	Numbers map[string]float64 `json:"numbers"`
}

func (s *Service) checkInput(ctx context.Context, r Report, in *Input, submitting bool) error {
	in.Body = strings.TrimSpace(in.Body)
	e := map[string]string{}
	if submitting && in.Body == "" {
		e["body"] = "请填写报送内容"
	}
	if utf8.RuneCountInString(in.Body) > 20000 {
		e["body"] = "报送内容不能超过 20000 字"
	}
	req, err := s.requirement(ctx, s.DB.Q(), r.RequirementID)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, f := range req.Fields {
		known[f.Key] = true
		v, ok := in.Numbers[f.Key]
		switch {
		case !ok && submitting:
			e["numbers."+f.Key] = "请填写" + f.Label
		case ok && (v < 0 || v > 1e9 || math.IsNaN(v) || v != math.Trunc(v)):
			e["numbers."+f.Key] = f.Label + "应为不小于 0 的整数"
		}
	}
	for k := range in.Numbers {
		if !known[k] {
			e["numbers."+k] = "没有这个统计项"
		}
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	if in.Numbers == nil {
		in.Numbers = map[string]float64{}
	}
	return nil
}

// Save keeps a draft of the unit's report.
func (s *Service) Save(ctx context.Context, a access.Actor, id int64, in Input) error {
	return s.SaveWith(ctx, a, id, in, nil)
}

// SaveWith is Save that also runs also (when not nil) in the same
// transaction, so a change that goes with the numbers — the study
// activities they were counted from — commits with them or not at all.
func (s *Service) SaveWith(ctx context.Context, a access.Actor, id int64, in Input, also func(tx *db.Tx) error) error {
	r, err := s.mine(ctx, a, id, "report.save")
	if err != nil {
		return err
	}
	if r.Done() {
		return doneError(r)
	}
	if err := s.checkInput(ctx, r, &in, false); err != nil {
		return err
	}
	status := DraftS
	if r.Status == Returned {
		status = Returned // still to be resubmitted; the reason stays visible
	}
	nums, _ := json.Marshal(in.Numbers)
	return s.update(ctx, a, r, "report.save", "", change{set: `status = ?, body = ?, numbers = ?`,
		args: []any{status, in.Body, string(nums)}, also: also})
}

func doneError(r Report) *apperr.Error {
	if r.Status == Accepted {
		return apperr.New(http.StatusConflict, "already_accepted", "报送已被采纳，不能再修改或重报")
	}
	return apperr.New(http.StatusConflict, "already_submitted", "已报送，等待审核；如需修改，请联系报送部门退回")
}

// Submit sends the unit's report.
func (s *Service) Submit(ctx context.Context, a access.Actor, id int64, in Input) error {
	r, err := s.mine(ctx, a, id, "report.submit")
	if err != nil {
		return err
	}
	if r.Done() {
		return doneError(r)
	}
	if err := s.checkInput(ctx, r, &in, true); err != nil {
		return err
	}
	nums, _ := json.Marshal(in.Numbers)
	now := db.Millis(s.Now())
	// A resubmission answers the return: its reason stays in the audit log.
	return s.update(ctx, a, r, "report.submit", "", change{set: `status = 'submitted', body = ?, numbers = ?, submitted_at = ?, submitted_by = ?, return_reason = ''`,
		args: []any{in.Body, string(nums), now, a.UserID}})
}

// Accept is the department's 采纳 of a submitted report.
func (s *Service) Accept(ctx context.Context, a access.Actor, id int64) error {
	r, err := s.theirs(ctx, a, id, "report.accept")
	if err != nil {
		return err
	}
	if r.Status != Submitted {
		return apperr.New(http.StatusConflict, "wrong_status", "只有已报送的报告可以采纳")
	}
	if err := s.independentOfSubmitter(ctx, a, r, "report.accept"); err != nil {
		return err
	}
	return s.update(ctx, a, r, "report.accept", "", change{set: `status = 'accepted', decided_at = ?, decided_by = ?`,
		args: []any{db.Millis(s.Now()), a.UserID}})
}

// Return sends a submitted report back with a reason; the unit is told.
func (s *Service) Return(ctx context.Context, a access.Actor, id int64, reason string) error {
	r, err := s.theirs(ctx, a, id, "report.return")
	if err != nil {
		return err
	}
	if r.Status != Submitted {
		return apperr.New(http.StatusConflict, "wrong_status", "只有已报送的报告可以退回")
	}
	if err := s.independentOfSubmitter(ctx, a, r, "report.return"); err != nil {
		return err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return apperr.Field("reason", "请写明退回理由")
	} else if utf8.RuneCountInString(reason) > 500 {
		return apperr.Field("reason", "退回理由不能超过 500 字")
	}
	msg := notify.Message{Kind: "report.returned", Title: "报送被退回：" + r.RequirementName, Body: reason, Link: reportLink(r)}
	return s.update(ctx, a, r, "report.return", "", change{set: `status = 'returned', return_reason = ?, decided_at = ?, decided_by = ?`,
		args: []any{reason, db.Millis(s.Now()), a.UserID}, notify: &orgNote{r.OrgID, msg}})
}

// RequestExtension asks for a later deadline, before the current one has
// passed.
func (s *Service) RequestExtension(ctx context.Context, a access.Actor, id int64, until, reason string) error {
	r, err := s.mine(ctx, a, id, "report.extension_request")
	if err != nil {
		return err
	}
	if r.Done() {
		return doneError(r)
	}
	now := s.Now()
	if now.After(r.DueAt) {
		return apperr.New(http.StatusConflict, "past_due", "已过截止时间，不能再申请延期")
	}
	if r.ExtStatus == ExtRequested {
		return apperr.New(http.StatusConflict, "extension_pending", "延期申请正在审批中")
	}
	until, reason = strings.TrimSpace(until), strings.TrimSpace(reason)
	e := map[string]string{}
	if t, err := DueAt(until); err != nil {
		e["until"] = "日期格式应为 2015-08-31"
	} else if !t.After(r.DueAt) {
		e["until"] = "延期后的日期须晚于当前截止日期"
	} else if t.Sub(r.DueAt) > 90*24*time.Hour {
		e["until"] = "延期不能超过 90 天"
	}
	if reason == "" {
		e["reason"] = "请说明延期理由"
	} else if utf8.RuneCountInString(reason) > 500 {
		e["reason"] = "延期理由不能超过 500 字"
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	issuer := r.IssuerOrgID
	msg := notify.Message{Kind: "report.extension", Title: r.OrgName + "申请延期报送：" + r.RequirementName, Body: reason, Link: dashboardLink(r)}
	return s.update(ctx, a, r, "report.extension_request", "until="+until, change{
		set:  `extension_status = 'requested', extension_until = ?, extension_reason = ?, extension_reply = ''`,
		args: []any{until, reason}, notify: &orgNote{issuer, msg}})
}

// DecideExtension grants or refuses a requested extension.
func (s *Service) DecideExtension(ctx context.Context, a access.Actor, id int64, grant bool, reply string) error {
	r, err := s.theirs(ctx, a, id, "report.extension_decide")
	if err != nil {
		return err
	}
	if r.ExtStatus != ExtRequested {
		return apperr.New(http.StatusConflict, "no_extension", "没有待审批的延期申请")
	}
	action := "report.extension_refuse"
	if grant {
		action = "report.extension_grant"
	}
	if err := s.independentOfRequester(ctx, a, r, action); err != nil {
		return err
	}
	reply = strings.TrimSpace(reply)
	if !grant && reply == "" {
		return apperr.Field("reply", "不同意延期时请说明理由")
	}
	if utf8.RuneCountInString(reply) > 500 {
		return apperr.Field("reply", "答复不能超过 500 字")
	}
	if grant {
		due, err := DueAt(r.ExtUntil)
		if err != nil {
			return err
		}
		msg := notify.Message{Kind: "report.extension", Title: "延期申请已同意：" + r.RequirementName, Body: "截止日期延至 " + r.ExtUntil, Link: reportLink(r)}
		return s.update(ctx, a, r, "report.extension_grant", "until="+r.ExtUntil, change{set: `extension_status = 'granted', extension_reply = ?, due_at = ?`,
			args: []any{reply, db.Millis(due)}, notify: &orgNote{r.OrgID, msg}})
	}
	msg := notify.Message{Kind: "report.extension", Title: "延期申请未获同意：" + r.RequirementName, Body: reply, Link: reportLink(r)}
	return s.update(ctx, a, r, "report.extension_refuse", "", change{set: `extension_status = 'refused', extension_reply = ?`,
		args: []any{reply}, notify: &orgNote{r.OrgID, msg}})
}

// change is one change of a report by update: the columns it sets, and
// what commits with it.
type change struct {
	set    string // the SET clause's assignments, with ? for args
	args   []any
	notify *orgNote              // a notification, when not nil
	also   func(tx *db.Tx) error // runs in the transaction, when not nil
}

// orgNote is a notification to one unit.
type orgNote struct {
	orgID int64
	msg   notify.Message
}

// update makes change c to one report with its audit event (and c's
// notification and step) in one transaction; the report's version guards
// against two people deciding at once.
func (s *Service) update(ctx context.Context, a access.Actor, r Report, action, detail string, c change) error {
	now := s.Now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		q := append(append([]any{}, c.args...), db.Millis(now), r.ID, r.Version)
		// The counters follow the report's bucket (tally.go).
		err := track(ctx, tx, `rp.id = ?`, []any{r.ID}, func() error {
			res, err := tx.Exec(ctx, `UPDATE reports SET `+c.set+`, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`, q...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return apperr.New(http.StatusConflict, "changed", "该报送刚被他人修改，请刷新后再试")
			}
			return nil
		})
		if err != nil {
			return err
		}
		if c.notify != nil {
			if err := notify.ToOrgs(ctx, tx, []int64{c.notify.orgID}, c.notify.msg, now); err != nil {
				return err
			}
		}
		if c.also != nil {
			if err := c.also(tx); err != nil {
				return err
			}
		}
		// detail is codes and dates only: never a reason or a reply.
		ev := audit.FromActor(a, action, "report", strconv.FormatInt(r.ID, 10), audit.OK, strings.TrimSpace("org="+r.OrgCode+" "+detail))
		return audit.Record(ctx, tx, ev)
	})
}

func reportLink(r Report) string { return "/reports/" + strconv.FormatInt(r.ID, 10) }

func dashboardLink(r Report) string {
	return "/docs/" + strconv.FormatInt(r.DocID, 10) + "/requirements/" + strconv.FormatInt(r.RequirementID, 10)
}

// Todo lists the reports the actor's own unit still has to send (not yet
// submitted or accepted), soonest deadline first.
func (s *Service) Todo(ctx context.Context, a access.Actor) ([]Report, error) {
	if !a.Can(access.ReceiveDocs) {
		return nil, nil
	}
	return db.All(ctx, s.DB.Q(), scanReport, `SELECT `+reportColumns+reportFrom+`
		WHERE rp.org_id = ? AND rp.status IN ('pending', 'draft', 'returned') ORDER BY rp.due_at, rp.id LIMIT 100`, a.OrgID)
}

// ForDocument returns the actor's own unit's reports under a document
// (one per requirement), for the document page.
func (s *Service) ForDocument(ctx context.Context, a access.Actor, docID int64) ([]Report, error) {
	return db.All(ctx, s.DB.Q(), scanReport, `SELECT `+reportColumns+reportFrom+` WHERE rq.doc_id = ? AND rp.org_id = ? ORDER BY rq.id`, docID, a.OrgID)
}

// Attach stores a file with the unit's report (before it is submitted).
func (s *Service) Attach(ctx context.Context, a access.Actor, id int64, name string, data []byte) (files.File, error) {
	r, err := s.mine(ctx, a, id, "report.attach")
	if err != nil {
		return files.File{}, err
	}
	if r.Done() {
		return files.File{}, doneError(r)
	}
	var f files.File
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM report_files WHERE report_id = ?`, r.ID).Scan(&n); err != nil {
			return err
		}
		if n >= 20 {
			return apperr.Field("file", "每份报送最多 20 个附件")
		}
		if f, err = files.Save(ctx, tx, s.Vault, a.OrgID, a.UserID, "file", name, data, s.Now()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO report_files (report_id, file_id) VALUES (?, ?)`, r.ID, f.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "report.attach", "report", strconv.FormatInt(r.ID, 10), audit.OK,
			"file="+strconv.FormatInt(f.ID, 10)+" size="+strconv.FormatInt(f.Size, 10)))
	})
	return f, err
}

// Files lists a visible report's attachments.
func (s *Service) Files(ctx context.Context, a access.Actor, id int64) ([]files.File, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	return files.ReportLinks.List(ctx, s.DB.Q(), s.Vault, id)
}

// File returns an attachment of a visible report, with its bytes.
func (s *Service) File(ctx context.Context, a access.Actor, id, fileID int64) (files.File, []byte, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return files.File{}, nil, err
	}
	return files.ReportLinks.Get(ctx, s.DB.Q(), s.Vault, id, fileID)
}

// RemoveFile takes an attachment off the unit's report before it is sent.
func (s *Service) RemoveFile(ctx context.Context, a access.Actor, id, fileID int64) error {
	r, err := s.mine(ctx, a, id, "report.detach")
	if err != nil {
		return err
	}
	if r.Done() {
		return doneError(r)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM report_files WHERE report_id = ? AND file_id = ?`, r.ID, fileID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.ErrNotFound
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "report.detach", "report", strconv.FormatInt(r.ID, 10), audit.OK, "file="+strconv.FormatInt(fileID, 10)))
	})
}
