package visit

import (
	"context"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/desk"
	"halfsky/internal/org"
)

// DeskRecount is the scope's numbers of Desk counted from the records
// themselves, as they were before the counters (tally.go), and
// DeskByChildRecount the same of DeskByChild: the tests' oracle and the
// benchmark's baseline. Only the scope's numbers are filled.
func (s *Service) DeskRecount(ctx context.Context, a access.Actor) (Desk, error) {
	if !a.Can(access.ViewWork) {
		return Desk{}, access.ErrDenied
	}
	days := deskDates(s.Now())
	var d Desk
	for _, step := range []func(context.Context, access.Actor, deskDays, *Desk) error{s.deskVisits, s.deskNeeds, s.deskTasks} {
		if err := step(ctx, a, days, &d); err != nil {
			return Desk{}, err
		}
	}
	return d, nil
}

// deskVisits counts the scope's visits and women met per month.
func (s *Service) deskVisits(ctx context.Context, a access.Actor, days deskDays, d *Desk) error {
	where, args := a.Scope().Where("t.org_path")
	args = append(args, days.months[0]+"-01")
	rows, err := s.DB.Query(ctx, `SELECT SUBSTR(t.visited_on, 1, 7), COUNT(*), COALESCE(SUM(t.women), 0)
		FROM visits t WHERE `+where+` AND t.visited_on >= ? GROUP BY SUBSTR(t.visited_on, 1, 7)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	idx := deskMonthIndex(days, d)
	for rows.Next() {
		var m string
		var n, women int64
		if err := rows.Scan(&m, &n, &women); err != nil {
			return err
		}
		if i, ok := idx[m]; ok {
			d.Months[i].Visits, d.Months[i].Women = n, women
		}
		if m >= days.year[:7] {
			d.YearVisits += n
			d.YearWomen += women
		}
	}
	return rows.Err()
}

// deskNeedsScope is the needs a scope sees: those its units recorded
// (origin) and those they are responsible for.
func deskNeedsScope(a access.Actor) (string, []any) {
	w1, a1 := a.Scope().Where("t.org_path")
	w2, a2 := a.Scope().Where("t.origin_path")
	return "((" + w1 + ") OR (" + w2 + "))", append(a1, a2...)
}

// deskNeeds counts open needs, and this year's per category and per month,
// in one pass grouped by category and month.
func (s *Service) deskNeeds(ctx context.Context, a access.Actor, days deskDays, d *Desk) error {
	where, args := deskNeedsScope(a)
	rows, err := s.DB.Query(ctx, `SELECT t.category, SUBSTR(t.recorded_on, 1, 7), COUNT(*),
		COALESCE(SUM(CASE WHEN t.status IN ('open', 'handing', 'tasked') THEN 1 ELSE 0 END), 0)
		FROM needs t WHERE `+where+` GROUP BY t.category, SUBSTR(t.recorded_on, 1, 7)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	idx := deskMonthIndex(days, d)
	byCat := map[string]int64{}
	for rows.Next() {
		var cat, m string
		var n, open int64
		if err := rows.Scan(&cat, &m, &n, &open); err != nil {
			return err
		}
		d.OpenNeeds += open
		if i, ok := idx[m]; ok {
			d.Months[i].Needs += n
		}
		if m >= days.year[:7] {
			byCat[cat] += n
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range deskCategories {
		if n := byCat[c.Key]; n > 0 {
			d.NeedsByCat = append(d.NeedsByCat, DeskCount{Key: c.Key, Label: c.Label, N: n})
		}
	}
	return nil
}

// deskTasks counts the scope's tasks per status, the overdue ones and the
// ones done per month, in one pass.
func (s *Service) deskTasks(ctx context.Context, a access.Actor, days deskDays, d *Desk) error {
	where, args := a.Scope().Where("t.org_path")
	args = append([]any{days.today}, args...)
	rows, err := s.DB.Query(ctx, `SELECT t.status, COALESCE(SUBSTR(t.closed_on, 1, 7), ''), COUNT(*),
		COALESCE(SUM(CASE WHEN t.status IN ('todo', 'doing') AND t.due_on < ? THEN 1 ELSE 0 END), 0)
		FROM tasks t WHERE `+where+` GROUP BY t.status, COALESCE(SUBSTR(t.closed_on, 1, 7), '')`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	idx := deskMonthIndex(days, d)
	by := map[string]int64{}
	for rows.Next() {
		var st, m string
		var n, late int64
		if err := rows.Scan(&st, &m, &n, &late); err != nil {
			return err
		}
		by[st] += n
		d.OverdueTasks += late
		if i, ok := idx[m]; ok && st == "done" {
			d.Months[i].TasksDone += n
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range deskTaskStatuses {
		if n := by[c.Key]; n > 0 {
			d.TasksBy = append(d.TasksBy, DeskCount{Key: c.Key, Label: c.Label, N: n})
		}
	}
	return nil
}

// DeskByChildRecount counts, per child of node (or node itself), this year's
// visits, needs and tasks done, and the open tasks now past their
// deadline: four columns keyed by the child's path, for org.Rollup.
// Visits and needs are counted per unit off their (org_path, date) index,
// in index order (SQLite groups them without sorting); the units are
// folded into the children in Go.
func (s *Service) DeskByChildRecount(ctx context.Context, a access.Actor, node org.Org) (map[string][]int64, error) {
	if !a.CanAt(access.ViewWork, node.Path) {
		return nil, access.ErrDenied
	}
	days := deskDates(s.Now())
	out := map[string][]int64{}
	where, args := access.Scope{Path: node.Path}.Where("t.org_path")
	for i, q := range []string{
		`SELECT t.org_path, COUNT(*) FROM visits t WHERE ` + where + ` AND t.visited_on >= ? GROUP BY t.org_path`,
		`SELECT t.org_path, COUNT(*) FROM needs t WHERE ` + where + ` AND t.recorded_on >= ? GROUP BY t.org_path`,
	} {
		if err := s.deskFold(ctx, q, append(append([]any{}, args...), days.year), node.Path, i, out); err != nil {
			return nil, err
		}
	}
	return out, s.deskTasksByChild(ctx, node, days, out)
}

// deskTasksByChild adds the tasks done this year and the overdue ones.
// The tasks index does not cover status, so grouping per unit in index
// order would look up every task of the subtree; reading only the rows
// that count and folding them in Go is several times cheaper. Under a
// top-level unit the subtree is the whole table, read in one scan (the
// unary + keeps SQLite from walking the index instead; PostgreSQL plans
// by its statistics).
func (s *Service) deskTasksByChild(ctx context.Context, node org.Org, days deskDays, out map[string][]int64) error {
	col := "t.org_path"
	if node.ParentID == 0 && s.DB.Dialect == db.SQLite {
		col = "+t.org_path"
	}
	where, args := access.Scope{Path: node.Path}.Where(col)
	rows, err := s.DB.Query(ctx, `SELECT t.org_path, t.status FROM tasks t WHERE `+where+`
		AND ((t.status = 'done' AND t.closed_on >= ?) OR (t.status IN ('todo', 'doing') AND t.due_on < ?))`,
		append(args, days.year, days.today)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p, st string
		if err := rows.Scan(&p, &st); err != nil {
			return err
		}
		if st == "done" {
			desk.Fold(out, node.Path, p, 4, 2, 1)
		} else {
			desk.Fold(out, node.Path, p, 4, 3, 1)
		}
	}
	return rows.Err()
}

// deskFold reads rows of (unit path, n) and adds n to node's children in
// column at.
func (s *Service) deskFold(ctx context.Context, query string, args []any, node string, at int, out map[string][]int64) error {
	rows, err := s.DB.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		var n int64
		if err := rows.Scan(&p, &n); err != nil {
			return err
		}
		desk.Fold(out, node, p, 4, at, n)
	}
	return rows.Err()
}
