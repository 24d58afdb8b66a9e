package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// Writers waiting for SQLite's one write lock wait in line without a
// connection: reads go on meanwhile, every writer gets its turn, a
// cancelled writer leaves the line, and a failed or panicking transaction
// hands the lock on.
func TestWriterQueue(t *testing.T) {
	ctx := context.Background()
	d := testdb.SQLite(t)
	if _, err := d.Exec(ctx, `CREATE TABLE wq (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO wq (n) VALUES (0)`); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
		if err != nil {
			t.Errorf("holder: %v", err)
		}
	})
	<-holding
	const writers = 40 // five times the pool's connections
	for i := range writers {
		wg.Go(func() {
			err := d.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO wq (n) VALUES (?)`, i+1)
				return err
			})
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	time.Sleep(200 * time.Millisecond) // they line up

	// A read while the line is long: the queued writers hold no
	// connection, so it is answered at once.
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	var n int
	err := d.QueryRow(rctx, `SELECT COUNT(*) FROM wq`).Scan(&n)
	cancel()
	if err != nil || n != 0 {
		t.Fatalf("a read behind %d queued writers: %d rows, %v", writers, n, err)
	}

	// A writer whose request is cancelled leaves the line.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err = d.InTx(cctx, func(*db.Tx) error { return nil })
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a cancelled writer: %v", err)
	}

	close(release)
	wg.Wait()
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM wq`).Scan(&n); err != nil || n != writers+1 {
		t.Fatalf("%d rows, %v; want %d", n, err, writers+1)
	}

	// A failed and a panicking transaction hand the lock on.
	boom := errors.New("boom")
	if err := d.InTx(ctx, func(*db.Tx) error { return boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	func() {
		defer func() { _ = recover() }()
		_ = d.InTx(ctx, func(*db.Tx) error { panic("boom") })
	}()
	done := make(chan error, 1)
	go func() {
		done <- d.InTx(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, `DELETE FROM wq`); return err })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the lock was not handed on after a failed or panicking transaction")
	}
}
