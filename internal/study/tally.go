package study

import (
	"context"
	"strings"

	"halfsky/internal/db"
	"halfsky/internal/tally"
)

// The counters of the statistics and the work desk (internal/tally;
// "Counters" in docs/architecture.md): activities by month and kind, and
// the people who took part by month, at the activity's unit and every unit
// above it — so the city's desk and statistics read the same few rows as a
// village's.
var (
	// CountFamily counts activities: bucket "month held (YYYY-MM)|kind".
	CountFamily = tally.Register(tally.Family{Name: "study", From: "study_activities x",
		Subject: `'study:all'`, Org: "x.org_id", Key: `SUBSTR(x.held_on, 1, 7) || '|' || x.kind`})
	// PeopleFamily sums the participants, by month held.
	PeopleFamily = tally.Register(tally.Family{Name: "studypeople", From: "study_activities x",
		Subject: `'studypeople:all'`, Org: "x.org_id", Key: `SUBSTR(x.held_on, 1, 7)`, Weight: "x.participants"})
)

const (
	countSubject  = "study:all"
	peopleSubject = "studypeople:all"
)

var families = []tally.Family{CountFamily, PeopleFamily}

// Counted counts a new activity (inserted in tx) into the counters: for
// what stores activities past Create (the demo's units without accounts).
func Counted(ctx context.Context, tx *db.Tx, id int64) error {
	return tally.AddedEach(ctx, tx, families, "x.id = ?", id)
}

// track runs change, a change of the activity id, and bumps the counters
// by it.
func track(ctx context.Context, tx *db.Tx, id int64, change func() error) error {
	return tally.TrackEach(ctx, tx, families, "x.id = ?", []any{id}, change)
}

// unitCounts are one unit's (subtree's) counters.
type unitCounts struct{ count, people tally.Counts }

// countsKey splits a CountFamily bucket into month and kind.
func countsKey(k string) (month, kind string) {
	m, kd, _ := strings.Cut(k, "|")
	return m, kd
}

// counts reads the counters of the unit with id, in one query.
func (s *Service) counts(ctx context.Context, id int64) (unitCounts, error) {
	m, err := tally.GetEach(ctx, s.DB.Q(), id, countSubject, peopleSubject)
	return unitCounts{count: m[countSubject], people: m[peopleSubject]}, err
}

// childCounts reads the counters of every child of the unit with id, in
// one query.
func (s *Service) childCounts(ctx context.Context, id int64) (map[int64]*unitCounts, error) {
	m, err := tally.ChildrenEach(ctx, s.DB.Q(), id, countSubject, peopleSubject)
	if err != nil {
		return nil, err
	}
	out := map[int64]*unitCounts{}
	for kid, c := range m[countSubject] {
		out[kid] = &unitCounts{count: c}
	}
	for kid, p := range m[peopleSubject] {
		if out[kid] == nil {
			out[kid] = &unitCounts{}
		}
		out[kid].people = p
	}
	return out, nil
}

// statsRow is a unit's roll-up row for a year (YYYY): activities,
// participants, then one column per kind.
func (c *unitCounts) statsRow(year string) []int64 {
	n := make([]int64, width)
	for k, v := range c.count {
		m, kind := countsKey(k)
		if !strings.HasPrefix(m, year+"-") {
			continue
		}
		n[0] += v
		for i, kd := range Kinds {
			if string(kd) == kind {
				n[2+i] += v
			}
		}
	}
	for m, v := range c.people {
		if strings.HasPrefix(m, year+"-") {
			n[1] += v
		}
	}
	return n
}
