package db_test

import (
	"context"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// twoHandles opens the same database twice: two processes, as far as
// each handle's generation can tell (no memory is shared between them).
func twoHandles(t *testing.T, engine string) (*db.DB, *db.DB) {
	a, b, _ := handles(t, engine)
	return a, b
}

// handles is twoHandles and a way to open a third, closed by the caller.
func handles(t *testing.T, engine string) (*db.DB, *db.DB, func() *db.DB) {
	t.Helper()
	ctx := context.Background()
	var url, dir string
	if engine == "postgres" {
		url = testdb.PostgresEmptyURL(t)
	} else {
		dir = t.TempDir()
	}
	open := func() *db.DB {
		d, err := db.Open(ctx, url, dir)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	kept := func() *db.DB {
		d := open()
		t.Cleanup(func() { d.Close() })
		return d
	}
	a := kept()
	if _, err := a.Exec(ctx, `CREATE TABLE g (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return a, kept(), open
}

// This process's writes move the generation before the call returns; its
// reads and ExecNoWait's writes (which no cached value shows) do not.
func TestGenerationMovesWithOwnWrites(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			d, _ := twoHandles(t, engine)
			d.StopWatching() // only the calls below may move it
			step := func(what string, moves bool, fn func() error) {
				t.Helper()
				g := d.Generation()
				if err := fn(); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if moved := d.Generation() != g; moved != moves {
					t.Errorf("%s: generation moved %v, want %v", what, moved, moves)
				}
			}
			step("Exec", true, func() error { _, err := d.Exec(ctx, `INSERT INTO g (id, n) VALUES (1, 1)`); return err })
			step("InTx", true, func() error {
				return d.InTx(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, `UPDATE g SET n = 2`); return err })
			})
			step("a read", false, func() error { var n int; return d.QueryRow(ctx, `SELECT n FROM g`).Scan(&n) })
			step("ExecNoWait", false, func() error { _, err := d.ExecNoWait(ctx, `UPDATE g SET n = 3`); return err })
			step("Changed", true, func() error { d.Changed(); return nil })
		})
	}
}

// Another process's write reaches this one's generation within the
// watcher's look, and the watcher moves it once more on the look after
// (the commit it counted may have become visible only after it looked).
func TestGenerationSeesOtherProcesses(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			a, b, open := handles(t, engine)
			waitMove := func(from uint64) uint64 {
				t.Helper()
				deadline := time.Now().Add(5 * time.Second)
				for time.Now().Before(deadline) {
					if g := a.Generation(); g != from {
						return g
					}
					time.Sleep(10 * time.Millisecond)
				}
				t.Fatalf("the generation stayed %d for 5 s after another process wrote", from)
				return 0
			}
			time.Sleep(pollSettle) // a's listener has connected (moving it once) and listens
			g := a.Generation()
			if _, err := b.Exec(ctx, `INSERT INTO g (id, n) VALUES (1, 1)`); err != nil {
				t.Fatal(err)
			}
			seen := waitMove(g)
			settled := waitMove(seen) // the settling move
			time.Sleep(pollSettle)

			// A process that writes and exits at once (the command line)
			// is heard too.
			g = a.Generation()
			if g != settled && engine == "sqlite" {
				t.Fatalf("the generation moved %d → %d with nothing written", settled, g)
			}
			c := open()
			if _, err := c.Exec(ctx, `INSERT INTO g (id, n) VALUES (2, 1)`); err != nil {
				t.Fatal(err)
			}
			c.Close()
			waitMove(g)
		})
	}
}

// On PostgreSQL another database's writes in the same cluster move
// nothing: the announcements are the database's own.
func TestGenerationIgnoresOtherDatabases(t *testing.T) {
	ctx := context.Background()
	a, _ := twoHandles(t, "postgres")
	elsewhere, _ := twoHandles(t, "postgres")
	time.Sleep(2 * pollSettle) // the listener's first look moves it once
	g := a.Generation()
	for i := range 20 {
		if _, err := elsewhere.Exec(ctx, `INSERT INTO g (id, n) VALUES (?, 1)`, i+1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	time.Sleep(pollSettle)
	if now := a.Generation(); now != g {
		t.Fatalf("another database's writes moved the generation %d → %d", g, now)
	}
}

// pollSettle is longer than the watchers' look and their settling move.
const pollSettle = 600 * time.Millisecond
