// Package visit is 下基层、访妇情、办实事: cadres' visits, the women's needs
// (妇情) recorded on them, hand-overs of needs up or down the tree, the
// practical tasks (实事) made of needs, and per-cadre quotas ("1+10+N").
package visit

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
	// Vault seals a woman's name and contact; without it a need that
	// carries them is refused rather than stored in the clear.
	Vault *vault.Keyring
}

// NewService returns a Service on the real clock.
func NewService(d *db.DB, orgs *org.Store) *Service {
	return &Service{DB: d, Orgs: orgs, Now: db.Now}
}

// Today is the Beijing date of the service clock, YYYY-MM-DD.
func (s *Service) Today() string { return s.Now().In(db.Shanghai).Format("2006-01-02") }

// AddDays moves a YYYY-MM-DD date by n days ("" when date is not a date).
func AddDays(date string, n int) string {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

func validDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// Option is a stored key with its Chinese label, for selects and tables.
type Option = vocab.Option

// Page bounds a list (see db.Page).
type Page = db.Page

// under narrows a list to the subtree of the unit with the given code
// (which must be in the actor's scope); "" leaves it at the actor's scope.
func (s *Service) under(ctx context.Context, a access.Actor, code string) (org.Org, error) {
	return s.Orgs.Node(ctx, a, strings.TrimSpace(code))
}

// unit resolves the unit a record is for: the actor's own when code is
// empty, otherwise a unit in her scope.
// A deactivated or merged unit takes no new record (org.ErrInactive).
func (s *Service) unit(ctx context.Context, a access.Actor, code string) (org.Org, error) {
	code = strings.TrimSpace(code)
	var o org.Org
	var err error
	if code == "" {
		o, err = s.Orgs.ByID(ctx, s.DB.Q(), a.OrgID)
	} else {
		o, err = s.Orgs.ByCode(ctx, a, code)
	}
	if err == nil && !o.Active {
		return org.Org{}, org.ErrInactive
	}
	return o, err
}

// unitRefused says whether unit refused the code (not found, out of
// scope, inactive), which the org_code field says; any other error is the
// database not answering, answered as such: a cadre is not told her unit
// is wrong when the server could not look (found by the crash drill).
func unitRefused(err error) bool {
	return errors.Is(err, org.ErrInactive) || errors.Is(err, db.ErrNotFound)
}

// unitMessage is what the org_code field says when unit refused the
// code: the unit is inactive, or outOfScope.
func unitMessage(err error, outOfScope string) string {
	if errors.Is(err, org.ErrInactive) {
		return org.InactiveMessage
	}
	return outOfScope
}

func (s *Service) deny(ctx context.Context, a access.Actor, action string, id int64) error {
	return s.refuse(ctx, a, action, id, access.ErrDenied)
}

// refuse audits a refusal and returns err (access.ErrDenied or
// access.ErrNotOwner, whose reason the user is told).
func (s *Service) refuse(ctx context.Context, a access.Actor, action string, id int64, err error) error {
	detail := action
	if errors.Is(err, access.ErrNotOwner) {
		detail += " not_owner"
	}
	return audit.Refused(ctx, s.DB, a, "visit", strconv.FormatInt(id, 10), detail, err)
}

// recorderPathSQL is the path of the unit a record was recorded for: the
// stored unit (col), or for rows that lack it the recorder's (user column
// by) current unit.
func recorderPathSQL(col, by string) string {
	return `COALESCE((SELECT ro.path FROM orgs ro WHERE ro.id = COALESCE(` + col + `, (SELECT ru.org_id FROM users ru WHERE ru.id = ` + by + `))), '')`
}

// view refuses actors who may not read work records (the administrators).
func (s *Service) view(ctx context.Context, a access.Actor, action string) error {
	if !a.Can(access.ViewWork) {
		return s.deny(ctx, a, action, 0)
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
