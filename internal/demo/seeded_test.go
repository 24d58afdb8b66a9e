package demo

import (
	"context"
	"testing"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/vault"
)

// seeded puts the demo accounts into d (with cheap password hashes) and
// returns what the seed functions take: the accounts' service and store,
// fresh keys to seal the demo's personal data, and the moment it is made.
func seeded(t *testing.T, d *db.DB) (context.Context, *org.Store, *auth.Service, *vault.Keyring, time.Time) {
	t.Helper()
	auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	ctx := context.Background()
	orgs := &org.Store{DB: d}
	svc := auth.NewService(d, orgs)
	if _, err := Seed(ctx, svc, "demo-password-2015", true); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	keys, err := vault.Parse(vault.NewFileText(now))
	if err != nil {
		t.Fatal(err)
	}
	return ctx, orgs, svc, keys, now
}
