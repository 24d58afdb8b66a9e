package auth

import (
	"context"
	"errors"

	"halfsky/internal/db"
	"halfsky/internal/vault"
)

// totpColumn is where second-factor secrets live. A secret lets anyone
// holding a copy of the database mint valid codes, so it is sealed like
// personal data and re-sealed by key rotation.
var totpColumn = vault.Register("users", "id", "totp_secret")

// errNoVault refuses to enrol a second factor when no keys are loaded:
// the secret would otherwise be stored in the clear.
var errNoVault = errors.New("auth: no field-encryption keys: a TOTP secret cannot be stored")

func (s *Service) sealSecret(plain string) (string, error) {
	if s.Vault == nil {
		return "", errNoVault
	}
	return s.Vault.Seal(totpColumn.Purpose(), plain)
}

// secretOf opens the user's second-factor secret. A value written before
// secrets were sealed is still plain base32 until SealSecrets runs at the
// next start; it is read as is.
func (s *Service) secretOf(u User) (string, error) {
	if u.totpSecret == "" || vault.KeyOf(u.totpSecret) == "" {
		return u.totpSecret, nil
	}
	if s.Vault == nil {
		return "", errNoVault
	}
	return s.Vault.Open(totpColumn.Purpose(), u.totpSecret)
}

// SealSecrets seals every second-factor secret still stored in the clear
// (written by a version before they were sealed) and returns how many. It
// runs at every start and does nothing once they are all sealed.
func (s *Service) SealSecrets(ctx context.Context) (int, error) {
	if s.Vault == nil {
		return 0, errNoVault
	}
	rows, err := s.DB.Query(ctx, `SELECT id, totp_secret FROM users WHERE totp_secret <> '' AND SUBSTR(totp_secret, 1, ?) <> ?`,
		len(vault.Prefix), vault.Prefix)
	if err != nil {
		return 0, err
	}
	plain := map[int64]string{}
	for rows.Next() {
		var id int64
		var secret string
		if err := rows.Scan(&id, &secret); err != nil {
			rows.Close()
			return 0, err
		}
		plain[id] = secret
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for id, secret := range plain {
			sealed, err := s.sealSecret(secret)
			if err != nil {
				return err
			}
			// Compare-and-set: a secret changed meanwhile is left alone.
			if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = ? WHERE id = ? AND totp_secret = ?`, sealed, id, secret); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(plain), nil
}
