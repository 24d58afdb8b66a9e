package server

// The middleware New wraps around the route table of both front ends,
// from the outside in: recoverer, SecurityHeadersFor, timeout, LimitBody,
// then the standard library's cross-origin protection and the session
// middleware (httpx.Auth.Middleware).

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/publicweb"
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

// LimitBody caps request bodies by route, whatever the client says the
// body is: a request to a route registered as taking uploads
// (httpx.RouteTable.HandleUpload) may carry up to upload bytes, read
// through a capped reader (reading past it fails: the upload's handler
// checks with errors.As(err, new(*http.MaxBytesError)) and says so beside
// the file field, or answers 413); any other
// request may carry up to n bytes and is read whole here, before its
// handler runs, so a larger one is refused — 413, {"error":{"code":
// "too_large"}} under /api/, a Chinese page elsewhere — and no handler
// acts on a request whose body it never read.
func LimitBody(routes *httpx.RouteTable, n, upload int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			limit := n
			if routes.Upload(r) {
				limit = upload
			}
			if publicweb.IsPublic(r.URL.Path) {
				limit = min(limit, publicweb.MaxBody)
			}
			if limit == upload && upload > n {
				// Past the limit the upload's own form says so beside
				// its file field.
				r.Body = http.MaxBytesReader(w, r.Body, limit)
				next.ServeHTTP(w, r)
				return
			}
			if r.ContentLength > limit {
				tooLarge(w, r, limit)
				return
			}
			data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
			if int64(len(data)) > limit {
				tooLarge(w, r, limit)
				return
			}
			if err != nil {
				// The client went away or sent a broken body.
				w.Header().Set("Connection", "close")
				http.Error(w, "请求内容不完整", http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(data))
			next.ServeHTTP(w, r)
		})
	}
}

// tooLarge refuses a body past its route's limit, and closes the
// connection rather than read the rest.
func tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	w.Header().Set("Connection", "close")
	msg := "提交的内容过大（本操作最多 " + sizeLabel(limit) + "）"
	if strings.HasPrefix(r.URL.Path, "/api/") {
		httpx.WriteError(w, r, apperr.New(http.StatusRequestEntityTooLarge, "too_large", msg))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	if publicweb.IsPublic(r.URL.Path) {
		// The public door's own words: she has no 工作台 to go back to.
		_, _ = io.WriteString(w, `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>提交的内容太多了</title>`+
			`<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main><h1>提交的内容太多了</h1>`+
			`<p>请把经过写在 5000 字以内，再提交一次。</p><p><a href="/help">回到求助页</a> · 求助热线 <a href="tel:12338">12338</a> · 遇到危险请拨打 <a href="tel:110">110</a></p></main></body></html>`)
		return
	}
	_, _ = io.WriteString(w, `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>提交的内容过大</title>`+
		`<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main><h1>提交的内容过大</h1><p>`+
		html.EscapeString(msg)+`。请精简后重新提交；上传文件请使用页面上的“上传”功能。</p><p><a href="/">返回工作台</a></p></main></body></html>`)
}

// sizeLabel is a byte count for people: 1 MB, 21 MB, 512 KB.
func sizeLabel(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	return strconv.FormatInt(n>>10, 10) + " KB"
}

// timeout bounds each request's context (database calls honour it).
func timeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// recoverer turns a panic into a logged 500 without a stack trace for the
// client.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				slog.ErrorContext(r.Context(), "panic", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				http.Error(w, "服务器内部错误", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
