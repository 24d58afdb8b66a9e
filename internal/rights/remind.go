package rights

import (
	"context"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/notify"
)

// reminder is one kind of due date the cases keep: the rows past it not
// yet reminded, the claim of one (so that two servers remind once), and
// what the handler is told — in the app and by mail — and, for a limit
// of the handling itself, her unit's leaders too.
type reminder struct {
	due     string // SELECT id, case_id … of the rows due, with args
	args    func(now time.Time, today string) []any
	claim   string // UPDATE … SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL, or an INSERT into case_reminders
	title   string
	body    func(c Case) string
	leaders bool
}

// claimOnce is the claim of a reminder kept in case_reminders.
func claimOnce(kind string) string {
	return `INSERT INTO case_reminders (reminded_at, kind, ref_id) VALUES (?, '` + kind + `', ?) ON CONFLICT DO NOTHING`
}

// notReminded is the condition that no reminder of kind was given for ref.
func notReminded(kind, ref string) string {
	return ` AND NOT EXISTS (SELECT 1 FROM case_reminders r WHERE r.kind = '` + kind + `' AND r.ref_id = ` + ref + `)`
}

var reminders = []reminder{
	{
		due: `SELECT id, id FROM cases WHERE contacted_at IS NULL AND contact_due < ? AND status <> 'closed'` +
			notReminded("contact", "cases.id"),
		args:  func(now time.Time, _ string) []any { return []any{db.Millis(now)} },
		claim: claimOnce("contact"),
		title: "维权案件超过首次联系时限",
		body: func(c Case) string {
			return c.Number() + "已超过首次联系求助人的时限，请立即联系并记录；无法联系的，请记录尝试的情况。"
		},
		leaders: true,
	},
	{
		due: `SELECT id, id FROM cases WHERE routed_at IS NULL AND route_due < ? AND status <> 'closed'` +
			notReminded("route", "cases.id"),
		args:  func(now time.Time, _ string) []any { return []any{db.Millis(now)} },
		claim: claimOnce("route"),
		title: "维权案件超过确定处置路径的时限",
		body: func(c Case) string {
			return c.Number() + "已超过确定处置路径的时限，请确定调解、转介、上报或结案等处置路径并记录。"
		},
		leaders: true,
	},
	{
		due: `SELECT f.id, f.case_id FROM case_referrals f JOIN cases c ON c.id = f.case_id
			WHERE f.status IN ('sent', 'received') AND f.due_on < ? AND c.status <> 'closed'` + notReminded("referral", "f.id"),
		args:  func(_ time.Time, today string) []any { return []any{today} },
		claim: claimOnce("referral"),
		title: "转介机构逾期未回复",
		body: func(c Case) string {
			return c.Number() + "的转介已超过回复期限，请与接收机构联系，了解办理情况并记录。"
		},
	},
	{
		due:   `SELECT id, case_id FROM case_orders WHERE status = 'applied' AND decide_by < ? AND reminded_at IS NULL`,
		args:  func(now time.Time, _ string) []any { return []any{db.Millis(now)} },
		claim: `UPDATE case_orders SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL`,
		title: "保护令裁定已超过法定时限",
		body: func(c Case) string {
			return c.Number() + "申请的人身安全保护令已超过法定裁定时限，请向法院了解情况。"
		},
	},
	{
		due:   `SELECT id, case_id FROM case_orders WHERE status = 'issued' AND expires_on <> '' AND expires_on <= ? AND reminded_at IS NULL`,
		args:  func(_ time.Time, today string) []any { return []any{addDays(today, 14)} },
		claim: `UPDATE case_orders SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL`,
		title: "人身安全保护令即将到期",
		body: func(c Case) string {
			return c.Number() + "的人身安全保护令将在两周内到期，请评估是否需要申请延长。"
		},
	},
	{
		due:   `SELECT id, case_id FROM case_followups WHERE done_at IS NULL AND reminded_at IS NULL AND due_on <= ?`,
		args:  func(_ time.Time, today string) []any { return []any{today} },
		claim: `UPDATE case_followups SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL`,
		title: "家暴案件回访到期",
		body: func(c Case) string {
			return c.Number() + "已到回访时间，请联系求助人了解近况并记录。"
		},
	},
}

// Remind tells each case's handler (or, with none, its unit) once, in
// the app and by mail, of a first contact or a route overdue (her unit's
// leaders too), an agency's reply overdue, a court's decision overdue, a
// protection order about to expire (two weeks ahead) and a follow-up
// due; it returns how many it sent. The
// server runs it every few minutes; a claim per row keeps two servers
// from telling twice.
func (s *Service) Remind(ctx context.Context) (int, error) {
	now := s.Now()
	today := now.In(db.Shanghai).Format(time.DateOnly)
	sent := 0
	for _, r := range reminders {
		type due struct{ id, caseID int64 }
		rows, err := db.All(ctx, s.DB.Q(), func(sc db.Scanner) (d due, err error) {
			err = sc.Scan(&d.id, &d.caseID)
			return d, err
		}, r.due, r.args(now, today)...)
		if err != nil {
			return sent, err
		}
		for _, d := range rows {
			err := s.DB.InTx(ctx, func(tx *db.Tx) error {
				res, err := tx.Exec(ctx, r.claim, db.Millis(now), d.id)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return nil // another server has it
				}
				c, _, err := load(ctx, tx, d.caseID)
				if err != nil {
					return err
				}
				sent++
				return s.remind(ctx, tx, c, r, now)
			})
			if err != nil {
				return sent, err
			}
		}
	}
	return sent, nil
}

// remind tells a case's handler (or, with none, her unit) of a reminder,
// in the app and by mail, and her unit's leaders too when r says so.
func (s *Service) remind(ctx context.Context, tx *db.Tx, c Case, r reminder, now time.Time) error {
	if err := notifyHandler(ctx, tx, c, r.title, r.body(c), now); err != nil {
		return err
	}
	msg := notify.Message{Kind: "case.update", Title: r.title, Body: r.body(c), Link: Link(c.ID)}
	var to, leaders []int64
	if c.HandlerID != 0 {
		to = append(to, c.HandlerID)
	}
	if r.leaders || c.HandlerID == 0 {
		ids, err := leadersOf(ctx, tx, []int64{c.OrgID})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if id != c.HandlerID {
				leaders = append(leaders, id)
			}
		}
		to = append(to, leaders...)
	}
	// Without a handler notifyHandler told the unit in the app already.
	if r.leaders && len(leaders) > 0 {
		if err := notify.ToUsers(ctx, tx, leaders, msg, now); err != nil {
			return err
		}
	}
	return s.Mail.EnqueueUsers(ctx, tx, to, msg, now)
}
