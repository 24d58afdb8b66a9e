// Package audit is halfsky's append-only, hash-chained audit log.
//
// The log is Stripes hash chains ("stripes") side by side. Every event
// belongs to one stripe, at the next position of that stripe (sseq: 1, 2,
// 3 … with no gaps), and carries the hash of the event before it in the
// same stripe; its own hash covers its content, its stripe, its position,
// its global seq and that previous hash. Each stripe's head (a row of
// audit_head: the last position and hash) is written in the same
// transaction as the event. So an edited, deleted, reordered, moved or
// forged row breaks its stripe's chain or its head, and Verify says where.
//
// Why stripes: one chain needs one head row, and every audited transaction
// from every app server would wait for that row's lock until the previous
// one commits. With Stripes heads, Record on PostgreSQL claims a stripe no
// other transaction holds (a transaction-level advisory lock, tried in
// random order) and chains there, in one statement; 32 writers run in
// parallel. Tamper evidence is per stripe and just as strong: a chain still
// pins every event to its predecessor and its head pins the last one, so an
// event cannot be edited, removed, moved to another stripe or position, or
// slipped in without a stripe's hashes or head disagreeing; and the global
// order (seq, from a sequence, no hot row) is covered by each event's hash,
// so it cannot be rearranged either. As with one chain, whoever can rewrite
// the database can still rewrite a stripe's tail together with its head
// (only a copy of the heads kept elsewhere would show that, in either
// design). On SQLite the write lock
// already serializes writers; Record spreads events over the stripes all
// the same, so the two engines store the same shape.
//
// Events written before the stripes (migration 0022) are stripe 1's chain,
// hashed with the v1 encoding, and verify as they always did.
//
// The database refuses UPDATE and DELETE on audit_events through triggers;
// the chains catch what someone with enough rights to drop those triggers
// does anyway.
//
// Events are written in the transaction of the change they describe (Record)
// so the two commit together or not at all; events with no change of their
// own (a failed login, a denial) use Log.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"halfsky/internal/access"
	"halfsky/internal/db"
)

// Outcomes.
const (
	OK     = "ok"
	Fail   = "fail"
	Denied = "denied"
)

// Actions used across the app. Action names are "<area>.<verb>"; List
// filters them by prefix, so "auth." finds every authentication event.
const (
	ActionLogin       = "auth.login"
	ActionLoginFailed = "auth.login_failed"
	ActionLogout      = "auth.logout"
	ActionDenied      = "access.denied"
)

// AlertPrefix starts the action of an alert: an event the auditor must
// look at (someone probing, a limit crossed). The audit pages show alerts
// marked 警报 and filter them with Action: AlertPrefix.
const AlertPrefix = "alert."

// observer is told of each event once it is committed (Observe).
var observer atomic.Pointer[func(Event)]

// Observe has f told of every event recorded from now on, once its
// transaction has committed (the metrics count them); nil stops it.
func Observe(f func(Event)) {
	if f == nil {
		observer.Store(nil)
		return
	}
	observer.Store(&f)
}

// Alert reports whether the event is an alert for the auditor.
func (e Event) Alert() bool { return strings.HasPrefix(e.Action, AlertPrefix) }

// MaxDetail is the longest detail kept, in characters; longer ones are cut.
const MaxDetail = 1000

// Event is one audit record.
type Event struct {
	Seq        int64 // the global order (on PostgreSQL with gaps where a transaction rolled back)
	Stripe     int   // the chain the event is on, 1…Stripes
	Pos        int64 // its position in that chain: 1, 2, 3 … with no gaps
	At         time.Time
	UserID     int64 // 0 = none (stored as NULL)
	Username   string
	OrgID      int64 // 0 = none (stored as NULL)
	OrgCode    string
	Action     string // e.g. "auth.login", "user.create", "access.denied"
	ObjectType string // e.g. "user", "org", "session"
	ObjectID   string
	IP         string
	Outcome    string // OK, Fail or Denied
	Detail     string // ids, codes, counts: never business content (titles, file names, personal data, free text)
	PrevHash   string
	Hash       string
}

// OutcomeLabel is the outcome's Chinese name.
func (e Event) OutcomeLabel() string {
	switch e.Outcome {
	case OK:
		return "成功"
	case Fail:
		return "失败"
	case Denied:
		return "拒绝"
	}
	return e.Outcome
}

// FromActor fills the user, organization and IP fields from the acting user.
func FromActor(a access.Actor, action, objectType, objectID, outcome, detail string) Event {
	return Event{
		UserID:     a.UserID,
		Username:   a.Username,
		OrgID:      a.OrgID,
		OrgCode:    a.OrgCode,
		IP:         a.IP,
		Action:     action,
		ObjectType: objectType,
		ObjectID:   objectID,
		Outcome:    outcome,
		Detail:     detail,
	}
}

// row is an event as stored: user_id and org_id are nullable, and the hash
// covers the stored form, so that turning a NULL into 0 is a change too.
type row struct {
	seq, at        int64
	stripe         int
	sseq           int64
	userID, orgID  sql.NullInt64
	username       string
	orgCode        string
	action         string
	objectType     string
	objectID       string
	ip             string
	outcome        string
	detail         string
	prevHash, hash string
}

const columns = `seq, stripe, sseq, at, user_id, username, org_id, org_code, action, object_type, object_id, ip, outcome, detail, prev_hash, hash`

func (r *row) scan(s db.Scanner) error {
	return s.Scan(&r.seq, &r.stripe, &r.sseq, &r.at, &r.userID, &r.username, &r.orgID, &r.orgCode, &r.action,
		&r.objectType, &r.objectID, &r.ip, &r.outcome, &r.detail, &r.prevHash, &r.hash)
}

func (r *row) event() Event {
	return Event{
		Seq: r.seq, Stripe: r.stripe, Pos: r.sseq, At: db.FromMillis(r.at),
		UserID: r.userID.Int64, Username: r.username,
		OrgID: r.orgID.Int64, OrgCode: r.orgCode,
		Action: r.action, ObjectType: r.objectType, ObjectID: r.objectID,
		IP: r.ip, Outcome: r.outcome, Detail: r.detail,
		PrevHash: r.prevHash, Hash: r.hash,
	}
}

// The version tags start every canonical encoding, so no two encodings can
// ever produce the same bytes.
const (
	hashV1 = "halfsky-audit-v1" // events written before the stripes (stripe 1, positions up to v1_upto)
	hashV2 = "halfsky-audit-v2" // every event since
)

// netstring appends f as a netstring: its length in bytes in decimal, ':',
// the bytes, ','.
func netstring(b []byte, f string) []byte {
	b = strconv.AppendInt(b, int64(len(f)), 10)
	b = append(b, ':')
	b = append(b, f...)
	return append(b, ',')
}

func nullable(n sql.NullInt64) string {
	if !n.Valid {
		return ""
	}
	return strconv.FormatInt(n.Int64, 10)
}

// content is the event's own fields, in the order both encodings hash them
// (after seq in v1): at, user_id, username, org_id, org_code, action,
// object_type, object_id, ip, outcome, detail.
func (r *row) content() [11]string {
	return [...]string{
		strconv.FormatInt(r.at, 10),
		nullable(r.userID),
		r.username,
		nullable(r.orgID),
		r.orgCode,
		r.action,
		r.objectType,
		r.objectID,
		r.ip,
		r.outcome,
		r.detail,
	}
}

// canonicalV1 is the unambiguous byte string a v1 event's hash is taken
// over: the tag "halfsky-audit-v1" followed by these 13 fields, in this
// order, each written as a netstring, so no two different events encode
// alike whatever their contents:
//
//	seq          decimal
//	at           decimal Unix milliseconds (UTC)
//	user_id      decimal, or empty when NULL (no user)
//	username
//	org_id       decimal, or empty when NULL (no organization)
//	org_code
//	action
//	object_type
//	object_id
//	ip
//	outcome
//	detail
//	prev_hash    the previous event's hash, empty for seq 1
//
// The event's hash is the lower-case hex SHA-256 of this string.
func (r *row) canonicalV1() []byte {
	b := make([]byte, 0, 256+len(r.detail))
	b = append(b, hashV1...)
	b = netstring(b, strconv.FormatInt(r.seq, 10))
	for _, f := range r.content() {
		b = netstring(b, f)
	}
	return netstring(b, r.prevHash)
}

// prefixV2 is the start of the v2 encoding: the tag "halfsky-audit-v2" and
// the event's content (at … detail as in v1), each a netstring. It does
// not depend on the chain, so Record computes it before it has a head.
func (r *row) prefixV2() []byte {
	b := make([]byte, 0, 320+len(r.detail))
	b = append(b, hashV2...)
	for _, f := range r.content() {
		b = netstring(b, f)
	}
	return b
}

// canonicalV2 is the v2 encoding: prefixV2 followed by four netstrings
// that place the event — seq (global, decimal), stripe (decimal), sseq
// (the position in the stripe, decimal) and prev_hash (the hash of the
// stripe's previous event, empty at position 1). On PostgreSQL, Record
// appends these four in SQL (placeSQL) and hashes with sha256(); the two
// must stay byte for byte the same (the tests verify chains written there).
func (r *row) canonicalV2() []byte {
	b := r.prefixV2()
	b = netstring(b, strconv.FormatInt(r.seq, 10))
	b = netstring(b, strconv.Itoa(r.stripe))
	b = netstring(b, strconv.FormatInt(r.sseq, 10))
	return netstring(b, r.prevHash)
}

// canonical is the encoding the row is hashed with: v1 for the events
// written before the stripes, v2 for every other.
func (r *row) canonical(v1 bool) []byte {
	if v1 {
		return r.canonicalV1()
	}
	return r.canonicalV2()
}

func (r *row) computeHash(v1 bool) string {
	sum := sha256.Sum256(r.canonical(v1))
	return hex.EncodeToString(sum[:])
}

// clean makes s storable on both databases: valid UTF-8, no NUL bytes
// (PostgreSQL rejects both), and at most max characters when max > 0.
func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if max > 0 && utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-1]) + "…"
	}
	return s
}

// ErrInvalid is returned for an event that cannot be recorded.
var ErrInvalid = errors.New("audit: invalid event")

// Stripes is how many hash chains the log has (audit_head rows 1…Stripes,
// created by migration 0022): as many as writers that can chain at once on
// PostgreSQL without waiting for each other. The function audit_record
// (migration 0033) has it written in; TestRecordFunction checks.
const Stripes = 32

// stripeKey, in a context given to Record, names the stripe to use instead
// of a free one (tests lay out chains with it).
type stripeKey struct{}

// Record appends e in the caller's transaction, so the change and its audit
// event commit together or not at all. A zero At means now.
//
// On PostgreSQL it claims a stripe no other transaction holds (an advisory
// lock, tried on the stripes in random order), chains the event there and
// moves the stripe's head, in one statement (recordSQL); when every
// stripe is held at the moment it looks, it looks again shortly (never
// waiting for a stripe, see recordPostgres). The stripe stays claimed
// until the caller's transaction ends, so call Record late in a
// transaction; a second Record in the same
// transaction may use the same stripe or another, and never waits (its own
// stripe is always free to it), so stripes cannot deadlock. A rollback
// undoes the head's move too, leaving no gap in the stripe (the global seq,
// from a sequence, may skip a number: that is no chain's concern). On
// SQLite every transaction already holds the write lock (_txlock=immediate);
// Record picks a stripe at random.
func Record(ctx context.Context, tx *db.Tx, e Event) error {
	if tx == nil {
		return fmt.Errorf("%w: no transaction", ErrInvalid)
	}
	if o := observer.Load(); o != nil {
		tx.AfterCommit(func() { (*o)(e) })
	}
	r := row{
		userID:     sql.NullInt64{Int64: e.UserID, Valid: e.UserID != 0},
		orgID:      sql.NullInt64{Int64: e.OrgID, Valid: e.OrgID != 0},
		username:   clean(e.Username, 200),
		orgCode:    clean(e.OrgCode, 200),
		action:     clean(e.Action, 200),
		objectType: clean(e.ObjectType, 200),
		objectID:   clean(e.ObjectID, 200),
		ip:         clean(e.IP, 100),
		outcome:    e.Outcome,
		detail:     clean(e.Detail, MaxDetail),
	}
	if r.action == "" {
		return fmt.Errorf("%w: action is empty", ErrInvalid)
	}
	switch r.outcome {
	case OK, Fail, Denied:
	default:
		return fmt.Errorf("%w: outcome %q (want ok, fail or denied)", ErrInvalid, e.Outcome)
	}
	at := e.At
	if at.IsZero() {
		at = db.Now()
	}
	r.at = db.Millis(at)
	stripe, _ := ctx.Value(stripeKey{}).(int)
	if tx.Dialect() == db.Postgres {
		return recordPostgres(ctx, tx, &r, stripe)
	}
	return recordSQLite(ctx, tx, &r, stripe)
}

// stripeLock is the first key of the advisory locks that claim a stripe on
// PostgreSQL: (stripeLock, k) for stripe k (written in audit_record too).
const stripeLock = 72002

// recordSQL is Record on PostgreSQL, one statement. The stripe is claimed
// with a transaction-level advisory lock (%s: the first free one of the
// stripes in random order, pg_try_advisory_xact_lock; or a given one,
// waiting for it); the UPDATE then moves that stripe's head — as an
// UPDATE it works on the newest committed version of the row, whatever
// the statement's snapshot — computing the event's v2 hash from the old
// head as Go's canonicalV2 does (the four netstrings that place the event
// are ASCII, so characters are bytes); and the INSERT stores the event
// from what the UPDATE returns. Claiming with an advisory lock rather than
// SELECT … FOR UPDATE SKIP LOCKED costs no row lock and no WAL record of
// its own: only the UPDATE writes the head row. Whoever updates a head
// holds its advisory lock, so a head's row lock is never waited for.
const recordSQL = `WITH v AS (SELECT nextval('audit_events_seq') AS g),
h AS (UPDATE audit_head SET seq = audit_head.seq + 1, prev_hash = audit_head.hash,
	hash = encode(sha256(convert_to(?::text
		|| length(v.g::text) || ':' || v.g::text || ','
		|| length(audit_head.id::text) || ':' || audit_head.id::text || ','
		|| length((audit_head.seq + 1)::text) || ':' || (audit_head.seq + 1)::text || ','
		|| length(audit_head.hash) || ':' || audit_head.hash || ',', 'UTF8')), 'hex')
	FROM v WHERE audit_head.id = (%s)
	RETURNING audit_head.id, audit_head.seq, audit_head.prev_hash, audit_head.hash, v.g)
INSERT INTO audit_events (` + columns + `)
SELECT h.g, h.id, h.seq, ?::bigint, ?::bigint, ?::text, ?::bigint, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, h.prev_hash, h.hash FROM h`

var (
	// recordFree is the function audit_record (migration 0033): the
	// stripes tried from a random first one (its first argument) with
	// pg_try_advisory_xact_lock, the head moved as recordSQL moves it and
	// the event stored, in two plain statements planned once per
	// connection (halfsky's connections otherwise plan every statement
	// anew). Verify recomputes every hash in Go, so the tests that write
	// through it (TestConcurrentLog) keep its hash the same as recordSQL's.
	recordFree  = `SELECT audit_record(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	recordGiven = fmt.Sprintf(recordSQL, fmt.Sprintf(`SELECT s.k FROM (SELECT ?::int AS k) s, LATERAL (SELECT pg_advisory_xact_lock(%d, s.k)) l`, stripeLock))
)

func recordPostgres(ctx context.Context, tx *db.Tx, r *row, stripe int) error {
	args := []any{string(r.prefixV2()), r.at, r.userID, r.username, r.orgID, r.orgCode, r.action, r.objectType,
		r.objectID, r.ip, r.outcome, r.detail}
	if stripe != 0 {
		return recordOn(ctx, tx, stripe, args)
	}
	// When no stripe is free at the moment, or the claimed head was moved
	// under the statement (it then updates no row, still holding the
	// stripe), look again shortly instead of waiting for a stripe: this
	// transaction may hold locks of its own (its change's rows, a stripe
	// claimed so), and a wait for a stripe whose holder wants one of them
	// is a deadlock — two writers in that fallback, each holding the
	// stripe the other waited for, were caught under 32 writers.
	deadline := time.Now().Add(busyWait)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		var n int
		if err := tx.QueryRow(ctx, recordFree, append([]any{rand.IntN(Stripes)}, args...)...).Scan(&n); err != nil {
			return fmt.Errorf("audit: record: %w", err)
		}
		if n == 1 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("audit: record: every chain has been busy for %s", busyWait)
		}
		t := time.NewTimer(pause/2 + rand.N(pause))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("audit: record: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// busyWait is how long Record looks for a free stripe before it gives up,
// as long as SQLite waits for its write lock.
const busyWait = 10 * time.Second

// recordOn records on the given stripe, waiting for it (tests lay out
// chains this way, one transaction at a time).
func recordOn(ctx context.Context, tx *db.Tx, stripe int, args []any) error {
	args = append([]any{args[0], stripe}, args[1:]...)
	res, err := tx.Exec(ctx, recordGiven, args...)
	if err != nil {
		return fmt.Errorf("audit: record on stripe %d: %w", stripe, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("audit: record on stripe %d: %w", stripe, err)
	} else if n != 1 {
		return fmt.Errorf("audit: chain head row (audit_head id=%d) is missing", stripe)
	}
	return nil
}

func recordSQLite(ctx context.Context, tx *db.Tx, r *row, stripe int) error {
	if stripe == 0 {
		stripe = 1 + rand.IntN(Stripes)
	}
	r.stripe = stripe
	err := tx.QueryRow(ctx, `SELECT seq + 1, hash, (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_events)
		FROM audit_head WHERE id = ?`, stripe).Scan(&r.sseq, &r.prevHash, &r.seq)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit: chain head row (audit_head id=%d) is missing", stripe)
	} else if err != nil {
		return fmt.Errorf("audit: read chain head %d: %w", stripe, err)
	}
	r.hash = r.computeHash(false)
	if _, err := tx.Exec(ctx, `INSERT INTO audit_events (`+columns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.seq, r.stripe, r.sseq, r.at, r.userID, r.username, r.orgID, r.orgCode, r.action, r.objectType,
		r.objectID, r.ip, r.outcome, r.detail, r.prevHash, r.hash); err != nil {
		return fmt.Errorf("audit: insert event %d: %w", r.seq, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?`, r.sseq, r.prevHash, r.hash, stripe); err != nil {
		return fmt.Errorf("audit: update chain head %d: %w", stripe, err)
	}
	return nil
}

// Log is Record in a transaction of its own, for events that change nothing
// else (a failed login, a denial).
func Log(ctx context.Context, d *db.DB, e Event) error {
	return d.InTx(ctx, func(tx *db.Tx) error { return Record(ctx, tx, e) })
}

// Filter selects events for List. Zero values filter nothing.
type Filter struct {
	From, To   time.Time // the half-open range [From, To)
	Username   string    // exact
	Action     string    // prefix: "auth." matches every auth.* action
	Outcome    string    // exact
	ObjectType string    // exact
	ObjectID   string    // exact
	Q          string    // substring of detail, object id or username (case-insensitive for ASCII)
	Page       int       // 1-based; <1 means 1
	PerPage    int       // default 50, at most 200

	// set by ListFor: only events of units in scope (and, with unitless,
	// events that belong to no unit)
	scope    *access.Scope
	unitless bool
}

// Page sizes for List.
const (
	DefaultPerPage = 50
	MaxPerPage     = 200
)

// likeEscape escapes s for use inside a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListFor is List for a signed-in actor: only the auditor reads the log
// (others get access.ErrDenied), and only the events of units in their
// scope. Events that belong to no unit (the operator's command line, failed
// sign-ins with unknown usernames) are read only by an auditor at the top
// of a tree.
func ListFor(ctx context.Context, q db.Querier, a access.Actor, f Filter) ([]Event, int, error) {
	if !a.Can(access.ReadAudit) {
		return nil, 0, access.ErrDenied
	}
	scope := a.Scope()
	f.scope = &scope
	f.unitless = strings.Count(a.OrgPath, "/") == 2 // "/id/": a root unit
	return List(ctx, q, f)
}

// List returns one page of the events matching f, newest first, and how
// many match in all. It does not check who is asking: callers allow it to
// the auditor only (access.ReadAudit).
func List(ctx context.Context, q db.Querier, f Filter) ([]Event, int, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if !f.From.IsZero() {
		add(`at >= ?`, db.Millis(f.From))
	}
	if !f.To.IsZero() {
		add(`at < ?`, db.Millis(f.To))
	}
	if f.Username != "" {
		add(`username = ?`, f.Username)
	}
	if f.Action != "" {
		add(`action LIKE ? ESCAPE '\'`, likeEscape(f.Action)+"%")
	}
	if f.Outcome != "" {
		add(`outcome = ?`, f.Outcome)
	}
	if f.ObjectType != "" {
		add(`object_type = ?`, f.ObjectType)
	}
	if f.ObjectID != "" {
		add(`object_id = ?`, f.ObjectID)
	}
	if qs := strings.TrimSpace(f.Q); qs != "" {
		p := "%" + likeEscape(strings.ToLower(qs)) + "%"
		add(`(LOWER(detail) LIKE ? ESCAPE '\' OR LOWER(object_id) LIKE ? ESCAPE '\' OR LOWER(username) LIKE ? ESCAPE '\')`, p, p, p)
	}
	if f.scope != nil {
		lo, hi := f.scope.Range()
		in := `org_id IN (SELECT id FROM orgs WHERE path >= ? AND path < ?)`
		if f.unitless {
			in = `(org_id IS NULL OR ` + in + `)`
		}
		add(in, lo, hi)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}

	var total int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("audit: count: %w", err)
	}
	per := f.PerPage
	if per <= 0 {
		per = DefaultPerPage
	}
	if per > MaxPerPage {
		per = MaxPerPage
	}
	page := f.Page
	if page < 1 {
		page = 1
	}
	if total == 0 || (page-1)*per >= total {
		return []Event{}, total, nil
	}
	out, err := db.All(ctx, q, func(s db.Scanner) (Event, error) {
		var r row
		err := r.scan(s)
		return r.event(), err
	}, `SELECT `+columns+` FROM audit_events`+cond+` ORDER BY seq DESC LIMIT ? OFFSET ?`, append(args, per, (page-1)*per)...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	if out == nil {
		out = []Event{} // none (the page emptied since the count) is an empty list
	}
	return out, total, nil
}
