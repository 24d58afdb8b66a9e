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
// desk… so it cannot collide with the rest of the package. The numbers are
// the counters (tally.go), read afresh on every request; desk_recount.go
// keeps the counting from the records, as the tests' oracle.

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

// Desk sums the study activities in the actor's scope: the months from
// the counters (tally.go), the latest activities from the index.
func (s *Service) Desk(ctx context.Context, a access.Actor) (Desk, error) {
	if !a.Can(access.ViewWork) {
		return Desk{}, access.ErrDenied
	}
	months := DeskMonths(s.Now())
	c, err := s.counts(ctx, a.OrgID)
	if err != nil {
		return Desk{}, err
	}
	var d Desk
	got := map[string][2]int64{}
	for k, n := range c.count {
		m, _ := countsKey(k)
		got[m] = [2]int64{got[m][0] + n, c.people[m]}
	}
	d.fill(months, got)
	return d, s.deskLatest(ctx, a, &d)
}

// fill sets the trend and this month's and this year's numbers from the
// activities and participants per month.
func (d *Desk) fill(months []string, got map[string][2]int64) {
	this := months[len(months)-1]
	for _, m := range months {
		d.Months = append(d.Months, DeskMonth{Month: m, Activities: got[m][0], Participants: got[m][1]})
		if m[:4] == this[:4] {
			d.YearActivities += got[m][0]
		}
	}
	d.MonthActivities, d.MonthParticipants = got[this][0], got[this][1]
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
// held this year: one column, keyed by the child's path, for org.Rollup —
// the children's counters, and the node's own less theirs.
func (s *Service) DeskByChild(ctx context.Context, a access.Actor, node org.Org) (map[string][]int64, error) {
	if !a.CanAt(access.ViewWork, node.Path) {
		return nil, access.ErrDenied
	}
	year := s.Now().In(db.Shanghai).Format("2006")
	own, err := s.counts(ctx, node.ID)
	if err != nil {
		return nil, err
	}
	kids, err := s.childCounts(ctx, node.ID)
	if err != nil {
		return nil, err
	}
	out := map[string][]int64{}
	self := own.statsRow(year)[0]
	for id, c := range kids {
		if n := c.statsRow(year)[0]; n != 0 {
			out[desk.ChildPath(node.Path, id)] = []int64{n}
			self -= n
		}
	}
	if self != 0 {
		out[node.Path] = []int64{self}
	}
	return out, nil
}
