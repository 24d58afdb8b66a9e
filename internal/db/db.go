// Package db opens halfsky's database — embedded SQLite or PostgreSQL — and
// gives the rest of the code one way to talk to either: queries are written
// with '?' placeholders and rebound for PostgreSQL, migrations are ordered and
// transactional, and Tx runs a function in a transaction.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load on machines without tzdata

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the SQL flavour behind a DB.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is a database handle that rebinds '?' placeholders for its dialect.
type DB struct {
	sql     *sql.DB
	Dialect Dialect
	// Path is the SQLite file, empty for PostgreSQL.
	Path string
	// stmts are SQLite's prepared statements; nil for PostgreSQL.
	stmts *stmtCache
	// writers queues SQLite's transactions for the write lock; nil for
	// PostgreSQL.
	writers writerQueue
	// gen is the write generation (generation.go).
	gen generation
}

// Open connects to PostgreSQL when url starts with postgres:// (or
// postgresql://), otherwise opens the SQLite file dataDir/halfsky.db.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return openPostgres(ctx, url)
	}
	if url != "" {
		return nil, fmt.Errorf("unsupported database URL (want postgres://…): %q", redact(url))
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	return OpenSQLite(ctx, filepath.Join(dataDir, "halfsky.db"))
}

// OpenSQLite opens (creating if needed) the SQLite file at path with the
// pragmas halfsky relies on: WAL so readers never block the writer,
// busy_timeout so concurrent writers wait instead of failing, foreign keys
// on, and synchronous=NORMAL (in WAL mode a power cut can lose the last
// transactions but never corrupts the file). _txlock=immediate makes every
// transaction take the write lock up front, which avoids the SQLITE_BUSY that
// a read-then-write upgrade would otherwise hit under concurrency.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(" + strconv.Itoa(sqliteBusyMillis) + ")", "foreign_keys(ON)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	sdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	// One writer at a time is SQLite's model; a small pool keeps readers
	// concurrent under WAL without piling up lock waits.
	sdb.SetMaxOpenConns(8)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	d := &DB{sql: sdb, Dialect: SQLite, Path: path, stmts: &stmtCache{}, writers: make(writerQueue, 1)}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// The watcher's connection is a pool of its own, so it never takes
	// one of the eight from the requests.
	wdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		sdb.Close()
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	probe, release, err := sqliteProbe(ctx, wdb)
	if err != nil {
		wdb.Close()
		sdb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	d.watchSQLite(probe, func() { release(); wdb.Close() })
	return d, nil
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL %s: %w", redact(url), err)
	}
	// halfsky's queries are short index lookups and range counts. Parallel
	// workers cost more to start than such a count takes, and a cached
	// generic plan can pick a whole-tree plan for a district's count: plan
	// every execution for its own parameters, serially; and never JIT-compile
	// (it took 0.1–0.5 s on a list whose query then ran in milliseconds).
	// Measured by internal/bench. A URL may still override each.
	for k, v := range map[string]string{"max_parallel_workers_per_gather": "0", "plan_cache_mode": "force_custom_plan", "jit": "off"} {
		if _, set := cfg.RuntimeParams[k]; !set {
			cfg.RuntimeParams[k] = v
		}
	}
	// A server that does not answer (a host down, packets dropped) must
	// fail a request in seconds, not after the kernel's minutes of TCP
	// retries: a URL's own connect_timeout still wins.
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = ConnectTimeout
	}
	sdb := stdlib.OpenDB(*cfg)
	sdb.SetMaxOpenConns(32)
	sdb.SetMaxIdleConns(pgMaxIdle)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("connect postgres %s: %w", redact(url), err)
	}
	d := &DB{sql: sdb, Dialect: Postgres}
	d.watchPostgres(cfg.Copy())
	return d, nil
}

// ConnectTimeout bounds a new PostgreSQL connection when the URL sets no
// connect_timeout.
const ConnectTimeout = 5 * time.Second

// pgMaxIdle is how many idle connections the PostgreSQL pool keeps.
const pgMaxIdle = 16

// redact hides a password in a connection URL before it reaches a log.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparseable URL)"
	}
	return p.Redacted()
}

// Close closes the pool.
func (d *DB) Close() error {
	d.stopWatch()
	d.stmts.close()
	return d.sql.Close()
}

// Raw exposes the pool for the rare caller that needs database/sql itself
// (backups, benchmarks); its queries are not rebound.
func (d *DB) Raw() *sql.DB { return d.sql }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.sql.PingContext(ctx) }

// Rebind turns '?' placeholders into $1, $2 … for PostgreSQL. Question marks
// inside single-quoted literals are left alone.
func (d *DB) Rebind(q string) string { return rebind(d.Dialect, q) }

func rebind(dialect Dialect, q string) string {
	if dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Querier is what both *DB and *Tx offer; store functions take it so they
// run inside or outside a transaction alike.
type Querier interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Dialect() Dialect
}

// Exec runs a statement outside any transaction and moves the write
// generation.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	defer d.Changed()
	return d.exec(ctx, q, args...)
}

func (d *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := d.stmts.get(ctx, d.sql, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.sql.ExecContext(ctx, d.Rebind(q), args...)
}

// sqliteBusyMillis is how long a SQLite statement waits for the write
// lock held by another transaction before it fails.
const sqliteBusyMillis = 10000

// ExecNoWait runs a write that is not worth waiting for — a session's
// last-seen time, refreshed by the next request if this one is skipped —
// so that a reader never queues behind a long transaction for it. It is
// for writes no cached value depends on: it does not move the write
// generation (another process's watcher still counts it). On
// SQLite the statement fails at once (SQLITE_BUSY) while another
// transaction holds the write lock, instead of waiting up to the busy
// timeout; on PostgreSQL it is an ordinary Exec (writers of other rows
// do not block it).
func (d *DB) ExecNoWait(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if d.Dialect != SQLite {
		return d.exec(ctx, q, args...)
	}
	conn, err := d.sql.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // never back to the pool without its timeout
		return nil, err
	}
	res, err := conn.ExecContext(ctx, q, args...)
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA busy_timeout = `+strconv.Itoa(sqliteBusyMillis)); rerr != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return res, err
}

func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := d.stmts.get(ctx, d.sql, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.sql.QueryContext(ctx, d.Rebind(q), args...)
}
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := d.stmts.get(ctx, d.sql, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.sql.QueryRowContext(ctx, d.Rebind(q), args...)
}

// Tx is a transaction with the same rebinding methods as DB.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	db      *DB
	// bound are the cached statements bound to this transaction: binding
	// one per call would keep a Stmt per call until the end of a bulk
	// import's transaction. missed are the statements the cache did not
	// hold, prepared on the transaction's own connection for its
	// lifetime, and given to the cache once the connection is back in
	// the pool.
	bound  map[*sql.Stmt]*sql.Stmt
	missed map[string]*sql.Stmt
	// committed run once the transaction has committed (AfterCommit).
	committed []func()
}

// AfterCommit runs f once the transaction has committed, never if it
// rolls back: for what may only count what is durable (the metrics).
func (t *Tx) AfterCommit(f func()) { t.committed = append(t.committed, f) }

// stmt is q's prepared statement for the transaction, or nil to run q
// unprepared. A Tx is used by one goroutine at a time.
func (t *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	st, ok := t.db.stmts.lookup(q)
	switch {
	case !ok:
		return nil
	case st == nil:
		if local, seen := t.missed[q]; seen {
			return local
		}
		local, err := t.tx.PrepareContext(ctx, q)
		if err != nil {
			return nil // unprepared, to report the error as ever
		}
		if t.missed == nil {
			t.missed = map[string]*sql.Stmt{}
		}
		t.missed[q] = local
		return local
	}
	if b, found := t.bound[st]; found {
		return b
	}
	if t.bound == nil {
		t.bound = map[*sql.Stmt]*sql.Stmt{}
	}
	b := t.tx.StmtContext(ctx, st)
	t.bound[st] = b
	return b
}

func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, rebind(t.dialect, q), args...)
}
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, rebind(t.dialect, q), args...)
}
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, rebind(t.dialect, q), args...)
}

// Instr is the name of the function that finds a substring's 1-based
// position: instr(haystack, needle) in SQLite, strpos in PostgreSQL.
func (d Dialect) Instr() string {
	if d == Postgres {
		return "strpos"
	}
	return "instr"
}

// Dialect reports the transaction's SQL flavour.
func (t *Tx) Dialect() Dialect { return t.dialect }

// dialectOf lets *DB satisfy Querier without a name clash with its field.
type dbQuerier struct{ *DB }

func (q dbQuerier) Dialect() Dialect { return q.DB.Dialect }

// Q returns the DB as a Querier (for calls outside any transaction).
func (d *DB) Q() Querier { return dbQuerier{d} }

// InTx runs fn in a transaction, committing when it returns nil and rolling
// back otherwise (also on panic, which it re-raises).
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	release := func() {}
	if d.writers != nil {
		if err := d.writers.acquire(ctx); err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		release = d.writers.release
	}
	stx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		release()
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: stx, dialect: d.Dialect, db: d}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			release()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
		release()
		// The connection is back in the pool and the next writer on its
		// way: prepare what the cache lacked, for the next transaction
		// (see stmtCache.get).
		d.stmts.fill(ctx, d.sql, tx.missed)
	}()
	if err = fn(tx); err != nil {
		return err
	}
	// Moved after the commit, whatever its outcome, and before InTx
	// returns: the caller's next read finds its caches stale.
	defer d.Changed()
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range tx.committed {
		f()
	}
	return nil
}

// InsertID runs an INSERT … RETURNING id on either dialect (both support
// RETURNING) and gives back the new row's id.
func InsertID(ctx context.Context, q Querier, query string, args ...any) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either database, so callers can turn it into a field error.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// ErrNotFound is returned by stores when a row does not exist (or is out of
// the caller's scope, which callers must not be able to tell apart).
var ErrNotFound = errors.New("not found")

// NoRows maps sql.ErrNoRows to ErrNotFound.
func NoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// Times are stored as BIGINT milliseconds since the Unix epoch (UTC): the one
// representation that compares, sorts and aggregates the same way on both
// databases without driver-specific parsing.

// Millis converts a time to its stored form.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis converts a stored time back, in UTC.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Now is the current time in UTC at the stored resolution.
func Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// Shanghai is the zone halfsky's dates are kept and shown in: a visit on
// the evening of the 1st in Harbin is on the 1st, whatever the server's
// clock says. time/tzdata is linked in, so it loads on machines without a
// zone database; the fixed UTC+8 is only a last resort.
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// Bit stores a bool in an INTEGER column (0 or 1): PostgreSQL's driver
// does not turn Go's bool into an integer by itself.
func Bit(b bool) int {
	if b {
		return 1
	}
	return 0
}
