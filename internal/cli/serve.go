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

	"halfsky/internal/demo"
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
	seeded, err := demo.Seed(ctx, svc, cfg.AdminPassword, cfg.Demo)
	if err != nil {
		return fmt.Errorf("first start: %w", err)
	}
	if seeded.Seeded && cfg.Demo {
		if err := demo.SeedDocuments(ctx, svc, seeded.Password, time.Now()); err != nil {
			return fmt.Errorf("demo documents: %w", err)
		}
		if err := demo.SeedWork(ctx, svc, srv.Deps.Vault, time.Now()); err != nil {
			return fmt.Errorf("demo work: %w", err)
		}
		if err := demo.SeedAidPayments(ctx, svc, srv.Deps.Vault, time.Now()); err != nil {
			return fmt.Errorf("demo payments: %w", err)
		}
		if err := demo.SeedAccounts(ctx, svc, srv.Deps.Vault, time.Now()); err != nil {
			return fmt.Errorf("demo accounts: %w", err)
		}
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
	if seeded.Seeded {
		printAccounts(out, seeded, cfg.AdminPassword != "")
	}
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

func printAccounts(out io.Writer, r demo.Result, fromEnv bool) {
	fmt.Fprintln(out, "\n首次启动：已载入哈尔滨市妇联组织树（3,505 个妇联组织）。登录账号：")
	for _, a := range r.Accounts {
		fmt.Fprintf(out, "  %-16s %-10s %s（%s）\n", a.Username, a.Role.Label(), a.Name, a.OrgCode)
	}
	if fromEnv {
		fmt.Fprintln(out, "密码：HALFSKY_ADMIN_PASSWORD 所设的密码")
	} else {
		fmt.Fprintf(out, "密码（所有账号相同，仅显示这一次）：%s\n", r.Password)
	}
	fmt.Fprintln(out, "三个管理员账号首次登录时需用手机验证器（如 Google Authenticator、微信小程序“腾讯身份验证器”）绑定动态验证码；负责人账号须在宽限期（HALFSKY_TOTP_GRACE，最长 7 天）内绑定。")
	fmt.Fprintln(out, strings.Repeat("-", 60))
}
