package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"halfsky/internal/db"
)

// Fill puts into d — a fresh database from SQLite or Postgres — what build
// puts into a fresh database. build runs once per test binary, key and
// engine, on a database of testdb's own; every later Fill copies that
// database's rows (and sequences) into d, which takes milliseconds where
// seeding the demo tree took seconds. build must give the same result
// whenever it runs (the demo seed does: it is a script).
//
// A database that already holds units or accounts (a test that set up its
// own tree first) is given to build itself, as it would have been.
func Fill(t testing.TB, d *db.DB, key string, build func(ctx context.Context, d *db.DB) error) {
	t.Helper()
	ctx := context.Background()
	var held int
	if err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM orgs) + (SELECT COUNT(*) FROM users)`).Scan(&held); err != nil {
		t.Fatal(err)
	}
	if held > 0 {
		if err := build(ctx, d); err != nil {
			t.Fatalf("testdb: fill %s: %v", key, err)
		}
		return
	}
	snap, err := snapshotOf(d.Dialect, key, build)
	if err == nil {
		if d.Dialect == db.SQLite {
			err = restoreSQLite(ctx, t, d, snap)
		} else {
			err = restorePostgres(ctx, d, snap)
		}
		d.Changed() // written past InTx and Exec
	}
	if err != nil {
		t.Fatalf("testdb: fill %s: %v", key, err)
	}
}

// snapshot is a built database: a SQLite file's bytes, or the name of a
// PostgreSQL database in the test cluster.
type snapshot struct {
	image    []byte
	database string
}

var snapshots struct {
	sync.Mutex
	m map[string]*snapEntry
}

type snapEntry struct {
	once sync.Once
	snap snapshot
	err  error
}

func snapshotOf(dialect db.Dialect, key string, build func(context.Context, *db.DB) error) (snapshot, error) {
	snapshots.Lock()
	if snapshots.m == nil {
		snapshots.m = map[string]*snapEntry{}
	}
	k := fmt.Sprint(dialect) + "/" + key
	e := snapshots.m[k]
	if e == nil {
		e = &snapEntry{}
		snapshots.m[k] = e
	}
	snapshots.Unlock()
	e.once.Do(func() {
		if dialect == db.SQLite {
			e.snap, e.err = buildSQLiteSnapshot(build)
		} else {
			e.snap, e.err = buildPostgresSnapshot(build)
		}
	})
	return e.snap, e.err
}

func buildSQLiteSnapshot(build func(context.Context, *db.DB) error) (snapshot, error) {
	ctx := context.Background()
	img, err := sqliteImage()
	if err != nil {
		return snapshot{}, err
	}
	dir, err := os.MkdirTemp("", "halfsky-snapshot-")
	if err != nil {
		return snapshot{}, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "snapshot.db")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		return snapshot{}, err
	}
	d, err := db.OpenSQLite(ctx, path)
	if err != nil {
		return snapshot{}, err
	}
	err = build(ctx, d)
	if err == nil {
		_, err = d.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return snapshot{}, err
	}
	b, err := os.ReadFile(path)
	return snapshot{image: b}, err
}

// buildPostgresSnapshot builds into a database of its own, kept for the
// life of the cluster (which scripts/test.sh throws away).
func buildPostgresSnapshot(build func(context.Context, *db.DB) error) (snapshot, error) {
	ctx := context.Background()
	base := PostgresURL()
	pgTpl.once.Do(func() { pgTpl.name, pgTpl.err = postgresTemplate(base) })
	if pgTpl.err != nil {
		return snapshot{}, pgTpl.err
	}
	name := "snap_" + randHex(8)
	if err := adminExec(ctx, base, "CREATE DATABASE "+name+" TEMPLATE "+pgTpl.name); err != nil {
		return snapshot{}, err
	}
	u, err := databaseURL(base, name)
	if err != nil {
		return snapshot{}, err
	}
	d, err := db.Open(ctx, u, "")
	if err != nil {
		return snapshot{}, err
	}
	defer d.Close()
	if err := build(ctx, d); err != nil {
		return snapshot{}, err
	}
	return snapshot{database: name}, nil
}

// restoreSQLite attaches the snapshot to one connection of d and copies
// every table, in one transaction with foreign keys checked at commit.
func restoreSQLite(ctx context.Context, t testing.TB, d *db.DB, snap snapshot) error {
	path := filepath.Join(t.TempDir(), "snapshot.db")
	if err := os.WriteFile(path, snap.image, 0o600); err != nil {
		return err
	}
	conn, err := d.Raw().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS snap`, path); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `DETACH DATABASE snap`)
	tables, err := column(ctx, conn, `SELECT name FROM snap.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'`)
	if err != nil {
		return err
	}
	stmts := []string{`BEGIN IMMEDIATE`, `PRAGMA defer_foreign_keys = ON`}
	for _, tb := range tables {
		q := `"` + tb + `"`
		stmts = append(stmts, `DELETE FROM main.`+q+` WHERE EXISTS (SELECT 1 FROM snap.`+q+`)`, `INSERT INTO main.`+q+` SELECT * FROM snap.`+q)
	}
	stmts = append(stmts, `DELETE FROM main.sqlite_sequence`, `INSERT INTO main.sqlite_sequence SELECT * FROM snap.sqlite_sequence`, `COMMIT`)
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			_, _ = conn.ExecContext(ctx, `ROLLBACK`)
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// restorePostgres copies every table of the snapshot database into d
// with COPY, triggers and foreign keys off for the copy
// (session_replication_role; the test cluster's user is its superuser),
// then sets each sequence where the snapshot's stands.
func restorePostgres(ctx context.Context, d *db.DB, snap snapshot) error {
	su, err := databaseURL(PostgresURL(), snap.database)
	if err != nil {
		return err
	}
	src, err := pgx.Connect(ctx, su)
	if err != nil {
		return err
	}
	defer src.Close(ctx)
	conn, err := d.Raw().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		dst := dc.(*stdlib.Conn).Conn()
		return copyPostgres(ctx, src, dst)
	})
}

func copyPostgres(ctx context.Context, src, dst *pgx.Conn) error {
	tables, err := pgColumn(ctx, src, `SELECT quote_ident(table_name) FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`)
	if err != nil {
		return err
	}
	seqs, err := pgColumn(ctx, src, `SELECT quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'S' AND n.nspname = current_schema()`)
	if err != nil {
		return err
	}
	tx, err := dst.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		return err
	}
	for _, tb := range tables {
		if _, err := tx.Exec(ctx, `DELETE FROM `+tb); err != nil {
			return err
		}
		if err := copyTable(ctx, src, dst, tb); err != nil {
			return fmt.Errorf("copy %s: %w", tb, err)
		}
	}
	for _, s := range seqs {
		var last int64
		var called bool
		if err := src.QueryRow(ctx, `SELECT last_value, is_called FROM `+s).Scan(&last, &called); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT setval($1, $2, $3)`, s, last, called); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// copyTable streams one table from src to dst in COPY's binary format.
func copyTable(ctx context.Context, src, dst *pgx.Conn, table string) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := src.PgConn().CopyTo(ctx, pw, `COPY `+table+` TO STDOUT (FORMAT binary)`)
		pw.CloseWithError(err)
		done <- err
	}()
	_, err := dst.PgConn().CopyFrom(ctx, pr, `COPY `+table+` FROM STDIN (FORMAT binary)`)
	pr.CloseWithError(err)
	if serr := <-done; err == nil && serr != nil {
		err = serr
	}
	return err
}

func column(ctx context.Context, conn *sql.Conn, q string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func pgColumn(ctx context.Context, c *pgx.Conn, q string) ([]string, error) {
	rows, err := c.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
