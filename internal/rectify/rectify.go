// Package rectify is the 问题整改台账: problems a unit finds in itself, their
// measures and progress with evidence, and closing (销号) verified by the
// unit above.
package rectify

import (
	"time"

	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/vault"
)

// Service holds the module's records; every call takes the acting user.
type Service struct {
	DB   *db.DB
	Orgs *org.Store
	Now  func() time.Time
	// Vault seals the ledger's free text and its evidence files; without
	// it nothing is stored or read.
	Vault *vault.Keyring
}

// NewService returns a Service on the real clock.
func NewService(d *db.DB, orgs *org.Store) *Service {
	return &Service{DB: d, Orgs: orgs, Now: db.Now}
}
