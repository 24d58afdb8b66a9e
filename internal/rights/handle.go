package rights

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/vocab"
)

// Take makes the actor the handler of a case in her unit's inbox.
func (s *Service) Take(ctx context.Context, a access.Actor, id int64, version int) error {
	return s.Assign(ctx, a, id, version, a.UserID)
}

// Assign gives a case of the actor's unit a handler at that unit: anyone
// there takes one no one has; only the leader gives one to someone else
// or moves it from one handler to another.
func (s *Service) Assign(ctx context.Context, a access.Actor, id int64, version int, userID int64) error {
	now := s.Now()
	return s.change(ctx, a, id, version, "case.assign", func(tx *db.Tx, c *Case) error {
		if c.Status == Closed {
			return errClosed
		}
		if c.OrgID != a.OrgID {
			return apperr.New(http.StatusForbidden, "not_handling_unit", "只有正在办理该案件的单位可以确定承办人")
		}
		if (userID != a.UserID || c.HandlerID != 0) && a.Role != access.Leader {
			return apperr.New(http.StatusForbidden, "leader_only", "已有承办人的案件，只有负责人可以改派")
		}
		var name string
		err := tx.QueryRow(ctx, `SELECT display_name FROM users WHERE id = ? AND org_id = ? AND disabled = 0 AND role IN ('leader', 'staff')`,
			userID, c.OrgID).Scan(&name)
		if err != nil {
			return apperr.Field("handler", "承办人须是本单位在岗的工作人员")
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET handler_id = ? WHERE id = ?`, userID, id); err != nil {
			return err
		}
		if userID != a.UserID {
			if err := notifyHandler(ctx, tx, Case{ID: id, HandlerID: userID}, "您有新的维权案件", "您被指定为案件 "+c.Number()+" 的承办人。", now); err != nil {
				return err
			}
		}
		return s.event(ctx, tx, id, "assign", "承办人："+name, a.UserID, now)
	}, "handler="+strconv.FormatInt(userID, 10))
}

// Note kinds a handler records on the timeline.
const (
	NoteContact  = "contact"  // the first contact with her (and every later one)
	NoteRoute    = "route"    // the route decided (when it is not a referral)
	NoteFollowUp = "followup" // a follow-up
	NoteNote     = "note"     // anything else
)

// NoteKinds in display order.
var NoteKinds = []vocab.Option{{Key: NoteContact, Label: "联系求助人"}, {Key: NoteRoute, Label: "确定处置路径"},
	{Key: NoteFollowUp, Label: "回访"}, {Key: NoteNote, Label: "办理记录"}}

// AddNote records a step on the case: a contact (the first one meets the
// 24-hour limit and puts the case in hand), the route decided, a
// follow-up or a note. The note is sealed.
func (s *Service) AddNote(ctx context.Context, a access.Actor, id int64, version int, kind, note string) error {
	note = strings.TrimSpace(note)
	e := map[string]string{}
	if !vocab.Known(NoteKinds, kind) {
		e["kind"] = "请选择记录类型"
	}
	switch {
	case note == "":
		e["note"] = "请填写办理情况"
	case vocab.TooLong(note, 2000):
		e["note"] = "办理情况不能超过 2000 字"
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	now := s.Now()
	return s.change(ctx, a, id, version, "case.note", func(tx *db.Tx, c *Case) error {
		if c.Status == Closed {
			return errClosed
		}
		switch kind {
		case NoteContact:
			if _, err := tx.Exec(ctx, `UPDATE cases SET contacted_at = COALESCE(contacted_at, ?),
				status = CASE WHEN status = 'received' THEN 'handling' ELSE status END WHERE id = ?`, db.Millis(now), id); err != nil {
				return err
			}
		case NoteRoute:
			if err := s.routed(ctx, tx, c, now); err != nil {
				return err
			}
		}
		return s.event(ctx, tx, id, kind, note, a.UserID, now)
	}, "kind="+kind)
}

// Outcomes a case closes with.
var Outcomes = []vocab.Option{
	{Key: "resolved", Label: "问题已解决"}, {Key: "mediated", Label: "调解成功"}, {Key: "referred", Label: "转有关部门处理完毕"},
	{Key: "legal", Label: "进入法律程序"}, {Key: "advice", Label: "提供咨询建议"}, {Key: "withdrawn", Label: "求助人撤回"},
	{Key: "unreachable", Label: "无法联系求助人"},
}

// Satisfactions she gives at closure ("" when she was not asked).
var Satisfactions = []vocab.Option{{Key: "satisfied", Label: "满意"}, {Key: "fair", Label: "基本满意"},
	{Key: "unsatisfied", Label: "不满意"}, {Key: "unknown", Label: "未能回访"}}

// Close closes a case with its outcome and her satisfaction; a case with
// a referral still open at an agency is refused.
func (s *Service) Close(ctx context.Context, a access.Actor, id int64, version int, outcome, satisfaction, note string) error {
	note = strings.TrimSpace(note)
	e := map[string]string{}
	if !vocab.Known(Outcomes, outcome) {
		e["outcome"] = "请选择办理结果"
	}
	if !vocab.Known(Satisfactions, satisfaction) {
		e["satisfaction"] = "请选择求助人满意度"
	}
	if vocab.TooLong(note, 2000) {
		e["note"] = "说明不能超过 2000 字"
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	now := s.Now()
	return s.change(ctx, a, id, version, "case.close", func(tx *db.Tx, c *Case) error {
		if c.Status == Closed {
			return errClosed
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_referrals WHERE case_id = ? AND status IN ('sent', 'received')`, id).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return &apperr.Error{Status: http.StatusConflict, Code: "open_referrals", Message: fmt.Sprintf("还有 %d 个转介尚未回复，请先记录机构的回复再办结", open),
				Fields: map[string]string{"outcome": "还有转介尚未回复"}}
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_moves WHERE case_id = ? AND status = 'pending'`, id).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			return errMovePending
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET status = 'closed', outcome = ?, satisfaction = ?, closed_at = ? WHERE id = ?`,
			outcome, satisfaction, db.Millis(now), id); err != nil {
			return err
		}
		if Top(c.Category) == "dv" {
			if err := scheduleFollowUps(ctx, tx, id, now.In(db.Shanghai).Format("2006-01-02")); err != nil {
				return err
			}
		}
		text := "办结：" + vocab.Label(Outcomes, outcome) + "；满意度：" + vocab.Label(Satisfactions, satisfaction)
		if note != "" {
			text += "。" + note
		}
		return s.event(ctx, tx, id, "close", text, a.UserID, now)
	}, "outcome="+outcome+" satisfaction="+satisfaction)
}

// Reopen opens a closed case again, with the reason.
func (s *Service) Reopen(ctx context.Context, a access.Actor, id int64, version int, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return apperr.Field("reason", "请写明重新打开的理由")
	case vocab.TooLong(reason, 500):
		return apperr.Field("reason", "理由不能超过 500 字")
	}
	now := s.Now()
	return s.change(ctx, a, id, version, "case.reopen", func(tx *db.Tx, c *Case) error {
		if c.Status != Closed {
			return apperr.New(http.StatusConflict, "not_closed", "该案件尚未办结")
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET status = 'handling', outcome = '', satisfaction = '', closed_at = NULL WHERE id = ?`, id); err != nil {
			return err
		}
		return s.event(ctx, tx, id, "reopen", "重新打开。理由："+reason, a.UserID, now)
	}, "")
}

// Colleague is an account a case can be given to.
type Colleague struct {
	ID   int64
	Name string
}

// Colleagues lists who at the actor's unit may handle a case (the
// leader's choice when she gives one out).
func (s *Service) Colleagues(ctx context.Context, a access.Actor) ([]Colleague, error) {
	if !a.Can(access.RecordCases) {
		return nil, nil
	}
	return db.All(ctx, s.DB.Q(), func(sc db.Scanner) (c Colleague, err error) {
		err = sc.Scan(&c.ID, &c.Name)
		return c, err
	}, `SELECT id, display_name FROM users WHERE org_id = ? AND disabled = 0 AND role IN ('leader', 'staff') ORDER BY role, id`, a.OrgID)
}
