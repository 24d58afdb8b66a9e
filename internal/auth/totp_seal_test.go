package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

// The second-factor secret never sits in the clear: enrolment stores it
// sealed, a secret left plain by an older version is sealed at start, and
// both keep working for sign-in.
func TestTOTPSecretSealed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		u := f.user(t, "audit1", "2301", access.Auditor)
		enr, err := f.svc.BeginTOTP(ctx, u.Actor(""), false)
		if err != nil {
			t.Fatal(err)
		}
		stored := storedSecret(t, d, "audit1")
		if vault.KeyOf(stored) == "" || strings.Contains(stored, enr.Secret) {
			t.Fatalf("the pending secret is stored in the clear: %q", stored)
		}

		// An account enrolled before secrets were sealed.
		legacy := f.user(t, "audit2", "2301", access.Auditor)
		const plain = "JBSWY3DPEHPK3PXP"
		if _, err := d.Exec(ctx, `UPDATE users SET totp_secret = ?, totp_enabled = 1 WHERE id = ?`, plain, legacy.ID); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.SealSecrets(ctx)
		if err != nil || n != 1 {
			t.Fatalf("sealed %d, %v; want the one plain secret", n, err)
		}
		if s := storedSecret(t, d, "audit2"); vault.KeyOf(s) == "" || strings.Contains(s, plain) {
			t.Fatalf("legacy secret still plain: %q", s)
		}
		if n, _ := f.svc.SealSecrets(ctx); n != 0 {
			t.Fatalf("second run sealed %d again", n)
		}
		code, _ := auth.TOTPCode(plain, f.clock)
		res, err := f.svc.Login(ctx, "audit2", "correct horse battery", code, "10.0.0.1", "", "")
		if err != nil || res.MFA != auth.MFADone {
			t.Fatalf("sign-in with the sealed legacy secret: %+v %v", res, err)
		}

		// Without keys nothing is enrolled in the clear.
		bare := auth.NewService(d, f.svc.Orgs)
		if _, err := bare.BeginTOTP(ctx, f.user(t, "audit3", "2301", access.Auditor).Actor(""), false); !errors.Is(err, auth.ErrNoVault) {
			t.Fatalf("enrolment without keys: %v, want auth's no-keys refusal", err)
		}
		if s := storedSecret(t, d, "audit3"); s != "" {
			t.Fatalf("a refused enrolment stored a secret: %q", s)
		}
	})
}

func storedSecret(t *testing.T, d *db.DB, username string) string {
	t.Helper()
	var s string
	if err := d.QueryRow(context.Background(), `SELECT totp_secret FROM users WHERE username = ?`, username).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
