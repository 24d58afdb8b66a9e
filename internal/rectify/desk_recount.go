package rectify

import (
	"context"

	"halfsky/internal/access"
	"halfsky/internal/desk"
	"halfsky/internal/org"
)

// DeskRecount is the scope's counts of Desk counted from the problems
// themselves, and DeskByChildRecount DeskByChild's, as they were before the
// counters (tally.go): the tests' oracle and the benchmark's baseline.
func (s *Service) DeskRecount(ctx context.Context, a access.Actor) (Desk, error) {
	if !a.Can(access.ViewWork) {
		return Desk{}, access.ErrDenied
	}
	today, soon := s.deskDays()
	var d Desk
	return d, s.deskCounts(ctx, a, today, soon, &d)
}

// deskCounts counts the scope's problems by category, state and colour
// in one grouped pass.
func (s *Service) deskCounts(ctx context.Context, a access.Actor, today, soon string, d *Desk) error {
	where, args := a.Scope().Where("t.org_path")
	// the colour is grouped by its alias from a subquery: PostgreSQL
	// would not match two copies of an expression with parameters
	rows, err := s.DB.Query(ctx, `SELECT x.category, x.status, x.colour, COUNT(*) FROM (
		SELECT t.category, t.status, `+deskColour+` AS colour FROM problems t WHERE `+where+`) x
		GROUP BY x.category, x.status, x.colour`, append([]any{today, soon}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	by := map[string]*DeskCategory{}
	for rows.Next() {
		var cat, st, colour string
		var n int64
		if err := rows.Scan(&cat, &st, &colour, &n); err != nil {
			return err
		}
		c := by[cat]
		if c == nil {
			c = &DeskCategory{Key: cat, Label: deskCategoryLabel(cat)}
			by[cat] = c
		}
		switch st {
		case "closed":
			d.Closed += n
			c.Done += n
		case "applied":
			d.Applied += n
			c.Applied += n
		default:
			d.Open += n
			c.Open += n
		}
		switch colour {
		case "red":
			d.Red += n
		case "yellow":
			d.Yellow += n
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range deskCategories {
		if x := by[c.Key]; x != nil {
			d.ByCategory = append(d.ByCategory, *x)
		}
	}
	return nil
}

// DeskByChildRecount counts, per child of node (or node itself), the problems not
// yet closed and among them the red and the yellow ones: three columns
// keyed by the child's path, for org.Rollup. The (org_path, status,
// due_on) index covers the query and yields it per unit in order; the
// units are folded into the children in Go.
func (s *Service) DeskByChildRecount(ctx context.Context, a access.Actor, node org.Org) (map[string][]int64, error) {
	if !a.CanAt(access.ViewWork, node.Path) {
		return nil, access.ErrDenied
	}
	today, soon := s.deskDays()
	where, args := access.Scope{Path: node.Path}.Where("t.org_path")
	rows, err := s.DB.Query(ctx, `SELECT t.org_path, COUNT(*),
			COALESCE(SUM(CASE WHEN t.status IN ('open', 'returned') AND t.due_on IS NOT NULL AND t.due_on < ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN t.status IN ('open', 'returned') AND t.due_on IS NOT NULL AND t.due_on >= ? AND t.due_on <= ? THEN 1 ELSE 0 END), 0)
			FROM problems t WHERE `+where+` AND t.status <> 'closed' GROUP BY t.org_path`, append([]any{today, today, soon}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var p string
		var n, red, yellow int64
		if err := rows.Scan(&p, &n, &red, &yellow); err != nil {
			return nil, err
		}
		desk.Fold(out, node.Path, p, 3, 0, n, red, yellow)
	}
	return out, rows.Err()
}
