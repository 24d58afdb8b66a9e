package db

import (
	"context"
	"fmt"
	"time"
)

// writerQueue lets one SQLite transaction of this process at a time hold
// the database's write lock, and lines the others up in order.
//
// SQLite has one writer. Without the queue every transaction takes a pool
// connection and then polls for the lock (BEGIN IMMEDIATE under the busy
// timeout), sleeping between tries: with more writers than connections the
// ones polling hold every connection, and under load the unluckiest kept
// losing the race for the lock until its timeout ran out — a failed write
// although the database was never stuck. Queued in Go, waiting writers
// hold no connection, are served first come first served, and take the
// lock the moment it is free. Writers of other processes (the command
// line) still meet SQLite's busy timeout.
type writerQueue chan struct{}

// acquire waits for the writer's turn, as long as the busy timeout at
// most: a transaction held longer than that (a tree move of the whole
// country) fails the waiting ones as SQLite's own timeout did.
func (q writerQueue) acquire(ctx context.Context) error {
	select {
	case q <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(sqliteBusyMillis * time.Millisecond)
	defer t.Stop()
	select {
	case q <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("database is busy: another write has held it for %d s", sqliteBusyMillis/1000)
	}
}

func (q writerQueue) release() { <-q }
