// Package rights is 巾帼维权: the rights cases a federation takes from the
// 12338 hotline, walk-ins, letters, the public form, a visit's need and
// other agencies' transfers, and carries to closure — danger assessment,
// consent, referrals, escalation and transfer, and who may read what.
//
// A case names a woman who may be in danger, so reading one is narrower
// than the tree: in full only its handler, the leader of the unit handling
// it, a unit it was escalated or transferred to, and a leader above who
// broke the glass (with a reason, audited, the handler told). Everyone else
// in scope sees a line without names (category, channel, risk, status,
// dates) and the statistics. Whatever names or locates a person is sealed
// with the vault.
package rights

import (
	"time"

	"halfsky/internal/db"
	"halfsky/internal/notify"
	"halfsky/internal/org"
	"halfsky/internal/vault"
	"halfsky/internal/visit"
)

// Service holds the cases; every cadre call takes the acting user.
type Service struct {
	DB   *db.DB
	Orgs *org.Store
	Now  func() time.Time
	// Vault seals names, contacts, narratives and notes, and keys the
	// public tracking codes; without it nothing is stored or read.
	Vault *vault.Keyring
	// Limits are the case's time limits (configurable).
	Limits Limits
	// Mail carries the danger alerts by email too (nil: in the app only).
	Mail *notify.Mailer
	// Needs are the visits' needs a 维权 need becomes a case from.
	Needs *visit.Service
	// TopUnit is the installation's top unit (config): its leaders set
	// the categories.
	TopUnit string
}

// Limits are the time limits a case is held to.
type Limits struct {
	FirstContact time.Duration // first contact after intake: 24 h
	Route        time.Duration // a decision on the route: 7 days
	ReferralDays int           // an agency's reply to a referral, in days
	Glass        time.Duration // how long a broken glass stays open
}

// DefaultLimits are the limits the city starts with.
var DefaultLimits = Limits{FirstContact: 24 * time.Hour, Route: 7 * 24 * time.Hour, ReferralDays: 15, Glass: 24 * time.Hour}

// NewService returns a Service on the real clock with the default limits.
func NewService(d *db.DB, orgs *org.Store, k *vault.Keyring) *Service {
	return &Service{DB: d, Orgs: orgs, Now: db.Now, Vault: k, Limits: DefaultLimits}
}

func (s *Service) today() string { return s.Now().In(db.Shanghai).Format(time.DateOnly) }

// Today is the date in Shanghai on the service's clock.
func (s *Service) Today() string { return s.today() }
