package server_test

import (
	"context"
	"testing"

	"halfsky/internal/config"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestReadiness: /healthz says the process answers and reads nothing;
// /readyz says whether it can serve — the database answers and its
// schema is the one this binary knows — and comes back by itself once
// the database does, without a restart.
func TestReadiness(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		base := serve(t, d, func(*config.Config) {})
		if a := fetch(t, "GET", base+"/readyz", nil, nil); a.status != 200 || a.body != "ready\n" {
			t.Fatalf("readyz: %d %q", a.status, a.body)
		}
		// A schema this binary does not know (a newer version's migration
		// applied under it): not ready, while still alive.
		if _, err := d.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from a newer halfsky', 0)`, db.LatestVersion()+1); err != nil {
			t.Fatal(err)
		}
		if a := fetch(t, "GET", base+"/readyz", nil, nil); a.status != 503 || a.body != "database schema not current\n" {
			t.Fatalf("readyz on a schema from a newer version: %d %q", a.status, a.body)
		}
		if a := fetch(t, "GET", base+"/healthz", nil, nil); a.status != 200 {
			t.Fatalf("healthz: %d", a.status)
		}
		if _, err := d.Exec(ctx, `DELETE FROM schema_migrations WHERE version = ?`, db.LatestVersion()+1); err != nil {
			t.Fatal(err)
		}
		if a := fetch(t, "GET", base+"/readyz", nil, nil); a.status != 200 {
			t.Fatalf("readyz after: %d %q", a.status, a.body)
		}
	})
}
