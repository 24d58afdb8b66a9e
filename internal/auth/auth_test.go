package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

func TestMain(m *testing.M) {
	// Cheap hashes keep the suite fast; the production cost is in DefaultArgon2.
	auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	os.Exit(m.Run())
}

type fixture struct {
	svc     *auth.Service
	clock   time.Time
	secrets map[string]string // TOTP secrets enrolled by the tests
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	orgs := &org.Store{DB: d}
	if _, err := orgs.ImportHarbin(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{clock: time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC), secrets: map[string]string{}}
	f.svc = auth.NewService(d, orgs)
	f.svc.Now = func() time.Time { return f.clock }
	keys, err := vault.Parse(vault.NewFileText(f.clock))
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Vault = keys
	return f
}

func (f *fixture) user(t *testing.T, username, code string, role access.Role) auth.User {
	t.Helper()
	u, err := f.svc.CreateUserAsOperator(context.Background(), auth.NewUser{Username: username, DisplayName: username, Password: "correct horse battery", OrgCode: code, Role: role})
	if err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
	return u
}

func fieldErr(t *testing.T, err error, field string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != "invalid" || e.Fields[field] == "" {
		t.Fatalf("want a field error on %q, got %v", field, err)
	}
}

func codeErr(t *testing.T, err error, code string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("want error %q, got %v", code, err)
	}
}

// noSession checks that token opens no session (auth.ErrNoSession) and
// that its row is gone: the session was ended, not merely unreadable.
func (f *fixture) noSession(t *testing.T, d *db.DB, token, what string) {
	t.Helper()
	if _, _, err := f.svc.Authenticate(context.Background(), token); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("%s: want auth.ErrNoSession, got %v", what, err)
	}
	sum := sha256.Sum256([]byte(token))
	if n := count(t, d, `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, hex.EncodeToString(sum[:])); n != 0 {
		t.Fatalf("%s: the session row is still stored", what)
	}
}

func TestPasswordRules(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                 false,
		"password123":           false, // common
		"5201314520":            true,
		"woaini1314":            false, // common in China
		"aaaaaaaaaa":            false,
		"冰城最美家庭2015":            true,
		"correct horse battery": true,
	} {
		if got := auth.ValidatePassword(pw, "user") == ""; got != ok {
			t.Errorf("ValidatePassword(%q) ok=%v, want %v", pw, got, ok)
		}
	}
	if auth.ValidatePassword("zhangsan1", "zhangsan1") == "" {
		t.Error("password equal to username accepted")
	}
	h, err := auth.HashPassword(context.Background(), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := auth.CheckPassword(context.Background(), h, "correct horse battery"); !ok {
		t.Error("right password refused")
	}
	if ok, _ := auth.CheckPassword(context.Background(), h, "correct horse batterY"); ok {
		t.Error("wrong password accepted")
	}
}

// TestUnknownUsersCostAHash: a sign-in with an unknown username is checked
// against a hash with the parameters of real ones (so it takes as long),
// which no password opens.
func TestUnknownUsersCostAHash(t *testing.T) {
	real, err := auth.HashPassword(context.Background(), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	dummy := auth.DummyHash()
	params := func(h string) string { return strings.Join(strings.Split(h, "$")[:4], "$") }
	if params(dummy) != params(real) || len(dummy) != len(real) {
		t.Errorf("dummy hash %q is not shaped like a real one %q", dummy, real)
	}
	for _, pw := range []string{"", "correct horse battery", "not-a-real-password-0"} {
		if ok, err := auth.CheckPassword(context.Background(), dummy, pw); ok || err != nil {
			t.Errorf("dummy hash opened by %q: %v %v", pw, ok, err)
		}
	}
}

func TestCreateUserRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		sys := f.user(t, "sys", "2301", access.Sysadmin).Actor("127.0.0.1")
		daoli := f.user(t, "daoli", "230102", access.Leader).Actor("127.0.0.1")
		staff := f.user(t, "clerk", "230102", access.Staff).Actor("127.0.0.1")

		_, _, err := f.svc.CreateUser(ctx, daoli, auth.NewUser{Username: "x1", DisplayName: "X", OrgCode: "230103", Role: access.Staff})
		fieldErr(t, err, "org") // 南岗 is outside 道里
		_, _, err = f.svc.CreateUser(ctx, daoli, auth.NewUser{Username: "x1", DisplayName: "X", OrgCode: "230102001", Role: access.Sysadmin})
		fieldErr(t, err, "role") // a leader cannot make administrators
		_, _, err = f.svc.CreateUser(ctx, daoli, auth.NewUser{Username: "X 1", DisplayName: "", Password: "123456789", OrgCode: "230102001", Role: access.Staff})
		for _, fld := range []string{"username", "display_name", "password"} { // nobody but the operator chooses a password
			fieldErr(t, err, fld)
		}
		if _, _, err = f.svc.CreateUser(ctx, staff, auth.NewUser{Username: "x2", DisplayName: "X", OrgCode: "230102001", Role: access.Staff}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("staff created a user: %v", err)
		}
		u, temp, err := f.svc.CreateUser(ctx, daoli, auth.NewUser{Username: "Zhao.Li", DisplayName: " 赵丽 ", OrgCode: "230102001", Role: access.Staff})
		if err != nil || u.Username != "zhao.li" || u.DisplayName != "赵丽" || u.OrgCode != "230102001" || !u.MustChangePassword || temp == "" {
			t.Fatalf("create: %+v %q %v", u, temp, err)
		}
		_, _, err = f.svc.CreateUser(ctx, sys, auth.NewUser{Username: "zhao.li", DisplayName: "Y", OrgCode: "2301"})
		fieldErr(t, err, "username") // duplicate
		n, _ := f.svc.CountUsers(ctx)
		if n != 4 {
			t.Fatalf("%d users after refused creates, want 4", n)
		}
		// Lists are scoped.
		list, total, err := f.svc.Users(ctx, daoli, auth.UserFilter{})
		if err != nil || total != 3 {
			t.Fatalf("道里 leader sees %d users, %v", total, err)
		}
		for _, x := range list {
			if x.OrgCode[:6] != "230102" {
				t.Fatalf("leaked %s", x.Username)
			}
		}
		if _, err := f.svc.User(ctx, daoli, sys.UserID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("道里 leader reads the city sysadmin: %v", err)
		}
		if err := f.svc.SetDisabled(ctx, daoli, sys.UserID, true); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("道里 leader disables the city sysadmin: %v", err)
		}
	})
}

func TestLoginLockoutAndThrottle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.user(t, "wang", "230102", access.Staff)

		_, err := f.svc.Login(ctx, "nobody", "correct horse battery", "", "10.0.0.1", "", "")
		codeErr(t, err, "bad_credentials")
		for i := 0; i < auth.MaxFailures-1; i++ {
			_, err = f.svc.Login(ctx, "wang", "wrong password!", "", "10.0.0.1", "", "")
			codeErr(t, err, "bad_credentials")
		}
		_, err = f.svc.Login(ctx, "wang", "wrong password!", "", "10.0.0.1", "", "")
		codeErr(t, err, "account_locked")
		_, err = f.svc.Login(ctx, "wang", "correct horse battery", "", "10.0.0.1", "", "")
		codeErr(t, err, "account_locked") // even the right password while locked
		f.clock = f.clock.Add(auth.LockoutDuration + time.Second)
		res, err := f.svc.Login(ctx, "WANG", "correct horse battery", "", "10.0.0.2", "ua", "")
		if err != nil || res.MFA != auth.MFADone || res.Token == "" {
			t.Fatalf("login after lockout: %+v %v", res, err)
		}
		// Per-IP throttle.
		for i := 0; i < auth.ThrottleLimit; i++ {
			f.svc.Login(ctx, "nobody", "x", "", "10.9.9.9", "", "")
		}
		_, err = f.svc.Login(ctx, "wang", "correct horse battery", "", "10.9.9.9", "", "")
		codeErr(t, err, "too_many_attempts")
		// Failed logins are audited.
		evs, n, err := audit.List(ctx, d.Q(), audit.Filter{Action: audit.ActionLoginFailed, PerPage: 200})
		if err != nil || n < auth.MaxFailures+1 || len(evs) == 0 {
			t.Fatalf("audit has %d failed logins, %v", n, err)
		}
	})
}

func TestSessions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.user(t, "lili", "230102", access.Staff)
		first, err := f.svc.Login(ctx, "lili", "correct horse battery", "", "10.0.0.1", "", "")
		if err != nil {
			t.Fatal(err)
		}
		// Login rotates: the old token given at login is ended.
		second, err := f.svc.Login(ctx, "lili", "correct horse battery", "", "10.0.0.1", "", first.Token)
		if err != nil || second.Token == first.Token {
			t.Fatal("login did not issue a new token", err)
		}
		f.noSession(t, d, first.Token, "old token after login rotation")
		u, _, err := f.svc.Authenticate(ctx, second.Token)
		if err != nil || u.Username != "lili" {
			t.Fatal(err)
		}
		f.noSession(t, d, second.Token+"x", "forged token")
		// Idle timeout: activity every 20 minutes keeps it; 30 idle minutes end it.
		for i := 0; i < 3; i++ {
			f.clock = f.clock.Add(20 * time.Minute)
			if _, _, err := f.svc.Authenticate(ctx, second.Token); err != nil {
				t.Fatalf("active session ended after %d×20min: %v", i+1, err)
			}
		}
		f.clock = f.clock.Add(auth.IdleTimeout)
		f.noSession(t, d, second.Token, "idle session")
		// Absolute timeout.
		third, _ := f.svc.Login(ctx, "lili", "correct horse battery", "", "10.0.0.1", "", "")
		for el := time.Duration(0); el < auth.AbsoluteTimeout-20*time.Minute; el += 20 * time.Minute {
			f.clock = f.clock.Add(20 * time.Minute)
			f.svc.Authenticate(ctx, third.Token)
		}
		f.clock = f.clock.Add(40 * time.Minute)
		f.noSession(t, d, third.Token, "session older than 12 hours")
		// Logout everywhere.
		a, _ := f.svc.Login(ctx, "lili", "correct horse battery", "", "10.0.0.1", "", "")
		b, _ := f.svc.Login(ctx, "lili", "correct horse battery", "", "10.0.0.2", "", "")
		if n, err := f.svc.LogoutEverywhere(ctx, a.User.Actor("10.0.0.1")); err != nil || n != 2 {
			t.Fatalf("logout everywhere ended %d, %v", n, err)
		}
		f.noSession(t, d, b.Token, "other session after logout everywhere")
		// An administrator ends a user's sessions; disabling does too.
		sec := f.user(t, "sec", "2301", access.Secadmin).Actor("")
		sys := f.user(t, "sys", "2301", access.Sysadmin).Actor("")
		c, _ := f.svc.Login(ctx, "lili", "correct horse battery", "", "10.0.0.3", "", "")
		if n, err := f.svc.RevokeSessions(ctx, sec, c.User.ID); err != nil || n != 1 {
			t.Fatalf("revoke: %d %v", n, err)
		}
		dd, _ := f.svc.Login(ctx, "lili", "correct horse battery", "", "10.0.0.3", "", "")
		if err := f.svc.SetDisabled(ctx, sys, dd.User.ID, true); err != nil {
			t.Fatal(err)
		}
		f.noSession(t, d, dd.Token, "disabled user's session")
		_, err = f.svc.Login(ctx, "lili", "correct horse battery", "", "10.0.0.3", "", "")
		codeErr(t, err, "account_disabled")
	})
}

func TestTOTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.user(t, "audit1", "2301", access.Auditor)
		res, err := f.svc.Login(ctx, "audit1", "correct horse battery", "", "10.0.0.1", "", "")
		if err != nil || res.MFA != auth.MFAEnroll {
			t.Fatalf("admin without TOTP must enrol: %+v %v", res, err)
		}
		u, ss, err := f.svc.Authenticate(ctx, res.Token)
		if err != nil || ss.MFA != auth.MFAEnroll {
			t.Fatal(err)
		}
		enr, err := f.svc.BeginTOTP(ctx, u.Actor(""), false)
		if err != nil || len(enr.QRPNG) < 100 || enr.Secret == "" {
			t.Fatalf("enrol: %v", err)
		}
		again, _ := f.svc.BeginTOTP(ctx, u.Actor(""), false)
		if again.Secret != enr.Secret {
			t.Fatal("drawing the setup page again changed the pending secret")
		}
		_, err = f.svc.ConfirmTOTP(ctx, u.Actor(""), res.Token, "000000")
		fieldErr(t, err, "otp")
		code, _ := auth.TOTPCode(enr.Secret, f.clock)
		codes, err := f.svc.ConfirmTOTP(ctx, u.Actor(""), res.Token, code)
		if err != nil || len(codes) != auth.RecoveryCodeCount {
			t.Fatalf("confirm: %d recovery codes, %v", len(codes), err)
		}
		if _, ss, _ := f.svc.Authenticate(ctx, res.Token); ss.MFA != auth.MFADone {
			t.Fatal("session not upgraded after enrolment")
		}
		// Next sign-in owes a code; the code just used cannot be replayed.
		f.clock = f.clock.Add(10 * time.Second)
		res, err = f.svc.Login(ctx, "audit1", "correct horse battery", "", "10.0.0.1", "", "")
		if err != nil || res.MFA != auth.MFACode {
			t.Fatalf("second login: %+v %v", res, err)
		}
		_, err = f.svc.CompleteTOTP(ctx, res.Token, code, "10.0.0.1")
		codeErr(t, err, "bad_otp")
		f.clock = f.clock.Add(30 * time.Second)
		next, _ := auth.TOTPCode(enr.Secret, f.clock)
		if _, err := f.svc.CompleteTOTP(ctx, res.Token, next, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		// The API path: password and code together.
		f.clock = f.clock.Add(30 * time.Second)
		later, _ := auth.TOTPCode(enr.Secret, f.clock)
		res, err = f.svc.Login(ctx, "audit1", "correct horse battery", later, "10.0.0.1", "", "")
		if err != nil || res.MFA != auth.MFADone {
			t.Fatalf("login with code: %+v %v", res, err)
		}
		// A pending session expires after 5 minutes.
		res, _ = f.svc.Login(ctx, "audit1", "correct horse battery", "", "10.0.0.1", "", "")
		f.clock = f.clock.Add(auth.PendingTimeout + time.Second)
		_, err = f.svc.CompleteTOTP(ctx, res.Token, "123456", "10.0.0.1")
		codeErr(t, err, "session_expired")
	})
}

func TestEmail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		lead := f.user(t, "daoli.lead", "230102", access.Leader).Actor("")
		staff := f.user(t, "daoli.clerk", "230102", access.Staff)
		other := f.user(t, "nangang.clerk", "230103", access.Staff)
		fieldErr(t, f.svc.SetEmail(ctx, lead, staff.ID, "not an address"), "email")
		if err := f.svc.SetEmail(ctx, lead, staff.ID, " clerk@daoli.example.org "); err != nil {
			t.Fatal(err)
		}
		if u, _ := f.svc.UserByUsername(ctx, "daoli.clerk"); u.Email != "clerk@daoli.example.org" {
			t.Fatalf("email %q", u.Email)
		}
		if err := f.svc.SetEmail(ctx, lead, other.ID, "x@example.org"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("leader set an email outside the scope: %v", err)
		}
		if err := f.svc.SetEmail(ctx, staff.Actor(""), staff.ID, ""); err != nil {
			t.Fatalf("clearing one's own address: %v", err)
		}
		_, _, err := f.svc.CreateUser(ctx, lead, auth.NewUser{Username: "x.y", DisplayName: "X", OrgCode: "230102", Role: access.Staff, Email: "bad@"})
		fieldErr(t, err, "email")
	})
}

// TestSessionCacheAndLastSeen: a known session costs no query until the
// database changes; what a request touches is the session's last-seen time,
// kept in memory (so the idle timeout counts it) and written by
// FlushLastSeen without moving the write generation; a session ended by
// another process is refused once the generation moves.
func TestSessionCacheAndLastSeen(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.user(t, "lili", "230102", access.Staff)
		s, err := f.svc.Login(ctx, "lili", "correct horse battery", "", "10.0.0.1", "", "")
		if err != nil {
			t.Fatal(err)
		}
		f.svc.FlushLastSeen(ctx)
		lastSeen := func() time.Time {
			var ms int64
			if err := d.QueryRow(ctx, `SELECT last_seen_at FROM sessions WHERE user_id = ?`, s.User.ID).Scan(&ms); err != nil {
				t.Fatal(err)
			}
			return db.FromMillis(ms)
		}

		// Cached: the row's change (a write past the process, with the
		// generation held still) is not seen…
		if _, _, err := f.svc.Authenticate(ctx, s.Token); err != nil {
			t.Fatal(err)
		}
		f.clock = f.clock.Add(25 * time.Minute)
		if _, _, err := f.svc.Authenticate(ctx, s.Token); err != nil {
			t.Fatal(err)
		}
		gen := d.Generation()
		if _, err := d.ExecNoWait(ctx, `DELETE FROM sessions WHERE user_id = ?`, s.User.ID); err != nil {
			t.Fatal(err)
		}
		if d.Generation() == gen {
			if _, _, err := f.svc.Authenticate(ctx, s.Token); err != nil {
				t.Errorf("a cached session was read again before the database changed: %v", err)
			}
		}
		// …until the generation moves.
		d.Changed()
		if _, _, err := f.svc.Authenticate(ctx, s.Token); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("a deleted session still opens once the generation moved: %v", err)
		}

		// The last-seen time: in memory until written, counted for the
		// idle timeout even when the session is read from the database.
		s, err = f.svc.Login(ctx, "lili", "correct horse battery", "", "10.0.0.1", "", "")
		if err != nil {
			t.Fatal(err)
		}
		f.svc.FlushLastSeen(ctx)
		login := lastSeen()
		f.clock = f.clock.Add(10 * time.Minute)
		seen := f.clock
		if _, _, err := f.svc.Authenticate(ctx, s.Token); err != nil {
			t.Fatal(err)
		}
		f.clock = f.clock.Add(25 * time.Minute) // 35 after the login, 25 after the request
		d.Changed()                             // the cached session is dropped: read from the database
		if _, _, err := f.svc.Authenticate(ctx, s.Token); err != nil {
			t.Fatalf("the session's last request, not yet written, was not counted for the idle timeout: %v", err)
		}
		f.svc.FlushLastSeen(ctx)
		if got := lastSeen(); !got.After(login) || got.Before(seen) {
			t.Errorf("last seen %v after the flush, want at least %v (login %v)", got, seen, login)
		}
	})
}

// TestSessionUnreadable: a session whose row could not be read (the
// database did not answer) is not a session that is gone. The crash drill
// found that one immediate stop of PostgreSQL signed every user out: the
// failed read counted as no session and the middleware cleared cookies.
func TestSessionUnreadable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.user(t, "wang", "230102", access.Staff)
		res, err := f.svc.Login(ctx, "wang", "correct horse battery", "", "10.0.0.1", "", "")
		if err != nil {
			t.Fatal(err)
		}
		// A service of its own: nothing of the session in its cache.
		cold := auth.NewService(d, &org.Store{DB: d})
		cold.Now = f.svc.Now
		if _, _, err := cold.Authenticate(ctx, res.Token); err != nil {
			t.Fatalf("the session opens while the database answers: %v", err)
		}
		cold = auth.NewService(d, &org.Store{DB: d})
		cold.Now = f.svc.Now
		d.Close()
		if _, _, err := cold.Authenticate(ctx, res.Token); err == nil || errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("a database that does not answer: want its error, got %v", err)
		}
	})
}
