package visit

import (
	"context"
	"slices"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/desk"
	"halfsky/internal/org"
	"halfsky/internal/vocab"
)

// The work desk's (工作台) view of visits, needs and tasks: what is due for
// the actor's own unit, what waits for it, how the scope is doing and the
// actor's own progress against her quotas. Everything here is named Desk…
// or desk… so it cannot collide with the rest of the package. The scope's
// numbers are read from the counters (tally.go), so a city's desk costs
// what a village's does and is never stale; desk_recount.go keeps the
// counting from the records, as the tests' oracle.

// Desk is the visits part of the home page.
type Desk struct {
	// The actor's own unit: open tasks past or near their deadline.
	Overdue      []DeskTask // due before today, oldest first (≤10)
	OverdueTotal int
	DueSoon      []DeskTask // due today or within 3 days (≤10)
	DueSoonTotal int
	// Hand-overs sent to the actor's unit and not yet answered.
	Handovers      []DeskHandover // oldest first (≤10)
	HandoversTotal int

	// The scope.
	OpenNeeds    int64       // needs not resolved or closed
	OverdueTasks int64       // open tasks past their deadline
	YearVisits   int64       // visits this year
	YearWomen    int64       // women met this year
	NeedsByCat   []DeskCount // needs recorded this year, per category
	TasksBy      []DeskCount // tasks per status
	Months       []DeskMonth // the last 12 months, oldest first

	// The actor's own quotas, with her progress.
	Quotas []DeskQuota
}

// DeskTask is a task on the desk.
type DeskTask struct {
	ID        int64
	Title     string
	OwnerName string
	DueOn     string
	Status    TaskStatus
}

// DeskHandover is a need handed over to the actor's unit.
type DeskHandover struct {
	ID            int64
	NeedID        int64
	Category      string
	CategoryLabel string
	Urgency       string
	UrgencyLabel  string
	FromName      string
	SentAt        time.Time
}

// DeskCount is a number under a key and its label.
type DeskCount struct {
	Key   string
	Label string
	N     int64
}

// DeskMonth is one month of the trend.
type DeskMonth struct {
	Month     string // YYYY-MM
	Visits    int64
	Women     int64
	Needs     int64
	TasksDone int64
}

// DeskQuota is a quota covering the actor's unit and how far she is.
type DeskQuota struct {
	ID          int64
	Title       string
	Metric      string
	MetricLabel string
	Target      int64
	Done        int64
	StartsOn    string
	EndsOn      string
}

// Percent is the progress, 0–100 (capped).
func (q DeskQuota) Percent() int {
	if q.Target <= 0 || q.Done >= q.Target {
		return 100
	}
	return int(q.Done * 100 / q.Target)
}

// Step5 is the progress rounded down to a step of 5, for width classes.
func (q DeskQuota) Step5() int { return q.Percent() / 5 * 5 }

// The desk's labels are the module's own (needs.go, tasks.go, quotas.go),
// in their display order.
var (
	deskCategories   = Categories
	deskTaskStatuses = TaskStatuses
	deskUrgencies    = deskMap(Urgencies)
	deskMetrics      = deskMap(Metrics)
)

func deskLabel(list []Option, key string) string { return vocab.Label(list, key) }

func deskMap(list []Option) map[string]string {
	m := make(map[string]string, len(list))
	for _, o := range list {
		m[o.Key] = o.Label
	}
	return m
}

// deskDays are the dates a desk compares with, in Beijing.
type deskDays struct {
	today, soon, year string // soon: today + 3 days; year: 1 January
	months            []string
}

func deskDates(now time.Time) deskDays {
	t := now.In(db.Shanghai)
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, db.Shanghai)
	d := deskDays{today: t.Format("2006-01-02"), soon: t.AddDate(0, 0, 3).Format("2006-01-02"),
		year: t.Format("2006") + "-01-01"}
	for i := -11; i <= 0; i++ {
		d.months = append(d.months, first.AddDate(0, i, 0).Format("2006-01"))
	}
	return d
}

// Desk gathers the actor's due items, the scope's numbers and her quotas.
// The scope's numbers come from the counters (tally.go): the same few rows
// for a village and for the city.
func (s *Service) Desk(ctx context.Context, a access.Actor) (Desk, error) {
	if !a.Can(access.ViewWork) {
		return Desk{}, access.ErrDenied
	}
	days := deskDates(s.Now())
	var d Desk
	for _, step := range []func(context.Context, access.Actor, deskDays, *Desk) error{s.deskScope, s.deskTasksDue, s.deskHandovers, s.deskQuotas} {
		if err := step(ctx, a, days, &d); err != nil {
			return Desk{}, err
		}
	}
	return d, nil
}

// deskScope fills the scope's numbers: its counters, the needs recorded
// in it and now held outside it, and the overdue tasks.
func (s *Service) deskScope(ctx context.Context, a access.Actor, days deskDays, d *Desk) error {
	c, err := s.counts(ctx, a.OrgID, true)
	if err != nil {
		return err
	}
	away, err := s.awayNeeds(ctx, a.OrgPath)
	if err != nil {
		return err
	}
	lo, hi := a.Scope().Range()
	if err := s.overdueByUnit(ctx, lo, hi, "", "", func(_ string, n int64) { d.OverdueTasks += n }); err != nil {
		return err
	}
	idx := deskMonthIndex(days, d)
	thisYear := days.year[:7]
	for m, n := range c.visits {
		if i, ok := idx[m]; ok {
			d.Months[i].Visits = n
		}
		if m >= thisYear {
			d.YearVisits += n
		}
	}
	for m, n := range c.women {
		if i, ok := idx[m]; ok {
			d.Months[i].Women = n
		}
		if m >= thisYear {
			d.YearWomen += n
		}
	}
	byCat := map[string]int64{}
	need := func(m, cat, status string, n int64) {
		if NeedStatus(status).Open() {
			d.OpenNeeds += n
		}
		if i, ok := idx[m]; ok {
			d.Months[i].Needs += n
		}
		if m >= thisYear {
			byCat[cat] += n
		}
	}
	for k, n := range c.needs {
		m, cat, status := needKey(k)
		need(m, cat, status, n)
	}
	for _, x := range away {
		need(x.month, x.category, x.status, x.n)
	}
	for _, o := range deskCategories {
		if n := byCat[o.Key]; n > 0 {
			d.NeedsByCat = append(d.NeedsByCat, DeskCount{Key: o.Key, Label: o.Label, N: n})
		}
	}
	by := map[string]int64{}
	for k, n := range c.tasks {
		_, status, closed := taskKey(k)
		by[status] += n
		if i, ok := idx[closed]; ok && status == string(TaskDone) {
			d.Months[i].TasksDone += n
		}
	}
	for _, o := range deskTaskStatuses {
		if n := by[o.Key]; n > 0 {
			d.TasksBy = append(d.TasksBy, DeskCount{Key: o.Key, Label: o.Label, N: n})
		}
	}
	return nil
}

// deskTasksDue lists the own unit's open tasks due by today + 3 days:
// one seek on (org_path, due_on), split into overdue and due soon.
func (s *Service) deskTasksDue(ctx context.Context, a access.Actor, days deskDays, d *Desk) error {
	rows, err := s.DB.Query(ctx, `SELECT t.id, t.title, t.owner_name, t.due_on, t.status FROM tasks t
		WHERE t.org_path = ? AND t.due_on <= ? AND t.status IN ('todo', 'doing')
		ORDER BY t.due_on, t.id`, a.OrgPath, days.soon)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t DeskTask
		if err := rows.Scan(&t.ID, &t.Title, &t.OwnerName, &t.DueOn, &t.Status); err != nil {
			return err
		}
		list, total := &d.DueSoon, &d.DueSoonTotal
		if t.DueOn < days.today {
			list, total = &d.Overdue, &d.OverdueTotal
		}
		*total++
		if len(*list) < 10 { // only what is shown is opened
			sl := s.sealer()
			sl.Open(sealedTitle, t.ID, &t.Title)
			if sl.Open(sealedOwner, t.ID, &t.OwnerName); sl.Err != nil {
				return sl.Err
			}
			*list = append(*list, t)
		}
	}
	return rows.Err()
}

// deskHandovers lists the hand-overs waiting for the own unit's answer.
func (s *Service) deskHandovers(ctx context.Context, a access.Actor, _ deskDays, d *Desk) error {
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM need_handovers h WHERE h.to_org_id = ? AND h.status = 'pending'`,
		a.OrgID).Scan(&d.HandoversTotal); err != nil {
		return err
	}
	if d.HandoversTotal == 0 {
		return nil
	}
	var err error
	d.Handovers, err = db.All(ctx, s.DB.Q(), func(row db.Scanner) (h DeskHandover, err error) {
		var at int64
		err = row.Scan(&h.ID, &h.NeedID, &h.Category, &h.Urgency, &h.FromName, &at)
		h.SentAt = time.UnixMilli(at)
		h.CategoryLabel, h.UrgencyLabel = deskLabel(deskCategories, h.Category), deskUrgencies[h.Urgency]
		return h, err
	}, `SELECT h.id, h.need_id, n.category, n.urgency, f.name, h.sent_at
		FROM need_handovers h JOIN needs n ON n.id = h.need_id JOIN orgs f ON f.id = h.from_org_id
		WHERE h.to_org_id = ? AND h.status = 'pending' ORDER BY h.sent_at, h.id LIMIT 10`, a.OrgID)
	return err
}

// deskMonthIndex maps YYYY-MM to its place in the trend, filling the
// trend with the 12 months on first use.
func deskMonthIndex(days deskDays, d *Desk) map[string]int {
	if d.Months == nil {
		for _, m := range days.months {
			d.Months = append(d.Months, DeskMonth{Month: m})
		}
	}
	idx := make(map[string]int, len(d.Months))
	for i, m := range d.Months {
		idx[m.Month] = i
	}
	return idx
}

// deskQuotas lists the quotas set on the actor's unit or a unit above it
// that have not ended, with her own progress in each quota's period.
func (s *Service) deskQuotas(ctx context.Context, a access.Actor, days deskDays, d *Desk) error {
	paths := deskAncestorPaths(a.OrgPath)
	if len(paths) == 0 {
		return nil
	}
	args := make([]any, 0, len(paths)+1)
	for _, p := range paths {
		args = append(args, p)
	}
	args = append(args, days.today)
	list, err := db.All(ctx, s.DB.Q(), func(row db.Scanner) (q DeskQuota, err error) {
		err = row.Scan(&q.ID, &q.Title, &q.Metric, &q.Target, &q.StartsOn, &q.EndsOn)
		q.MetricLabel = deskMetrics[q.Metric]
		return q, err
	}, `SELECT q.id, q.title, q.metric, q.target, q.starts_on, q.ends_on FROM quotas q
		WHERE q.org_path IN (?`+strings.Repeat(", ?", len(paths)-1)+`) AND q.ends_on >= ?
		ORDER BY q.ends_on, q.id`, args...)
	if err != nil {
		return err
	}
	for i := range list {
		if err := s.deskProgress(ctx, a, &list[i]); err != nil {
			return err
		}
	}
	d.Quotas = list
	return nil
}

// deskProgress counts what the actor did towards one quota in its period.
func (s *Service) deskProgress(ctx context.Context, a access.Actor, q *DeskQuota) error {
	var query string
	args := []any{a.UserID, q.StartsOn, q.EndsOn}
	switch q.Metric {
	case "women":
		query = `SELECT COALESCE(SUM(women), 0) FROM visits WHERE cadre_id = ? AND visited_on >= ? AND visited_on <= ?`
	case "visits":
		query = `SELECT COUNT(*) FROM visits WHERE cadre_id = ? AND visited_on >= ? AND visited_on <= ?`
	case "needs":
		// There is no index on recorded_by: the needs she recorded lie in
		// her scope, so the origin range bounds the scan.
		where, sargs := a.Scope().Where("origin_path")
		query = `SELECT COUNT(*) FROM needs WHERE recorded_by = ? AND recorded_on >= ? AND recorded_on <= ? AND ` + where
		args = append(args, sargs...)
	case "tasks_done":
		query = `SELECT COUNT(*) FROM tasks WHERE owner_id = ? AND status = 'done' AND closed_on >= ? AND closed_on <= ?`
	default:
		return nil
	}
	return s.DB.QueryRow(ctx, query, args...).Scan(&q.Done)
}

// deskAncestorPaths returns the paths of the unit at path and every unit
// above it: "/1/5/9/" → "/1/", "/1/5/", "/1/5/9/".
func deskAncestorPaths(path string) []string {
	var out []string
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			out = append(out, path[:i+1])
		}
	}
	return out
}

// DeskByChild counts, per child of node (or node itself), this year's
// visits, needs and tasks done, and the open tasks now past their
// deadline: four columns keyed by the child's path, for org.Rollup. The
// first three are the children's counters; a unit's own are its counters
// less its children's.
func (s *Service) DeskByChild(ctx context.Context, a access.Actor, node org.Org) (map[string][]int64, error) {
	if !a.CanAt(access.ViewWork, node.Path) {
		return nil, access.ErrDenied
	}
	thisYear := deskDates(s.Now()).year[:7]
	own, err := s.counts(ctx, node.ID, false)
	if err != nil {
		return nil, err
	}
	kids, err := s.childCounts(ctx, node.ID)
	if err != nil {
		return nil, err
	}
	overdue, err := s.overdueByChild(ctx, node.Path, "", "")
	if err != nil {
		return nil, err
	}
	out := map[string][]int64{}
	ownRow := own.deskRow(thisYear)
	rowOf := func(id int64) []int64 {
		if id == node.ID {
			return ownRow
		}
		p := desk.ChildPath(node.Path, id)
		if out[p] == nil {
			out[p] = make([]int64, 4)
		}
		return out[p]
	}
	for id, c := range kids {
		for i, n := range c.deskRow(thisYear) {
			rowOf(id)[i] += n
			ownRow[i] -= n
		}
	}
	for id, n := range overdue {
		rowOf(id)[3] += n
	}
	for p, r := range out {
		if slices.Equal(r, []int64{0, 0, 0, 0}) {
			delete(out, p)
		}
	}
	if !slices.Equal(ownRow, []int64{0, 0, 0, 0}) {
		out[node.Path] = ownRow
	}
	return out, nil
}

// deskRow is a unit's roll-up row on the desk, but for its overdue tasks:
// visits, needs recorded and tasks done from the month thisYear on.
func (c *unitCounts) deskRow(thisYear string) []int64 {
	r := make([]int64, 4)
	for m, n := range c.visits {
		if m >= thisYear {
			r[0] += n
		}
	}
	for m, n := range c.needMonths {
		if m >= thisYear {
			r[1] += n
		}
	}
	for k, n := range c.tasks {
		if _, status, closed := taskKey(k); status == string(TaskDone) && closed >= thisYear {
			r[2] += n
		}
	}
	return r
}
