// Package server assembles halfsky's HTTP handler: the services, the HTML
// and JSON front ends on one route table, and the middleware around them.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"halfsky/internal/aid"
	"halfsky/internal/api"
	"halfsky/internal/app"
	"halfsky/internal/config"
	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/metrics"
	"halfsky/internal/publicweb"
	"halfsky/internal/web"
)

// Server is a configured halfsky.
type Server struct {
	Cfg config.Config
	// Deps are the services both front ends call (app.New); tests reach
	// the domain through them.
	Deps    app.Services
	Handler http.Handler
	// Metrics are served apart, on the admin network (cli serve,
	// HALFSKY_METRICS_ADDR); audit.Observe feeds them.
	Metrics *metrics.Metrics
	// Routes are the patterns of every route, in the order registered: the
	// route table the access tests enumerate.
	Routes []string
	// Uploads are the patterns of the routes that take uploads: the only
	// ones that accept a large body.
	Uploads map[string]bool
}

// New builds the services (app.New) and the handler over an open, migrated
// database.
func New(cfg config.Config, d *db.DB) (*Server, error) {
	deps, err := app.New(cfg, d)
	if err != nil {
		return nil, err
	}

	mux := httpx.NewRouteTable()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", readyz(d))
	if err := web.Register(mux, deps); err != nil {
		return nil, err
	}
	api.Register(mux, deps)
	// The public door: no sign-in, its own layout and API, and the rights
	// service's public side behind its help routes (publicdoor.go).
	if _, err := publicweb.Register(mux, publicweb.Deps{Orgs: deps.Orgs, TopUnit: cfg.TopUnit, Limits: cfg.Public,
		ClientIP: deps.Sessions.ClientIP, Rights: publicRights(deps.Rights)}); err != nil {
		return nil, err
	}

	var h http.Handler = mux
	h = sessionsBesidePublic(deps.Sessions.Middleware(h), mux)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(api.CrossOriginDenied)) // JSON under /api/
	h = cop.Handler(h)
	// Bodies by route: the upload routes take a file up to files.MaxSize
	// (with its form); everything else cfg.MaxBody (1 MiB by default, for
	// the largest form there is: a 公文 of 200,000 bytes of text, which
	// form encoding triples).
	h = LimitBody(mux, cfg.MaxBody, files.MaxSize+1<<20)(h)
	h = timeout(cfg.RequestTimeout, h)
	h = SecurityHeadersFor(cfg.TrustProxy)(h)
	h = recoverer(h)
	m := metrics.New(d)
	h = m.Middleware(mux, h) // outside the recoverer: a panic counts as its 500
	h = httpx.RequestIDs(cfg.TrustProxy, h)
	return &Server{Cfg: cfg, Deps: deps, Handler: h, Metrics: m, Routes: mux.Patterns, Uploads: mux.Uploads}, nil
}

// sessionsBesidePublic sends the public door's requests (publicweb.IsPublic)
// straight to the routes, past the session middleware and without their
// Cookie header: a public page neither reads a session nor clears or sets
// one, answers a signed-in cadre as it answers anyone, and never sends
// anyone to the sign-in page.
func sessionsBesidePublic(sessions, routes http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if publicweb.IsPublic(r.URL.Path) {
			r.Header.Del("Cookie")
			routes.ServeHTTP(w, r)
			return
		}
		sessions.ServeHTTP(w, r)
	})
}

// Housekeeping prunes expired sessions and old login attempts every few
// minutes, writes the sessions' last-seen times every minute, purges aid
// applications past their retention once a day, and sends queued mail,
// until ctx ends.
func (s *Server) Housekeeping(ctx context.Context) {
	if s.Deps.Mail != nil {
		go s.Deps.Mail.Run(ctx, 15*time.Second)
	}
	go s.flushLastSeen(ctx)
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	var purged time.Time // the aid retention purge runs once a day
	for {
		if err := s.Deps.Auth.PruneSessions(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("pruning sessions", "err", err)
		}
		if s.Deps.Rights != nil {
			// Rights cases' due dates: a first contact, a route or an
			// agency's reply overdue, a court's decision overdue, an
			// order expiring, a follow-up due (each told once, in the
			// app and by mail).
			if n, err := s.Deps.Rights.Remind(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("rights case reminders", "err", err)
			} else if n > 0 {
				slog.Info("rights case reminders", "sent", n)
			}
		}
		if s.Deps.Aid != nil && time.Since(purged) >= 24*time.Hour {
			purged = time.Now()
			res, err := s.Deps.Aid.Purge(ctx, aid.PurgeOptions{By: "system"})
			if err != nil && ctx.Err() == nil {
				slog.Warn("aid retention purge", "err", err)
			} else if res.Total > 0 {
				slog.Info("aid retention purge", "applications", res.Total, "compacted", res.Compacted)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// flushLastSeen writes the sessions' last-seen times kept in memory every
// minute, until ctx ends (and once more then): requests write them too,
// but a quiet server has none.
func (s *Server) flushLastSeen(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.Deps.Auth.FlushLastSeen(context.WithoutCancel(ctx))
			return
		case <-t.C:
			s.Deps.Auth.FlushLastSeen(ctx)
		}
	}
}

// Close releases what the server started (the PDF browser).
func (s *Server) Close() {
	if s.Deps.Printer != nil {
		s.Deps.Printer.Close()
	}
}
