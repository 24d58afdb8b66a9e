package visit

import (
	"context"
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
// or desk… so it cannot collide with the rest of the package; the queries
// are the desk's own, aggregated in SQL over the migration's indexes. The
// due items and quotas are read fresh; the scope's counts are memoized for
// a minute (desk.TTL): a city's desk counts a year of the whole city.

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
func (s *Service) Desk(ctx context.Context, a access.Actor) (Desk, error) {
	if !a.Can(access.ViewWork) {
		return Desk{}, access.ErrDenied
	}
	days := deskDates(s.Now())
	d, err := deskMemo.Get(deskKey{s.DB, "desk", a.OrgPath, days.today}, func() (Desk, error) {
		var d Desk
		for _, step := range []func(context.Context, access.Actor, deskDays, *Desk) error{s.deskVisits, s.deskNeeds, s.deskTasks} {
			if err := step(ctx, a, days, &d); err != nil {
				return Desk{}, err
			}
		}
		return d, nil
	})
	if err != nil {
		return Desk{}, err
	}
	for _, step := range []func(context.Context, access.Actor, deskDays, *Desk) error{s.deskTasksDue, s.deskHandovers, s.deskQuotas} {
		if err := step(ctx, a, days, &d); err != nil {
			return Desk{}, err
		}
	}
	return d, nil
}

// deskKey names a memoized result: the database, what, whose, when.
type deskKey struct {
	d               *db.DB
	kind, path, day string
}

var (
	deskMemo      desk.Memo[Desk] // the scope's counts only
	deskChildMemo desk.Memo[map[string][]int64]
)

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
// deadline: four columns keyed by the child's path, for org.Rollup.
// Visits and needs are counted per unit off their (org_path, date) index,
// in index order (SQLite groups them without sorting); the units are
// folded into the children in Go.
func (s *Service) DeskByChild(ctx context.Context, a access.Actor, node org.Org) (map[string][]int64, error) {
	if !a.CanAt(access.ViewWork, node.Path) {
		return nil, access.ErrDenied
	}
	days := deskDates(s.Now())
	return deskChildMemo.Get(deskKey{s.DB, "child", node.Path, days.today}, func() (map[string][]int64, error) {
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
	})
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
