package notify_test

import (
	"context"
	"mime"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/mailsink"
	"halfsky/internal/metrics"
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

// TestMailRetriesThenFails: a message the mail server refuses for good
// (550: no such mailbox) is tried MaxAttempts times, then marked failed
// with the server's reply.
func TestMailRetriesThenFails(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ids := seed(t, d)
		sink := mailsink.Start(t)
		sink.Refuse(550)
		clock := time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)
		m := &notify.Mailer{DB: d, Addr: sink.Addr, From: "halfsky@localhost", Now: func() time.Time { return clock }}
		d.InTx(ctx, func(tx *db.Tx) error {
			return m.Enqueue(ctx, tx, ids, notify.Message{Title: "测试", Body: "正文"}, clock)
		})
		for i := 0; i < notify.MaxAttempts; i++ {
			if n, err := m.SendPending(ctx, 10); err != nil || n != 0 {
				t.Fatalf("attempt %d: %d %v", i, n, err)
			}
			o := outbox(t, d)[0]
			if o.attempts != i+1 || (i < notify.MaxAttempts-1 && o.status != "pending") {
				t.Fatalf("after attempt %d: %+v", i+1, o)
			}
			clock = clock.Add(notify.RetryMax) // past any backoff
		}
		o := outbox(t, d)[0]
		if o.status != "failed" || !strings.Contains(o.lastError, "550") {
			t.Fatalf("after %d attempts: %+v", notify.MaxAttempts, o)
		}
	})
}

// TestOutboxWaitsOutTheMailServer is the outbox's fault drill: the mail
// server down (the connection refused), then up but answering "later"
// (451), then accepting. While it fails nothing is lost or marked
// failed, however many attempts it takes (more than MaxAttempts here);
// each wait is longer than the one before, up to RetryMax; the backlog
// shows in halfsky_mail_outbox_pending; and once the server accepts,
// every queued message arrives exactly once.
func TestOutboxWaitsOutTheMailServer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ids := seed(t, d)
		sink := mailsink.Start(t)
		sink.Stop()
		clock := time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)
		m := &notify.Mailer{DB: d, Addr: sink.Addr, From: "halfsky@localhost", Now: func() time.Time { return clock }}
		const queued = 3
		for i := range queued {
			d.InTx(ctx, func(tx *db.Tx) error {
				return m.Enqueue(ctx, tx, ids[:1], notify.Message{Title: "催办 " + strconv.Itoa(i), Body: "正文"}, clock)
			})
		}
		var waits []time.Duration
		attempt := func(wantErr string) {
			t.Helper()
			if n, err := m.SendPending(ctx, 10); err != nil || n != 0 {
				t.Fatalf("attempt %d with the server failing: sent %d, %v", len(waits)+1, n, err)
			}
			all := outbox(t, d)
			for _, o := range all {
				if o.status != "pending" || o.attempts != len(waits)+1 || !strings.Contains(o.lastError, wantErr) {
					t.Fatalf("after attempt %d: %+v (want pending, %q)", len(waits)+1, o, wantErr)
				}
			}
			waits = append(waits, all[0].nextTry.Sub(clock))
			clock = all[0].nextTry // no sooner: a message is not tried before its time
			for _, o := range all {
				clock = maxTime(clock, o.nextTry)
			}
		}
		for range notify.MaxAttempts + 2 {
			attempt("connection refused")
		}
		if got := scrapePending(t, d); got != queued {
			t.Fatalf("halfsky_mail_outbox_pending %v, want %d", got, queued)
		}
		sink.Restart(t)
		sink.Refuse(451)
		attempt("451")
		for i := 1; i < len(waits); i++ {
			if waits[i] < waits[i-1] && waits[i-1] < notify.RetryMax*4/5 {
				t.Fatalf("the waits shrank before the cap: %v", waits)
			}
			if waits[i] > notify.RetryMax {
				t.Fatalf("a wait past RetryMax: %v", waits)
			}
		}
		t.Logf("waits between attempts while the server failed: %v", waits)
		sink.Refuse(0)
		if n, err := m.SendPending(ctx, 10); err != nil || n != queued {
			t.Fatalf("the server back: sent %d, %v", n, err)
		}
		if n, _ := m.SendPending(ctx, 10); n != 0 {
			t.Fatalf("sent %d again", n)
		}
		got := map[string]int{}
		for _, msg := range sink.Messages() {
			subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			got[subject]++
		}
		for i := range queued {
			if got["催办 "+strconv.Itoa(i)] != 1 {
				t.Fatalf("delivered %v, want each of %d once", got, queued)
			}
		}
		for _, o := range outbox(t, d) {
			if o.status != "sent" {
				t.Fatalf("after delivery: %+v", o)
			}
		}
		if got := scrapePending(t, d); got != 0 {
			t.Fatalf("halfsky_mail_outbox_pending %v after delivery", got)
		}
	})
}

// mail is one row of the outbox.
type mail struct {
	status, lastError string
	attempts          int
	nextTry           time.Time
}

func outbox(t *testing.T, d *db.DB) []mail {
	t.Helper()
	all, err := db.All(context.Background(), d.Q(), func(row db.Scanner) (m mail, err error) {
		var next int64
		err = row.Scan(&m.status, &m.lastError, &m.attempts, &next)
		m.nextTry = db.FromMillis(next)
		return m, err
	}, `SELECT status, last_error, attempts, next_try_at FROM mail_outbox ORDER BY id`)
	if err != nil || len(all) == 0 {
		t.Fatalf("outbox: %v %v", all, err)
	}
	return all
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// scrapePending is halfsky_mail_outbox_pending as /metrics says it.
func scrapePending(t *testing.T, d *db.DB) float64 {
	t.Helper()
	w := httptest.NewRecorder()
	metrics.New(d).Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	for line := range strings.Lines(w.Body.String()) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "halfsky_mail_outbox_pending "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no halfsky_mail_outbox_pending in:\n%s", w.Body)
	return 0
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
