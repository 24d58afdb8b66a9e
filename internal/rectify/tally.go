package rectify

import (
	"context"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/desk"
	"halfsky/internal/tally"
)

// The work desk's counters (internal/tally; "Counters" in
// docs/architecture.md): problems by category and status at their unit and
// every unit above it. Red and yellow depend on the day, not on a write:
// they are read from the index of the problems still to act on by due
// date (migration 0028), whose head up to a week ahead is all they need —
// the backlog, not the ledger.
var Family = tally.Register(tally.Family{Name: "problem", From: "problems x",
	Subject: `'problem:all'`, Org: "x.org_id", Key: `x.category || '|' || x.status`})

const problemSubject = "problem:all"

// track runs change, a change of the problem id, and bumps the counters
// by it.
func track(ctx context.Context, tx *db.Tx, id int64, change func() error) error {
	return tally.Track(ctx, tx, Family, "x.id = ?", []any{id}, change)
}

// colours counts, per unit path under the scope at path, the problems
// still to act on that are past due (red) and due within a week (yellow).
func (s *Service) colours(ctx context.Context, path, today, soon string, add func(path string, red, yellow int64)) error {
	lo, hi := access.Scope{Path: path}.Range()
	rows, err := s.DB.Query(ctx, `SELECT org_path, SUM(CASE WHEN due_on < ? THEN 1 ELSE 0 END), COUNT(*) FROM problems
		WHERE status IN ('open', 'returned') AND due_on <= ? AND org_path >= ? AND org_path < ? GROUP BY org_path`,
		today, soon, lo, hi)
	if err != nil {
		return err
	}
	return addColours(rows, add)
}

// deskScope fills the scope's counts: by category and state from the
// counters of the actor's unit, the colours from the index.
func (s *Service) deskScope(ctx context.Context, a access.Actor, today, soon string, d *Desk) error {
	counts, err := tally.Get(ctx, s.DB.Q(), problemSubject, a.OrgID)
	if err != nil {
		return err
	}
	by := map[string]*DeskCategory{}
	for k, n := range counts {
		cat, st, _ := strings.Cut(k, "|")
		c := by[cat]
		if c == nil {
			c = &DeskCategory{Key: cat, Label: deskCategoryLabel(cat)}
			by[cat] = c
		}
		switch Status(st) {
		case Closed:
			d.Closed += n
			c.Done += n
		case Applied:
			d.Applied += n
			c.Applied += n
		default:
			d.Open += n
			c.Open += n
		}
	}
	for _, c := range deskCategories {
		if x := by[c.Key]; x != nil {
			d.ByCategory = append(d.ByCategory, *x)
		}
	}
	return s.colours(ctx, a.OrgPath, today, soon, func(_ string, red, yellow int64) {
		d.Red += red
		d.Yellow += yellow
	})
}

// notClosed sums a unit's counters of problems not yet closed.
func notClosed(c tally.Counts) int64 {
	var n int64
	for k, v := range c {
		if !strings.HasSuffix(k, "|"+string(Closed)) {
			n += v
		}
	}
	return n
}

// deskRows is DeskByChild from the counters and the index.
func (s *Service) deskRows(ctx context.Context, nodeID int64, nodePath, today, soon string) (map[string][]int64, error) {
	own, err := tally.Get(ctx, s.DB.Q(), problemSubject, nodeID)
	if err != nil {
		return nil, err
	}
	kids, err := tally.Children(ctx, s.DB.Q(), problemSubject, nodeID)
	if err != nil {
		return nil, err
	}
	out := map[string][]int64{}
	row := func(p string) []int64 {
		if out[p] == nil {
			out[p] = make([]int64, 3)
		}
		return out[p]
	}
	self := notClosed(own)
	for id, c := range kids {
		n := notClosed(c)
		self -= n
		if n != 0 {
			row(desk.ChildPath(nodePath, id))[0] = n
		}
	}
	if self != 0 {
		row(nodePath)[0] = self
	}
	err = s.colours(ctx, nodePath, today, soon, func(p string, red, yellow int64) {
		if c := desk.Child(nodePath, p); c != "" {
			r := row(c)
			r[1] += red
			r[2] += yellow
		}
	})
	return out, err
}
