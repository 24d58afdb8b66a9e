package api

import (
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"net/http"
	"slices"
	"strings"
)

// The route table's shape: every path is registered with route (or
// routeBeside), which adds the JSON 405 for the methods it does not serve.

// methods maps HTTP methods to the handlers of one path.
type methods map[string]http.Handler

// upload marks a handler in methods as taking file uploads: its route is
// registered with HandleUpload, the only kind that accepts a large body.
type upload struct{ http.Handler }

// idHandler is a handler given its parsed {id}: what a factory of handlers
// (one per action) returns for httpx.ID to wrap at the registration.
type idHandler = func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error

// route registers the handlers of one path, and a JSON 405 for every other
// method (a pattern with a method beats the same path without one).
func route(mux httpx.Mux, path string, m methods) {
	allow := make([]string, 0, len(m)+1)
	for method, fn := range m {
		if u, ok := fn.(upload); ok {
			mux.HandleUpload(method+" "+path, u.Handler)
		} else {
			mux.Handle(method+" "+path, fn)
		}
		allow = append(allow, method)
		if method == http.MethodGet {
			allow = append(allow, http.MethodHead)
		}
	}
	slices.Sort(allow)
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		httpx.WriteError(w, r, apperr.New(http.StatusMethodNotAllowed, "method_not_allowed", "该接口不支持 "+r.Method+" 请求"))
	})
}

// routeBeside is route for a fixed path beside a {wildcard} sibling
// (/reports/todo beside /reports/{id}): a catch-all for every method on
// the fixed path would conflict with the sibling's method patterns, so
// the JSON 405 is registered method by method.
func routeBeside(mux httpx.Mux, path string, m methods) {
	allow := make([]string, 0, len(m)+1)
	for method, fn := range m {
		mux.Handle(method+" "+path, fn)
		allow = append(allow, method)
		if method == http.MethodGet {
			allow = append(allow, http.MethodHead)
		}
	}
	slices.Sort(allow)
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if _, ok := m[method]; ok {
			continue
		}
		mux.HandleFunc(method+" "+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			httpx.WriteError(w, r, apperr.New(http.StatusMethodNotAllowed, "method_not_allowed", "该接口不支持 "+r.Method+" 请求"))
		})
	}
}
