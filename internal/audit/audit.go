// Package audit is halfsky's append-only, hash-chained audit log.
//
// Every event gets the next sequence number from the chain head (table
// audit_head, one row with id 1) and carries the hash of the event before
// it, so that an edited, deleted, reordered or forged row breaks the chain
// and Verify can say where. The database refuses UPDATE and DELETE on
// audit_events through triggers; the chain catches what someone with enough
// rights to drop those triggers does anyway.
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
	"strconv"
	"strings"
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

// Alert reports whether the event is an alert for the auditor.
func (e Event) Alert() bool { return strings.HasPrefix(e.Action, AlertPrefix) }

// MaxDetail is the longest detail kept, in characters; longer ones are cut.
const MaxDetail = 1000

// Event is one audit record.
type Event struct {
	Seq        int64
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

const columns = `seq, at, user_id, username, org_id, org_code, action, object_type, object_id, ip, outcome, detail, prev_hash, hash`

func (r *row) scan(s db.Scanner) error {
	return s.Scan(&r.seq, &r.at, &r.userID, &r.username, &r.orgID, &r.orgCode, &r.action,
		&r.objectType, &r.objectID, &r.ip, &r.outcome, &r.detail, &r.prevHash, &r.hash)
}

func (r *row) event() Event {
	return Event{
		Seq: r.seq, At: db.FromMillis(r.at),
		UserID: r.userID.Int64, Username: r.username,
		OrgID: r.orgID.Int64, OrgCode: r.orgCode,
		Action: r.action, ObjectType: r.objectType, ObjectID: r.objectID,
		IP: r.ip, Outcome: r.outcome, Detail: r.detail,
		PrevHash: r.prevHash, Hash: r.hash,
	}
}

// hashVersion starts every canonical encoding, so a future change of the
// encoding can never produce the same bytes as this one.
const hashVersion = "halfsky-audit-v1"

// canonical is the unambiguous byte string an event's hash is taken over.
//
// It is the version tag "halfsky-audit-v1" followed by these 13 fields, in
// this order, each written as a netstring — the field's length in bytes in
// decimal, ':', the bytes, ',' — so no two different events encode alike
// whatever their contents:
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
func (r *row) canonical() []byte {
	nullable := func(n sql.NullInt64) string {
		if !n.Valid {
			return ""
		}
		return strconv.FormatInt(n.Int64, 10)
	}
	fields := [...]string{
		strconv.FormatInt(r.seq, 10),
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
		r.prevHash,
	}
	n := len(hashVersion)
	for _, f := range fields {
		n += len(f) + 24
	}
	b := make([]byte, 0, n)
	b = append(b, hashVersion...)
	for _, f := range fields {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
		b = append(b, ',')
	}
	return b
}

func (r *row) computeHash() string {
	sum := sha256.Sum256(r.canonical())
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

// Record appends e in the caller's transaction, so the change and its audit
// event commit together or not at all. A zero At means now.
//
// It first bumps the chain head (UPDATE audit_head … WHERE id = 1), which
// takes the head row's lock on PostgreSQL — concurrent writers, from any
// number of app servers, wait there and are chained one at a time; on
// SQLite every transaction already holds the write lock (_txlock=immediate).
// The lock is held until the caller's transaction ends, so call Record late
// in a transaction. A rollback undoes the head bump too, leaving no gap.
func Record(ctx context.Context, tx *db.Tx, e Event) error {
	if tx == nil {
		return fmt.Errorf("%w: no transaction", ErrInvalid)
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

	res, err := tx.Exec(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1`)
	if err != nil {
		return fmt.Errorf("audit: lock chain head: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("audit: lock chain head: %w", err)
	} else if n != 1 {
		return errors.New("audit: chain head row (audit_head id=1) is missing")
	}
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&r.seq, &r.prevHash); err != nil {
		return fmt.Errorf("audit: read chain head: %w", err)
	}
	r.hash = r.computeHash()
	if _, err := tx.Exec(ctx, `INSERT INTO audit_events (`+columns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.seq, r.at, r.userID, r.username, r.orgID, r.orgCode, r.action, r.objectType,
		r.objectID, r.ip, r.outcome, r.detail, r.prevHash, r.hash); err != nil {
		return fmt.Errorf("audit: insert event %d: %w", r.seq, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET hash = ? WHERE id = 1`, r.hash); err != nil {
		return fmt.Errorf("audit: update chain head: %w", err)
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
