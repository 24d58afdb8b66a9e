package study

import (
	"context"
	"fmt"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/org"
)

// StatRow is one unit's figures in a roll-up: its whole subtree's.
type StatRow struct {
	Org          org.Org
	Self         bool // the node's own records
	Activities   int64
	Participants int64
	ByKind       []int64 // in the order of Kinds
}

// MonthStat is one month's figures.
type MonthStat struct {
	Month        int // 1–12
	Activities   int64
	Participants int64
}

// Stats are a year's activities under a node, rolled up per child, by
// kind and by month.
type Stats struct {
	Node   org.Org
	Crumbs []org.Org // from the actor's unit down to the node's parent
	Year   int
	Rows   []StatRow
	Total  StatRow
	Months []MonthStat // 12
}

// width of a roll-up row: activities, participants, then one per kind.
var width = 2 + len(Kinds)

// Stats rolls a year's activities up under the unit with the given code
// (the actor's own when empty), from the counters (tally.go): the same few
// rows at every level.
func (s *Service) Stats(ctx context.Context, a access.Actor, under string, year int) (Stats, error) {
	st, err := s.statsFrame(ctx, a, under, year)
	if err != nil {
		return Stats{}, err
	}
	node, y := st.Node, strconv.Itoa(year)
	own, err := s.counts(ctx, node.ID)
	if err != nil {
		return Stats{}, err
	}
	kids, err := s.childCounts(ctx, node.ID)
	if err != nil {
		return Stats{}, err
	}
	ownRow, byID := own.statsRow(y), map[int64][]int64{}
	for id, c := range kids {
		r := c.statsRow(y)
		for i, n := range r {
			ownRow[i] -= n
		}
		byID[id] = r
	}
	rolled, total, err := s.Orgs.RollupIDs(ctx, node, width, ownRow, byID)
	if err != nil {
		return Stats{}, err
	}
	for _, r := range rolled {
		st.Rows = append(st.Rows, statRow(r.Org, r.Self, r.N))
	}
	st.Total = statRow(node, false, total)
	st.Months = make([]MonthStat, 12)
	for i := range st.Months {
		m := fmt.Sprintf("%s-%02d", y, i+1)
		st.Months[i] = MonthStat{Month: i + 1, Participants: own.people[m]}
		for k, n := range own.count {
			if km, _ := countsKey(k); km == m {
				st.Months[i].Activities += n
			}
		}
	}
	return st, nil
}

// statsFrame checks the actor and the year and finds the node.
func (s *Service) statsFrame(ctx context.Context, a access.Actor, under string, year int) (Stats, error) {
	if !a.Can(access.ViewWork) {
		return Stats{}, s.deny(ctx, a, "study.stats", 0)
	}
	if year < 2000 || year > 2100 {
		return Stats{}, apperr.Field("year", "年份应在 2000–2100 之间")
	}
	node, err := s.Orgs.Node(ctx, a, under)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Node: node, Year: year}
	st.Crumbs, err = s.Orgs.Ancestors(ctx, a, node)
	return st, err
}

// StatsRecount is Stats counted from the activities themselves, as it was
// before the counters (tally.go): the tests' oracle and the benchmark's
// baseline.
func (s *Service) StatsRecount(ctx context.Context, a access.Actor, under string, year int) (Stats, error) {
	st, err := s.statsFrame(ctx, a, under, year)
	if err != nil {
		return Stats{}, err
	}
	node := st.Node
	from, to := strconv.Itoa(year)+"-01-01", strconv.Itoa(year+1)+"-01-01"
	scope, args := access.Scope{Path: node.Path}.Where("s.org_path")
	args = append(args, from, to)
	cond := ` FROM study_activities s WHERE ` + scope + ` AND s.held_on >= ? AND s.held_on < ?`

	child := org.ChildPathSQL(s.DB.Dialect, node, "s.org_path")
	cols := `COUNT(*), COALESCE(SUM(s.participants), 0)`
	for range Kinds {
		cols += `, COALESCE(SUM(CASE WHEN s.kind = ? THEN 1 ELSE 0 END), 0)`
	}
	kindArgs := make([]any, 0, len(Kinds))
	for _, k := range Kinds {
		kindArgs = append(kindArgs, string(k))
	}
	rows, err := s.DB.Query(ctx, `SELECT `+child+`, `+cols+cond+` GROUP BY `+child, append(kindArgs, args...)...)
	if err != nil {
		return Stats{}, err
	}
	byPath := map[string][]int64{}
	for rows.Next() {
		var p string
		n := make([]int64, width)
		dest := []any{&p}
		for i := range n {
			dest = append(dest, &n[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return Stats{}, err
		}
		byPath[p] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Stats{}, err
	}
	rolled, total, err := s.Orgs.Rollup(ctx, node, width, byPath)
	if err != nil {
		return Stats{}, err
	}
	for _, r := range rolled {
		st.Rows = append(st.Rows, statRow(r.Org, r.Self, r.N))
	}
	st.Total = statRow(node, false, total)
	st.Months, err = s.months(ctx, cond, args)
	return st, err
}

func statRow(o org.Org, self bool, n []int64) StatRow {
	return StatRow{Org: o, Self: self, Activities: n[0], Participants: n[1], ByKind: n[2:]}
}

// months counts a year's activities by month; cond and args select them.
func (s *Service) months(ctx context.Context, cond string, args []any) ([]MonthStat, error) {
	out := make([]MonthStat, 12)
	for i := range out {
		out[i].Month = i + 1
	}
	rows, err := s.DB.Query(ctx, `SELECT SUBSTR(s.held_on, 6, 2), COUNT(*), COALESCE(SUM(s.participants), 0)`+cond+
		` GROUP BY SUBSTR(s.held_on, 6, 2)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		var n, p int64
		if err := rows.Scan(&m, &n, &p); err != nil {
			return nil, err
		}
		if i, err := strconv.Atoi(m); err == nil && i >= 1 && i <= 12 {
			out[i-1].Activities, out[i-1].Participants = n, p
		}
	}
	return out, rows.Err()
}
