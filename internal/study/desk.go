package study

import (
	"context"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/desk"
	"halfsky/internal/org"
)

// The work desk's (工作台) view of study: what the scope did this month, the
// latest activities and a 12-month trend. Everything here is named Desk… or
// desk… so it cannot collide with the rest of the package; the queries are
// the desk's own, over the (org_path, held_on) index, and their results are
// memoized for a minute (desk.TTL): a city's desk counts a year of the
// whole city's records.

// Desk is the study part of the home page.
type Desk struct {
	MonthActivities   int64 // activities held this month in the scope
	MonthParticipants int64
	YearActivities    int64
	Latest            []DeskActivity // the 5 latest, newest first
	Months            []DeskMonth    // the last 12 months, oldest first, this month last
}

// DeskActivity is one line of the latest activities.
type DeskActivity struct {
	ID           int64
	OrgName      string
	Kind         string
	KindLabel    string
	HeldOn       string
	Topic        string
	Participants int64
}

// DeskMonth is one month of the trend.
type DeskMonth struct {
	Month        string // YYYY-MM
	Activities   int64
	Participants int64
}

// DeskKindLabel is the Chinese name of an activity kind (Kind.Label).
func DeskKindLabel(kind string) string { return Kind(kind).Label() }

// DeskMonths returns the last 12 months (YYYY-MM) ending with the month of
// now in Beijing, oldest first.
func DeskMonths(now time.Time) []string {
	t := now.In(db.Shanghai)
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, db.Shanghai)
	out := make([]string, 12)
	for i := range out {
		out[i] = first.AddDate(0, i-11, 0).Format("2006-01")
	}
	return out
}

// Desk sums the study activities in the actor's scope.
func (s *Service) Desk(ctx context.Context, a access.Actor) (Desk, error) {
	if !a.Can(access.ViewWork) {
		return Desk{}, access.ErrDenied
	}
	months := DeskMonths(s.Now())
	key := deskKey{s.DB, "desk", a.OrgPath, months[len(months)-1]}
	return deskMemo.Get(key, func() (Desk, error) {
		var d Desk
		if err := s.deskMonths(ctx, a, months, &d); err != nil {
			return Desk{}, err
		}
		if err := s.deskLatest(ctx, a, &d); err != nil {
			return Desk{}, err
		}
		return d, nil
	})
}

// deskKey names a memoized result: the database, what, whose, when.
type deskKey struct {
	d               *db.DB
	kind, path, day string
}

var (
	deskMemo      desk.Memo[Desk]
	deskChildMemo desk.Memo[map[string][]int64]
)

// deskMonths fills the trend and this month's and this year's numbers
// from one grouped range scan.
func (s *Service) deskMonths(ctx context.Context, a access.Actor, months []string, d *Desk) error {
	where, args := a.Scope().Where("t.org_path")
	args = append(args, months[0]+"-01")
	rows, err := s.DB.Query(ctx, `SELECT SUBSTR(t.held_on, 1, 7), COUNT(*), COALESCE(SUM(t.participants), 0)
		FROM study_activities t WHERE `+where+` AND t.held_on >= ? GROUP BY SUBSTR(t.held_on, 1, 7)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	got := map[string][2]int64{}
	for rows.Next() {
		var m string
		var n, p int64
		if err := rows.Scan(&m, &n, &p); err != nil {
			return err
		}
		got[m] = [2]int64{n, p}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	this := months[len(months)-1]
	for _, m := range months {
		d.Months = append(d.Months, DeskMonth{Month: m, Activities: got[m][0], Participants: got[m][1]})
		if m[:4] == this[:4] {
			d.YearActivities += got[m][0]
		}
	}
	d.MonthActivities, d.MonthParticipants = got[this][0], got[this][1]
	return nil
}

// deskLatest lists the scope's 5 newest activities.
func (s *Service) deskLatest(ctx context.Context, a access.Actor, d *Desk) error {
	where, args := a.Scope().Where("t.org_path")
	var err error
	d.Latest, err = db.All(ctx, s.DB.Q(), func(row db.Scanner) (x DeskActivity, err error) {
		err = row.Scan(&x.ID, &x.OrgName, &x.Kind, &x.HeldOn, &x.Topic, &x.Participants)
		x.KindLabel = DeskKindLabel(x.Kind)
		return x, err
	}, `SELECT t.id, o.name, t.kind, t.held_on, t.topic, t.participants
		FROM study_activities t JOIN orgs o ON o.id = t.org_id
		WHERE `+where+` ORDER BY t.held_on DESC, t.id DESC LIMIT 5`, args...)
	return err
}

// DeskByChild counts, per child of node (or node itself), the activities
// held this year: one column, keyed by the child's path, for org.Rollup.
// It reads per-unit counts off the (org_path, held_on) index, in index
// order (no sort), and folds them into the children in Go.
func (s *Service) DeskByChild(ctx context.Context, a access.Actor, node org.Org) (map[string][]int64, error) {
	if !a.CanAt(access.ViewWork, node.Path) {
		return nil, access.ErrDenied
	}
	year := s.Now().In(db.Shanghai).Format("2006") + "-01-01"
	return deskChildMemo.Get(deskKey{s.DB, "child", node.Path, year}, func() (map[string][]int64, error) {
		where, args := access.Scope{Path: node.Path}.Where("t.org_path")
		rows, err := s.DB.Query(ctx, `SELECT t.org_path, COUNT(*) FROM study_activities t
			WHERE `+where+` AND t.held_on >= ? GROUP BY t.org_path`, append(args, year)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string][]int64{}
		for rows.Next() {
			var p string
			var n int64
			if err := rows.Scan(&p, &n); err != nil {
				return nil, err
			}
			desk.Fold(out, node.Path, p, 1, 0, n)
		}
		return out, rows.Err()
	})
}
