package httpx

import (
	"net/http"
	"strconv"

	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// Handler is the one shape of a signed-in handler, page or JSON: it reads
// the request, calls the domain with c.Actor and writes its answer, or
// returns the error for its front end's one error mapper to answer (the
// status, the Chinese page or JSON error, and the audit of a refusal).
// A handler returns an error only before it has written anything.
type Handler func(w http.ResponseWriter, r *http.Request, c *Current) error

// ID gives fn the request's {id}. A path whose id is not a positive
// number names no record: the answer is not found, as for a record out
// of scope, and fn does not run.
func ID(fn func(w http.ResponseWriter, r *http.Request, c *Current, id int64) error) Handler {
	return func(w http.ResponseWriter, r *http.Request, c *Current) error {
		id, ok := PathID(r, "id")
		if !ok {
			return apperr.ErrNotFound
		}
		return fn(w, r, c, id)
	}
}

// IDs gives fn the request's {id} and a second id below it, named sub in
// the pattern (".../{id}/files/{fid}"), both checked as ID checks one.
func IDs(sub string, fn func(w http.ResponseWriter, r *http.Request, c *Current, id, subID int64) error) Handler {
	return func(w http.ResponseWriter, r *http.Request, c *Current) error {
		id, ok := PathID(r, "id")
		sid, subOK := PathID(r, sub)
		if !ok || !subOK {
			return apperr.ErrNotFound
		}
		return fn(w, r, c, id, sid)
	}
}

// RecordRefusal records a refused request (the route, not a record)
// for the audit log: the front ends' error mappers call it for a refusal
// no domain call has recorded (audit.Unrecorded).
func RecordRefusal(r *http.Request, d *db.DB, c *Current) {
	_ = audit.Log(r.Context(), d, audit.FromActor(c.Actor, audit.ActionDenied, "route", r.Method+" "+r.URL.Path, audit.Denied, ""))
}

// PathID reads a numeric path parameter: a positive int64, or false.
// Handlers get theirs from ID and IDs; this is for the wrappers.
func PathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// Map returns the JSON (or view) form of each item, never nil, so an
// empty list is [] rather than null.
func Map[T, U any](items []T, fn func(T) U) []U {
	out := make([]U, len(items))
	for i, it := range items {
		out[i] = fn(it)
	}
	return out
}
