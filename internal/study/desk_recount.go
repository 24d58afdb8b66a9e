package study

import (
	"context"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/desk"
	"halfsky/internal/org"
)

// DeskRecount is Desk's months counted from the activities themselves, and
// DeskByChildRecount DeskByChild's, as they were before the counters
// (tally.go): the tests' oracle and the benchmark's baseline.
func (s *Service) DeskRecount(ctx context.Context, a access.Actor) (Desk, error) {
	if !a.Can(access.ViewWork) {
		return Desk{}, access.ErrDenied
	}
	var d Desk
	return d, s.deskMonths(ctx, a, DeskMonths(s.Now()), &d)
}

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
	d.fill(months, got)
	return nil
}

// DeskByChildRecount counts, per child of node (or node itself), the activities
// held this year: one column, keyed by the child's path, for org.Rollup.
// It reads per-unit counts off the (org_path, held_on) index, in index
// order (no sort), and folds them into the children in Go.
func (s *Service) DeskByChildRecount(ctx context.Context, a access.Actor, node org.Org) (map[string][]int64, error) {
	if !a.CanAt(access.ViewWork, node.Path) {
		return nil, access.ErrDenied
	}
	year := s.Now().In(db.Shanghai).Format("2006") + "-01-01"
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
}
