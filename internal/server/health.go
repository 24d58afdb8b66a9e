package server

import (
	"context"
	"net/http"
	"time"

	"halfsky/internal/db"
)

// healthz says the process is up and answering: what a supervisor
// restarts on. It reads nothing, so a database down does not get every
// process restarted in a loop.
func healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

// readyz says whether this process can serve: the database answers
// within two seconds and its schema is the one this binary knows. A load
// balancer sends no traffic to a process that is not ready, and sends it
// again once the database is back, without a restart.
func readyz(d *db.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := d.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database unreachable\n"))
			return
		}
		if err := d.CheckSchema(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database schema not current\n"))
			return
		}
		w.Write([]byte("ready\n"))
	}
}
