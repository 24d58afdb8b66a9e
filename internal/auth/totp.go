package auth

import (
	"bytes"
	"context"
	"crypto/subtle"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// Issuer is the name authenticator apps show beside the account.
const Issuer = "半边天·哈尔滨市妇联"

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// checkTOTP accepts a code for the current 30-second step or one step either
// side (clock drift), but never a step at or before lastStep, so an observed
// code cannot be replayed. It returns the step that matched.
func checkTOTP(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if secret == "" || len(code) != 6 {
		return 0, false
	}
	base := now.Unix() / 30
	for _, d := range []int64{0, -1, 1} {
		step := base + d
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*30, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// Enrollment is what a user needs to add halfsky to an authenticator app.
type Enrollment struct {
	Secret string // base32, for typing in by hand
	URL    string // otpauth:// URL
	QRPNG  []byte // the URL as a QR code
}

// BeginTOTP returns the account's pending (not yet enabled) secret,
// creating one when there is none or fresh is set. An enabled factor is
// never replaced here: a lost phone goes through the security admin.
func (s *Service) BeginTOTP(ctx context.Context, a access.Actor, fresh bool) (Enrollment, error) {
	u, err := s.userByID(ctx, s.DB.Q(), a.UserID)
	if err != nil {
		return Enrollment{}, err
	}
	if u.TOTPEnabled {
		return Enrollment{}, apperr.New(409, "totp_enabled", "已启用动态验证码；如需更换手机，请联系安全管理员重置")
	}
	key, err := s.pendingKey(ctx, u, fresh)
	if err != nil {
		return Enrollment{}, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrollment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrollment{}, err
	}
	return Enrollment{Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

// pendingKey is the account's pending secret, or a new one (stored
// sealed) when there is none or fresh is set.
func (s *Service) pendingKey(ctx context.Context, u User, fresh bool) (*otp.Key, error) {
	secret, err := s.secretOf(u)
	if err != nil {
		return nil, err
	}
	if secret != "" && !fresh {
		return otp.NewKeyFromURL(totpURL(u.Username, secret))
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: u.Username, Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, err
	}
	sealed, err := s.sealSecret(key.Secret())
	if err != nil {
		return nil, err
	}
	_, err = s.DB.Exec(ctx, `UPDATE users SET totp_secret = ?, updated_at = ? WHERE id = ? AND totp_enabled = 0`,
		sealed, db.Millis(s.Now()), u.ID)
	return key, err
}

// totpURL is the otpauth:// URL authenticator apps read.
func totpURL(account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", Issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	return "otpauth://totp/" + url.PathEscape(Issuer+":"+account) + "?" + v.Encode()
}

// ConfirmTOTP enables the pending secret once the user proves their app
// shows the right code, and returns a new set of recovery codes to be
// shown once. When the session was waiting for enrolment it becomes a
// full session.
func (s *Service) ConfirmTOTP(ctx context.Context, a access.Actor, token, code string) ([]string, error) {
	u, err := s.userByID(ctx, s.DB.Q(), a.UserID)
	if err != nil {
		return nil, err
	}
	if u.TOTPEnabled {
		return nil, apperr.New(409, "totp_enabled", "已启用动态验证码")
	}
	secret, err := s.secretOf(u)
	if err != nil {
		return nil, err
	}
	step, ok := checkTOTP(secret, code, s.Now(), u.totpLastStep)
	if !ok {
		return nil, apperr.Field("otp", "验证码不正确，请输入验证器上显示的 6 位数字")
	}
	var codes []string
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_enabled = 1, totp_last_step = ?, totp_due_at = 0, updated_at = ? WHERE id = ?`,
			step, db.Millis(s.Now()), u.ID); err != nil {
			return err
		}
		if codes, err = s.issueRecoveryCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := s.upgradeSession(ctx, tx, token); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "user.enable_totp", "user", u.Username, audit.OK, "已生成恢复码"))
	})
	return codes, err
}

// DisableOwnTOTP removes the actor's second factor and recovery codes
// after checking their password. Administrators and leaders must keep
// theirs; staff, who enrolled of their own accord, may turn it off.
func (s *Service) DisableOwnTOTP(ctx context.Context, a access.Actor, password string) error {
	if a.Role.NeedsTOTP() {
		s.deny(ctx, a, "user.disable_totp", "user", a.Username)
		return apperr.New(403, "totp_required", "管理员和负责人账号必须使用动态验证码，不能关闭")
	}
	u, err := s.userByID(ctx, s.DB.Q(), a.UserID)
	if err != nil {
		return err
	}
	if ok, err := CheckPassword(ctx, u.passwordHash, password); err != nil {
		return err
	} else if !ok {
		return apperr.Field("current", "当前密码不正确")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = '', totp_enabled = 0, updated_at = ? WHERE id = ?`, db.Millis(s.Now()), u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "user.disable_totp", "user", u.Username, audit.OK, ""))
	})
}

// TOTPCode returns the current code for a secret (for tests and the demo).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}
