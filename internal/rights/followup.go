package rights

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// FollowUp is a scheduled follow-up of a 家庭暴力 case.
type FollowUp struct {
	ID     int64
	DueOn  string
	DoneAt time.Time
	Note   string
	By     string
}

// Due reports whether it is not done and its day has come.
func (f FollowUp) Due(today string) bool { return f.DoneAt.IsZero() && f.DueOn <= today }

// followUpDays are when a closed 家庭暴力 case is followed up: a week, a
// month and three months after it closes, when violence often returns.
var followUpDays = []struct{ days, months int }{{7, 0}, {0, 1}, {0, 3}}

var sealedFollowUpNote = vault.Register("case_followups", "id", "note")

// scheduleFollowUps plans a 家庭暴力 case's follow-ups from the day it
// closes (again, after a reopening: the plan starts over).
func scheduleFollowUps(ctx context.Context, tx *db.Tx, caseID int64, closedOn string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM case_followups WHERE case_id = ? AND done_at IS NULL`, caseID); err != nil {
		return err
	}
	d, err := time.Parse(time.DateOnly, closedOn)
	if err != nil {
		return err
	}
	for _, f := range followUpDays {
		if _, err := tx.Exec(ctx, `INSERT INTO case_followups (case_id, due_on) VALUES (?, ?)`, caseID,
			d.AddDate(0, f.months, f.days).Format(time.DateOnly)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) followUps(ctx context.Context, q db.Querier, f *vault.Fields, caseID int64) ([]FollowUp, error) {
	return db.All(ctx, q, func(sc db.Scanner) (x FollowUp, err error) {
		var done *int64
		err = sc.Scan(&x.ID, &x.DueOn, &done, &x.Note, &x.By)
		if done != nil {
			x.DoneAt = db.FromMillis(*done)
		}
		f.Open(sealedFollowUpNote, x.ID, &x.Note)
		return x, err
	}, `SELECT f.id, f.due_on, f.done_at, f.note, COALESCE(u.display_name, '') FROM case_followups f LEFT JOIN users u ON u.id = f.by_user
		WHERE f.case_id = ? ORDER BY f.due_on, f.id`, caseID)
}

// DoFollowUp records a follow-up made (on a closed case too: that is
// when they are made). Something found wrong is a reason to reopen.
func (s *Service) DoFollowUp(ctx context.Context, a access.Actor, id int64, version int, followUpID int64, note string) error {
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return apperr.Field("note", "请填写回访情况")
	case vocab.TooLong(note, 2000):
		return apperr.Field("note", "回访情况不能超过 2000 字")
	}
	now := s.Now()
	return s.change(ctx, a, id, version, "case.followup", func(tx *db.Tx, c *Case) error {
		sealed, err := s.seal(sealedFollowUpNote, note)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE case_followups SET done_at = ?, note = ?, by_user = ? WHERE id = ? AND case_id = ? AND done_at IS NULL`,
			db.Millis(now), sealed, a.UserID, followUpID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(http.StatusConflict, "followup_done", "该回访已记录")
		}
		return s.event(ctx, tx, id, NoteFollowUp, note, a.UserID, now)
	}, "followup="+strconv.FormatInt(followUpID, 10))
}
