package db

import (
	"context"
	"fmt"
)

// Compact makes a change that removed or sealed values reach the SQLite
// file: an UPDATE leaves the old cells in free space within pages and
// older page images in the write-ahead log. VACUUM rewrites the database
// from its live rows, and a TRUNCATE checkpoint copies the result back
// and empties the log. It reports false when readers kept the log from
// being emptied (a later checkpoint finishes the job), and does nothing
// on PostgreSQL, which keeps old row versions until their space is
// reused (VACUUM FULL rewrites a table, under a lock that stops every
// reader: an operator's decision, see the README).
func (d *DB) Compact(ctx context.Context) (bool, error) {
	if d.Dialect != SQLite {
		return false, nil
	}
	if _, err := d.Exec(ctx, `VACUUM`); err != nil {
		return false, fmt.Errorf("vacuum: %w", err)
	}
	var busy, log, done int
	if err := d.QueryRow(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &log, &done); err != nil {
		return false, fmt.Errorf("checkpoint: %w", err)
	}
	return busy == 0, nil
}
