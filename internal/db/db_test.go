package db_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

func TestRebind(t *testing.T) {
	d := &db.DB{Dialect: db.Postgres}
	got := d.Rebind("SELECT * FROM t WHERE a = ? AND b = '?' AND c IN (?, ?)")
	want := "SELECT * FROM t WHERE a = $1 AND b = '?' AND c IN ($2, $3)"
	if got != want {
		t.Fatalf("Rebind = %q, want %q", got, want)
	}
	s := &db.DB{Dialect: db.SQLite}
	if q := "a = ?"; s.Rebind(q) != q {
		t.Fatal("SQLite query must not change")
	}
}

func TestMigrateIsIdempotentAndVersioned(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		v, err := d.SchemaVersion(ctx)
		if err != nil || v != db.LatestVersion() {
			t.Fatalf("version %d, %v; want %d", v, err, db.LatestVersion())
		}
		n, err := d.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second Migrate applied %d, %v", n, err)
		}
		if err := d.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		// A schema from the future is refused.
		if _, err := d.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)`, db.LatestVersion()+1); err != nil {
			t.Fatal(err)
		}
		_, err = d.Migrate(ctx)
		var tooNew db.ErrSchemaTooNew
		if !errors.As(err, &tooNew) {
			t.Fatalf("Migrate on newer schema: %v", err)
		}
		if err := d.CheckSchema(ctx); !errors.As(err, &tooNew) || tooNew.Have != db.LatestVersion()+1 || tooNew.Know != db.LatestVersion() {
			t.Fatalf("CheckSchema on a newer schema: %v, want ErrSchemaTooNew{%d, %d}", err, db.LatestVersion()+1, db.LatestVersion())
		}
	})
}

func TestTxRollsBack(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO login_attempts (ip, at) VALUES (?, ?)`, "127.0.0.1", 1); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v", err)
		}
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM login_attempts`).Scan(&n)
		if n != 0 {
			t.Fatalf("rolled-back insert is visible: %d rows", n)
		}
	})
}

func TestAuditTableIsAppendOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, `INSERT INTO audit_events (seq, at, action, outcome, prev_hash, hash) VALUES (1, 1, 'x', 'ok', '', 'h')`); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`UPDATE audit_events SET action = 'y'`, `DELETE FROM audit_events`} {
			// The refusal is the trigger's, not any other failure.
			if _, err := d.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "audit_events is append-only") {
				t.Fatalf("%s: %v, want the append-only trigger's refusal", q, err)
			}
		}
		var action string
		if err := d.QueryRow(ctx, `SELECT action FROM audit_events WHERE seq = 1`).Scan(&action); err != nil || action != "x" {
			t.Fatalf("after the refused changes: %q %v", action, err)
		}
	})
}

func TestPostgresSessionSettings(t *testing.T) {
	d := testdb.Postgres(t)
	for k, want := range map[string]string{"plan_cache_mode": "force_custom_plan", "max_parallel_workers_per_gather": "0"} {
		var got string
		if err := d.QueryRow(context.Background(), "SHOW "+k).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q, want %q (%v)", k, got, want, err)
		}
	}
}

// A write not worth waiting for (a session's last-seen time) fails at
// once on SQLite while a long transaction holds the write lock, instead of
// queueing its reader for the busy timeout; the pool's connections keep
// their timeout. On PostgreSQL it goes through beside the other writer.
func TestExecNoWait(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, `CREATE TABLE nowait (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO nowait (id, n) VALUES (1, 0), (2, 0)`); err != nil {
			t.Fatal(err)
		}
		holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
		go func() {
			done <- d.InTx(ctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, `UPDATE nowait SET n = n + 1 WHERE id = 1`); err != nil {
					return err
				}
				close(holding)
				<-release
				return nil
			})
		}()
		<-holding
		start := time.Now()
		_, err := d.ExecNoWait(ctx, `UPDATE nowait SET n = n + 1 WHERE id = ?`, 2)
		took := time.Since(start)
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if took > time.Second {
			t.Errorf("ExecNoWait waited %s for the other transaction", took)
		}
		if d.Dialect == db.SQLite && err == nil {
			t.Error("ExecNoWait went through while another transaction held SQLite's write lock")
		}
		if d.Dialect == db.Postgres && err != nil {
			t.Errorf("ExecNoWait beside a writer of another row: %v", err)
		}
		if _, err := d.ExecNoWait(ctx, `UPDATE nowait SET n = n + 1 WHERE id = ?`, 2); err != nil {
			t.Errorf("ExecNoWait with no other writer: %v", err)
		}
		if d.Dialect != db.SQLite {
			return
		}
		var conns []*sql.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for range 8 { // the whole pool
			c, err := d.Raw().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			var ms int
			if err := c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&ms); err != nil || ms != 10000 {
				t.Errorf("a pooled connection's busy timeout is %d ms (%v), want 10000", ms, err)
			}
		}
	})
}
