package report

import (
	"context"
	"errors"
	"strconv"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/duty"
)

// Four eyes (internal/duty): the issuing unit's decision on a report — to
// accept or return it — is taken by an account independent of the one
// that submitted it; a decision on an extension by one independent of the
// one that asked for it; neither by an account made after the request.

// independentOfSubmitter refuses (and audits) a decision on a submitted
// report by its submitter or an account tied to hers.
func (s *Service) independentOfSubmitter(ctx context.Context, a access.Actor, r Report, action string) error {
	var by int64
	if err := s.DB.QueryRow(ctx, `SELECT COALESCE(submitted_by, 0) FROM reports WHERE id = ?`, r.ID).Scan(&by); err != nil {
		return db.NoRows(err)
	}
	return duty.Require(ctx, s.DB, a, s.Now(), r.SubmittedAt, action, "report", r.ID, by)
}

// independentOfRequester refuses (and audits) a decision on a requested
// extension by the account that asked for it or one tied to it. A report
// keeps no column for the requester: it is the request's audit event,
// written in the request's transaction.
func (s *Service) independentOfRequester(ctx context.Context, a access.Actor, r Report, action string) error {
	var by, at int64
	err := db.NoRows(s.DB.QueryRow(ctx, `SELECT COALESCE(user_id, 0), at FROM audit_events
		WHERE action = 'report.extension_request' AND object_type = 'report' AND object_id = ? AND outcome = 'ok'
		ORDER BY seq DESC LIMIT 1`, strconv.FormatInt(r.ID, 10)).Scan(&by, &at))
	var requested time.Time
	switch {
	case err == nil:
		requested = db.FromMillis(at)
	case !errors.Is(err, db.ErrNotFound):
		return err
	}
	return duty.Require(ctx, s.DB, a, s.Now(), requested, action, "report", r.ID, by)
}
