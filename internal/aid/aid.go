// Package aid is 巾帼关爱促民生: the aid programmes (两癌救助, 爱心妈妈,
// 慈善助孤, 春蕾圆梦, 优才奖励) with their yearly cycles, budgets and
// per-district quotas; the applications collected by villages and
// communities and reviewed up the tree (street verifies, district reviews,
// city approves); the once-per-lifetime check by ID hash; and the
// protection of the applicants' personal data — sealed per field, shown
// masked, opened only by Reveal with a reason.
//
// Who does what:
//   - ViewAid (leader, staff): masked applications and statistics in scope.
//   - RecordAid (leader, staff): a village, community or street unit enters,
//     edits and submits its own applications; a street or district unit
//     passes, returns or rejects those waiting at its level below it.
//   - ManageAid (a leader of the programme's owner unit — the unit that
//     runs it, wherever it sits in the tree): its settings, cycles, quotas
//     and payments, and every decision at its level, the chain's last
//     (stored as "city") — the approval spends the budget.
//   - RevealAid (leader): opens personal data, with a reason, audited.
package aid

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// Service holds the module's records; every call takes the acting user.
type Service struct {
	DB   *db.DB
	Orgs *org.Store
	Now  func() time.Time
	// Vault seals personal data; without it applications are refused
	// rather than stored in the clear, and nothing can be read.
	Vault *vault.Keyring
}

// NewService returns a Service on the real clock; the caller sets Vault.
func NewService(d *db.DB, orgs *org.Store) *Service {
	return &Service{DB: d, Orgs: orgs, Now: db.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// Today is the Beijing date of the service clock, YYYY-MM-DD.
func (s *Service) Today() string { return s.Now().In(db.Shanghai).Format("2006-01-02") }

// Year is the Beijing year of the service clock.
func (s *Service) Year() int { return s.Now().In(db.Shanghai).Year() }

// Option is a stored key with its Chinese label.
type Option = vocab.Option

// Page bounds a list (see db.Page).
type Page = db.Page

// deny logs a refusal and returns access.ErrDenied.
func (s *Service) deny(ctx context.Context, a access.Actor, action string, id int64) error {
	return s.refuse(ctx, a, action, id, access.ErrDenied)
}

// refuse logs a refusal and returns err (access.ErrDenied, or
// access.ErrNotOwner whose reason the user is told).
func (s *Service) refuse(ctx context.Context, a access.Actor, action string, id int64, err error) error {
	detail := action
	if errors.Is(err, access.ErrNotOwner) {
		detail += " not_owner"
	}
	return audit.Refused(ctx, s.DB, a, "aid_application", ids(id), detail, err)
}

// need refuses actors whose role does not allow the action.
func (s *Service) need(ctx context.Context, a access.Actor, act access.Action, id int64) error {
	if !a.Can(act) {
		return s.deny(ctx, a, string(act), id)
	}
	return nil
}

func ids(id int64) string { return strconv.FormatInt(id, 10) }

func optTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return db.FromMillis(ms)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner = db.Scanner

// Yuan formats an amount in fen as yuan: 1000000 → "10000.00".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(fen%100/10, 10) + strconv.FormatInt(fen%10, 10)
}

// YuanGrouped shows fen as yuan with thousands separators, the way
// amounts are read in finance: 1000000 → "10,000.00".
func YuanGrouped(fen int64) string {
	s, neg := strings.CutPrefix(Yuan(fen), "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String() + "." + frac
}
