package server

import (
	"net/http"
	"sync/atomic"

	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// Gate is the handler a process serves from the moment it listens until
// its database is ready (cli serve: connected, migrated, its schema
// checked, the first start done), and then the server's own handler,
// swapped in at once with no restart and no connection refused. While
// it waits, /healthz says the process is alive (a supervisor must not
// restart it for a database that is away), /readyz says why it is not
// ready, and every other request is answered at once with 503 and a
// Chinese message: JSON under /api/, a plain page elsewhere.
type Gate struct {
	ready atomic.Pointer[http.Handler]
	why   atomic.Pointer[waiting]
}

// waiting is what a closed gate says: msg to people, reason on /readyz.
type waiting struct{ msg, reason string }

// Waiting messages: what the start is doing, and what it waits for.
const (
	WaitStarting = "服务正在启动，请稍候…"
	WaitDatabase = "数据库暂时无法连接，正在重试…"
	WaitStorage  = "服务器存储空间已满，正在等待空间释放…"
)

// NewGate returns a gate that is starting.
func NewGate() *Gate {
	g := &Gate{}
	g.Wait(WaitStarting, "starting")
	return g
}

// Wait says what the gate answers while not open: msg to people (one of
// the Wait… messages), reason on /readyz.
func (g *Gate) Wait(msg, reason string) {
	g.why.Store(&waiting{msg, reason})
}

// Open sends every request from now on to h.
func (g *Gate) Open(h http.Handler) { g.ready.Store(&h) }

func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := g.ready.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	why := g.why.Load()
	switch {
	case r.URL.Path == "/healthz":
		healthz(w, r)
	case r.URL.Path == "/readyz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: " + why.reason + "\n"))
	default:
		httpx.WriteFault(w, r, apperr.New(http.StatusServiceUnavailable, "not_ready", why.msg))
	}
}
