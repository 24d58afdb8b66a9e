package web

import (
	"net/http"
	"strings"
)

// ContentSecurityPolicy allows only this origin's scripts, styles and
// images (plus data: images), no framing, no plugins, and forms that post
// back here. With it, pages can have no inline <script>, no on*= handlers
// and no style="" attributes; htmx is configured (layout.html) not to
// inject its indicator styles or evaluate code.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

// SecurityHeaders sets the security headers on every response. HSTS is
// sent only on requests that arrived over TLS at this process; behind a
// TLS-terminating proxy use SecurityHeadersFor(true).
func SecurityHeaders(next http.Handler) http.Handler {
	return SecurityHeadersFor(false)(next)
}

// SecurityHeadersFor is SecurityHeaders with a choice: when
// trustForwardedProto is true, a request with X-Forwarded-Proto: https also
// counts as TLS for HSTS. Only set it when a proxy you run overwrites that
// header; otherwise a client could send it itself (harmless here, but not
// honest).
func SecurityHeadersFor(trustForwardedProto bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if r.TLS != nil || (trustForwardedProto && forwardedHTTPS(r)) {
				// No includeSubDomains: other hosts under the same domain
				// are not ours to force onto HTTPS.
				h.Set("Strict-Transport-Security", "max-age=31536000")
			}
			next.ServeHTTP(w, r)
		})
	}
}

// forwardedHTTPS reports whether the nearest proxy says the client used
// HTTPS (the last value when a chain of proxies appended theirs).
func forwardedHTTPS(r *http.Request) bool {
	v := r.Header.Get("X-Forwarded-Proto")
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(v), "https")
}

// LimitBody caps request bodies: n bytes for forms and JSON, upload bytes
// for multipart requests, which carry one attachment. Reading past the cap
// fails (the handler sees an error from ParseForm or the body reader; check
// with errors.As(err, new(*http.MaxBytesError)) and answer 413) and the
// connection is closed after the response.
func LimitBody(n, upload int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil && r.Body != http.NoBody {
				limit := n
				if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
					limit = upload
				}
				r.Body = http.MaxBytesReader(w, r.Body, limit)
			}
			next.ServeHTTP(w, r)
		})
	}
}
