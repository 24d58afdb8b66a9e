// Package testdb gives tests a fresh, migrated database on each engine
// halfsky supports: a temporary SQLite file, and a private database in
// the throwaway PostgreSQL cluster that scripts/test.sh starts
// (HALFSKY_TEST_POSTGRES_URL), each a copy of a template migrated once
// (template.go). PostgresEmpty gives an empty private schema instead,
// for tests of migrating itself.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"halfsky/internal/db"
)

// PostgresURL is the throwaway cluster's URL, or "".
func PostgresURL() string { return os.Getenv("HALFSKY_TEST_POSTGRES_URL") }

// Required reports whether missing services must fail the tests rather than
// skip them (scripts/test.sh and CI set it, so nothing is silently skipped).
func Required() bool {
	return os.Getenv("HALFSKY_TEST_REQUIRE_ALL") != "" || os.Getenv("CI") != ""
}

// Each runs fn as a subtest against a fresh migrated SQLite database and a
// fresh migrated PostgreSQL schema.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a migrated database in a temporary directory: a copy of
// one migrated once per test binary (migrating every test's database
// cost more than most tests).
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	img, err := sqliteImage()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "test.db")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := db.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil { // a no-op on the copy; kept so a stale image could not pass
		t.Fatal(err)
	}
	return d
}

// Postgres opens a migrated database of its own in the test cluster, a
// copy of a template migrated once (CREATE DATABASE … TEMPLATE); it skips
// when no cluster is configured, unless Required.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	u := postgresClone(t)
	d, err := db.Open(ctx, u, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// PostgresEmpty is Postgres without migrating.
func PostgresEmpty(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), PostgresSchemaURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// PostgresSchemaURL creates a private, empty schema in the test cluster and
// returns a URL whose connections use it (for code that opens its own
// connections, like the command line). The schema is dropped after the test.
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		if Required() {
			t.Fatal("HALFSKY_TEST_POSTGRES_URL is not set: run the suite with `make test`")
		}
		t.Skip("no PostgreSQL test cluster (HALFSKY_TEST_POSTGRES_URL); `make test` starts one")
	}
	ctx := context.Background()
	admin, err := db.Open(ctx, base, "")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := "t_" + randHex(8)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := db.Open(context.Background(), base, ""); err == nil {
			a.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	// libpq's "options" (understood by pgx and pg_dump alike) sets the
	// schema for every connection.
	q.Set("options", "-csearch_path="+schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
