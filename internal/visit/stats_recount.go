package visit

import (
	"context"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/desk"
)

// StatsRecount is Stats counted from the records themselves, as it was
// before the counters (tally.go): the tests' oracle and the benchmark's
// baseline.
func (s *Service) StatsRecount(ctx context.Context, a access.Actor, f StatsFilter) (Stats, error) {
	st, err := s.statsFrame(ctx, a, f)
	if err != nil {
		return Stats{}, err
	}
	node := st.Node
	lo, hi := access.Scope{Path: node.Path}.Range()
	all, err := s.whole(ctx, node.Path)
	if err != nil {
		return Stats{}, err
	}
	byPath := map[string][]int64{}
	if err := s.visitStats(ctx, &st, lo, hi, byPath); err != nil {
		return Stats{}, err
	}
	if err := s.needStats(ctx, &st, lo, hi, byPath); err != nil {
		return Stats{}, err
	}
	if err := s.taskStats(ctx, &st, lo, hi, byPath); err != nil {
		return Stats{}, err
	}
	if st.Rows, st.Totals, err = s.Orgs.Rollup(ctx, st.Node, rollWidth, byPath); err != nil {
		return Stats{}, err
	}
	return st, s.trend(ctx, &st, lo, hi, all)
}

// The statistics read each table once for the period, grouped by the
// owning unit's path — the order of the tables' covering path indexes, so
// nothing is sorted — with a column per number, and fold the units into the
// node's children in Go. (Grouped by the child's path instead, the
// databases sort every row.) A column is COUNT(*) FILTER (WHERE …), known
// to both databases and on SQLite cheaper than SUM(CASE …). The trend
// reads each table once more for its twelve months: as columns of the same
// query, twelve more per table cost more than a second, grouped read.

// perUnit runs a query whose rows are a unit path and width numbers, and
// hands each row to add.
func (s *Service) perUnit(ctx context.Context, query string, args []any, width int, add func(path string, ns []int64)) error {
	rows, err := s.DB.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	ns := make([]int64, width)
	dest := make([]any, width+1)
	var path string
	dest[0] = &path
	for i := range ns {
		dest[i+1] = &ns[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		add(path, ns)
	}
	return rows.Err()
}

// fold adds a unit's numbers to its child's row; a unit with nothing in
// the period adds no row (the node's own row is listed only when it has
// records, as Rollup expects).
func fold(byPath map[string][]int64, node, path string, at int, ns ...int64) {
	for _, n := range ns {
		if n != 0 {
			desk.Fold(byPath, node, path, rollWidth, at, ns...)
			return
		}
	}
}

// filters is one "COUNT(*) FILTER (WHERE col = ?)" column per option, and
// their arguments.
func filters(col string, opts []Option) (string, []any) {
	var b strings.Builder
	args := make([]any, len(opts))
	for i, o := range opts {
		b.WriteString(", COUNT(*) FILTER (WHERE " + col + " = ?)")
		args[i] = o.Key
	}
	return b.String(), args
}

// countsOf turns per-option columns summed over the units into counts.
func countsOf(opts []Option, ns []int64) []Count {
	out := make([]Count, len(opts))
	for i, o := range opts {
		out[i] = Count{o.Key, o.Label, ns[i]}
	}
	return out
}

// visitStats counts the visits and the women met in the period per unit.
func (s *Service) visitStats(ctx context.Context, st *Stats, lo, hi string, byPath map[string][]int64) error {
	return s.perUnit(ctx, `SELECT org_path, COUNT(*), COALESCE(SUM(women), 0) FROM visits
		WHERE org_path >= ? AND org_path < ? AND visited_on >= ? AND visited_on <= ? GROUP BY org_path`,
		[]any{lo, hi, st.From, st.To}, 2, func(p string, ns []int64) {
			fold(byPath, st.Node.Path, p, ColVisits, ns[0], ns[1])
		})
}

// needStats counts the needs recorded in the period per unit, and by
// category and by status.
func (s *Service) needStats(ctx context.Context, st *Stats, lo, hi string, byPath map[string][]int64) error {
	cats, catArgs := filters("category", Categories)
	stats, statArgs := filters("status", NeedStatuses)
	args := append(append(catArgs, statArgs...), lo, hi, st.From, st.To)
	sum := make([]int64, len(Categories)+len(NeedStatuses))
	err := s.perUnit(ctx, `SELECT org_path, COUNT(*)`+cats+stats+` FROM needs
		WHERE org_path >= ? AND org_path < ? AND recorded_on >= ? AND recorded_on <= ? GROUP BY org_path`,
		args, 1+len(sum), func(p string, ns []int64) {
			fold(byPath, st.Node.Path, p, ColNeeds, ns[0])
			for i, n := range ns[1:] {
				sum[i] += n
			}
		})
	st.Categories, st.NeedStatus = countsOf(Categories, sum), countsOf(NeedStatuses, sum[len(Categories):])
	return err
}

// taskStats counts per unit the tasks started in the period, those done in
// it and those started in it and now overdue, and the started ones by
// status. The columns look at different dates, so only the path bounds
// the rows.
func (s *Service) taskStats(ctx context.Context, st *Stats, lo, hi string, byPath map[string][]int64) error {
	// All time needs no test of the start: every task has a start date.
	count, started, startArgs := "COUNT(*)", "", []any{}
	if st.Year > 0 {
		started, startArgs = " AND starts_on >= ? AND starts_on <= ?", []any{st.From, st.To}
		count = "COUNT(*) FILTER (WHERE starts_on >= ? AND starts_on <= ?)"
	}
	var b strings.Builder
	args := append(append(append([]any{}, startArgs...), st.From, st.To, s.Today()), startArgs...)
	for _, o := range TaskStatuses {
		b.WriteString(", COUNT(*) FILTER (WHERE status = ?" + started + ")")
		args = append(append(args, o.Key), startArgs...)
	}
	sum := make([]int64, len(TaskStatuses))
	err := s.perUnit(ctx, `SELECT org_path, `+count+`,
		COUNT(*) FILTER (WHERE status = 'done' AND closed_on >= ? AND closed_on <= ?),
		COUNT(*) FILTER (WHERE status IN ('todo', 'doing') AND due_on < ?`+started+`)`+b.String()+`
		FROM tasks WHERE org_path >= ? AND org_path < ? GROUP BY org_path`,
		append(args, lo, hi), 3+len(sum), func(p string, ns []int64) {
			fold(byPath, st.Node.Path, p, ColTasks, ns[0], ns[1], ns[2])
			for i, n := range ns[3:] {
				sum[i] += n
			}
		})
	st.TaskStatus = countsOf(TaskStatuses, sum)
	return err
}

// trend counts per month: the selected year's twelve months, or the last
// twelve months when no year is chosen. all says the node holds every
// unit: the needs are then counted without a path bound, walking the
// index needs_recorded in date order.
func (s *Service) trend(ctx context.Context, st *Stats, lo, hi string, all bool) error {
	months := s.trendMonths(st.Year)
	from, to := months[0]+"-01", months[len(months)-1]+"-31"
	idx := map[string]int{}
	st.Trend = make([]Month, len(months))
	for i, m := range months {
		idx[m], st.Trend[i].Month = i, m
	}
	run := func(set func(*Month, int64, int64), query string, args ...any) error {
		rows, err := s.DB.Query(ctx, query, args...)
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
			if i, ok := idx[cutMonth(m)]; ok {
				set(&st.Trend[i], a, b)
			}
		}
		return rows.Err()
	}
	if err := run(func(m *Month, a, b int64) { m.Visits, m.Women = a, b },
		`SELECT SUBSTR(visited_on, 1, 7), COUNT(*), COALESCE(SUM(women), 0) FROM visits WHERE org_path >= ? AND org_path < ?
		AND visited_on >= ? AND visited_on <= ? GROUP BY SUBSTR(visited_on, 1, 7)`, lo, hi, from, to); err != nil {
		return err
	}
	// The whole tree's needs by day, in the order of the index
	// needs_recorded, added up into months here; a subtree's by month from
	// its path range. (Grouped by day, a subtree's would walk needs_recorded
	// too, through every need.)
	needs := `SELECT recorded_on, COUNT(*), 0 FROM needs WHERE recorded_on >= ? AND recorded_on <= ? GROUP BY recorded_on`
	args := []any{from, to}
	if !all {
		needs = `SELECT SUBSTR(recorded_on, 1, 7), COUNT(*), 0 FROM needs WHERE org_path >= ? AND org_path < ?
			AND recorded_on >= ? AND recorded_on <= ? GROUP BY SUBSTR(recorded_on, 1, 7)`
		args = []any{lo, hi, from, to}
	}
	if err := run(func(m *Month, a, _ int64) { m.Needs += a }, needs, args...); err != nil {
		return err
	}
	return run(func(m *Month, a, _ int64) { m.TasksDone = a },
		`SELECT SUBSTR(closed_on, 1, 7), COUNT(*), 0 FROM tasks WHERE org_path >= ? AND org_path < ? AND status = 'done'
		AND closed_on >= ? AND closed_on <= ? GROUP BY SUBSTR(closed_on, 1, 7)`, lo, hi, from, to)
}
