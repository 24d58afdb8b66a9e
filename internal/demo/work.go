package demo

import (
	"context"
	"time"

	"halfsky/internal/auth"
)

// SeedWork fills the work lines with a few weeks of believable activity
// by the demo accounts: study activities (one attached to the seed
// notice's report), visits with needs and tasks in every state, quotas,
// and problems at every stage of the ledger. It does nothing when any
// study activity, visit or problem exists.
func SeedWork(ctx context.Context, svc *auth.Service, now time.Time) error {
	var n int
	if err := svc.DB.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM study_activities) + (SELECT COUNT(*) FROM visits)
		+ (SELECT COUNT(*) FROM problems)`).Scan(&n); err != nil || n > 0 {
		return err
	}
	for _, seed := range []func(context.Context, *auth.Service, time.Time) error{seedStudy, seedVisits, seedProblems} {
		if err := seed(ctx, svc, now); err != nil {
			return err
		}
	}
	return nil
}
