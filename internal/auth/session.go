package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// Session timeouts.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
	// PendingTimeout bounds the window between a correct password and the
	// second factor.
	PendingTimeout = 5 * time.Minute
	// touchEvery limits last-seen writes to one a minute per session.
	touchEvery = time.Minute
)

// MFAState says what a session still owes.
type MFAState int

const (
	MFADone   MFAState = 0 // fully signed in
	MFACode   MFAState = 1 // password right, TOTP code owed
	MFAEnroll MFAState = 2 // password right, an administrator must enrol TOTP first
)

// Session is a server-side session.
type Session struct {
	TokenHash string
	UserID    int64
	MFA       MFAState
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
	IP        string
	UserAgent string
}

// ErrNoSession means the token is unknown, expired or revoked.
var ErrNoSession = errors.New("no valid session")

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// createSession stores a new session and returns its token.
func (s *Service) createSession(ctx context.Context, tx *db.Tx, userID int64, mfa MFAState, ip, ua string) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.Now()
	life := AbsoluteTimeout
	if mfa != MFADone {
		life = PendingTimeout
	}
	if len(ua) > 300 {
		ua = ua[:300]
	}
	_, err = tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, mfa_pending, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tokenHash(token), userID, int(mfa), db.Millis(now), db.Millis(now), db.Millis(now.Add(life)), ip, ua)
	return token, err
}

// Authenticate resolves a session token to its user. Expired sessions (idle
// for 30 minutes, or older than 12 hours) are deleted and refused; a disabled
// account has no sessions. A session known since the database last changed
// costs no query (sessionCache); last_seen is kept in memory and written
// for all sessions once a minute (lastSeen).
func (s *Service) Authenticate(ctx context.Context, token string) (User, Session, error) {
	if token == "" || len(token) > 100 {
		return User{}, Session{}, ErrNoSession
	}
	h := tokenHash(token)
	gen := s.DB.Generation()
	u, ss, cached := s.cache.get(h, gen)
	if !cached {
		// The time kept in memory is read before the row: a batch
		// written in between is in the row then.
		t, inMemory := s.seen.seen(h)
		var err error
		if u, ss, err = s.loadSession(ctx, h); err != nil {
			return User{}, Session{}, err
		}
		if inMemory && t.After(ss.LastSeen) {
			ss.LastSeen = t
		}
	}
	now := s.Now()
	if !now.Before(ss.ExpiresAt) || (ss.MFA == MFADone && now.Sub(ss.LastSeen) >= IdleTimeout) {
		s.cache.drop(h)
		_, _ = s.DB.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, h)
		return User{}, Session{}, ErrNoSession
	}
	touched := now.Sub(ss.LastSeen) >= touchEvery
	if touched {
		ss.LastSeen = now
		s.seen.note(h, now)
	}
	if !cached || touched {
		s.cache.put(h, gen, u, ss)
	}
	s.writeLastSeen(ctx, now)
	return u, ss, nil
}

// loadSession reads a session and its user; a disabled account's session
// is no session.
func (s *Service) loadSession(ctx context.Context, h string) (User, Session, error) {
	var ss Session
	var mfa int
	var created, seen, expires int64
	err := s.DB.QueryRow(ctx, `SELECT token_hash, user_id, mfa_pending, created_at, last_seen_at, expires_at, ip, user_agent
		FROM sessions WHERE token_hash = ?`, h).Scan(&ss.TokenHash, &ss.UserID, &mfa, &created, &seen, &expires, &ss.IP, &ss.UserAgent)
	if err != nil {
		return User{}, Session{}, noSession(err)
	}
	ss.MFA, ss.CreatedAt, ss.LastSeen, ss.ExpiresAt = MFAState(mfa), db.FromMillis(created), db.FromMillis(seen), db.FromMillis(expires)
	u, err := s.userByID(ctx, s.DB.Q(), ss.UserID)
	if err != nil {
		return User{}, Session{}, noSession(err)
	}
	if u.Disabled {
		return User{}, Session{}, ErrNoSession
	}
	return u, ss, nil
}

// noSession is ErrNoSession for a row that is not there, and the error
// itself for a database that did not answer: the crash drill found that
// a database stopped for a second signed everyone out (their cookies
// cleared as for a session that no longer exists).
func noSession(err error) error {
	if errors.Is(db.NoRows(err), db.ErrNotFound) {
		return ErrNoSession
	}
	return err
}

// writeLastSeen writes the sessions' last-seen times once a minute, off
// the request's path (the server's housekeeping also calls FlushLastSeen
// every minute, for a server with no request to do it).
func (s *Service) writeLastSeen(ctx context.Context, now time.Time) {
	if !s.seen.write.TryLock() {
		return // being written
	}
	batch := s.seen.due(now, touchEvery)
	if batch == nil {
		s.seen.write.Unlock()
		return
	}
	go func() {
		defer s.seen.write.Unlock()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		s.seen.done(s.storeLastSeen(ctx, batch))
	}()
}

// FlushLastSeen writes every last-seen time kept in memory now (after a
// write under way).
func (s *Service) FlushLastSeen(ctx context.Context) {
	s.seen.write.Lock()
	defer s.seen.write.Unlock()
	if batch := s.seen.due(s.Now(), 0); batch != nil {
		s.seen.done(s.storeLastSeen(ctx, batch))
	}
}

// storeLastSeen writes the batch and returns what it could not. The
// writes do not wait for a long write (a tree move holds SQLite's write
// lock for seconds) and do not move this process's write generation (no
// page shows them): one skipped is tried again a minute later, long before
// the idle timeout.
// The batch is read, never changed: others read it meanwhile (lastSeen.seen).
func (s *Service) storeLastSeen(ctx context.Context, batch map[string]time.Time) map[string]time.Time {
	failed := map[string]time.Time{}
	for h, t := range batch {
		if _, err := s.DB.ExecNoWait(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?`,
			db.Millis(t), h, db.Millis(t)); err != nil {
			failed[h] = t
		}
	}
	return failed
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, a access.Actor, token string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, audit.ActionLogout, "session", "", audit.OK, ""))
	})
}

// LogoutEverywhere ends all of the actor's sessions, this one included.
func (s *Service) LogoutEverywhere(ctx context.Context, a access.Actor) (int64, error) {
	var n int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, a.UserID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return audit.Record(ctx, tx, audit.FromActor(a, "auth.logout_all", "session", "", audit.OK, ""))
	})
	return n, err
}

// Sessions lists a user's active sessions (own, or administrators in scope).
func (s *Service) Sessions(ctx context.Context, a access.Actor, userID int64) ([]Session, error) {
	if userID != a.UserID {
		if _, err := s.manage(ctx, a, access.RevokeSessions, "user.sessions", userID); err != nil {
			return nil, err
		}
	}
	rows, err := s.DB.Query(ctx, `SELECT token_hash, user_id, mfa_pending, created_at, last_seen_at, expires_at, ip, user_agent
		FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC`, userID, db.Millis(s.Now()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var ss Session
		var mfa int
		var created, seen, expires int64
		if err := rows.Scan(&ss.TokenHash, &ss.UserID, &mfa, &created, &seen, &expires, &ss.IP, &ss.UserAgent); err != nil {
			return nil, err
		}
		ss.MFA, ss.CreatedAt, ss.LastSeen, ss.ExpiresAt = MFAState(mfa), db.FromMillis(created), db.FromMillis(seen), db.FromMillis(expires)
		if ss.MFA == MFADone && s.Now().Sub(ss.LastSeen) >= IdleTimeout {
			continue
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}

// PruneSessions deletes expired sessions and old login attempts; the server
// runs it periodically.
func (s *Service) PruneSessions(ctx context.Context) error {
	s.FlushLastSeen(ctx) // a session used since the last write is not idle
	now := s.Now()
	if _, err := s.DB.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR (mfa_pending = 0 AND last_seen_at <= ?)`,
		db.Millis(now), db.Millis(now.Add(-IdleTimeout))); err != nil {
		return err
	}
	_, err := s.DB.Exec(ctx, `DELETE FROM login_attempts WHERE at < ?`, db.Millis(now.Add(-time.Hour)))
	return err
}

// errSessionGone is returned by second-factor steps on a stale session.
var errSessionGone = apperr.New(401, "session_expired", "登录已过期，请重新输入用户名和密码")
