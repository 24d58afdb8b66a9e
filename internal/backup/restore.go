package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/vault"
)

// Target is where a restore goes: a SQLite data directory without a
// database in it, or an empty PostgreSQL database.
type Target struct {
	DataDir string // SQLite: DataDir/halfsky.db is written
	URL     string // PostgreSQL, when set
}

func (t Target) engine() string {
	if t.URL != "" {
		return "postgres"
	}
	return "sqlite"
}

// Restored is what a restore did and found.
type Restored struct {
	Header   Header
	Manifest Manifest
	Audit    audit.Report // audit verify on the restored copy, before it was migrated
	Migrated int          // migrations applied after (a backup of an older version)
	Took     time.Duration
}

// Restore restores the backup at path into t: every check that needs no
// writing first (the file, the keys, the engine and schema, an empty
// target), then the whole file decrypted and every chunk opened, then the
// database restored and every table compared with the manifest, then the
// audit log verified, then the schema migrated to this binary's. A backup
// refused or a restored copy that differs from its manifest leaves the
// target as it was (a *Refusal); an audit log that does not verify is
// reported in Restored.Audit, the copy kept: it is what was backed up.
func Restore(ctx context.Context, path string, t Target, k *vault.Keyring) (Restored, error) {
	start := time.Now()
	b, err := Open(path, k)
	if err != nil {
		return Restored{}, err
	}
	defer b.Close()
	h := b.Header
	if h.Engine != t.engine() {
		return Restored{}, refuse(Unsupported, "这是 %s 数据库的备份，目标是 %s：只能恢复到同一种数据库"+untouched, h.Engine, t.engine())
	}
	if latest := db.LatestVersion(); h.Schema > latest {
		return Restored{}, refuse(Unsupported, "此备份的数据库结构版本 %d 比本程序认识的 %d 新：请用写它的或更新的 halfsky 恢复"+untouched, h.Schema, latest)
	}
	r := Restored{Header: h}
	if t.URL != "" {
		err = restorePostgres(ctx, b, t.URL, &r)
	} else {
		err = restoreSQLite(ctx, b, t.DataDir, &r)
	}
	r.Took = time.Since(start)
	return r, err
}

// restoreSQLite decrypts into a file of its own in the data directory,
// checks and migrates it there, and links it into place only at the end:
// halfsky.db appears whole and checked, or not at all.
func restoreSQLite(ctx context.Context, b *File, dir string, r *Restored) (err error) {
	final := filepath.Join(dir, "halfsky.db")
	for _, p := range []string{final, final + "-wal", final + "-shm"} {
		if _, err := os.Lstat(p); err == nil {
			return refuse(TargetInUse, "目标 %s 中已有数据库（%s）：恢复只写入新的数据目录，不覆盖"+untouched, dir, filepath.Base(p))
		}
	}
	m, payload, err := b.Payload()
	if err != nil {
		return err
	}
	r.Manifest = m
	made, err := mkdir(dir)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".halfsky-restore-*.db")
	if err != nil {
		return err
	}
	defer func() {
		os.Remove(tmp.Name())
		if err != nil && made {
			os.Remove(dir)
		}
	}()
	_, err = io.Copy(tmp, payload)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	got, err := sqliteManifest(ctx, tmp.Name())
	if err != nil {
		return err
	}
	if err := compare(m, got.Tables); err != nil {
		return err
	}
	if err := settle(ctx, tmp.Name(), r); err != nil {
		return err
	}
	return os.Link(tmp.Name(), final) // fails rather than replace a database made meanwhile
}

// mkdir makes dir when it is missing and says whether it did, so a
// refused restore can take it away again.
func mkdir(dir string) (bool, error) {
	if _, err := os.Stat(dir); err == nil {
		return false, nil
	}
	return true, os.MkdirAll(dir, 0o700)
}

// settle verifies the audit log of the SQLite copy at path and migrates
// it, then folds its write-ahead log into the file: the file alone is
// linked into place.
func settle(ctx context.Context, path string, r *Restored) error {
	d, err := db.OpenSQLite(ctx, path)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := afterRestore(ctx, d, r); err != nil {
		return err
	}
	if _, err := d.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return err
	}
	if err := d.Close(); err != nil {
		return err
	}
	if st, err := os.Stat(path + "-wal"); err == nil && st.Size() > 0 {
		return fmt.Errorf("restore: %s-wal was not folded into the database", path)
	}
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	return nil
}

// afterRestore verifies the audit log as it was backed up, then migrates.
func afterRestore(ctx context.Context, d *db.DB, r *Restored) error {
	rep, err := audit.Verify(ctx, d)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	r.Audit = rep
	r.Migrated, err = d.Migrate(ctx)
	return err
}

// compare refuses a restored copy whose tables differ from the manifest.
func compare(m Manifest, got []Table) error {
	if diff := m.Diff(got); len(diff) > 0 {
		return refuse(Mismatch, "恢复出的数据与备份清单不符（%d 张表）：\n  %s\n目标保持原样，未做任何恢复", len(diff), strings.Join(diff, "\n  "))
	}
	return nil
}

// restorePostgres decrypts the dump into a temporary file (pg_restore
// reads a custom archive in the order it needs, which a pipe cannot give),
// restores it in one transaction — a failure leaves the database empty —
// then compares, verifies and migrates; a copy that differs from the
// manifest is taken out again.
func restorePostgres(ctx context.Context, b *File, url string, r *Restored) error {
	d, err := db.Open(ctx, url, "")
	if err != nil {
		return err
	}
	defer d.Close()
	if n, err := objects(ctx, d.Raw()); err != nil {
		return err
	} else if n > 0 {
		return refuse(TargetInUse, "目标数据库不是空的（已有 %d 个表、序列或函数）：恢复只写入新建的空数据库，不覆盖"+untouched, n)
	}
	m, payload, err := b.Payload()
	if err != nil {
		return err
	}
	r.Manifest = m
	dump, err := os.CreateTemp("", "halfsky-restore-*.dump")
	if err != nil {
		return err
	}
	defer os.Remove(dump.Name())
	_, err = io.Copy(dump, payload)
	if cerr := dump.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := run(ctx, io.Discard, "pg_restore", "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
		"--dbname="+url, dump.Name()); err != nil {
		return fmt.Errorf("restore: %w（目标数据库已回滚为空）", err)
	}
	got, err := postgresTables(ctx, d)
	if err == nil {
		err = compare(m, got)
	}
	if err != nil {
		if werr := wipe(ctx, d.Raw()); werr != nil {
			return fmt.Errorf("%w; emptying the target again failed: %v", err, werr)
		}
		return err
	}
	return afterRestore(ctx, d, r)
}

// postgresTables digests the restored tables in one snapshot.
func postgresTables(ctx context.Context, d *db.DB) ([]Table, error) {
	tx, err := d.Raw().BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return sumTables(ctx, tx, "postgres")
}

// userObjects selects what a database holds beyond PostgreSQL's own:
// relations (tables, views, sequences) and routines outside the system
// schemas. An empty database (createdb) has none.
const userObjects = `
	SELECT 'r', c.oid::regclass::text, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
		AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
	UNION ALL
	SELECT 'f', p.oid::regprocedure::text, p.prokind::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
	WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`

func objects(ctx context.Context, q *sql.DB) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+userObjects+`) o`).Scan(&n)
	return n, err
}

// wipe drops what the restore made, in one transaction, so the database
// is as empty as it was found.
func wipe(ctx context.Context, q *sql.DB) error {
	tx, err := q.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, userObjects)
	if err != nil {
		return err
	}
	var drops []string
	for rows.Next() {
		var class, name, kind string
		if err := rows.Scan(&class, &name, &kind); err != nil {
			rows.Close()
			return err
		}
		drops = append(drops, dropStatement(class, kind, name))
	}
	rows.Close()
	// Tables first: the sequences of their identity columns go with them
	// and cannot be dropped alone.
	slices.SortStableFunc(drops, func(a, b string) int { return dropRank(a) - dropRank(b) })
	for _, s := range drops {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if n, err := objects(ctx, q); err != nil || n > 0 {
		return errors.Join(err, fmt.Errorf("%d objects left", n))
	}
	return nil
}

func dropStatement(class, kind, name string) string {
	if class == "f" {
		return "DROP ROUTINE IF EXISTS " + name + " CASCADE"
	}
	what := map[string]string{"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE", "f": "FOREIGN TABLE"}[kind]
	return "DROP " + what + " IF EXISTS " + name + " CASCADE"
}

func dropRank(stmt string) int {
	for i, p := range []string{"DROP TABLE", "DROP FOREIGN", "DROP VIEW", "DROP MATERIALIZED", "DROP SEQUENCE"} {
		if strings.HasPrefix(stmt, p) {
			return i
		}
	}
	return 9
}
