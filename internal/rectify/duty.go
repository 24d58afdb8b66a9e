package rectify

import (
	"context"

	"halfsky/internal/access"
	"halfsky/internal/duty"
)

// independent refuses (and audits) a 销号 or 退回 of an applied item by the
// cadre who recorded it or the one who applied for 销号, by an account
// tied to either, or by one made after the application (four eyes,
// internal/duty). The unit rule — only a unit above verifies — is
// checked before, in above.
func (s *Service) independent(ctx context.Context, a access.Actor, p Problem, action string) error {
	var recorder, applicant int64
	if err := s.DB.QueryRow(ctx, `SELECT created_by, COALESCE(applied_by, 0) FROM problems WHERE id = ?`, p.ID).
		Scan(&recorder, &applicant); err != nil {
		return err
	}
	return duty.Require(ctx, s.DB, a, s.Now(), p.AppliedAt, action, "problem", p.ID, recorder, applicant)
}
