// Package metrics is halfsky's /metrics, in Prometheus's text format
// through the official client library: requests and their latency by
// route pattern (never by URL, so the series stay few and no id or name
// is in them), the database pool, the mail outbox's depth, failed logins,
// lockouts and audit events — each counted once its transaction has
// committed.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// Metrics holds halfsky's collectors on a registry of their own.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	audits   *prometheus.CounterVec
	failures prometheus.Counter
	lockouts prometheus.Counter
}

// New registers the collectors over d: the Go runtime and the process,
// the database pool, the outbox's depth (read at each scrape) and the
// request and audit counters the middleware and audit.Observe feed.
func New(d *db.DB) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "halfsky_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status code."}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "halfsky_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route"})
	m.audits = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "halfsky_audit_events_total",
		Help: "Audit events committed, by the area of their action (auth, case, doc …) and outcome."}, []string{"area", "outcome"})
	m.failures = prometheus.NewCounter(prometheus.CounterOpts{Name: "halfsky_login_failures_total",
		Help: "Failed sign-ins (wrong password or code, unknown or locked account, too many from one address)."})
	m.lockouts = prometheus.NewCounter(prometheus.CounterOpts{Name: "halfsky_account_lockouts_total",
		Help: "Accounts locked after too many failed sign-ins."})
	outbox := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "halfsky_mail_outbox_pending",
		Help: "Mail queued and not yet sent (-1 when the database cannot be read)."}, func() float64 { return pending(d) })
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(d.Raw(), d.Dialect.String()), m.requests, m.latency, m.audits, m.failures, m.lockouts, outbox)
	return m
}

// pending counts the outbox's queued mail, within a second.
func pending(d *db.DB) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var n int64
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE status = 'pending'`).Scan(&n); err != nil {
		return -1
	}
	return float64(n)
}

// Audit counts a committed audit event (audit.Observe's callback).
func (m *Metrics) Audit(e audit.Event) {
	area, _, _ := strings.Cut(e.Action, ".")
	m.audits.WithLabelValues(area, e.Outcome).Inc()
	if e.Action == audit.ActionLoginFailed {
		m.failures.Inc()
		if strings.HasSuffix(e.Detail, "账号锁定") {
			m.lockouts.Inc()
		}
	}
}

// Handler serves the registry in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Router says which route pattern answers a request ("" for none): the
// route table's (httpx.RouteTable.Pattern).
type Router interface {
	Pattern(r *http.Request) string
}

// Middleware counts and times every request by its route pattern.
func (m *Metrics) Middleware(routes Router, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := routes.Pattern(r)
		if route == "" {
			route = "unmatched"
		}
		sw := &status{ResponseWriter: w, code: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(sw, r)
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.code)).Inc()
	})
}

// status keeps the status code a handler wrote.
type status struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (s *status) WriteHeader(code int) {
	if !s.wrote {
		s.code, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *status) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushing,
// deadlines).
func (s *status) Unwrap() http.ResponseWriter { return s.ResponseWriter }
