package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/demo"
	"halfsky/internal/org"
	"halfsky/internal/server"
)

func serve(ctx context.Context, args []string, out io.Writer) error {
	cfg, d, err := open(ctx, "serve", args, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	if err := d.CheckSchema(ctx); err != nil {
		return err
	}
	// The server first: it loads (or on the first start creates) the keys
	// that seal the demo's personal details.
	srv, err := server.New(cfg, d)
	if err != nil {
		return err
	}
	defer srv.Close()
	svc := srv.Deps.Auth
	// The first start's steps, each recorded when done: a start that
	// stopped halfway is completed by the next; later starts do nothing.
	rep, err := demo.Start(ctx, svc, demo.Options{Top: cfg.TopUnit, Password: cfg.AdminPassword, Demo: cfg.Demo,
		Keys: srv.Deps.Vault, Now: time.Now()})
	if err != nil {
		printStart(out, rep, cfg.AdminPassword != "")
		return fmt.Errorf("first start: %w", err)
	}
	// What the start did, before anything else can fail: a password
	// made now is shown this once.
	printStart(out, rep, cfg.AdminPassword != "")
	audit.Observe(srv.Metrics.Audit)
	defer audit.Observe(nil)
	if cfg.MetricsAddr != "" {
		stop, err := serveMetrics(out, cfg.MetricsAddr, srv.Metrics.Handler())
		if err != nil {
			return err
		}
		defer stop()
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	where := "SQLite " + d.Path
	if d.Path == "" {
		where = "PostgreSQL"
	}
	fmt.Fprintf(out, "halfsky 半边天 serving on %s://%s (%s)\n", scheme, ln.Addr(), where)
	hs := &http.Server{
		Handler:           srv.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	go srv.Housekeeping(ctx)
	go srv.SealPlain(ctx) // the upgrade to sealed storage, once
	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- hs.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(out, "halfsky stopped")
	return nil
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
