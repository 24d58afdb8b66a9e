package aid

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// The once-per-life rule is checked twice: at entry, against grants and
// against live applications (a unique index on id_hash + dedupe_key makes
// two live applications impossible even when entered at the same moment);
// and at approval, where inserting the grant row lets the UNIQUE
// constraint on (id_hash, programme_code) decide. A refusal names only the
// unit holding the earlier record and its year — never the record — so a
// unit learns that the person is already helped, and where to ask, without
// seeing anything outside its scope.

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
	var year int
	if p.OncePerLife {
		err := q.QueryRow(ctx, `SELECT org_id, granted_year FROM aid_grants WHERE id_hash = ? AND programme_code = ?`, hash, p.Code).Scan(&orgID, &year)
		if err == nil {
			return s.duplicate(ctx, q, p, orgID, year)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	err := q.QueryRow(ctx, `SELECT org_id, year FROM aid_applications WHERE id_hash = ? AND dedupe_key = ? AND id <> ?
		ORDER BY id LIMIT 1`, hash, key, exclude).Scan(&orgID, &year)
	switch {
	case err == nil:
		return s.duplicate(ctx, q, p, orgID, year)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	case exclude == -1:
		return duplicateErr("该身份证号已有" + p.Name + "申请，不能重复申请")
	}
	return nil
}

// auditDuplicate records a refused duplicate. The refusal tells the
// person entering it where and when the ID number was used before (so
// the two units can sort it out), which is itself a fact about a woman's
// health or poverty; the log lets auditors see anyone typing ID numbers
// to find that out. It names the programme and the application (0 for a
// new entry), never the number or the holder.
func (s *Service) auditDuplicate(ctx context.Context, a access.Actor, p Programme, id int64, err error) {
	var e *apperr.Error
	if errors.As(err, &e) && e.Code == "duplicate" {
		_ = audit.Log(ctx, s.DB, audit.FromActor(a, "aid.duplicate", "aid_application", ids(id), audit.Denied, p.Code))
	}
}

func duplicateErr(msg string) error {
	return &apperr.Error{Status: http.StatusConflict, Code: "duplicate", Message: msg, Fields: map[string]string{"id_number": msg}}
}

// duplicate is the refusal naming the holding unit and year.
func (s *Service) duplicate(ctx context.Context, q db.Querier, p Programme, orgID int64, year int) error {
	holder, err := s.holderName(ctx, q, orgID)
	if err != nil {
		return err
	}
	again := "不能重复申请"
	if !p.OncePerLife {
		again = "同一年度不能重复申请"
	}
	return duplicateErr(fmt.Sprintf("该身份证号已于%d年在%s申请%s，%s", year, holder, p.Name, again))
}

// holderName is a unit's name as someone elsewhere in the city would
// recognize it: prefixed by its district's name when it does not say it.
func (s *Service) holderName(ctx context.Context, q db.Querier, orgID int64) (string, error) {
	o, err := s.Orgs.ByID(ctx, q, orgID)
	if err != nil {
		return "", err
	}
	district, ok := districtOf(o.Path)
	if !ok || district == o.ID {
		return o.Name, nil
	}
	d, err := s.Orgs.ByID(ctx, q, district)
	if err != nil {
		return "", err
	}
	dn := strings.TrimSuffix(d.Name, "妇联")
	if strings.HasPrefix(o.Name, dn) {
		return o.Name, nil
	}
	return dn + o.Name, nil
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
		var year int
		if e := s.DB.QueryRow(ctx, `SELECT org_id, granted_year FROM aid_grants WHERE id_hash = ? AND programme_code = ?`,
			hash, p.Code).Scan(&orgID, &year); e != nil {
			return duplicateErr("该身份证号已获得过" + p.Name + "，不能重复救助")
		}
		return s.duplicate(ctx, s.DB.Q(), p, orgID, year)
	}
	return err
}
