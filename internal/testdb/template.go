package testdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"halfsky/internal/db"
)

// Migrating a database takes far longer than copying a migrated one, and
// the suite opens some thousand databases: each engine migrates one
// template per test binary (PostgreSQL: per cluster and set of
// migrations), and every test gets a copy.

var sqliteTpl struct {
	once sync.Once
	img  []byte
	err  error
}

// sqliteImage is the bytes of a freshly migrated SQLite file.
func sqliteImage() ([]byte, error) {
	sqliteTpl.once.Do(func() {
		sqliteTpl.img, sqliteTpl.err = buildSQLiteImage()
	})
	return sqliteTpl.img, sqliteTpl.err
}

func buildSQLiteImage() ([]byte, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "halfsky-testdb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	d, err := db.OpenSQLite(ctx, path)
	if err != nil {
		return nil, err
	}
	if _, err = d.Migrate(ctx); err == nil {
		// Fold the write-ahead log into the file, so the file alone is
		// the whole database.
		_, err = d.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite template: %w", err)
	}
	return os.ReadFile(path)
}

var pgTpl struct {
	once sync.Once
	name string
	err  error
}

// postgresClone creates a database copied from the migrated template and
// returns its URL; the database is dropped after the test.
func postgresClone(t testing.TB) string {
	t.Helper()
	base := clusterURL(t)
	pgTpl.once.Do(func() { pgTpl.name, pgTpl.err = postgresTemplate(base) })
	if pgTpl.err != nil {
		t.Fatal(pgTpl.err)
	}
	ctx := context.Background()
	name := "t_" + randHex(8)
	if err := adminExec(ctx, base, "CREATE DATABASE "+name+" TEMPLATE "+pgTpl.name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = adminExec(context.Background(), base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return withDatabase(t, base, name)
}

// postgresTemplate makes sure the template database for this set of
// migrations exists, building it under an advisory lock: the packages'
// test binaries run at the same time. It is named by the migrations'
// hash, so a changed migration gets a new template.
func postgresTemplate(base string) (string, error) {
	ctx := context.Background()
	ms, err := db.Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d %s %d\n%s", m.Version, m.Name, len(m.SQL), m.SQL)
	}
	name := "tpl_" + hex.EncodeToString(h.Sum(nil))[:16]
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(4151)`); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, `SELECT pg_advisory_unlock(4151)`)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil || exists {
		return name, err
	}
	building := name + "_building"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	u, err := databaseURL(base, building)
	if err != nil {
		return "", err
	}
	d, err := db.Open(ctx, u, "")
	if err != nil {
		return "", err
	}
	_, err = d.Migrate(ctx)
	d.Close()
	if err != nil {
		return "", fmt.Errorf("postgres template: %w", err)
	}
	// Published by a rename, so no one copies a half-built template.
	_, err = conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+name)
	return name, err
}

// adminExec runs one statement on the cluster's own database.
func adminExec(ctx context.Context, base, stmt string) error {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

func withDatabase(t testing.TB, base, name string) string {
	u, err := databaseURL(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// databaseURL is base with its database replaced by name.
func databaseURL(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + strings.TrimPrefix(name, "/")
	return u.String(), nil
}
