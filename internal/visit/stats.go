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
// by category, by status, per child unit rolled up, and per month — from
// the counters (tally.go), so every level and period costs the same.
func (s *Service) Stats(ctx context.Context, a access.Actor, f StatsFilter) (Stats, error) {
	st, err := s.statsFrame(ctx, a, f)
	if err != nil {
		return Stats{}, err
	}
	node := st.Node
	own, err := s.counts(ctx, node.ID, true)
	if err != nil {
		return Stats{}, err
	}
	kids, err := s.childCounts(ctx, node.ID)
	if err != nil {
		return Stats{}, err
	}
	from, to := "", "" // all time: every overdue task, whenever it started
	if st.Year > 0 {
		from, to = st.From, st.To
	}
	overdue, err := s.overdueByChild(ctx, node.Path, from, to)
	if err != nil {
		return Stats{}, err
	}
	ownRow, byID := own.row(st.From, st.To), map[int64][]int64{}
	for id, c := range kids {
		r := c.row(st.From, st.To)
		for i, n := range r {
			ownRow[i] -= n
		}
		byID[id] = r
	}
	for id, n := range overdue {
		switch {
		case id == node.ID:
			ownRow[ColOverdue] += n
		case byID[id] == nil:
			byID[id] = make([]int64, rollWidth)
			fallthrough
		default:
			byID[id][ColOverdue] += n
		}
	}
	if st.Rows, st.Totals, err = s.Orgs.RollupIDs(ctx, node, rollWidth, ownRow, byID); err != nil {
		return Stats{}, err
	}
	st.statusCounts(own)
	st.Trend = trendOf(s.trendMonths(st.Year), own)
	return st, nil
}

// statsFrame checks the actor and sets up the statistics of the unit and
// period the filter names.
func (s *Service) statsFrame(ctx context.Context, a access.Actor, f StatsFilter) (Stats, error) {
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
	return st, nil
}

// statusCounts fills the needs recorded in the period by category and by
// status, and the tasks started in it by status, from the node's counters.
func (st *Stats) statusCounts(c unitCounts) {
	cats, stats, tasks := map[string]int64{}, map[string]int64{}, map[string]int64{}
	for k, n := range c.needs {
		if m, cat, status := needKey(k); inMonths(m, st.From, st.To) {
			cats[cat] += n
			stats[status] += n
		}
	}
	for k, n := range c.tasks {
		if started, status, _ := taskKey(k); inMonths(started, st.From, st.To) {
			tasks[status] += n
		}
	}
	st.Categories, st.NeedStatus, st.TaskStatus = countsIn(Categories, cats), countsIn(NeedStatuses, stats), countsIn(TaskStatuses, tasks)
}

// countsIn lists the options with their numbers.
func countsIn(opts []Option, by map[string]int64) []Count {
	out := make([]Count, len(opts))
	for i, o := range opts {
		out[i] = Count{o.Key, o.Label, by[o.Key]}
	}
	return out
}

// trendMonths are the trend's months: the year's twelve, or the last
// twelve when no year is chosen.
func (s *Service) trendMonths(year int) []string {
	var months []string
	if year > 0 {
		for m := 1; m <= 12; m++ {
			months = append(months, fmt.Sprintf("%04d-%02d", year, m))
		}
		return months
	}
	t := s.Now().In(db.Shanghai)
	first := t.AddDate(0, 0, 1-t.Day())
	for i := 11; i >= 0; i-- {
		months = append(months, first.AddDate(0, -i, 0).Format("2006-01"))
	}
	return months
}

// trendOf is the months' visits, women, needs recorded and tasks done from
// a unit's counters.
func trendOf(months []string, c unitCounts) []Month {
	out := make([]Month, len(months))
	for i, m := range months {
		out[i] = Month{Month: m, Visits: c.visits[m], Women: c.women[m], Needs: c.needMonths[m]}
	}
	idx := map[string]int{}
	for i, m := range months {
		idx[m] = i
	}
	for k, n := range c.tasks {
		if _, status, closed := taskKey(k); status == string(TaskDone) {
			if i, ok := idx[closed]; ok {
				out[i].TasksDone += n
			}
		}
	}
	return out
}

// cutMonth is the YYYY-MM of a date (or of a month).
func cutMonth(date string) string {
	if len(date) > 7 {
		return date[:7]
	}
	return date
}

// Years offers this year and the four before it, newest first, for the filter.
func (s *Service) Years(ctx context.Context, a access.Actor) []int {
	now := s.Now().In(db.Shanghai).Year()
	out := []int{}
	for y := now; y >= now-4; y-- {
		out = append(out, y)
	}
	return out
}
