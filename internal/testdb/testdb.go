// Package testdb gives tests a fresh, migrated database on each engine
// halfsky supports: a temporary SQLite file, and a private database in
// the throwaway PostgreSQL cluster that scripts/test.sh starts
// (HALFSKY_TEST_POSTGRES_URL), each a copy of a template migrated once
// (template.go). PostgresEmpty gives an empty private database instead,
// for tests of migrating itself.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
// fresh migrated PostgreSQL schema; with HALFSKY_TEST_ENGINE=sqlite, on
// SQLite alone.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if !sqliteOnly() {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// sqliteOnly reports whether HALFSKY_TEST_ENGINE=sqlite asks Each for
// the SQLite half alone. Only the mutation check sets it: a break of an
// access rule must fail the tests on either engine, and the check needs
// one failure, not two (scripts/mutation). It can only make a mutant
// survive, which fails that check; it cannot make a broken tree pass.
func sqliteOnly() bool { return os.Getenv("HALFSKY_TEST_ENGINE") == "sqlite" }

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
	d, err := db.Open(context.Background(), PostgresEmptyURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// clusterURL is the test cluster's URL; without one the test skips, or
// fails when Required.
func clusterURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		if Required() {
			t.Fatal("HALFSKY_TEST_POSTGRES_URL is not set: run the suite with `make test`")
		}
		t.Skip("no PostgreSQL test cluster (HALFSKY_TEST_POSTGRES_URL); `make test` starts one")
	}
	return base
}

// PostgresEmptyURL creates a private, empty database in the test cluster
// and returns its URL (for code that opens its own connections, like the
// command line, or runs pg_dump: a database of its own, so nothing the
// other tests create or drop at the same time is in it). The database is
// dropped after the test.
func PostgresEmptyURL(t testing.TB) string {
	t.Helper()
	base := clusterURL(t)
	ctx := context.Background()
	name := "e_" + randHex(8)
	if err := adminExec(ctx, base, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = adminExec(context.Background(), base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return withDatabase(t, base, name)
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Reopen opens d's database again, as another process would: a handle
// that shares nothing with d in memory (its caches, its write generation).
func Reopen(t testing.TB, d *db.DB) *db.DB {
	t.Helper()
	ctx := context.Background()
	var o *db.DB
	var err error
	if d.Dialect == db.SQLite {
		o, err = db.OpenSQLite(ctx, d.Path)
	} else {
		var name, u string
		if err = d.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err == nil {
			if u, err = databaseURL(PostgresURL(), name); err == nil {
				o, err = db.Open(ctx, u, "")
			}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// URL is the connection URL of d, a database in the test cluster, for
// code that opens its own connections to it (pg_dump).
func URL(t testing.TB, d *db.DB) string {
	t.Helper()
	var name string
	if err := d.QueryRow(context.Background(), `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	u, err := databaseURL(PostgresURL(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
