package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// RecoveryCodeCount is how many one-time recovery codes a user holds.
const RecoveryCodeCount = 10

// recoveryAlphabet is 32 characters without look-alikes: 5 bits each.
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCode is 12 random characters (60 bits) in groups of four,
// e.g. "k7pq-3mxa-h9tz".
func newRecoveryCode() (string, error) {
	var b strings.Builder
	for i := 0; i < 12; i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		c, err := randomIndex(len(recoveryAlphabet))
		if err != nil {
			return "", err
		}
		b.WriteByte(recoveryAlphabet[c])
	}
	return b.String(), nil
}

// normalizeRecovery lowercases a typed code and drops spaces and dashes;
// "" when it cannot be a recovery code.
func normalizeRecovery(code string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		switch {
		case r == '-' || r == ' ':
		case strings.ContainsRune(recoveryAlphabet, r):
			b.WriteRune(r)
		default:
			return ""
		}
	}
	if b.Len() != 12 {
		return ""
	}
	return b.String()
}

// recoveryHash is what is stored of a code: SHA-256 of the user id and the
// code. 60 random bits make a search of the hashes hopeless; the user id
// keeps the same code of two users apart.
func recoveryHash(userID int64, norm string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(userID, 10) + ":" + norm))
	return hex.EncodeToString(sum[:])
}

// isTOTPCode reports whether a second-factor answer is a 6-digit code
// (else it is taken as a recovery code).
func isTOTPCode(code string) bool {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// issueRecoveryCodes replaces the user's recovery codes with a new set in
// tx and returns the codes, to be shown once.
func (s *Service) issueRecoveryCodes(ctx context.Context, tx *db.Tx, userID int64) ([]string, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return nil, err
	}
	now := db.Millis(s.Now())
	codes := make([]string, 0, RecoveryCodeCount)
	for len(codes) < RecoveryCodeCount {
		c, err := newRecoveryCode()
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)`,
			userID, recoveryHash(userID, normalizeRecovery(c)), now); err != nil {
			return nil, err
		}
		codes = append(codes, c)
	}
	return codes, nil
}

// findRecoveryCode returns the id of the user's unused recovery code, or 0.
func (s *Service) findRecoveryCode(ctx context.Context, userID int64, code string) (int64, error) {
	norm := normalizeRecovery(code)
	if norm == "" {
		return 0, nil
	}
	var id int64
	err := s.DB.QueryRow(ctx, `SELECT id FROM recovery_codes WHERE user_id = ? AND code_hash = ? AND used_at = 0`,
		userID, recoveryHash(userID, norm)).Scan(&id)
	if err = db.NoRows(err); errors.Is(err, db.ErrNotFound) {
		return 0, nil
	}
	return id, err
}

// useRecoveryCode spends a code in tx: it fails when another sign-in spent
// it first.
func (s *Service) useRecoveryCode(ctx context.Context, tx *db.Tx, id int64) error {
	res, err := tx.Exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at = 0`, db.Millis(s.Now()), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrBadOTP
	}
	return nil
}

// Recovery is the state of a user's recovery codes.
type Recovery struct {
	Left     int       // unused codes
	LastUsed time.Time // zero when none was used
}

// RecoveryOf tells how many recovery codes the user has left and when one
// was last used.
func (s *Service) RecoveryOf(ctx context.Context, userID int64) (Recovery, error) {
	var r Recovery
	var last int64
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) - COUNT(NULLIF(used_at, 0)), COALESCE(MAX(used_at), 0) FROM recovery_codes WHERE user_id = ?`,
		userID).Scan(&r.Left, &last)
	r.LastUsed = optTime(last)
	return r, err
}

// RegenerateRecoveryCodes gives the actor a new set of recovery codes
// (the old ones stop working), after checking their password and a
// current code of their authenticator.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, a access.Actor, password, code string) ([]string, error) {
	u, err := s.userByID(ctx, s.DB.Q(), a.UserID)
	if err != nil {
		return nil, err
	}
	if !u.TOTPEnabled {
		return nil, apperr.New(409, "totp_not_enabled", "尚未绑定动态验证码，绑定时会生成恢复码")
	}
	fields := map[string]string{}
	if ok, err := CheckPassword(ctx, u.passwordHash, password); err != nil {
		return nil, err
	} else if !ok {
		fields["current"] = "当前密码不正确"
	}
	secret, err := s.secretOf(u)
	if err != nil {
		return nil, err
	}
	step, ok := checkTOTP(secret, code, s.Now(), u.totpLastStep)
	if !ok {
		fields["otp"] = "动态验证码不正确或已使用，请输入验证器上最新的 6 位数字"
	}
	if len(fields) > 0 {
		return nil, apperr.Invalid(fields)
	}
	var codes []string
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ?`, step, u.ID); err != nil {
			return err
		}
		if codes, err = s.issueRecoveryCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "user.recovery_codes", "user", u.Username, audit.OK, "重新生成，旧恢复码作废"))
	})
	return codes, err
}
