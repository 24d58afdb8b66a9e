package auth_test

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/duty"
	"halfsky/internal/testdb"
)

const pw = "correct horse battery"

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func denied(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, access.ErrDenied) {
		t.Fatalf("%s: want access.ErrDenied, got %v", what, err)
	}
}

func notFound(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("%s: want db.ErrNotFound, got %v", what, err)
	}
}

func status(t *testing.T, err error, st int, code string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Status != st || e.Code != code {
		t.Fatalf("want %d %s, got %v", st, code, err)
	}
}

func linked(t *testing.T, d *db.DB, by, target int64, kind duty.Kind) {
	t.Helper()
	if n := count(t, d, `SELECT COUNT(*) FROM account_links WHERE by_user = ? AND target_user = ? AND kind = ?`, by, target, string(kind)); n != 1 {
		t.Fatalf("%d %s links %d → %d, want 1", n, kind, by, target)
	}
}

var tempRE = regexp.MustCompile(`^[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}$`)

// TestThreePowers: the system administrator opens accounts without a
// role, the security administrator grants business roles, an
// administrator role takes two administrators, and the auditor changes
// no account.
func TestThreePowers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		sysU := f.user(t, "sys", "2301", access.Sysadmin)
		sys := sysU.Actor("10.0.0.1")
		sec := f.user(t, "sec", "2301", access.Secadmin).Actor("10.0.0.2")
		aud := f.user(t, "aud", "2301", access.Auditor).Actor("10.0.0.3")
		users := count(t, d, `SELECT COUNT(*) FROM users`)

		// The system administrator gives no role: not leader, not
		// auditor, not staff.
		for _, r := range []access.Role{access.Leader, access.Auditor, access.Staff, access.Secadmin, access.Sysadmin} {
			_, _, err := f.svc.CreateUser(ctx, sys, auth.NewUser{Username: "want." + string(r), DisplayName: "X", OrgCode: "2301", Role: r})
			fieldErr(t, err, "role")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM users`); n != users {
			t.Fatalf("refused creates made %d accounts", n-users)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE username = 'sys' AND action = ? AND detail = 'user.create'`, audit.ActionDenied); n != 5 {
			t.Fatalf("%d refused creates audited, want 5", n)
		}
		nu, temp, err := f.svc.CreateUser(ctx, sys, auth.NewUser{Username: "newbie", DisplayName: "新同事", OrgCode: "230102"})
		if err != nil || nu.Role != access.NoRole || !nu.MustChangePassword || !tempRE.MatchString(temp) {
			t.Fatalf("role-less create: %+v %q %v", nu, temp, err)
		}
		if nu.SetKind != "create" || nu.SetBy != sysU.ID || nu.SetByUsername != "sys" || !nu.SetAt.Equal(f.clock) {
			t.Fatalf("who set the password: %+v", nu)
		}
		linked(t, d, sysU.ID, nu.ID, duty.Created)
		// The new account signs in with the one-time password, has no
		// role, and must change the password first.
		res, err := f.svc.Login(ctx, "newbie", temp, "", "10.1.0.1", "", "")
		if err != nil || res.MFA != auth.MFADone || !res.User.MustChangePassword || res.User.Role != access.NoRole {
			t.Fatalf("role-less sign-in: %+v %v", res, err)
		}
		if res.User.Actor("").Can(access.ViewOrgs) || res.User.Actor("").Can(access.ViewDocs) {
			t.Fatal("an account without a role may do something")
		}

		// The system administrator grants nothing, also not afterwards.
		denied(t, f.svc.SetRole(ctx, sys, nu.ID, access.Staff), "sysadmin grants staff")
		denied(t, f.svc.SetRole(ctx, sys, sysU.ID, access.Secadmin), "sysadmin grants itself")
		// The security administrator grants a business role …
		if err := f.svc.SetRole(ctx, sec, nu.ID, access.Staff); err != nil {
			t.Fatal(err)
		}
		if u, _ := f.svc.UserByUsername(ctx, "newbie"); u.Role != access.Staff {
			t.Fatalf("role %q after the grant", u.Role)
		}
		linked(t, d, sec.UserID, nu.ID, duty.SetRole)
		// … but no administrator role alone, to others or itself, and
		// does not take one away alone either.
		status(t, f.svc.SetRole(ctx, sec, nu.ID, access.Auditor), 403, "needs_approval")
		status(t, f.svc.SetRole(ctx, sec, nu.ID, access.Sysadmin), 403, "needs_approval")
		status(t, f.svc.SetRole(ctx, sec, aud.UserID, access.Staff), 403, "needs_approval")
		status(t, f.svc.SetRole(ctx, sec, sec.UserID, access.Sysadmin), 422, "self")
		if u, _ := f.svc.UserByUsername(ctx, "newbie"); u.Role != access.Staff {
			t.Fatalf("role %q after refused grants", u.Role)
		}

		// The auditor changes no account.
		tgt := nu.ID
		denied(t, f.svc.SetDisabled(ctx, aud, tgt, true), "auditor disables")
		_, err = f.svc.ResetPassword(ctx, aud, tgt)
		denied(t, err, "auditor resets a password")
		denied(t, f.svc.SetRole(ctx, aud, tgt, access.Leader), "auditor sets a role")
		denied(t, f.svc.Unlock(ctx, aud, tgt), "auditor unlocks")
		denied(t, f.svc.ResetTOTP(ctx, aud, tgt), "auditor resets TOTP")
		_, err = f.svc.RevokeSessions(ctx, aud, tgt)
		denied(t, err, "auditor revokes sessions")
		_, err = f.svc.RequestRole(ctx, aud, tgt, access.Auditor)
		denied(t, err, "auditor requests a role")
		_, _, err = f.svc.CreateUser(ctx, aud, auth.NewUser{Username: "by.aud", DisplayName: "X", OrgCode: "2301"})
		denied(t, err, "auditor creates")
		denied(t, f.svc.SetEmail(ctx, aud, tgt, "x@example.org"), "auditor sets an email")

		// A reset gives a password nobody chose: different every time,
		// the old one dead, the user's sessions ended, shown who and when.
		sess, err := f.svc.Login(ctx, "newbie", temp, "", "10.1.0.1", "", "")
		if err != nil {
			t.Fatal(err)
		}
		f.clock = f.clock.Add(time.Hour)
		t1, err := f.svc.ResetPassword(ctx, sys, nu.ID)
		if err != nil || !tempRE.MatchString(t1) || t1 == temp {
			t.Fatalf("reset: %q %v", t1, err)
		}
		if _, _, err := f.svc.Authenticate(ctx, sess.Token); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("session survived the reset: %v", err)
		}
		_, err = f.svc.Login(ctx, "newbie", temp, "", "10.1.0.1", "", "")
		codeErr(t, err, "bad_credentials")
		res, err = f.svc.Login(ctx, "newbie", t1, "", "10.1.0.1", "", "")
		if err != nil || !res.User.MustChangePassword || res.User.SetKind != "reset" || res.User.SetByUsername != "sys" || !res.User.SetAt.Equal(f.clock) {
			t.Fatalf("after the reset: %+v %v", res.User, err)
		}
		linked(t, d, sysU.ID, nu.ID, duty.ResetPassword)
		t2, _ := f.svc.ResetPassword(ctx, sys, nu.ID)
		if t2 == t1 {
			t.Fatal("two resets gave the same password")
		}
		// Nobody resets their own account.
		_, err = f.svc.ResetPassword(ctx, sys, sysU.ID)
		status(t, err, 422, "self")
		// The user changes it with the temporary one.
		if err := f.svc.ChangePassword(ctx, res.User.Actor(""), t2, "my own long password", ""); err != nil {
			t.Fatal(err)
		}
		if u, _ := f.svc.UserByUsername(ctx, "newbie"); u.MustChangePassword || u.SetKind != "reset" {
			t.Fatalf("after the change: %+v", u)
		}
		// Every refusal above left an audited denial.
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE username = 'aud' AND outcome = 'denied'`); n < 9 {
			t.Fatalf("%d denials of the auditor audited", n)
		}
	})
}

// TestRoleRequests: an administrator role is asked for by one
// administrator and approved by another who is tied to neither the
// requester nor the account.
func TestRoleRequests(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		sysU := f.user(t, "sys", "2301", access.Sysadmin)
		sys := sysU.Actor("")
		sec := f.user(t, "sec", "2301", access.Secadmin).Actor("")
		aud := f.user(t, "aud", "2301", access.Auditor).Actor("")
		f.clock = f.clock.Add(time.Minute)
		x, _, err := f.svc.CreateUser(ctx, sys, auth.NewUser{Username: "x.admin", DisplayName: "X", OrgCode: "2301"})
		if err != nil {
			t.Fatal(err)
		}

		// Nobody asks for themselves; the auditor asks for nothing; a
		// business role is no request.
		_, err = f.svc.RequestRole(ctx, sys, sys.UserID, access.Secadmin)
		status(t, err, 422, "self")
		_, err = f.svc.RequestRole(ctx, aud, x.ID, access.Secadmin)
		denied(t, err, "auditor requests")
		_, err = f.svc.RequestRole(ctx, sec, x.ID, access.Leader)
		fieldErr(t, err, "role")

		q, err := f.svc.RequestRole(ctx, sec, x.ID, access.Auditor)
		if err != nil || q.Status != auth.RequestPending || q.FromRole != access.NoRole || q.ToRole != access.Auditor {
			t.Fatalf("request: %+v %v", q, err)
		}
		_, err = f.svc.RequestRole(ctx, sys, x.ID, access.Secadmin)
		status(t, err, 409, "request_pending")
		// The requester cannot approve it; the auditor cannot; the system
		// administrator created the account, so it is tied to it.
		_, err = f.svc.DecideRoleRequest(ctx, sec, q.ID, true)
		if !errors.Is(err, duty.ErrFourEyes) {
			t.Fatalf("requester approved: %v", err)
		}
		status(t, err, 403, duty.CodeSame)
		_, err = f.svc.DecideRoleRequest(ctx, aud, q.ID, true)
		denied(t, err, "auditor approves")
		_, err = f.svc.DecideRoleRequest(ctx, sys, q.ID, true)
		status(t, err, 403, duty.CodeLinked)
		if u, _ := f.svc.UserByUsername(ctx, "x.admin"); u.Role != access.NoRole {
			t.Fatalf("role %q after refused approvals", u.Role)
		}
		// An administrator made after the request cannot approve it.
		f.clock = f.clock.Add(time.Minute)
		late := f.user(t, "sys.late", "2301", access.Sysadmin).Actor("")
		_, err = f.svc.DecideRoleRequest(ctx, late, q.ID, true)
		status(t, err, 403, duty.CodeNewer)
		// The account concerned cannot approve its own request.
		if _, err := d.Exec(ctx, `UPDATE users SET role = 'secadmin' WHERE id = ?`, x.ID); err != nil {
			t.Fatal(err)
		}
		xa, _ := f.svc.UserByUsername(ctx, "x.admin")
		_, err = f.svc.DecideRoleRequest(ctx, xa.Actor(""), q.ID, true)
		status(t, err, 422, "self")
		if _, err := d.Exec(ctx, `UPDATE users SET role = '' WHERE id = ?`, x.ID); err != nil {
			t.Fatal(err)
		}

		// A second system administrator from before the request, tied to
		// nobody, approves: the role takes effect and both are linked.
		other := f.userAt(t, "sys.other", "2301", access.Sysadmin, q.RequestedAt.Add(-time.Hour)).Actor("")
		done, err := f.svc.DecideRoleRequest(ctx, other, q.ID, true)
		if err != nil || done.Status != auth.RequestApproved || done.DecidedByUsername != "sys.other" {
			t.Fatalf("approve: %+v %v", done, err)
		}
		if u, _ := f.svc.UserByUsername(ctx, "x.admin"); u.Role != access.Auditor {
			t.Fatalf("role %q after approval", u.Role)
		}
		linked(t, d, other.UserID, x.ID, duty.SetRole)
		linked(t, d, sec.UserID, x.ID, duty.SetRole)
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'user.role_request.approve' AND outcome = 'ok' AND username = 'sys.other'`); n != 1 {
			t.Fatalf("%d approvals audited", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'user.set_role' AND object_id = 'x.admin' AND outcome = 'ok'`); n != 1 {
			t.Fatalf("%d role changes audited", n)
		}
		_, err = f.svc.DecideRoleRequest(ctx, other, q.ID, false)
		status(t, err, 409, "request_decided")

		// Taking the role away is a request too; a rejection changes nothing.
		q2, err := f.svc.RequestRole(ctx, sys, x.ID, access.NoRole)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := f.svc.DecideRoleRequest(ctx, sec, q2.ID, false)
		if err != nil || r2.Status != auth.RequestRejected {
			t.Fatalf("reject: %+v %v", r2, err)
		}
		if u, _ := f.svc.UserByUsername(ctx, "x.admin"); u.Role != access.Auditor {
			t.Fatalf("role %q after a rejection", u.Role)
		}
		list, err := f.svc.RoleRequests(ctx, sec, "", 0)
		if err != nil || len(list) != 2 {
			t.Fatalf("%d requests listed, %v", len(list), err)
		}
		// A request whose account changed meanwhile is stale.
		q3, _ := f.svc.RequestRole(ctx, sec, x.ID, access.Secadmin)
		if err := f.svc.SetRoleAsOperator(ctx, "x.admin", access.Staff); err != nil {
			t.Fatal(err)
		}
		third := f.userAt(t, "sys.third", "2301", access.Sysadmin, q3.RequestedAt.Add(-time.Hour)).Actor("")
		_, err = f.svc.DecideRoleRequest(ctx, third, q3.ID, true)
		status(t, err, 409, "request_stale")
		if u, _ := f.svc.UserByUsername(ctx, "x.admin"); u.Role != access.Staff {
			t.Fatalf("a stale approval changed the role to %q", u.Role)
		}
	})
}

// TestDelegation: a leader manages staff of their own unit and leader or
// staff accounts below, nothing beside, above, or level with them.
func TestDelegation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		city := f.user(t, "city.lead", "2301", access.Leader)
		daoliU := f.user(t, "daoli.lead", "230102", access.Leader)
		daoli := daoliU.Actor("")
		peer := f.user(t, "daoli.peer", "230102", access.Leader)
		clerk := f.user(t, "daoli.clerk", "230102", access.Staff)
		street := f.user(t, "street.lead", "230102001", access.Leader)
		sibling := f.user(t, "nangang.clerk", "230103", access.Staff)
		waiting, _, err := f.svc.CreateUser(ctx, f.user(t, "sys", "2301", access.Sysadmin).Actor(""),
			auth.NewUser{Username: "waiting", DisplayName: "W", OrgCode: "230102"})
		if err != nil {
			t.Fatal(err)
		}

		// Creating: staff at home, leaders only below, never a puppet peer.
		_, _, err = f.svc.CreateUser(ctx, daoli, auth.NewUser{Username: "daoli.puppet", DisplayName: "P", OrgCode: "230102", Role: access.Leader})
		fieldErr(t, err, "role")
		if _, err := f.svc.UserByUsername(ctx, "daoli.puppet"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("the puppet exists: %v", err)
		}
		// A leader never opens an administrator's account, even below.
		for _, r := range []access.Role{access.Sysadmin, access.Secadmin, access.Auditor} {
			_, _, err = f.svc.CreateUser(ctx, daoli, auth.NewUser{Username: "street." + string(r), DisplayName: "A", OrgCode: "230102001", Role: r})
			fieldErr(t, err, "role")
			if _, err := f.svc.UserByUsername(ctx, "street."+string(r)); !errors.Is(err, db.ErrNotFound) {
				t.Fatalf("a leader opened a %s account: %v", r, err)
			}
		}
		s1, t1, err := f.svc.CreateUser(ctx, daoli, auth.NewUser{Username: "daoli.new", DisplayName: "N", OrgCode: "230102", Role: access.Staff})
		if err != nil || !tempRE.MatchString(t1) || !s1.MustChangePassword || s1.SetBy != daoliU.ID {
			t.Fatalf("leader creates staff: %+v %v", s1, err)
		}
		l1, _, err := f.svc.CreateUser(ctx, daoli, auth.NewUser{Username: "street.new", DisplayName: "S", OrgCode: "230102001", Role: access.Leader})
		if err != nil || l1.TOTPDueAt.IsZero() {
			t.Fatalf("leader creates a leader below: %+v %v", l1, err)
		}
		linked(t, d, daoliU.ID, l1.ID, duty.Created)

		// Resetting.
		_, err = f.svc.ResetPassword(ctx, daoli, peer.ID)
		denied(t, err, "leader resets a peer leader")
		_, err = f.svc.ResetPassword(ctx, daoli, daoliU.ID)
		status(t, err, 422, "self")
		_, err = f.svc.ResetPassword(ctx, daoli, city.ID)
		notFound(t, err, "leader resets a higher leader")
		_, err = f.svc.ResetPassword(ctx, daoli, sibling.ID)
		notFound(t, err, "leader resets a sibling unit's account")
		_, err = f.svc.ResetPassword(ctx, daoli, waiting.ID)
		denied(t, err, "leader resets an account waiting for its role")
		if _, err := f.svc.ResetPassword(ctx, daoli, clerk.ID); err != nil {
			t.Fatalf("leader resets own unit's staff: %v", err)
		}
		if _, err := f.svc.ResetPassword(ctx, daoli, street.ID); err != nil {
			t.Fatalf("leader resets a leader below: %v", err)
		}
		linked(t, d, daoliU.ID, street.ID, duty.ResetPassword)
		// Disabling and enabling.
		denied(t, f.svc.SetDisabled(ctx, daoli, peer.ID, true), "leader disables a peer leader")
		status(t, f.svc.SetDisabled(ctx, daoli, daoliU.ID, true), 422, "self")
		if err := f.svc.SetDisabled(ctx, daoli, clerk.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetDisabled(ctx, daoli, clerk.ID, false); err != nil {
			t.Fatal(err)
		}
		linked(t, d, daoliU.ID, clerk.ID, duty.Enabled)
		// Roles: never one's own, never a peer leader at home.
		status(t, f.svc.SetRole(ctx, daoli, daoliU.ID, access.Staff), 422, "self")
		fieldErr(t, f.svc.SetRole(ctx, daoli, clerk.ID, access.Leader), "role")
		denied(t, f.svc.SetRole(ctx, daoli, peer.ID, access.Staff), "leader demotes a peer leader")
		if err := f.svc.SetRole(ctx, daoli, l1.ID, access.Staff); err != nil {
			t.Fatalf("leader changes a leader below to staff: %v", err)
		}
		linked(t, d, daoliU.ID, l1.ID, duty.SetRole)
		// One's own password only with the current one.
		fieldErr(t, f.svc.ChangePassword(ctx, daoli, "not the password", "a brand new password", ""), "current")
		if err := f.svc.ChangePassword(ctx, daoli, pw, "a brand new password", ""); err != nil {
			t.Fatal(err)
		}
		// Peer and higher leaders are as they were.
		for _, u := range []auth.User{peer, city} {
			if _, err := f.svc.Login(ctx, u.Username, pw, "", "10.2.0.1", "", ""); err != nil {
				t.Fatalf("%s cannot sign in after refused changes: %v", u.Username, err)
			}
		}
	})
}

// TestLeaderSecondFactor: a leader signs in on a password alone only
// within the grace period; a security administrator's reset forces
// enrolment at once; leaders and administrators keep their factor.
func TestLeaderSecondFactor(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.svc.TOTPGrace = 3 * 24 * time.Hour
		lead := f.user(t, "lead", "230102", access.Leader)
		if !lead.TOTPDueAt.Equal(f.clock.Add(3 * 24 * time.Hour)) {
			t.Fatalf("due %v", lead.TOTPDueAt)
		}
		res, err := f.svc.Login(ctx, "lead", pw, "", "10.0.0.1", "", "")
		if err != nil || res.MFA != auth.MFADone || !auth.InTOTPGrace(res.User, f.clock) {
			t.Fatalf("leader within grace: %+v %v", res, err)
		}
		f.clock = f.clock.Add(3*24*time.Hour + time.Second)
		res, err = f.svc.Login(ctx, "lead", pw, "", "10.0.0.1", "", "")
		if err != nil || res.MFA != auth.MFAEnroll {
			t.Fatalf("leader past grace must enrol: %+v %v", res, err)
		}
		// The grace period is bounded by 7 days whatever is configured.
		f.svc.TOTPGrace = 30 * 24 * time.Hour
		l2 := f.user(t, "lead2", "230103", access.Leader)
		if !l2.TOTPDueAt.Equal(f.clock.Add(auth.MaxTOTPGrace)) {
			t.Fatalf("grace of %v", l2.TOTPDueAt.Sub(f.clock))
		}
		f.svc.TOTPGrace = auth.DefaultTOTPGrace

		// Staff may enrol, and turn it off; a leader may not turn it off.
		staff := f.user(t, "clerk", "230102", access.Staff)
		if res, err := f.svc.Login(ctx, "clerk", pw, "", "10.0.0.1", "", ""); err != nil || res.MFA != auth.MFADone {
			t.Fatalf("staff: %+v %v", res, err)
		}
		secret, _ := enrol(t, f, staff)
		if err := f.svc.DisableOwnTOTP(ctx, staff.Actor(""), pw); err != nil {
			t.Fatal(err)
		}
		lu, _ := f.svc.UserByUsername(ctx, "lead2")
		enrol(t, f, lu)
		status(t, f.svc.DisableOwnTOTP(ctx, lu.Actor(""), pw), 403, "totp_required")
		_ = secret

		// Promotion schedules the grace; the security administrator's
		// reset takes it away.
		sec := f.user(t, "sec", "2301", access.Secadmin).Actor("")
		if err := f.svc.SetRole(ctx, sec, staff.ID, access.Leader); err != nil {
			t.Fatal(err)
		}
		if u, _ := f.svc.UserByUsername(ctx, "clerk"); !u.TOTPDueAt.Equal(f.clock.Add(auth.DefaultTOTPGrace)) {
			t.Fatalf("promoted leader due %v", u.TOTPDueAt)
		}
		full, err := f.svc.Login(ctx, "lead2", pw, totpNow(t, f, "lead2"), "10.0.0.1", "", "")
		if err != nil || full.MFA != auth.MFADone {
			t.Fatalf("lead2 with a code: %+v %v", full, err)
		}
		if err := f.svc.ResetTOTP(ctx, sec, lu.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Authenticate(ctx, full.Token); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("session survived the TOTP reset: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?`, lu.ID); n != 0 {
			t.Fatalf("%d recovery codes survived the reset", n)
		}
		res, err = f.svc.Login(ctx, "lead2", pw, "", "10.0.0.1", "", "")
		if err != nil || res.MFA != auth.MFAEnroll {
			t.Fatalf("after the reset: %+v %v", res, err)
		}
		linked(t, d, sec.UserID, lu.ID, duty.ResetTOTP)
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'user.reset_totp' AND object_id = 'lead2' AND outcome = 'ok'`); n != 1 {
			t.Fatalf("%d resets audited", n)
		}
		// Staff whose factor was reset enrol again too, with no grace.
		staff2 := f.user(t, "clerk2", "230102", access.Staff)
		enrol(t, f, staff2)
		if err := f.svc.ResetTOTP(ctx, sec, staff2.ID); err != nil {
			t.Fatal(err)
		}
		if res, err := f.svc.Login(ctx, "clerk2", pw, "", "10.0.0.1", "", ""); err != nil || res.MFA != auth.MFAEnroll {
			t.Fatalf("staff after a reset: %+v %v", res, err)
		}
		status(t, f.svc.ResetTOTP(ctx, sec, sec.UserID), 422, "self")
	})
}

// enrol gives u a second factor through the real enrolment and returns
// the secret and the recovery codes.
func enrol(t *testing.T, f *fixture, u auth.User) (string, []string) {
	t.Helper()
	ctx := context.Background()
	enr, err := f.svc.BeginTOTP(ctx, u.Actor(""), true)
	if err != nil {
		t.Fatal(err)
	}
	f.clock = f.clock.Add(30 * time.Second)
	code, _ := auth.TOTPCode(enr.Secret, f.clock)
	codes, err := f.svc.ConfirmTOTP(ctx, u.Actor(""), "", code)
	if err != nil {
		t.Fatal(err)
	}
	f.secrets[u.Username] = enr.Secret
	return enr.Secret, codes
}

func totpNow(t *testing.T, f *fixture, username string) string {
	t.Helper()
	f.clock = f.clock.Add(30 * time.Second)
	code, err := auth.TOTPCode(f.secrets[username], f.clock)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestRecoveryCodes: ten one-time codes, each accepted once in place of a
// TOTP code, audited and counted; a new set voids the old.
func TestRecoveryCodes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		u := f.user(t, "lead", "230102", access.Leader)
		_, codes := enrol(t, f, u)
		if len(codes) != 10 {
			t.Fatalf("%d codes", len(codes))
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if seen[c] || !regexp.MustCompile(`^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$`).MatchString(c) {
				t.Fatalf("code %q", c)
			}
			seen[c] = true
			if n := count(t, d, `SELECT COUNT(*) FROM recovery_codes WHERE code_hash LIKE ?`, "%"+c+"%"); n != 0 {
				t.Fatal("a code is stored in the clear")
			}
		}
		// The API path: password and a recovery code (typed in capitals).
		res, err := f.svc.Login(ctx, "lead", pw, " "+toUpper(codes[0])+" ", "10.0.0.1", "", "")
		if err != nil || res.MFA != auth.MFADone || !res.RecoveryUsed || res.RecoveryLeft != 9 {
			t.Fatalf("recovery sign-in: %+v %v", res, err)
		}
		_, err = f.svc.Login(ctx, "lead", pw, codes[0], "10.0.0.1", "", "")
		codeErr(t, err, "bad_otp")
		// The web path: the pending session's second step.
		res, err = f.svc.Login(ctx, "lead", pw, "", "10.0.0.1", "", "")
		if err != nil || res.MFA != auth.MFACode {
			t.Fatal(err)
		}
		_, err = f.svc.CompleteTOTP(ctx, res.Token, codes[0], "10.0.0.1")
		codeErr(t, err, "bad_otp")
		done, err := f.svc.CompleteTOTP(ctx, res.Token, codes[1], "10.0.0.1")
		if err != nil || !done.RecoveryUsed || done.RecoveryLeft != 8 {
			t.Fatalf("second step with a recovery code: %+v %v", done, err)
		}
		if _, ss, _ := f.svc.Authenticate(ctx, res.Token); ss.MFA != auth.MFADone {
			t.Fatal("session not upgraded")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'auth.recovery_code' AND outcome = 'ok' AND username = 'lead'`); n != 2 {
			t.Fatalf("%d uses audited", n)
		}
		rec, err := f.svc.RecoveryOf(ctx, u.ID)
		if err != nil || rec.Left != 8 || !rec.LastUsed.Equal(f.clock) {
			t.Fatalf("recovery state %+v %v", rec, err)
		}

		// A new set needs the password and a current code; the old set dies.
		a := u.Actor("")
		_, err = f.svc.RegenerateRecoveryCodes(ctx, a, "wrong password!", "000000")
		fieldErr(t, err, "current")
		fieldErr(t, err, "otp")
		fresh, err := f.svc.RegenerateRecoveryCodes(ctx, a, pw, totpNow(t, f, "lead"))
		if err != nil || len(fresh) != 10 {
			t.Fatalf("regenerate: %d %v", len(fresh), err)
		}
		_, err = f.svc.Login(ctx, "lead", pw, codes[2], "10.0.0.1", "", "")
		codeErr(t, err, "bad_otp")
		if res, err := f.svc.Login(ctx, "lead", pw, fresh[9], "10.0.0.1", "", ""); err != nil || res.RecoveryLeft != 9 {
			t.Fatalf("a new code: %+v %v", res, err)
		}
	})
}

func toUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// TestUpgradeAccounts: accounts from before this rule are brought along
// at start-up, and running it again does nothing.
func TestUpgradeAccounts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		sys := f.user(t, "sys", "2301", access.Sysadmin)
		lead := f.user(t, "lead", "230102", access.Leader)
		enrolled := f.user(t, "lead.totp", "230103", access.Leader)
		enrol(t, f, enrolled)
		// As an older version left them: a leader without a date, and
		// accounts a system administrator made with a password it chose.
		legacy := func(username string, role access.Role) auth.User {
			u := f.user(t, username, "230102", role)
			if _, err := d.Exec(ctx, `UPDATE users SET totp_due_at = 0, must_change_password = 0, reset_kind = '', reset_by = 0, reset_at = 0 WHERE id = ?`, u.ID); err != nil {
				t.Fatal(err)
			}
			return u
		}
		if _, err := d.Exec(ctx, `UPDATE users SET totp_due_at = 0 WHERE id = ?`, lead.ID); err != nil {
			t.Fatal(err)
		}
		made := legacy("made.by.sys", access.Leader)
		changed := legacy("changed.it", access.Staff)
		byLeader := legacy("made.by.leader", access.Staff)
		event := func(userID int64, username, action, object string, at time.Time) {
			if err := audit.Log(ctx, d, audit.Event{At: at, UserID: userID, Username: username, Action: action, ObjectType: "user",
				ObjectID: object, Outcome: audit.OK}); err != nil {
				t.Fatal(err)
			}
		}
		event(sys.ID, "sys", "user.create", "made.by.sys", f.clock)
		event(sys.ID, "sys", "user.create", "changed.it", f.clock)
		event(changed.ID, "changed.it", "user.change_password", "changed.it", f.clock.Add(time.Hour))
		event(lead.ID, "lead", "user.create", "made.by.leader", f.clock)

		f.clock = f.clock.Add(2 * time.Hour)
		up, err := f.svc.UpgradeAccounts(ctx)
		if err != nil || up.LeadersScheduled != 2 || up.MustChange != 1 {
			t.Fatalf("first run: %+v %v", up, err)
		}
		for _, name := range []string{"lead", "made.by.sys"} {
			if u, _ := f.svc.UserByUsername(ctx, name); !u.TOTPDueAt.Equal(f.clock.Add(auth.DefaultTOTPGrace)) {
				t.Fatalf("%s due %v", name, u.TOTPDueAt)
			}
		}
		if u, _ := f.svc.UserByUsername(ctx, "lead.totp"); !u.TOTPDueAt.IsZero() {
			t.Fatalf("an enrolled leader was scheduled: %v", u.TOTPDueAt)
		}
		m, _ := f.svc.UserByUsername(ctx, "made.by.sys")
		if !m.MustChangePassword || m.SetKind != "create" || m.SetBy != sys.ID || m.SetByUsername != "sys" {
			t.Fatalf("administrator-created account: %+v", m)
		}
		for _, u := range []auth.User{changed, byLeader} {
			if x, _ := f.svc.UserByUsername(ctx, u.Username); x.MustChangePassword {
				t.Fatalf("%s must change its password", u.Username)
			}
		}
		// Again: nothing to do, nothing changed.
		f.clock = f.clock.Add(24 * time.Hour)
		up, err = f.svc.UpgradeAccounts(ctx)
		if err != nil || up != (auth.Upgrade{}) {
			t.Fatalf("second run: %+v %v", up, err)
		}
		if u, _ := f.svc.UserByUsername(ctx, "lead"); !u.TOTPDueAt.Equal(f.clock.Add(-24 * time.Hour).Add(auth.DefaultTOTPGrace)) {
			t.Fatalf("the second run moved the date to %v", u.TOTPDueAt)
		}
		_ = made
	})
}

// userAt is user, created at the given time.
func (f *fixture) userAt(t *testing.T, username, code string, role access.Role, at time.Time) auth.User {
	t.Helper()
	u := f.user(t, username, code, role)
	if _, err := f.svc.DB.Exec(context.Background(), `UPDATE users SET created_at = ? WHERE id = ?`, db.Millis(at), u.ID); err != nil {
		t.Fatal(err)
	}
	return u
}
