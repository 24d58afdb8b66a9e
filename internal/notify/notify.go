// Package notify is in-app notifications — to a unit (everyone working
// there sees it) or to one user — and the outgoing mail queue that carries
// the same messages by email when SMTP is configured.
package notify

import (
	"context"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
)

// Message is a notification to store.
type Message struct {
	Kind  string // e.g. doc.received, report.urge, report.returned
	Title string
	Body  string
	Link  string // a path inside halfsky
}

// ToOrgs stores one notification per unit, in the caller's transaction.
func ToOrgs(ctx context.Context, tx *db.Tx, orgIDs []int64, m Message, now time.Time) error {
	at := db.Millis(now)
	if tx.Dialect() == db.Postgres {
		// One statement with the units as an array: a document to the
		// whole country notifies 665,276 units, and batches of rows were
		// each planned anew. Joined to the units: the table has no key to
		// them on PostgreSQL (migration 0029), and names none that is not.
		// In the units' order, so the index by unit is written from left
		// to right.
		_, err := tx.Exec(ctx, `INSERT INTO notifications (org_id, kind, title, body, link, created_at)
			SELECT o.id, ?, ?, ?, ?, ? FROM unnest(?::bigint[]) AS u(id) JOIN orgs o ON o.id = u.id ORDER BY o.id`,
			m.Kind, m.Title, m.Body, m.Link, at, orgIDs)
		return err
	}
	const batch = 300
	for i := 0; i < len(orgIDs); i += batch {
		part := orgIDs[i:min(i+batch, len(orgIDs))]
		var sb strings.Builder
		args := make([]any, 0, 6*len(part))
		sb.WriteString(`INSERT INTO notifications (org_id, kind, title, body, link, created_at) VALUES `)
		for j, id := range part {
			if j > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?,?,?)")
			args = append(args, id, m.Kind, m.Title, m.Body, m.Link, at)
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// ToUsers stores one notification per user (only she sees it), in the
// caller's transaction: for what concerns named people at a unit, not
// everyone working there (a case's handler, the leaders alerted to a
// danger).
func ToUsers(ctx context.Context, tx *db.Tx, userIDs []int64, m Message, now time.Time) error {
	for _, id := range userIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, kind, title, body, link, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, m.Kind, m.Title, m.Body, m.Link, db.Millis(now)); err != nil {
			return err
		}
	}
	return nil
}

// Notification is one stored notification as a user sees it.
type Notification struct {
	ID        int64
	Kind      string
	Title     string
	Body      string
	Link      string
	CreatedAt time.Time
	Read      bool
}

// unitOrg is the unit whose notifications the actor reads: their own for
// the business roles; none (-1) for the administrators, who run the system
// but do not read its documents and reports.
func unitOrg(a access.Actor) int64 {
	if a.Can(access.ViewDocs) {
		return a.OrgID
	}
	return -1
}

// List returns the newest notifications for the actor: those to their
// unit and those to them.
func List(ctx context.Context, q db.Querier, a access.Actor, limit int) ([]Notification, int, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var unread int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM notifications n
		WHERE (n.org_id = ? OR n.user_id = ?)
		AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = ?)`,
		unitOrg(a), a.UserID, a.UserID).Scan(&unread); err != nil {
		return nil, 0, err
	}
	out, err := db.All(ctx, q, func(row db.Scanner) (n Notification, err error) {
		var at int64
		var read int
		err = row.Scan(&n.ID, &n.Kind, &n.Title, &n.Body, &n.Link, &at, &read)
		n.CreatedAt, n.Read = db.FromMillis(at), read == 1
		return n, err
	}, `SELECT n.id, n.kind, n.title, n.body, n.link, n.created_at,
		CASE WHEN r.user_id IS NULL THEN 0 ELSE 1 END
		FROM notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = ?
		WHERE n.org_id = ? OR n.user_id = ?
		ORDER BY n.created_at DESC, n.id DESC LIMIT ?`, a.UserID, unitOrg(a), a.UserID, limit)
	if err != nil {
		return nil, 0, err
	}
	return out, unread, nil
}

// Unread counts the actor's unread notifications.
func Unread(ctx context.Context, q db.Querier, a access.Actor) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM notifications n
		WHERE (n.org_id = ? OR n.user_id = ?)
		AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = ?)`,
		unitOrg(a), a.UserID, a.UserID).Scan(&n)
	return n, err
}

// MarkAllRead marks every notification the actor can see as read.
func MarkAllRead(ctx context.Context, d *db.DB, a access.Actor, now time.Time) error {
	_, err := d.Exec(ctx, `INSERT INTO notification_reads (notification_id, user_id, read_at)
		SELECT n.id, ?, ? FROM notifications n
		WHERE (n.org_id = ? OR n.user_id = ?)
		AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = ?)`,
		a.UserID, db.Millis(now), unitOrg(a), a.UserID, a.UserID)
	return err
}
