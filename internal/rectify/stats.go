package rectify

import (
	"context"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/org"
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
// own when empty).
func (s *Service) Stats(ctx context.Context, a access.Actor, under string) (Stats, error) {
	if !a.Can(access.ViewWork) {
		return Stats{}, s.deny(ctx, a, "problem.stats", "")
	}
	node, err := s.Orgs.Node(ctx, a, strings.TrimSpace(under))
	if err != nil {
		return Stats{}, err
	}
	today := s.today()
	st := Stats{Node: node, Today: today}
	if st.Crumbs, err = s.Orgs.Ancestors(ctx, a, node); err != nil {
		return Stats{}, err
	}
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
