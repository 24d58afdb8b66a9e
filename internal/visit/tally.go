package visit

import (
	"context"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/desk"
	"halfsky/internal/tally"
)

// The counters of the statistics and the work desk (internal/tally;
// "Counters" in docs/architecture.md): visits, women met, needs and tasks,
// each at its unit and every unit above it, bucketed by month, so the city
// reads the same few rows as a village, for one month or all years.
//
// Two numbers are not counters, because time changes them with no write:
// the open tasks now past their deadline, and — on the desk, whose needs
// are those its units recorded as well as those they hold — the needs
// recorded in the scope but now held outside it. Both are read from
// partial indexes that hold only such records (migration 0026): their
// cost is the backlog of overdue tasks and the few handed-away needs, not
// the records of the year.
var (
	// VisitFamily counts visits: bucket the month visited (YYYY-MM).
	VisitFamily = tally.Register(tally.Family{Name: "visit", From: "visits x",
		Subject: `'visit:all'`, Org: "x.org_id", Key: `SUBSTR(x.visited_on, 1, 7)`})
	// WomenFamily sums the women met, by the same bucket.
	WomenFamily = tally.Register(tally.Family{Name: "visitwomen", From: "visits x",
		Subject: `'visitwomen:all'`, Org: "x.org_id", Key: `SUBSTR(x.visited_on, 1, 7)`, Weight: "x.women"})
	// NeedFamily counts needs by the unit holding them: bucket
	// "month recorded|category|status".
	NeedFamily = tally.Register(tally.Family{Name: "need", From: "needs x",
		Subject: `'need:all'`, Org: "x.org_id", Key: `SUBSTR(x.recorded_on, 1, 7) || '|' || x.category || '|' || x.status`})
	// NeedMonthFamily counts the same needs by month alone: a roll-up
	// table reads a row per child and month, not one per category and
	// status too.
	NeedMonthFamily = tally.Register(tally.Family{Name: "needmonth", From: "needs x",
		Subject: `'needmonth:all'`, Org: "x.org_id", Key: `SUBSTR(x.recorded_on, 1, 7)`})
	// TaskFamily counts tasks: bucket "month started|status|month closed"
	// (empty while open).
	TaskFamily = tally.Register(tally.Family{Name: "task", From: "tasks x",
		Subject: `'task:all'`, Org: "x.org_id",
		Key: `SUBSTR(x.starts_on, 1, 7) || '|' || x.status || '|' || COALESCE(SUBSTR(x.closed_on, 1, 7), '')`})
)

// The subjects the families count into.
const (
	visitSubject     = "visit:all"
	womenSubject     = "visitwomen:all"
	needSubject      = "need:all"
	needMonthSubject = "needmonth:all"
	taskSubject      = "task:all"
)

var (
	visitFamilies = []tally.Family{VisitFamily, WomenFamily}
	needFamilies  = []tally.Family{NeedFamily, NeedMonthFamily}
	taskFamilies  = []tally.Family{TaskFamily}
)

// trackByID runs change, a change of the record id of the families'
// table, and bumps their counters by it.
func trackByID(ctx context.Context, tx *db.Tx, fs []tally.Family, id int64, change func() error) error {
	return tally.TrackEach(ctx, tx, fs, "x.id = ?", []any{id}, change)
}

// addedByID counts a new record (inserted in tx) into the families.
func addedByID(ctx context.Context, tx *db.Tx, fs []tally.Family, id int64) error {
	return tally.AddedEach(ctx, tx, fs, "x.id = ?", id)
}

// unitCounts are the counters of one unit's subtree.
type unitCounts struct {
	visits, women, needs, needMonths, tasks tally.Counts
}

// counts reads the counters of the unit with id, in one query; needs by
// category and status only when full (the roll-up rows do without them).
func (s *Service) counts(ctx context.Context, id int64, full bool) (unitCounts, error) {
	subjects := []string{visitSubject, womenSubject, needMonthSubject, taskSubject}
	if full {
		subjects = append(subjects, needSubject)
	}
	m, err := tally.GetEach(ctx, s.DB.Q(), id, subjects...)
	return unitCounts{visits: m[visitSubject], women: m[womenSubject], needs: m[needSubject],
		needMonths: m[needMonthSubject], tasks: m[taskSubject]}, err
}

// childCounts reads the counters of every child of the unit with id (no
// needs by category), by child id, in one query.
func (s *Service) childCounts(ctx context.Context, id int64) (map[int64]*unitCounts, error) {
	m, err := tally.ChildrenEach(ctx, s.DB.Q(), id, visitSubject, womenSubject, needMonthSubject, taskSubject)
	if err != nil {
		return nil, err
	}
	out := map[int64]*unitCounts{}
	kid := func(id int64) *unitCounts {
		if out[id] == nil {
			out[id] = &unitCounts{}
		}
		return out[id]
	}
	for id, c := range m[visitSubject] {
		kid(id).visits = c
	}
	for id, c := range m[womenSubject] {
		kid(id).women = c
	}
	for id, c := range m[needMonthSubject] {
		kid(id).needMonths = c
	}
	for id, c := range m[taskSubject] {
		kid(id).tasks = c
	}
	return out, nil
}

// inMonths says whether month (YYYY-MM) lies in [from, to], two dates or
// months.
func inMonths(month, from, to string) bool {
	return month >= cutMonth(from) && month <= cutMonth(to)
}

// taskKey splits a TaskFamily bucket.
func taskKey(k string) (started, status, closed string) {
	f := strings.SplitN(k, "|", 3)
	if len(f) != 3 {
		return "", "", ""
	}
	return f[0], f[1], f[2]
}

// needKey splits a NeedFamily bucket.
func needKey(k string) (month, category, status string) {
	f := strings.SplitN(k, "|", 3)
	if len(f) != 3 {
		return "", "", ""
	}
	return f[0], f[1], f[2]
}

// row is the roll-up row of a unit's counters for the period [from, to]:
// visits, women, needs, tasks started, tasks done in it (the overdue
// column is not a counter).
func (c *unitCounts) row(from, to string) []int64 {
	n := make([]int64, rollWidth)
	for m, k := range c.visits {
		if inMonths(m, from, to) {
			n[ColVisits] += k
		}
	}
	for m, k := range c.women {
		if inMonths(m, from, to) {
			n[ColWomen] += k
		}
	}
	for m, k := range c.needMonths {
		if inMonths(m, from, to) {
			n[ColNeeds] += k
		}
	}
	for key, k := range c.tasks {
		started, status, closed := taskKey(key)
		if inMonths(started, from, to) {
			n[ColTasks] += k
		}
		if status == string(TaskDone) && closed != "" && inMonths(closed, from, to) {
			n[ColDone] += k
		}
	}
	return n
}

// overdueByUnit counts, per unit path under the range [lo, hi), the open
// tasks due before today (started in [from, to] when from is set): a walk
// of the partial index of open tasks from its oldest due date.
func (s *Service) overdueByUnit(ctx context.Context, lo, hi, from, to string, add func(path string, n int64)) error {
	started, args := "", []any{s.Today(), lo, hi}
	if from != "" {
		started, args = " AND starts_on >= ? AND starts_on <= ?", append(args, from, to)
	}
	rows, err := s.DB.Query(ctx, `SELECT org_path, COUNT(*) FROM tasks WHERE status IN ('todo', 'doing') AND due_on < ?
		AND org_path >= ? AND org_path < ?`+started+` GROUP BY org_path`, args...)
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
		add(p, n)
	}
	return rows.Err()
}

// overdueByChild counts the overdue open tasks per child of node (the node
// itself for its own), by the child's id.
func (s *Service) overdueByChild(ctx context.Context, nodePath, from, to string) (map[int64]int64, error) {
	lo, hi := access.Scope{Path: nodePath}.Range()
	out := map[int64]int64{}
	err := s.overdueByUnit(ctx, lo, hi, from, to, func(p string, n int64) {
		if c := desk.Child(nodePath, p); c != "" {
			ids := access.PathIDs(c)
			out[ids[len(ids)-1]] += n
		}
	})
	return out, err
}

// awayNeed is a group of needs recorded in a scope and now held by a unit
// outside it.
type awayNeed struct {
	month, category, status string
	n                       int64
}

// awayNeeds reads, for the scope at path, the needs recorded in it and
// now held outside it, by month, category and status: the walk of the
// partial index of handed-over needs (held elsewhere than recorded).
func (s *Service) awayNeeds(ctx context.Context, path string) ([]awayNeed, error) {
	lo, hi := access.Scope{Path: path}.Range()
	return db.All(ctx, s.DB.Q(), func(row db.Scanner) (x awayNeed, err error) {
		err = row.Scan(&x.month, &x.category, &x.status, &x.n)
		return x, err
	}, `SELECT SUBSTR(recorded_on, 1, 7), category, status, COUNT(*) FROM needs
		WHERE org_id <> origin_org_id AND origin_path >= ? AND origin_path < ? AND NOT (org_path >= ? AND org_path < ?)
		GROUP BY SUBSTR(recorded_on, 1, 7), category, status`, lo, hi, lo, hi)
}
