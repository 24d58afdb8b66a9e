package rights

import (
	"context"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// LimitsInput is the city's time limits as typed: whole hours and days.
type LimitsInput struct {
	FirstContactHours string `json:"first_contact_hours"`
	RouteDays         string `json:"route_days"`
	ReferralDays      string `json:"referral_days"`
}

// limitBounds are each limit's name (its row in case_limits), its field,
// what it is called, and the range the city may set it in: a first
// contact no later than three days, a route within a month, an agency
// given two days to two months.
var limitBounds = []struct {
	name, field, label string
	min, max           int
}{
	{"first_contact_hours", "first_contact_hours", "首次联系时限（小时）", 1, 72},
	{"route_days", "route_days", "确定处置路径时限（天）", 1, 30},
	{"referral_days", "referral_days", "转介回复期限（天）", 2, 60},
}

// CurrentLimits are the limits new cases are held to: those the city set
// over s.Limits (the defaults).
func (s *Service) CurrentLimits(ctx context.Context) (Limits, error) {
	return s.currentLimits(ctx, s.DB.Q())
}

func (s *Service) currentLimits(ctx context.Context, q db.Querier) (Limits, error) {
	l := s.Limits
	type set struct {
		name  string
		value int
	}
	rows, err := db.All(ctx, q, func(sc db.Scanner) (x set, err error) {
		err = sc.Scan(&x.name, &x.value)
		return x, err
	}, `SELECT name, value FROM case_limits`)
	for _, x := range rows {
		switch x.name {
		case "first_contact_hours":
			l.FirstContact = time.Duration(x.value) * time.Hour
		case "route_days":
			l.Route = time.Duration(x.value) * 24 * time.Hour
		case "referral_days":
			l.ReferralDays = x.value
		}
	}
	return l, err
}

// LimitsInputOf is l as the form shows it.
func LimitsInputOf(l Limits) LimitsInput {
	return LimitsInput{FirstContactHours: strconv.Itoa(int(l.FirstContact / time.Hour)),
		RouteDays: strconv.Itoa(int(l.Route / (24 * time.Hour))), ReferralDays: strconv.Itoa(l.ReferralDays)}
}

// SetLimits sets the city's time limits (a leader of the top unit). They
// hold for cases taken in and referrals made from now on; a case keeps
// the dates it was given.
func (s *Service) SetLimits(ctx context.Context, a access.Actor, in LimitsInput) error {
	if !s.MayConfigure(a) {
		return s.deny(ctx, a, "case.limits", "")
	}
	typed := map[string]string{"first_contact_hours": in.FirstContactHours, "route_days": in.RouteDays, "referral_days": in.ReferralDays}
	values := map[string]int{}
	e := map[string]string{}
	for _, b := range limitBounds {
		v, err := strconv.Atoi(strings.TrimSpace(typed[b.name]))
		if err != nil || v < b.min || v > b.max {
			e[b.field] = b.label + "应为 " + strconv.Itoa(b.min) + "–" + strconv.Itoa(b.max) + " 的整数"
			continue
		}
		values[b.name] = v
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	now := db.Millis(s.Now())
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var detail []string
		for _, b := range limitBounds {
			v := values[b.name]
			// One statement: two leaders saving at once both succeed, the
			// later one's values standing.
			if _, err := tx.Exec(ctx, `INSERT INTO case_limits (name, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				b.name, v, a.UserID, now); err != nil {
				return err
			}
			detail = append(detail, b.name+"="+strconv.Itoa(v))
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "case.limits", "case_limits", "", audit.OK, strings.Join(detail, " ")))
	})
}
