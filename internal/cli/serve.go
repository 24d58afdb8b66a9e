package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/config"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/org"
	"halfsky/internal/server"
)

func serve(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := options("serve", args, nil)
	if err != nil {
		return err
	}
	// Listen before the database is ready: until it is, the gate answers
	// (503 and why, /readyz not ready), so a database away at the start
	// is waited out like one that goes away later, with no restart.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	gate := server.NewGate()
	hs := &http.Server{
		Handler:           gate,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	// A listener that fails (a bad TLS certificate) ends the wait too.
	startCtx, listenerDown := context.WithCancel(ctx)
	defer listenerDown()
	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- hs.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
		listenerDown()
	}()
	st, err := startUntilReady(startCtx, cfg, out, gate, ln.Addr().String())
	if err != nil {
		select {
		case lerr := <-errc:
			return lerr
		default:
		}
		if ctx.Err() != nil { // stopped while waiting: a clean stop
			return shutdown(hs, out)
		}
		_ = shutdown(hs, io.Discard)
		return err
	}
	defer st.close()
	srv := st.srv
	audit.Observe(srv.Metrics.Audit)
	defer audit.Observe(nil)
	if cfg.MetricsAddr != "" {
		stop, err := serveMetrics(out, cfg.MetricsAddr, srv.Metrics.Handler())
		if err != nil {
			return err
		}
		defer stop()
	}
	go srv.Housekeeping(ctx)
	go srv.SealPlain(ctx) // the upgrade to sealed storage, once
	gate.Open(srv.Handler)
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	where := "SQLite " + st.d.Path
	if st.d.Path == "" {
		where = "PostgreSQL"
	}
	fmt.Fprintf(out, "halfsky 半边天 serving on %s://%s (%s)\n", scheme, ln.Addr(), where)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return shutdown(hs, out)
}

// shutdown lets the requests in flight finish (up to ten seconds).
func shutdown(hs *http.Server, out io.Writer) error {
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(out, "halfsky stopped")
	return nil
}

// started is a server over its open, migrated database.
type started struct {
	d   *db.DB
	srv *server.Server
}

func (s *started) close() {
	s.srv.Close()
	s.d.Close()
}

// Retrying the start: the first wait, doubled after each failure up to
// the last (each with jitter, so that servers restarted together do not
// knock together). A database back is noticed within retryMax.
const (
	retryFirst = 500 * time.Millisecond
	retryMax   = 5 * time.Second
)

// startUntilReady starts the server (startOnce) and, while the database
// is out of reach or out of space, tries again with backoff, the gate
// saying why meanwhile. Any other failure (a schema newer than the
// binary, a bad key file, a wrong password for the database) ends it:
// waiting would not mend it, and the operator must see it at once.
func startUntilReady(ctx context.Context, cfg config.Config, out io.Writer, gate *server.Gate, addr string) (*started, error) {
	wait := retryFirst
	for attempt := 1; ; attempt++ {
		st, err := startOnce(ctx, cfg, out)
		if err == nil {
			return st, nil
		}
		msg, reason := waitingFor(err)
		if msg == "" || ctx.Err() != nil {
			return nil, err
		}
		gate.Wait(msg, reason)
		if attempt == 1 {
			fmt.Fprintf(out, "halfsky 半边天 listening on %s, not ready: %s\n", addr, msg)
		}
		pause := wait/2 + rand.N(wait/2+1)
		slog.Warn("not ready; retrying the start", "reason", reason, "attempt", attempt, "retry_in", pause.Round(time.Millisecond), "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		wait = min(2*wait, retryMax)
	}
}

// waitingFor is what the gate says while the start waits out err, or ""
// for an error that waiting does not mend.
func waitingFor(err error) (msg, reason string) {
	switch {
	case db.IsStorageFull(err):
		return server.WaitStorage, "storage full"
	case db.IsUnavailable(err):
		return server.WaitDatabase, "database unreachable"
	}
	return "", ""
}

// startOnce opens the database, migrates it, checks its schema, builds
// the server and runs the first start's steps (each recorded when done,
// so an attempt cut short is completed by the next).
func startOnce(ctx context.Context, cfg config.Config, out io.Writer) (*started, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	srv, err := prepare(ctx, cfg, d, out)
	if err != nil {
		d.Close()
		return nil, err
	}
	return &started{d: d, srv: srv}, nil
}

func prepare(ctx context.Context, cfg config.Config, d *db.DB, out io.Writer) (*server.Server, error) {
	if _, err := d.Migrate(ctx); err != nil {
		return nil, err
	}
	if err := d.CheckSchema(ctx); err != nil {
		return nil, err
	}
	// The server first: it loads (or on the first start creates) the keys
	// that seal the demo's personal details.
	srv, err := server.New(cfg, d)
	if err != nil {
		return nil, err
	}
	// The first start's steps, each recorded when done: a start that
	// stopped halfway is completed by the next; later starts do nothing.
	rep, err := demo.Start(ctx, srv.Deps.Auth, demo.Options{Top: cfg.TopUnit, Password: cfg.AdminPassword, Demo: cfg.Demo,
		Keys: srv.Deps.Vault, Now: time.Now()})
	// What the start did, before anything else can fail: a password
	// made now is shown this once.
	printStart(out, rep, cfg.AdminPassword != "")
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("first start: %w", err)
	}
	return srv, nil
}

// printStart says what the start did: on a first start the top unit, the
// steps done and the accounts with their password (shown this once).
func printStart(out io.Writer, r demo.Report, fromEnv bool) {
	if r.National {
		fmt.Fprintf(out, "已建立全国根节点：%s（%s）\n", org.NationalName, org.NationalCode)
	}
	if r.Adopted > 0 {
		fmt.Fprintf(out, "已将 %d 个单位调整到全国根节点之下\n", r.Adopted)
	}
	if r.Claimed > 0 && r.Top.ID != 0 {
		fmt.Fprintf(out, "%d 个尚无主办单位的救助项目已交由%s（%s）主办\n", r.Claimed, r.Top.Name, r.Top.Code)
	}
	if !r.First() {
		return
	}
	head := "首次启动"
	if r.Resumed {
		head = "继续完成首次启动"
	}
	if r.Top.ID != 0 {
		fmt.Fprintf(out, "\n%s：最高层级单位 %s（%s），组织树共 %d 个单位。已完成：%s。\n", head, r.Top.Name, r.Top.Code, r.Units, strings.Join(r.Done, "、"))
	} else {
		fmt.Fprintf(out, "\n%s：已完成：%s。\n", head, strings.Join(r.Done, "、"))
	}
	if len(r.Accounts) == 0 {
		if r.Resumed {
			fmt.Fprintln(out, "登录账号已在上一次启动时建立（密码见上一次启动的输出，或用 halfsky user reset-password 重设）。")
			fmt.Fprintln(out, strings.Repeat("-", 60))
		}
		return
	}
	fmt.Fprintln(out, "登录账号：")
	for _, a := range r.Accounts {
		code := a.OrgCode
		if a.Role == access.Sysadmin || a.Role == access.Secadmin || a.Role == access.Auditor {
			code = r.Top.Code
		}
		fmt.Fprintf(out, "  %-16s %-10s %s（%s）\n", a.Username, a.Role.Label(), a.Name, code)
	}
	if fromEnv {
		fmt.Fprintln(out, "密码：HALFSKY_ADMIN_PASSWORD 所设的密码")
	} else {
		fmt.Fprintf(out, "密码（所有账号相同，仅显示这一次）：%s\n", r.Password)
	}
	fmt.Fprintln(out, "三个管理员账号首次登录时需用手机验证器（如 Google Authenticator、微信小程序“腾讯身份验证器”）绑定动态验证码；负责人账号须在宽限期（HALFSKY_TOTP_GRACE，最长 7 天）内绑定。")
	fmt.Fprintln(out, strings.Repeat("-", 60))
}

// serveMetrics serves /metrics on a listener of its own (the admin
// network, HALFSKY_METRICS_ADDR) and returns how to stop it.
func serveMetrics(out io.Writer, addr string, h http.Handler) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute}
	go func() {
		if err := ms.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("metrics listener", "err", err)
		}
	}()
	fmt.Fprintf(out, "metrics on http://%s/metrics\n", ln.Addr())
	return func() {
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = ms.Shutdown(shut)
	}, nil
}
