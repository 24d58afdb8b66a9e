package aid

import (
	"context"
	"fmt"
	"time"

	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// Retention: each programme keeps a closed application's personal data for
// its retention_days after closed_at; then Purge blanks every sealed
// column and stamps purged_at. What stays is what statistics and the
// ledger need: programme, year, unit, status, amount, sex and birth year,
// and the review steps without their free-text reasons (a reviewer's
// reason may describe the person).
//
// The keyed ID hash (not reversible without the key) stays only where a
// rule still needs it: an approved once-per-life grant must stop the same
// person forever, so its application keeps id_hash and its live
// dedupe_key (aid_grants keeps its own copy). Every other purged
// application — rejected, or approved in a yearly programme whose cycle
// is long over — loses id_hash and dedupe_key too.
//
// Closed means rejected, or approved and settled: approved with no money
// to pay, or paid (a payment line the bank answered paid). An approved
// application still owed its money keeps its data however old it is. The
// clock runs from closed_at and, for a paid one, from the payment too.
// Purging also blanks the sealed bank account, on the application's
// account and on its payment lines; amounts, banks and statuses stay for
// the ledger. The attachments (diagnoses, certificates) are deleted with
// their chunks: nothing of them is needed once the case is closed.

// PurgeBatch is how many applications one purge transaction handles.
const PurgeBatch = 500

// PurgeOptions says how Purge runs.
type PurgeOptions struct {
	DryRun bool   // count what would be purged; change nothing, audit nothing
	By     string // who runs it, for the audit log: "system" (the server) or "operator" (the command line)
}

// PurgeCount is what Purge did, or would do, for one programme.
type PurgeCount struct {
	Code          string
	Name          string
	RetentionDays int
	Approved      int
	Rejected      int
	Steps         int // review steps whose reason was blanked
	Accounts      int // sealed bank accounts blanked (application accounts and payment lines)
	Files         int // attachments deleted
}

// PurgeResult is the outcome of one Purge run.
type PurgeResult struct {
	DryRun     bool
	Programmes []PurgeCount
	Total      int
	// Compacted reports that on SQLite the file was rewritten (VACUUM) and
	// its write-ahead log emptied, so the removed values are gone from the
	// bytes on disk, not only from the rows.
	Compacted bool
}

// Purge removes the personal data of every closed application past its
// programme's retention, in batches of PurgeBatch per transaction, each
// audited with counts only. It needs no keys and no acting user: it is
// the server's daily housekeeping and `halfsky aid purge`. Running it
// again, or on several servers at once, purges nothing twice.
func (s *Service) Purge(ctx context.Context, opt PurgeOptions) (PurgeResult, error) {
	res := PurgeResult{DryRun: opt.DryRun}
	if opt.By == "" {
		opt.By = "system"
	}
	ps, err := s.programmes(ctx, s.DB.Q())
	if err != nil {
		return res, err
	}
	now := s.now()
	for _, p := range ps {
		c := PurgeCount{Code: p.Code, Name: p.Name, RetentionDays: p.RetentionDays}
		cutoff := db.Millis(now.Add(-time.Duration(p.RetentionDays) * 24 * time.Hour))
		if opt.DryRun {
			err = s.countDue(ctx, p, cutoff, &c)
		} else {
			err = s.purgeProgramme(ctx, p, cutoff, db.Millis(now), opt.By, &c)
		}
		res.Programmes = append(res.Programmes, c)
		res.Total += c.Approved + c.Rejected
		if err != nil {
			return res, err
		}
	}
	if !opt.DryRun && res.Total > 0 && s.DB.Dialect == db.SQLite {
		if res.Compacted, err = compactSQLite(ctx, s.DB); err != nil {
			return res, err
		}
	}
	return res, nil
}

// due is the condition for an application of one programme past its
// retention, with arguments dueArgs; the partial index
// aid_applications_closed serves it.
const due = ` FROM aid_applications x WHERE x.closed_at <= ? AND x.purged_at IS NULL AND x.programme_id = ?
	AND (x.status = 'rejected' OR (x.status = 'approved' AND (x.amount = 0 OR EXISTS (SELECT 1 FROM aid_payment_lines l
		WHERE l.application_id = x.id AND l.status = 'paid' AND l.result_at <= ?))))`

func dueArgs(p Programme, cutoff int64) []any { return []any{cutoff, p.ID, cutoff} }

func (s *Service) countDue(ctx context.Context, p Programme, cutoff int64, c *PurgeCount) error {
	rows, err := s.DB.Query(ctx, `SELECT x.status, COUNT(*)`+due+` GROUP BY x.status`, dueArgs(p, cutoff)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var status Status
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return err
		}
		c.add(status, n)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM aid_steps WHERE reason <> '' AND application_id IN (SELECT x.id`+due+`)`,
		dueArgs(p, cutoff)...).Scan(&c.Steps); err != nil {
		return err
	}
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM aid_files WHERE application_id IN (SELECT x.id`+due+`)`,
		dueArgs(p, cutoff)...).Scan(&c.Files); err != nil {
		return err
	}
	return s.DB.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM aid_accounts WHERE account <> '' AND application_id IN (SELECT x.id`+due+`))
		+ (SELECT COUNT(*) FROM aid_payment_lines WHERE account <> '' AND application_id IN (SELECT x.id`+due+`))`,
		append(dueArgs(p, cutoff), dueArgs(p, cutoff)...)...).Scan(&c.Accounts)
}

func (c *PurgeCount) add(status Status, n int) {
	if status == Approved {
		c.Approved += n
	} else {
		c.Rejected += n
	}
}

func (s *Service) purgeProgramme(ctx context.Context, p Programme, cutoff, now int64, by string, c *PurgeCount) error {
	for {
		n, err := s.purgeBatch(ctx, p, cutoff, now, by, c)
		if err != nil || n < PurgeBatch {
			return err
		}
	}
}

// purgeBatch purges up to PurgeBatch applications in one transaction and
// returns how many it picked. The purged_at guard on the UPDATE keeps a
// concurrent run on another server from counting the same rows twice.
func (s *Service) purgeBatch(ctx context.Context, p Programme, cutoff, now int64, by string, c *PurgeCount) (int, error) {
	picked := 0
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		ids, err := pick(ctx, tx, p, cutoff)
		if err != nil || len(ids) == 0 {
			return err
		}
		picked = len(ids)
		var b PurgeCount
		for _, status := range []Status{Approved, Rejected} {
			n, err := blank(ctx, tx, p, status, ids, now)
			if err != nil {
				return err
			}
			b.add(status, n)
		}
		if b.Approved+b.Rejected == 0 {
			return nil // another server's run took them
		}
		if err := blankLinked(ctx, tx, ids, now, &b); err != nil {
			return err
		}
		if _, err := s.purgeFollowups(ctx, tx, ids, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Event{Username: by, Action: "aid.purge", ObjectType: "aid_programme", ObjectID: p.Code,
			Outcome: audit.OK, Detail: fmt.Sprintf("retention %d days: %d approved, %d rejected, %d step reasons, %d accounts, %d files",
				p.RetentionDays, b.Approved, b.Rejected, b.Steps, b.Accounts, b.Files)}); err != nil {
			return err
		}
		c.Approved, c.Rejected = c.Approved+b.Approved, c.Rejected+b.Rejected
		c.Steps, c.Accounts, c.Files = c.Steps+b.Steps, c.Accounts+b.Accounts, c.Files+b.Files
		return nil
	})
	return picked, err
}

func pick(ctx context.Context, tx *db.Tx, p Programme, cutoff int64) ([]int64, error) {
	return db.Column[int64](ctx, tx, `SELECT x.id`+due+` ORDER BY x.closed_at, x.id LIMIT ?`, append(dueArgs(p, cutoff), PurgeBatch)...)
}

// blank empties the sealed columns of the picked applications of one
// status, keeping the lookup hash only for approved once-per-life grants.
func blank(ctx context.Context, tx *db.Tx, p Programme, status Status, ids []int64, now int64) (int, error) {
	hash := `, id_hash = '', dedupe_key = NULL`
	if status == Approved && p.OncePerLife {
		hash = ""
	}
	in, args := inList(ids)
	r, err := tx.Exec(ctx, `UPDATE aid_applications SET name = '', id_number = '', phone = '', address = '', facts = '',
		guardian_name = ''`+hash+`, purged_at = ?, updated_at = ?, version = version + 1
		WHERE status = ? AND purged_at IS NULL AND id IN `+in, append([]any{now, now, status}, args...)...)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// blankLinked blanks what other tables hold of the purged applications:
// the reviewers' reasons, the sealed bank accounts and the bank's notes;
// and deletes their attachments.
func blankLinked(ctx context.Context, tx *db.Tx, ids []int64, now int64, b *PurgeCount) error {
	in, args := inList(ids)
	var chunks int
	for _, u := range []struct {
		sql string
		n   *int
		now bool
	}{
		{`UPDATE aid_steps SET reason = '' WHERE reason <> '' AND application_id IN ` + in, &b.Steps, false},
		{`UPDATE aid_accounts SET account = '', updated_at = ?, version = version + 1 WHERE account <> '' AND application_id IN ` + in, &b.Accounts, true},
		// the bank's note on a line may name the payee: it goes too
		{`UPDATE aid_payment_lines SET account = '', note = '' WHERE (account <> '' OR note <> '') AND application_id IN ` + in, &b.Accounts, false},
		{`DELETE FROM aid_file_chunks WHERE file_id IN (SELECT id FROM aid_files WHERE application_id IN ` + in + `)`, &chunks, false},
		{`DELETE FROM aid_files WHERE application_id IN ` + in, &b.Files, false},
	} {
		a := args
		if u.now {
			a = append([]any{now}, args...)
		}
		r, err := tx.Exec(ctx, u.sql, a...)
		if err != nil {
			return err
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		*u.n += int(n)
	}
	return nil
}

func inList(ids []int64) (string, []any) { return "(" + db.Marks(len(ids)) + ")", db.Args(ids) }

// compactSQLite makes the purge reach the file: an UPDATE leaves the old
// cells in free space within pages and older page images in the
// write-ahead log. VACUUM rewrites the database from its live rows, and a
// TRUNCATE checkpoint copies the result back and empties the log.
// PostgreSQL keeps the old row versions' bytes in the table file until
// their space is reused (a plain VACUUM frees the space without erasing
// it; VACUUM FULL would, under a lock that stops every reader) and in its
// WAL until recycled: there the leftovers are sealed values, unreadable
// once the key that sealed them is retired (`halfsky keys rotate`, then
// drop the old key from the key file).
// It reports false when readers kept the log from being emptied; the
// rows are purged all the same and a later checkpoint finishes the job.
func compactSQLite(ctx context.Context, d *db.DB) (bool, error) {
	ok, err := d.Compact(ctx)
	if err != nil {
		return false, fmt.Errorf("after purge: %w", err)
	}
	return ok, nil
}
