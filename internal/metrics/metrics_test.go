package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/httpx"
	"halfsky/internal/metrics"
	"halfsky/internal/testdb"
)

// scrape is /metrics as Prometheus reads it.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func has(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, "\n"+l+"\n") {
			t.Errorf("no line %q in the scrape", l)
		}
	}
}

// TestRequestsByRoute: requests are counted and timed by the pattern of
// the route that answered them — never their URL, so no id is in a label
// — a 404 as "unmatched".
func TestRequestsByRoute(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		m := metrics.New(d)
		mux := httpx.NewRouteTable()
		mux.HandleFunc("GET /cases/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
		mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
		h := m.Middleware(mux, mux)
		for _, p := range []string{"/cases/12345", "/cases/67890", "/boom", "/nowhere"} {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
		}
		text := scrape(t, m)
		has(t, text,
			`halfsky_http_requests_total{code="201",method="GET",route="GET /cases/{id}"} 2`,
			`halfsky_http_requests_total{code="200",method="GET",route="GET /boom"} 1`,
			`halfsky_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
			`halfsky_http_request_duration_seconds_count{route="GET /cases/{id}"} 2`)
		if strings.Contains(text, "12345") {
			t.Error("a request's id is in a label")
		}
		for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "go_sql_open_connections", "halfsky_mail_outbox_pending 0"} {
			if !strings.Contains(text, name) {
				t.Errorf("no %s", name)
			}
		}
	})
}

// TestAuditAndOutbox: failed logins, lockouts and audit events are
// counted once committed, never for a transaction rolled back; the
// outbox's depth is read at each scrape.
func TestAuditAndOutbox(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m := metrics.New(d)
		audit.Observe(m.Audit)
		defer audit.Observe(nil)
		failed := audit.Event{Username: "wang", Action: audit.ActionLoginFailed, ObjectType: "session", Outcome: audit.Fail, Detail: "密码错误"}
		for _, detail := range []string{"密码错误", "密码错误；账号锁定"} {
			failed.Detail = detail
			if err := audit.Log(ctx, d, failed); err != nil {
				t.Fatal(err)
			}
		}
		rolledBack := errors.New("rolled back")
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := audit.Record(ctx, tx, failed); err != nil {
				return err
			}
			return rolledBack
		}); !errors.Is(err, rolledBack) {
			t.Fatal(err)
		}
		if err := audit.Log(ctx, d, audit.Event{Username: "li", Action: "case.take", ObjectType: "case", Outcome: audit.OK}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO mail_outbox (to_addr, subject, body, status, next_try_at, created_at) VALUES
			('a@example.org', 's', 'b', 'pending', 0, 0), ('b@example.org', 's', 'b', 'sent', 0, 0)`); err != nil {
			t.Fatal(err)
		}
		has(t, scrape(t, m),
			`halfsky_login_failures_total 2`,
			`halfsky_account_lockouts_total 1`,
			`halfsky_audit_events_total{area="auth",outcome="fail"} 2`,
			`halfsky_audit_events_total{area="case",outcome="ok"} 1`,
			`halfsky_mail_outbox_pending 1`)
	})
}
