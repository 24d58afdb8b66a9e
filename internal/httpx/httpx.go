// Package httpx holds the HTTP helpers the HTML and JSON front ends share:
// the signed-in user on the request (Current) and the session middleware
// that puts it there, the session cookie, the client's address, JSON
// reading and writing with the one error shape, the one handler shape
// (Handler, ID, IDs, Map), and the route table kept as data (RouteTable).
// It holds no service: those are package app's.
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
)

// SessionCookie is the session cookie's name.
const SessionCookie = "halfsky_session"

// FlashCookie carries a page's one-time message to the next page (the
// HTML front end's post/redirect/get); a page cache must not serve a
// request that carries one.
const FlashCookie = "halfsky_flash"

// Current is the signed-in user of a request.
type Current struct {
	User    auth.User
	Session auth.Session
	Token   string
	Actor   access.Actor
}

// Full reports whether the session has passed every factor.
func (c *Current) Full() bool { return c != nil && c.Session.MFA == auth.MFADone }

type ctxKey struct{}

// From returns the request's session, or nil when there is none.
func From(r *http.Request) *Current {
	c, _ := r.Context().Value(ctxKey{}).(*Current)
	return c
}

// Auth loads sessions and sets cookies.
type Auth struct {
	Svc           *auth.Service
	TrustProxy    bool
	SecureCookies bool
}

// Middleware attaches the session named by the cookie, if valid (also a
// session still owing its second factor: handlers decide what that may do).
func (a *Auth) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(SessionCookie)
		if err == nil && ck.Value != "" {
			u, ss, err := a.Svc.Authenticate(r.Context(), ck.Value)
			switch {
			case err == nil:
				c := &Current{User: u, Session: ss, Token: ck.Value, Actor: u.Actor(a.ClientIP(r))}
				r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, c))
			case errors.Is(err, auth.ErrNoSession):
				a.ClearCookie(w, r)
			default:
				// The session could not be read (the database did not
				// answer): the request is answered with that error, not
				// served as if nobody were signed in, which would send
				// her to the sign-in page with the page she was on lost.
				WriteError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// secure reports whether cookies should carry the Secure attribute.
func (a *Auth) secure(r *http.Request) bool {
	return a.SecureCookies || r.TLS != nil || (a.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https")
}

// SetCookie sets the session cookie: HttpOnly, SameSite=Lax (so a link from
// a mail opens signed in, while cross-site POSTs carry no session), Secure
// over HTTPS. It is a browser-session cookie; the server enforces the idle
// and absolute timeouts.
func (a *Auth) SetCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: a.secure(r), SameSite: http.SameSiteLaxMode})
}

// ClearCookie removes the session cookie.
func (a *Auth) ClearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: a.secure(r), SameSite: http.SameSiteLaxMode, MaxAge: -1, Expires: time.Unix(1, 0)})
}

// ClientIP is the client's address: the peer, or with TrustProxy the
// first address in X-Forwarded-For.
func (a *Auth) ClientIP(r *http.Request) string {
	if a.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// WriteError writes err as {"error":{"code","message","fields"}}. Unknown
// errors are logged and become a generic 500 without details.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.From(err)
	if e.Status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	WriteJSON(w, e.Status, map[string]any{"error": e})
}

// DecodeJSON reads a JSON object body into dst, refusing unknown fields,
// trailing data and oversized bodies with a clear error.
func DecodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "请以 application/json 格式提交")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.New(http.StatusRequestEntityTooLarge, "too_large", "提交的内容过大")
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return apperr.Field(typeErr.Field, "类型不正确")
		}
		return apperr.New(http.StatusBadRequest, "invalid_json", "请求内容不是有效的 JSON")
	}
	if dec.More() {
		return apperr.New(http.StatusBadRequest, "invalid_json", "请求内容不是有效的 JSON")
	}
	return nil
}

// Mux is where the front ends register their routes: the server's
// *http.ServeMux behind a RouteTable, which keeps the table as data for the
// tests that enumerate it.
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
	// HandleUpload registers a route that takes file uploads: the only
	// routes whose requests may carry a large body.
	HandleUpload(pattern string, handler http.Handler)
}

// RouteTable registers routes on a ServeMux and remembers their patterns
// in order, and which of them take uploads.
type RouteTable struct {
	*http.ServeMux
	Patterns []string
	// Uploads are the patterns registered with HandleUpload.
	Uploads map[string]bool
}

// NewRouteTable returns an empty table over a new ServeMux.
func NewRouteTable() *RouteTable {
	return &RouteTable{ServeMux: http.NewServeMux(), Uploads: map[string]bool{}}
}

// Handle registers and records a route.
func (t *RouteTable) Handle(pattern string, h http.Handler) {
	t.ServeMux.Handle(pattern, h)
	t.Patterns = append(t.Patterns, pattern)
}

// HandleUpload registers and records a route that takes uploads.
func (t *RouteTable) HandleUpload(pattern string, h http.Handler) {
	t.Handle(pattern, h)
	t.Uploads[pattern] = true
}

// Upload reports whether the request goes to a route that takes uploads:
// its pattern, as the ServeMux matches it, was registered with
// HandleUpload. What the client says the body is plays no part.
func (t *RouteTable) Upload(r *http.Request) bool {
	pattern := t.Pattern(r)
	return pattern != "" && t.Uploads[pattern]
}

// HandleFunc registers and records a route.
func (t *RouteTable) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	t.Handle(pattern, http.HandlerFunc(h))
}

// Pattern is the pattern of the route that answers r, "" for none: a
// label for the metrics that names no id or person.
func (t *RouteTable) Pattern(r *http.Request) string {
	_, pattern := t.ServeMux.Handler(r)
	return pattern
}
