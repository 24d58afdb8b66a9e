package db_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// The statement cache changes nothing a caller sees: results, errors,
// multi-statement scripts, schema changes and transactions behave as
// without it; it only keeps SQLite from parsing a query twice.
func TestStatementCache(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sqlite := d.Dialect == db.SQLite
		// A script of several statements runs whole and is not cached
		// (SQLite would prepare only its first statement).
		before := d.CachedStmts()
		if _, err := d.Exec(ctx, `CREATE TABLE sc (id INTEGER PRIMARY KEY, a TEXT NOT NULL); INSERT INTO sc (id, a) VALUES (1, 'one');`); err != nil {
			t.Fatal(err)
		}
		if n := d.CachedStmts(); n != before {
			t.Errorf("a script was cached: %d → %d statements", before, n)
		}
		var a string
		for range 3 {
			if err := d.QueryRow(ctx, `SELECT a FROM sc WHERE id = ?`, 1).Scan(&a); err != nil || a != "one" {
				t.Fatalf("cached query: %q, %v", a, err)
			}
		}
		if sqlite && d.CachedStmts() != before+1 {
			t.Errorf("cache holds %d statements, want %d", d.CachedStmts(), before+1)
		}

		// A statement prepared before a schema change sees the new schema.
		var b string
		if _, err := d.Exec(ctx, `ALTER TABLE sc ADD COLUMN b TEXT NOT NULL DEFAULT 'bee'`); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT * FROM sc WHERE id = ?`, 1).Scan(new(int), &a, &b); err != nil || b != "bee" {
			t.Fatalf("after ALTER TABLE: %q, %v", b, err)
		}

		// A bad query still reports its error, every time.
		for range 2 {
			if _, err := d.Query(ctx, `SELECT nope FROM sc`); err == nil || !strings.Contains(err.Error(), "nope") {
				t.Errorf("bad query: %v", err)
			}
		}

		// In a transaction the same query binds once, however often it
		// runs, and sees the transaction's own writes; a rollback undoes
		// them as ever.
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for i := range 2000 {
				if _, err := tx.Exec(ctx, `INSERT INTO sc (id, a) VALUES (?, ?)`, i+10, "x"+strconv.Itoa(i)); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM sc`).Scan(&n); err != nil || n != 2001 {
				t.Errorf("count in the transaction: %d, %v", n, err)
			}
			if sqlite && tx.BoundStmts() != 2 {
				t.Errorf("the transaction bound %d statements, want 2", tx.BoundStmts())
			}
			return errRollback
		})
		if err != errRollback {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM sc`).Scan(&n); err != nil || n != 1 {
			t.Errorf("after the rollback: %d rows, %v", n, err)
		}

		// Many goroutines preparing the same new query at once get one
		// statement and the same answers.
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				var s string
				if err := d.QueryRow(ctx, `SELECT a || '!' FROM sc WHERE id = ?`, 1).Scan(&s); err != nil || s != "one!" {
					t.Errorf("concurrent: %q, %v", s, err)
				}
			})
		}
		wg.Wait()

		// More transactions than the pool has connections, all waiting
		// for the one write lock while its holder runs a query the cache
		// has not seen: the holder must not wait for a free connection to
		// prepare it (a deadlock until the busy timeout).
		holding := make(chan struct{})
		wg.Go(func() {
			err := d.InTx(ctx, func(tx *db.Tx) error {
				close(holding)
				time.Sleep(300 * time.Millisecond) // the others queue up meanwhile
				_, err := tx.Exec(ctx, `UPDATE sc SET a = a WHERE id = 999`)
				return err
			})
			if err != nil {
				t.Errorf("the lock holder: %v", err)
			}
		})
		<-holding
		for w := range 24 {
			wg.Go(func() {
				err := d.InTx(ctx, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, `UPDATE sc SET a = a WHERE id = `+strconv.Itoa(1000+w))
					return err
				})
				if err != nil {
					t.Errorf("transaction %d: %v", w, err)
				}
			})
		}
		wg.Wait()
	})
}

var errRollback = errorString("roll back")

type errorString string

func (e errorString) Error() string { return string(e) }
