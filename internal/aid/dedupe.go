package aid

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// The once-per-life rule is checked twice: at entry, against grants and
// against live applications (a unique index on id_hash + dedupe_key makes
// two live applications impossible even when entered at the same moment);
// and at approval, where inserting the grant row lets the UNIQUE
// constraint on (id_hash, programme_code) decide.
//
// A refusal answers nothing outside the asker's scope: it names only the
// district federation to contact — not the year, the programme's details
// or the unit where she applied — so a unit learns that the person is
// already helped, and where to ask. Every refusal is audited
// (aid.duplicate, without the number), and a user who draws more than
// DuplicateLimit of them in a day is stopped: further entries are refused
// unchecked (429) and the auditor is alerted (AlertDuplicateProbes).

// DuplicateLimit is how many duplicate refusals a user may draw in a day
// (Beijing time) before her entries are refused without a check.
const DuplicateLimit = 20

// AlertDuplicateProbes is the audit action of the alert raised, once a day
// per user, when a user reaches DuplicateLimit: the event names the user
// and the count, never an ID number.
const AlertDuplicateProbes = audit.AlertPrefix + "aid_duplicate_probes"

// ErrTooManyDuplicates refuses an entry by a user past DuplicateLimit.
var ErrTooManyDuplicates = apperr.New(http.StatusTooManyRequests, "too_many_duplicates",
	fmt.Sprintf("您今天已有 %d 次录入因身份证号重复被拒，为保护申请人信息，今天暂停录入；如有疑问请联系上级妇联", DuplicateLimit))

// probes counts the user's duplicate refusals today, from the audit log.
func (s *Service) probes(ctx context.Context, a access.Actor) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'aid.duplicate' AND at >= ? AND user_id = ?`,
		db.Millis(startOfDay(db.Now())), a.UserID).Scan(&n)
	return n, err
}

// startOfDay is the start of t's day in Beijing.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.In(db.Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, db.Shanghai)
}

// probeLimit refuses an entry, unchecked, by a user who drew
// DuplicateLimit duplicate refusals today; the refusal is audited and the
// alert raised if it was not yet.
func (s *Service) probeLimit(ctx context.Context, a access.Actor, id int64) error {
	n, err := s.probes(ctx, a)
	if err != nil {
		return err
	}
	if n < DuplicateLimit {
		return nil
	}
	_ = audit.Log(ctx, s.DB, audit.FromActor(a, "aid.duplicate_limited", "aid_application", ids(id), audit.Denied,
		fmt.Sprintf("probes=%d limit=%d", n, DuplicateLimit)))
	s.alertProbes(ctx, a, n)
	return ErrTooManyDuplicates
}

// alertProbes raises the auditor's alert for a user's duplicate probes,
// once a day per user.
func (s *Service) alertProbes(ctx context.Context, a access.Actor, n int) {
	var raised int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = ? AND at >= ? AND user_id = ?`,
		AlertDuplicateProbes, db.Millis(startOfDay(db.Now())), a.UserID).Scan(&raised); err != nil || raised > 0 {
		return
	}
	_ = audit.Log(ctx, s.DB, audit.FromActor(a, AlertDuplicateProbes, "user", ids(a.UserID), audit.Denied,
		fmt.Sprintf("user=%s probes=%d limit=%d", a.Username, n, DuplicateLimit)))
}

// dedupeKey is the live-application key: one per person and programme for
// a once-per-life programme, one per person and cycle otherwise.
func dedupeKey(p Programme, c Cycle) string {
	if p.OncePerLife {
		return "life:" + p.Code
	}
	return "cycle:" + ids(c.ID)
}

// checkDuplicate refuses hash if it holds a grant of a once-per-life
// programme or a live application under key other than exclude. An
// exclude of -1 means a unique index has already refused: the answer is
// always an error then.
func (s *Service) checkDuplicate(ctx context.Context, q db.Querier, p Programme, key, hash string, exclude int64) error {
	var orgID int64
	if p.OncePerLife {
		err := q.QueryRow(ctx, `SELECT org_id FROM aid_grants WHERE id_hash = ? AND programme_code = ?`, hash, p.Code).Scan(&orgID)
		if err == nil {
			return s.duplicate(ctx, q, p, orgID)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	err := q.QueryRow(ctx, `SELECT org_id FROM aid_applications WHERE id_hash = ? AND dedupe_key = ? AND id <> ?
		ORDER BY id LIMIT 1`, hash, key, exclude).Scan(&orgID)
	switch {
	case err == nil:
		return s.duplicate(ctx, q, p, orgID)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	case exclude == -1:
		return duplicateErr(duplicateMessage("区县（市）妇联"))
	}
	return nil
}

// auditDuplicate records a refused duplicate: it names the programme and
// the application (0 for a new entry), never the number or the holder. The
// user's refusals of the day are counted from these events: reaching
// DuplicateLimit raises the auditor's alert.
func (s *Service) auditDuplicate(ctx context.Context, a access.Actor, p Programme, id int64, err error) {
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != "duplicate" {
		return
	}
	_ = audit.Log(ctx, s.DB, audit.FromActor(a, "aid.duplicate", "aid_application", ids(id), audit.Denied, p.Code))
	if n, err := s.probes(ctx, a); err == nil && n >= DuplicateLimit {
		s.alertProbes(ctx, a, n)
	}
}

func duplicateErr(msg string) error {
	return &apperr.Error{Status: http.StatusConflict, Code: "duplicate", Message: msg, Fields: map[string]string{"id_number": msg}}
}

// duplicateMessage is the refusal: the federation to contact, nothing else.
func duplicateMessage(contact string) string {
	return "该身份证号已登记过同类救助，请联系" + contact + "核实"
}

// duplicate is the refusal naming the district federation of the unit
// that holds the earlier record (the unit itself when it is a district or
// the programme's owner): the owner's child on its path.
func (s *Service) duplicate(ctx context.Context, q db.Querier, p Programme, orgID int64) error {
	holder, err := s.Orgs.ByID(ctx, q, orgID)
	if err != nil {
		return err
	}
	if district, ok := districtOf(holder.Path, p.OwnerPath); ok && district != holder.ID {
		if holder, err = s.Orgs.ByID(ctx, q, district); err != nil {
			return err
		}
	}
	return duplicateErr(duplicateMessage(holder.Name))
}

// grant records a once-per-life grant inside the approval's transaction.
// A unique violation means the person already holds it: the caller's
// transaction is lost, so the refusal is read outside it.
func (s *Service) grant(ctx context.Context, tx *db.Tx, p Programme, x Application, hash string, now int64) error {
	if !p.OncePerLife {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO aid_grants (id_hash, programme_code, application_id, granted_year, org_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, hash, p.Code, x.ID, x.Year, x.OrgID, now)
	if db.IsUniqueViolation(err) {
		var orgID int64
		if e := s.DB.QueryRow(ctx, `SELECT org_id FROM aid_grants WHERE id_hash = ? AND programme_code = ?`,
			hash, p.Code).Scan(&orgID); e != nil {
			return duplicateErr(duplicateMessage("区县（市）妇联"))
		}
		return s.duplicate(ctx, s.DB.Q(), p, orgID)
	}
	return err
}
