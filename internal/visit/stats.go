package visit

import (
	"context"
	"fmt"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/org"
)

// Count is a number under a key with its label.
type Count struct {
	Key   string
	Label string
	N     int64
}

// Month is one month of the trend.
type Month struct {
	Month     string // YYYY-MM
	Visits    int64
	Women     int64
	Needs     int64
	TasksDone int64
}

// Roll-up columns, in order.
const (
	ColVisits = iota
	ColWomen
	ColNeeds
	ColTasks
	ColDone
	ColOverdue
	rollWidth
)

// Stats are the numbers under a unit for a period.
type Stats struct {
	Node       org.Org
	Crumbs     []org.Org
	Year       int // 0: all time
	Month      int // 0: the whole year
	From, To   string
	Categories []Count
	NeedStatus []Count
	TaskStatus []Count
	Rows       []org.RollupRow // per child: visits, women, needs, tasks, done, overdue
	Totals     []int64
	Trend      []Month
}

// StatsFilter picks the unit and the period.
type StatsFilter struct {
	Under string
	Year  int
	Month int
}

// period is the date range [from, to] of a year/month filter.
func period(year, month int) (string, string) {
	switch {
	case year <= 0:
		return "0000-00-00", "9999-99-99"
	case month < 1 || month > 12:
		return fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year)
	}
	return fmt.Sprintf("%04d-%02d-01", year, month), fmt.Sprintf("%04d-%02d-31", year, month)
}

// Stats counts visits, needs and tasks under a unit in the actor's scope,
// by category, by status, per child unit rolled up, and per month.
func (s *Service) Stats(ctx context.Context, a access.Actor, f StatsFilter) (Stats, error) {
	if err := s.view(ctx, a, "visit.stats"); err != nil {
		return Stats{}, err
	}
	node, err := s.under(ctx, a, f.Under)
	if err != nil {
		return Stats{}, err
	}
	if f.Year <= 0 {
		f.Month = 0
	}
	st := Stats{Node: node, Year: f.Year, Month: f.Month}
	st.From, st.To = period(f.Year, f.Month)
	if st.Crumbs, err = s.Orgs.Ancestors(ctx, a, node); err != nil {
		return Stats{}, err
	}
	lo, hi := access.Scope{Path: node.Path}.Range()
	q := s.DB.Q()
	if st.Categories, err = counts(ctx, q, Categories, `SELECT category, COUNT(*) FROM needs WHERE org_path >= ? AND org_path < ?
		AND recorded_on >= ? AND recorded_on <= ? GROUP BY category`, lo, hi, st.From, st.To); err != nil {
		return Stats{}, err
	}
	if st.NeedStatus, err = counts(ctx, q, NeedStatuses, `SELECT status, COUNT(*) FROM needs WHERE org_path >= ? AND org_path < ?
		AND recorded_on >= ? AND recorded_on <= ? GROUP BY status`, lo, hi, st.From, st.To); err != nil {
		return Stats{}, err
	}
	if st.TaskStatus, err = counts(ctx, q, TaskStatuses, `SELECT status, COUNT(*) FROM tasks WHERE org_path >= ? AND org_path < ?
		AND starts_on >= ? AND starts_on <= ? GROUP BY status`, lo, hi, st.From, st.To); err != nil {
		return Stats{}, err
	}
	if err := s.rollup(ctx, &st, lo, hi); err != nil {
		return Stats{}, err
	}
	return st, s.trend(ctx, &st, lo, hi)
}

// counts runs a (key, count) query and lists every option, zeros included.
func counts(ctx context.Context, q db.Querier, opts []Option, query string, args ...any) ([]Count, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		got[k] = n
	}
	out := make([]Count, len(opts))
	for i, o := range opts {
		out[i] = Count{o.Key, o.Label, got[o.Key]}
	}
	return out, rows.Err()
}

// rollup fills the per-child table: each table grouped by the child path.
func (s *Service) rollup(ctx context.Context, st *Stats, lo, hi string) error {
	d := s.DB.Dialect
	byPath := map[string][]int64{}
	add := func(col int, query string, args ...any) error {
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
			if byPath[p] == nil {
				byPath[p] = make([]int64, rollWidth)
			}
			byPath[p][col] += n
		}
		return rows.Err()
	}
	vp := org.ChildPathSQL(d, st.Node, "org_path")
	today := s.Today()
	steps := []struct {
		col   int
		query string
		args  []any
	}{
		{ColVisits, `SELECT ` + vp + `, COUNT(*) FROM visits WHERE org_path >= ? AND org_path < ? AND visited_on >= ? AND visited_on <= ? GROUP BY ` + vp, nil},
		{ColWomen, `SELECT ` + vp + `, COALESCE(SUM(women), 0) FROM visits WHERE org_path >= ? AND org_path < ? AND visited_on >= ? AND visited_on <= ? GROUP BY ` + vp, nil},
		{ColNeeds, `SELECT ` + vp + `, COUNT(*) FROM needs WHERE org_path >= ? AND org_path < ? AND recorded_on >= ? AND recorded_on <= ? GROUP BY ` + vp, nil},
		{ColTasks, `SELECT ` + vp + `, COUNT(*) FROM tasks WHERE org_path >= ? AND org_path < ? AND starts_on >= ? AND starts_on <= ? GROUP BY ` + vp, nil},
		{ColDone, `SELECT ` + vp + `, COUNT(*) FROM tasks WHERE org_path >= ? AND org_path < ? AND status = 'done' AND closed_on >= ? AND closed_on <= ? GROUP BY ` + vp, nil},
		{ColOverdue, `SELECT ` + vp + `, COUNT(*) FROM tasks WHERE org_path >= ? AND org_path < ? AND status IN ('todo', 'doing') AND due_on < ? AND starts_on >= ? AND starts_on <= ? GROUP BY ` + vp, []any{today}},
	}
	for _, step := range steps {
		args := append([]any{lo, hi}, step.args...)
		if err := add(step.col, step.query, append(args, st.From, st.To)...); err != nil {
			return err
		}
	}
	var err error
	st.Rows, st.Totals, err = s.Orgs.Rollup(ctx, st.Node, rollWidth, byPath)
	return err
}

// trend counts per month: the selected year's twelve months, or the last
// twelve months when no year is chosen.
func (s *Service) trend(ctx context.Context, st *Stats, lo, hi string) error {
	var months []string
	if st.Year > 0 {
		for m := 1; m <= 12; m++ {
			months = append(months, fmt.Sprintf("%04d-%02d", st.Year, m))
		}
	} else {
		t := s.Now().In(Shanghai)
		first := t.AddDate(0, 0, 1-t.Day())
		for i := 11; i >= 0; i-- {
			months = append(months, first.AddDate(0, -i, 0).Format("2006-01"))
		}
	}
	from, to := months[0]+"-01", months[len(months)-1]+"-31"
	idx := map[string]int{}
	st.Trend = make([]Month, len(months))
	for i, m := range months {
		idx[m], st.Trend[i].Month = i, m
	}
	run := func(set func(*Month, int64, int64), query string) error {
		rows, err := s.DB.Query(ctx, query, lo, hi, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m string
			var a, b int64
			if err := rows.Scan(&m, &a, &b); err != nil {
				return err
			}
			if i, ok := idx[m]; ok {
				set(&st.Trend[i], a, b)
			}
		}
		return rows.Err()
	}
	if err := run(func(m *Month, a, b int64) { m.Visits, m.Women = a, b },
		`SELECT SUBSTR(visited_on, 1, 7), COUNT(*), COALESCE(SUM(women), 0) FROM visits WHERE org_path >= ? AND org_path < ?
		AND visited_on >= ? AND visited_on <= ? GROUP BY SUBSTR(visited_on, 1, 7)`); err != nil {
		return err
	}
	if err := run(func(m *Month, a, _ int64) { m.Needs = a },
		`SELECT SUBSTR(recorded_on, 1, 7), COUNT(*), 0 FROM needs WHERE org_path >= ? AND org_path < ?
		AND recorded_on >= ? AND recorded_on <= ? GROUP BY SUBSTR(recorded_on, 1, 7)`); err != nil {
		return err
	}
	return run(func(m *Month, a, _ int64) { m.TasksDone = a },
		`SELECT SUBSTR(closed_on, 1, 7), COUNT(*), 0 FROM tasks WHERE org_path >= ? AND org_path < ? AND status = 'done'
		AND closed_on >= ? AND closed_on <= ? GROUP BY SUBSTR(closed_on, 1, 7)`)
}

// Years offers this year and the four before it, newest first, for the filter.
func (s *Service) Years(ctx context.Context, a access.Actor) []int {
	now := s.Now().In(Shanghai).Year()
	out := []int{}
	for y := now; y >= now-4; y-- {
		out = append(out, y)
	}
	return out
}
