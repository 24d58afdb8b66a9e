package demo

import (
	"context"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/vault"
)

// SeedWork fills the work lines with a few weeks of believable activity
// by the demo accounts: study activities (one attached to the seed
// notice's report), visits with needs and tasks in every state, quotas,
// problems at every stage of the ledger, aid applications and 巾帼维权
// cases in every state. It does nothing when any
// study activity, visit or problem exists.
// keys seal what is personal in them (see the README's list).
func SeedWork(ctx context.Context, svc *auth.Service, keys *vault.Keyring, now time.Time) error {
	var n int
	if err := svc.DB.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM study_activities) + (SELECT COUNT(*) FROM visits)
		+ (SELECT COUNT(*) FROM problems)`).Scan(&n); err != nil || n > 0 {
		return err
	}
	if err := seedStudy(ctx, svc, now); err != nil {
		return err
	}
	if err := seedVisits(ctx, svc, keys, now); err != nil {
		return err
	}
	if err := seedProblems(ctx, svc, keys, now); err != nil {
		return err
	}
	if err := seedAid(ctx, svc, keys, now); err != nil {
		return err
	}
	if err := aidFollowupDemo(ctx, svc, keys, now); err != nil {
		return err
	}
	return seedCases(ctx, svc, keys, now)
}
