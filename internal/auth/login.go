package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// Lockout and throttle settings.
const (
	MaxFailures     = 5                // consecutive wrong passwords before lockout
	LockoutDuration = 15 * time.Minute // how long a locked account stays locked
	ThrottleWindow  = 5 * time.Minute  // per-IP window …
	ThrottleLimit   = 30               // … and attempts allowed in it
)

// Login errors. Wrong username and wrong password read the same, so the
// form does not tell which accounts exist.
var (
	ErrBadCredentials = apperr.New(http.StatusUnauthorized, "bad_credentials", "用户名或密码不正确")
	ErrThrottled      = apperr.New(http.StatusTooManyRequests, "too_many_attempts", "登录尝试过于频繁，请稍后再试")
	ErrDisabled       = apperr.New(http.StatusForbidden, "account_disabled", "该账号已停用，请联系本单位管理员")
	ErrOTPRequired    = apperr.New(http.StatusUnauthorized, "otp_required", "请输入手机验证器上的 6 位动态验证码，或一个恢复码")
	ErrBadOTP         = &apperr.Error{Status: http.StatusUnauthorized, Code: "bad_otp", Message: "动态验证码或恢复码不正确或已使用",
		Fields: map[string]string{"otp": "动态验证码或恢复码不正确或已使用，请输入验证器上最新的 6 位数字"}}
)

func lockedError(until, now time.Time) *apperr.Error {
	mins := int(until.Sub(now).Minutes()) + 1
	return apperr.New(http.StatusLocked, "account_locked",
		fmt.Sprintf("连续 %d 次密码错误，账号已锁定，请 %d 分钟后再试，或联系安全管理员解锁", MaxFailures, mins))
}

// LoginResult is a successful password step.
type LoginResult struct {
	Token string
	User  User
	MFA   MFAState
	// RecoveryUsed says a recovery code stood in for the authenticator;
	// RecoveryLeft is how many the user still has.
	RecoveryUsed bool
	RecoveryLeft int
}

// TOTPDue reports whether the user must enrol a second factor before
// signing in: administrators always; leaders once their grace period is
// over (a leader never scheduled is due at once); anyone whose second
// factor a security administrator reset.
func TOTPDue(u User, now time.Time) bool {
	switch {
	case u.TOTPEnabled:
		return false
	case u.Role.Admin():
		return true
	case u.TOTPDueAt.IsZero():
		return u.Role == access.Leader
	}
	return !now.Before(u.TOTPDueAt)
}

// InTOTPGrace reports whether the user must enrol a second factor by
// u.TOTPDueAt and may still sign in without one (the work desk says so).
func InTOTPGrace(u User, now time.Time) bool {
	return !u.TOTPEnabled && !u.TOTPDueAt.IsZero() && now.Before(u.TOTPDueAt)
}

// checkFactor checks a second-factor answer: a 6-digit authenticator code
// (its step is returned) or an unused recovery code (its id is returned).
func (s *Service) checkFactor(ctx context.Context, u User, code string, now time.Time) (step, recovery int64, ok bool, err error) {
	if isTOTPCode(code) {
		secret, err := s.secretOf(u)
		if err != nil {
			return 0, 0, false, err
		}
		step, ok := checkTOTP(secret, code, now, u.totpLastStep)
		return step, 0, ok, nil
	}
	id, err := s.findRecoveryCode(ctx, u.ID, code)
	return 0, id, id != 0, err
}

// spendRecovery spends a recovery code in tx, audits its use and returns
// how many codes are left.
func (s *Service) spendRecovery(ctx context.Context, tx *db.Tx, u User, ip string, id int64) (int, error) {
	if err := s.useRecoveryCode(ctx, tx, id); err != nil {
		return 0, err
	}
	var left int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at = 0`, u.ID).Scan(&left); err != nil {
		return 0, err
	}
	return left, audit.Record(ctx, tx, audit.FromActor(u.Actor(ip), "auth.recovery_code", "user", u.Username, audit.OK,
		fmt.Sprintf("以恢复码代替动态验证码登录，剩余 %d 个", left)))
}

// Login checks a password (and a TOTP code when one is given) and opens a
// new session — always a new token, so a session fixed before sign-in is
// never promoted. oldToken, if any, is ended.
func (s *Service) Login(ctx context.Context, username, password, otp, ip, ua, oldToken string) (LoginResult, error) {
	username = normalizeUsername(username)
	if err := s.throttle(ctx, ip); err != nil {
		if !errors.Is(err, ErrThrottled) {
			return LoginResult{}, err // the database failed, not the address
		}
		_ = audit.Log(ctx, s.DB, audit.Event{Username: username, Action: audit.ActionLoginFailed, ObjectType: "session", IP: ip, Outcome: audit.Denied, Detail: "IP 登录过于频繁"})
		return LoginResult{}, err
	}
	u, err := s.UserByUsername(ctx, username)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return LoginResult{}, err // the database failed: not her password
	}
	if err != nil {
		_, _ = CheckPassword(ctx, dummyHash(), password) // same time as a real check
		s.loginFailed(ctx, nil, username, ip, "用户不存在")
		return LoginResult{}, ErrBadCredentials
	}
	now := s.Now()
	if u.Locked(now) {
		s.loginFailed(ctx, nil, username, ip, "账号已锁定")
		return LoginResult{}, lockedError(u.LockedUntil, now)
	}
	ok, err := CheckPassword(ctx, u.passwordHash, password)
	if err != nil {
		return LoginResult{}, err
	}
	if !ok {
		if until := s.loginFailed(ctx, &u, username, ip, "密码错误"); !until.IsZero() {
			return LoginResult{}, lockedError(until, now)
		}
		return LoginResult{}, ErrBadCredentials
	}
	if u.Disabled {
		s.loginFailed(ctx, nil, username, ip, "账号已停用")
		return LoginResult{}, ErrDisabled
	}
	mfa := MFADone
	var recovery int64
	res := LoginResult{User: u}
	switch {
	case u.TOTPEnabled && otp == "":
		mfa = MFACode
	case u.TOTPEnabled:
		step, rid, ok, err := s.checkFactor(ctx, u, otp, now)
		if err != nil {
			return LoginResult{}, err
		}
		if !ok {
			if until := s.loginFailed(ctx, &u, username, ip, "动态验证码或恢复码错误"); !until.IsZero() {
				return LoginResult{}, lockedError(until, now)
			}
			return LoginResult{}, ErrBadOTP
		}
		if rid == 0 {
			u.totpLastStep = step
		}
		recovery = rid
	case TOTPDue(u, now):
		mfa = MFAEnroll
	}
	var token string
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if recovery != 0 {
			left, err := s.spendRecovery(ctx, tx, u, ip, recovery)
			if err != nil {
				return err
			}
			res.RecoveryUsed, res.RecoveryLeft = true, left
		}
		if oldToken != "" {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(oldToken)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = 0, totp_last_step = ? WHERE id = ?`, u.totpLastStep, u.ID); err != nil {
			return err
		}
		if token, err = s.createSession(ctx, tx, u.ID, mfa, ip, ua); err != nil {
			return err
		}
		action, detail := audit.ActionLogin, ""
		if mfa != MFADone {
			action, detail = "auth.password_ok", "等待第二因素"
		}
		return audit.Record(ctx, tx, audit.FromActor(u.Actor(ip), action, "session", "", audit.OK, detail))
	})
	if err != nil {
		return LoginResult{}, err
	}
	res.Token, res.User, res.MFA = token, u, mfa
	return res, nil
}

// throttle records an attempt from ip and refuses when the window is full.
func (s *Service) throttle(ctx context.Context, ip string) error {
	now := s.Now()
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM login_attempts WHERE ip = ? AND at > ?`, ip, db.Millis(now.Add(-ThrottleWindow))).Scan(&n); err != nil {
		return err
	}
	if n >= ThrottleLimit {
		return ErrThrottled
	}
	_, err := s.DB.Exec(ctx, `INSERT INTO login_attempts (ip, at) VALUES (?, ?)`, ip, db.Millis(now))
	return err
}

// loginFailed audits a failure and, for a known account, counts it; at the
// limit the account is locked and the lock's end returned.
func (s *Service) loginFailed(ctx context.Context, u *User, username, ip, why string) (lockedUntil time.Time) {
	ev := audit.Event{Username: username, Action: audit.ActionLoginFailed, ObjectType: "session", IP: ip, Outcome: audit.Fail, Detail: why}
	if u == nil {
		_ = audit.Log(ctx, s.DB, ev)
		return time.Time{}
	}
	ev.UserID, ev.OrgID, ev.OrgCode = u.ID, u.OrgID, u.OrgCode
	now := s.Now()
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var failures int
		if err := tx.QueryRow(ctx, `SELECT failed_logins FROM users WHERE id = ?`, u.ID).Scan(&failures); err != nil {
			return err
		}
		q, args := `UPDATE users SET failed_logins = ? WHERE id = ?`, []any{failures + 1, u.ID}
		if failures+1 >= MaxFailures {
			lockedUntil = now.Add(LockoutDuration)
			q, args = `UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?`, []any{db.Millis(lockedUntil), u.ID}
			ev.Detail += "；账号锁定"
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return err
		}
		return audit.Record(ctx, tx, ev)
	})
	if err != nil {
		// The attempt is refused either way; a lost count must be visible.
		slog.Error("recording failed login", "user", username, "err", err)
		return time.Time{}
	}
	return lockedUntil
}

// CompleteTOTP checks the second factor owed by a pending session — an
// authenticator code or an unused recovery code — and upgrades it to a
// full session.
func (s *Service) CompleteTOTP(ctx context.Context, token, code, ip string) (LoginResult, error) {
	u, ss, err := s.Authenticate(ctx, token)
	if err != nil || ss.MFA != MFACode {
		return LoginResult{}, errSessionGone
	}
	now := s.Now()
	if u.Locked(now) {
		return LoginResult{}, lockedError(u.LockedUntil, now)
	}
	step, recovery, ok, err := s.checkFactor(ctx, u, strings.TrimSpace(code), now)
	if err != nil {
		return LoginResult{}, err
	}
	if !ok {
		if until := s.loginFailed(ctx, &u, u.Username, ip, "动态验证码或恢复码错误"); !until.IsZero() {
			_, _ = s.DB.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token))
			return LoginResult{}, lockedError(until, now)
		}
		return LoginResult{}, ErrBadOTP
	}
	res := LoginResult{Token: token, User: u, MFA: MFADone}
	if recovery != 0 {
		step = u.totpLastStep
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if recovery != 0 {
			left, err := s.spendRecovery(ctx, tx, u, ip, recovery)
			if err != nil {
				return err
			}
			res.RecoveryUsed, res.RecoveryLeft = true, left
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_last_step = ?, failed_logins = 0 WHERE id = ?`, step, u.ID); err != nil {
			return err
		}
		if err := s.upgradeSession(ctx, tx, token); err != nil {
			return err
		}
		detail := "含动态验证码"
		if recovery != 0 {
			detail = "含恢复码"
		}
		return audit.Record(ctx, tx, audit.FromActor(u.Actor(ip), audit.ActionLogin, "session", "", audit.OK, detail))
	})
	return res, err
}

// upgradeSession turns a pending session into a full one.
func (s *Service) upgradeSession(ctx context.Context, tx *db.Tx, token string) error {
	now := s.Now()
	_, err := tx.Exec(ctx, `UPDATE sessions SET mfa_pending = 0, last_seen_at = ?, expires_at = ? WHERE token_hash = ?`,
		db.Millis(now), db.Millis(now.Add(AbsoluteTimeout)), tokenHash(token))
	return err
}
