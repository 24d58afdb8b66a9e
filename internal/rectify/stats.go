package rectify

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/desk"
	"halfsky/internal/org"
	"halfsky/internal/tally"
)

// Columns of a roll-up row's numbers: the counts, then one per category
// in the order of Categories.
const (
	StatTotal = iota
	StatOpen  // 整改中 (open or returned)
	StatApplied
	StatClosed
	StatRed
	StatYellow
	StatCategory // first of len(Categories) columns
)

// StatWidth is the number of columns of a roll-up row.
var StatWidth = StatCategory + len(Categories)

// Stats is the ledger rolled up under a unit: one row per child (and the
// unit's own), with totals and the way back up.
type Stats struct {
	Node   org.Org
	Crumbs []org.Org
	Rows   []org.RollupRow
	Totals []int64
	Today  string
}

// Stats rolls up the items under the unit with the given code (the actor's
// own when empty): the counts by state and category from the counters of
// the node and its children (tally.go), red and yellow from the indexes of
// the items not yet closed by date (statColours) — so the city's table
// costs what a street's does.
func (s *Service) Stats(ctx context.Context, a access.Actor, under string) (Stats, error) {
	st, err := s.statsNode(ctx, a, under)
	if err != nil {
		return Stats{}, err
	}
	node := st.Node
	own, err := tally.Get(ctx, s.DB.Q(), problemSubject, node.ID)
	if err != nil {
		return Stats{}, err
	}
	kids, err := tally.Children(ctx, s.DB.Q(), problemSubject, node.ID)
	if err != nil {
		return Stats{}, err
	}
	byPath := map[string][]int64{}
	row := func(p string) []int64 {
		if byPath[p] == nil {
			byPath[p] = make([]int64, StatWidth)
		}
		return byPath[p]
	}
	self := make([]int64, StatWidth)
	statCounts(self, own, 1)
	for id, c := range kids {
		statCounts(row(desk.ChildPath(node.Path, id)), c, 1)
		statCounts(self, c, -1)
	}
	if self[StatTotal] != 0 {
		byPath[node.Path] = self
	}
	err = s.statColours(ctx, node.Path, st.Today, addDays(st.Today, 7), func(p string, red, yellow int64) {
		if c := desk.Child(node.Path, p); c != "" {
			r := row(c)
			r[StatRed] += red
			r[StatYellow] += yellow
		}
	})
	if err != nil {
		return Stats{}, err
	}
	st.Rows, st.Totals, err = s.Orgs.Rollup(ctx, node, StatWidth, byPath)
	return st, err
}

// statsNode checks the actor may read the statistics and finds the node,
// its way up and the day.
func (s *Service) statsNode(ctx context.Context, a access.Actor, under string) (Stats, error) {
	if !a.Can(access.ViewWork) {
		return Stats{}, s.deny(ctx, a, "problem.stats", "")
	}
	node, err := s.Orgs.Node(ctx, a, strings.TrimSpace(under))
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Node: node, Today: s.today()}
	if st.Crumbs, err = s.Orgs.Ancestors(ctx, a, node); err != nil {
		return Stats{}, err
	}
	return st, nil
}

// statCounts adds sign × the counters c (by "category|status") into the
// columns of a roll-up row.
func statCounts(n []int64, c tally.Counts, sign int64) {
	for k, v := range c {
		cat, status, _ := strings.Cut(k, "|")
		v *= sign
		n[StatTotal] += v
		switch Status(status) {
		case Closed:
			n[StatClosed] += v
		case Applied:
			n[StatApplied] += v
		default:
			n[StatOpen] += v
		}
		for i, x := range Categories {
			if x.Key == cat {
				n[StatCategory+i] += v
			}
		}
	}
}

// statColours counts, per unit path under the scope at path, the items
// not yet closed whose next date (ColourSQL's: the deadline, or the first
// review not yet made) is past (red) or within the week (yellow). Neither
// is a counter — the day turns them — so they are read from two partial
// indexes of what is still open (migration 0030): the deadlines of items
// not closed, and the reviews not yet made. Their cost is the backlog,
// not the ledger.
func (s *Service) statColours(ctx context.Context, path, today, soon string, add func(path string, red, yellow int64)) error {
	lo, hi := access.Scope{Path: path}.Range()
	rows, err := s.DB.Query(ctx, `SELECT org_path, SUM(CASE WHEN due_on < ? THEN 1 ELSE 0 END), COUNT(*) FROM problems
		WHERE status <> 'closed' AND due_on IS NOT NULL AND due_on <= ? AND org_path >= ? AND org_path < ? GROUP BY org_path`,
		today, soon, lo, hi)
	if err != nil {
		return err
	}
	if err := addColours(rows, add); err != nil {
		return err
	}
	rows, err = s.DB.Query(ctx, `SELECT x.org_path, SUM(CASE WHEN x.next < ? THEN 1 ELSE 0 END), COUNT(*) FROM (
		SELECT p.org_path, MIN(r.review_on) AS next FROM problem_reviews r JOIN problems p ON p.id = r.problem_id
		WHERE r.done_at IS NULL AND r.review_on <= ? AND p.due_on IS NULL AND p.status <> 'closed'
			AND p.org_path >= ? AND p.org_path < ?
		GROUP BY p.id, p.org_path) x GROUP BY x.org_path`, today, soon, lo, hi)
	if err != nil {
		return err
	}
	return addColours(rows, add)
}

// addColours reads (path, red, red and yellow) rows into add, and closes
// them.
func addColours(rows *sql.Rows, add func(path string, red, yellow int64)) error {
	defer rows.Close()
	for rows.Next() {
		var p string
		var red, both int64
		if err := rows.Scan(&p, &red, &both); err != nil {
			return err
		}
		add(p, red, both-red)
	}
	return rows.Err()
}

// StatsRecount is Stats counted from the items themselves, as it was
// before the counters: the tests' oracle and the benchmark's baseline.
func (s *Service) StatsRecount(ctx context.Context, a access.Actor, under string) (Stats, error) {
	st, err := s.statsNode(ctx, a, under)
	if err != nil {
		return Stats{}, err
	}
	node, today := st.Node, st.Today
	red, redArgs, _ := ColourSQL("red", today)
	yellow, yellowArgs, _ := ColourSQL("yellow", today)
	cols := []string{`COUNT(*)`,
		`SUM(CASE WHEN status IN ('open', 'returned') THEN 1 ELSE 0 END)`,
		`SUM(CASE WHEN status = 'applied' THEN 1 ELSE 0 END)`,
		`SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END)`,
		`SUM(red)`, `SUM(yellow)`}
	var catArgs []any
	for _, c := range Categories {
		cols = append(cols, `SUM(CASE WHEN category = ? THEN 1 ELSE 0 END)`)
		catArgs = append(catArgs, c.Key)
	}
	scope, scopeArgs := access.Scope{Path: node.Path}.Where("p.org_path")
	// The colours are worked out per row in the inner query, so the outer
	// one only sums.
	q := `SELECT child, ` + strings.Join(cols, ", ") + ` FROM (
		SELECT ` + org.ChildPathSQL(s.DB.Dialect, node, "p.org_path") + ` AS child, p.status, p.category,
			CASE WHEN ` + red + ` THEN 1 ELSE 0 END AS red,
			CASE WHEN ` + yellow + ` THEN 1 ELSE 0 END AS yellow
		FROM problems p WHERE ` + scope + `) x GROUP BY child`
	// catArgs sit in the outer SELECT list, before the inner query's.
	args := append(append(append(append([]any{}, catArgs...), redArgs...), yellowArgs...), scopeArgs...)
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return Stats{}, err
	}
	byPath := map[string][]int64{}
	for rows.Next() {
		var child string
		n := make([]int64, StatWidth)
		dest := []any{&child}
		for i := range n {
			dest = append(dest, &n[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return Stats{}, err
		}
		byPath[child] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Stats{}, err
	}
	st.Rows, st.Totals, err = s.Orgs.Rollup(ctx, node, StatWidth, byPath)
	return st, err
}

// StatLabel names a roll-up column.
func StatLabel(i int) string {
	if i >= StatCategory {
		return Categories[i-StatCategory].Label
	}
	return [...]string{"问题总数", "整改中", "申请销号", "已销号", "逾期", "临期"}[i]
}

// Rate is the share of closed items, 0–100, to one decimal.
func Rate(n []int64) string {
	if len(n) <= StatClosed || n[StatTotal] == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(n[StatClosed])*100/float64(n[StatTotal]), 'f', 1, 64) + "%"
}
