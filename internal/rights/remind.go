package rights

import (
	"context"
	"time"

	"halfsky/internal/db"
)

// reminder is one kind of due date the cases keep: the rows past it not
// yet reminded, the claim of one (so that two servers remind once), and
// what the handler is told.
type reminder struct {
	due   string // SELECT id, case_id … of the rows due, with args
	args  func(now time.Time, today string) []any
	claim string // UPDATE … SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL
	title string
	body  func(c Case) string
}

var reminders = []reminder{
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

// Remind tells each case's handler (or, with none, its unit) once of a
// court's decision overdue, a protection order about to expire (two
// weeks ahead) and a follow-up due; it returns how many it sent. The
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
				return notifyHandler(ctx, tx, c, r.title, r.body(c), now)
			})
			if err != nil {
				return sent, err
			}
		}
	}
	return sent, nil
}
