package db_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestStorageFullOnSQLite: a transaction that cannot grow the database
// fails as IsStorageFull, leaves nothing of itself behind (its first
// row, written before the one that did not fit, is gone too), and the
// same write succeeds once there is room again, on the same pool. The
// limit is SQLite's max_page_count, which fails exactly as a full disk
// does (SQLITE_FULL); the real disk is the fault drill's
// (internal/faults).
func TestStorageFullOnSQLite(t *testing.T) {
	ctx := context.Background()
	d := testdb.SQLite(t)
	d.Raw().SetMaxOpenConns(1) // the pragma below is the connection's
	if _, err := d.Exec(ctx, `CREATE TABLE fill (id INTEGER PRIMARY KEY, note TEXT, pad BLOB)`); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := d.QueryRow(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	limit := func(n int) {
		if _, err := d.Exec(ctx, `PRAGMA max_page_count = `+strconv.Itoa(n)); err != nil {
			t.Fatal(err)
		}
	}
	limit(pages + 4)
	write := func() error {
		return d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO fill (note, pad) VALUES ('first', zeroblob(100))`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO fill (note, pad) VALUES ('second', zeroblob(200000))`)
			return err
		})
	}
	err := write()
	if !db.IsStorageFull(err) || db.IsUnavailable(err) {
		t.Fatalf("a write past the space left: %v (want storage full)", err)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM fill`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after the refused write %d rows (%v), want none", n, err)
	}
	limit(1 << 30)
	if err := write(); err != nil {
		t.Fatalf("the same write with room again: %v", err)
	}
	if err := d.QueryRow(ctx, `PRAGMA integrity_check`).Scan(new(string)); err != nil {
		t.Fatal(err)
	}
}

// TestUnavailablePostgres: a server that is not there fails the open at
// once (no wait for a timeout) as IsUnavailable, and nothing else is.
func TestUnavailablePostgres(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	start := time.Now()
	_, err = db.Open(context.Background(), "postgres://halfsky@"+addr+"/halfsky?sslmode=disable", "")
	if !db.IsUnavailable(err) || db.IsStorageFull(err) {
		t.Fatalf("open with no server: %v (want unavailable)", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("open with no server took %s", took)
	}
	for _, e := range []error{nil, db.ErrNotFound, errors.New("syntax error"), context.Canceled} {
		if db.IsUnavailable(e) || db.IsStorageFull(e) {
			t.Errorf("%v is taken for a fault", e)
		}
	}
}
