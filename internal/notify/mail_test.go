package notify_test

import (
	"context"
	"mime"
	"net"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/mailsink"
	"halfsky/internal/notify"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
)

// seed makes two units with one user each (one with an email address).
func seed(t *testing.T, d *db.DB) (ids []int64) {
	ctx := context.Background()
	s := &org.Store{DB: d}
	if _, err := s.ImportHarbin(ctx); err != nil {
		t.Fatal(err)
	}
	for i, code := range []string{"230102", "230103"} {
		o, _ := s.ByCodeUnscoped(ctx, d.Q(), code)
		ids = append(ids, o.ID)
		email := ""
		if i == 0 {
			email = "daoli@example.org"
		}
		if _, err := d.Exec(ctx, `INSERT INTO users (username, display_name, password_hash, org_id, role, email, created_at, updated_at)
			VALUES (?, ?, 'x', ?, 'staff', ?, 0, 0)`, "u"+code, "用户"+code, o.ID, email); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func TestMailThroughSMTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ids := seed(t, d)
		sink := mailsink.Start(t)
		clock := time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)
		m := &notify.Mailer{DB: d, Addr: sink.Addr, From: "halfsky@localhost", BaseURL: "https://halfsky.example", Now: func() time.Time { return clock }}
		msg := notify.Message{Kind: "report.urge", Title: "催办：请报送学习贯彻情况", Body: "贵单位尚未报送。", Link: "/reports/todo"}
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := notify.ToOrgs(ctx, tx, ids, msg, clock); err != nil {
				return err
			}
			return m.Enqueue(ctx, tx, ids, msg, clock)
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := m.SendPending(ctx, 10)
		if err != nil || n != 1 {
			t.Fatalf("sent %d, %v (only one user has an address)", n, err)
		}
		got := sink.Messages()
		if len(got) != 1 || got[0].To != "daoli@example.org" {
			t.Fatalf("sink got %+v", got)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(got[0].Header.Get("Subject"))
		if subject != msg.Title || !strings.Contains(got[0].Body, "https://halfsky.example/reports/todo") {
			t.Fatalf("subject %q body %q", subject, got[0].Body)
		}
		if n, _ := m.SendPending(ctx, 10); n != 0 {
			t.Fatal("a sent message was sent again")
		}
		// Both units see the in-app notification; reading it clears the count.
		a := access.Actor{UserID: 1, OrgID: ids[1], Role: access.Staff}
		list, unread, err := notify.List(ctx, d.Q(), a, 10)
		if err != nil || len(list) != 1 || unread != 1 || list[0].Title != msg.Title {
			t.Fatalf("notifications %+v %d %v", list, unread, err)
		}
		if err := notify.MarkAllRead(ctx, d, a, clock); err != nil {
			t.Fatal(err)
		}
		if u, _ := notify.Unread(ctx, d.Q(), a); u != 0 {
			t.Fatalf("unread after reading: %d", u)
		}
	})
}

func TestMailRetriesThenFails(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ids := seed(t, d)
		// A port with nothing listening.
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		clock := time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)
		m := &notify.Mailer{DB: d, Addr: addr, From: "halfsky@localhost", Now: func() time.Time { return clock }}
		d.InTx(ctx, func(tx *db.Tx) error {
			return m.Enqueue(ctx, tx, ids, notify.Message{Title: "测试", Body: "正文"}, clock)
		})
		for i := 0; i < notify.MaxAttempts; i++ {
			if n, err := m.SendPending(ctx, 10); err != nil || n != 0 {
				t.Fatalf("attempt %d: %d %v", i, n, err)
			}
			var status string
			var attempts int
			d.QueryRow(ctx, `SELECT status, attempts FROM mail_outbox`).Scan(&status, &attempts)
			if attempts != i+1 || (i < notify.MaxAttempts-1 && status != "pending") {
				t.Fatalf("after attempt %d: %s %d", i+1, status, attempts)
			}
			clock = clock.Add(7 * time.Hour) // past any backoff
		}
		var status, lastErr string
		d.QueryRow(ctx, `SELECT status, last_error FROM mail_outbox`).Scan(&status, &lastErr)
		if status != "failed" || lastErr == "" {
			t.Fatalf("after %d attempts: %s %q", notify.MaxAttempts, status, lastErr)
		}
	})
}

// TestAdministratorsDoNotReadUnitNotices: unit notifications are about
// documents and reports, which the administrator roles do not read.
func TestAdministratorsDoNotReadUnitNotices(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ids := seed(t, d)
		d.InTx(ctx, func(tx *db.Tx) error {
			return notify.ToOrgs(ctx, tx, ids[:1], notify.Message{Kind: "report.extension", Title: "申请延期"}, time.Now())
		})
		for role, want := range map[access.Role]int{access.Staff: 1, access.Leader: 1, access.Sysadmin: 0, access.Auditor: 0, access.Secadmin: 0} {
			list, unread, err := notify.List(ctx, d.Q(), access.Actor{UserID: 1, OrgID: ids[0], Role: role}, 10)
			if err != nil || len(list) != want || unread != want {
				t.Errorf("%s sees %d notices (%d unread), want %d: %v", role, len(list), unread, want, err)
			}
		}
	})
}
