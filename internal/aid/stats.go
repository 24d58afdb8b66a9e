package aid

import (
	"context"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/tally"
)

// Stats is the roll-up of applications under a unit: one row per child
// (and one for the unit's own), by programme and status, with approved
// amounts.
type Stats struct {
	Node       org.Org
	Year       int // 0: all years
	Programmes []Programme
	Rows       []StatsRow
	Total      StatsRow // Org is zero
}

// StatsRow is a child's subtree (or the node itself, Self).
type StatsRow struct {
	Org   org.Org
	Self  bool
	Cells []StatsCell // in Programmes order
	All   StatsCell   // every programme
}

// StatsCell counts applications by status (in Statuses order).
type StatsCell struct {
	ByStatus       []int64
	Total          int64
	ApprovedAmount int64 // fen
}

// Count is the number in the status.
func (c StatsCell) Count(status string) int64 {
	for i, o := range Statuses {
		if o.Key == status && i < len(c.ByStatus) {
			return c.ByStatus[i]
		}
	}
	return 0
}

// Stats rolls up the applications under the unit with code under ("" the
// actor's own) for the year (0: all years). Every child is listed, with
// zeros where it has none. It reads the counters (tally.go): the node's
// and its children's rows, whatever the size of the subtree.
func (s *Service) Stats(ctx context.Context, a access.Actor, under string, year int) (Stats, error) {
	node, progs, ix, err := s.statsFrame(ctx, a, under, year)
	if err != nil {
		return Stats{}, err
	}
	width := len(progs) * ix.per
	q := s.DB.Q()
	mine, err := tally.GetEach(ctx, q, node.ID, countSubject, amountSubject)
	if err != nil {
		return Stats{}, err
	}
	kids, err := tally.ChildrenEach(ctx, q, node.ID, countSubject, amountSubject)
	if err != nil {
		return Stats{}, err
	}
	counts, amounts := mine[countSubject], mine[amountSubject]
	kidCounts, kidAmounts := kids[countSubject], kids[amountSubject]
	own := make([]int64, width)
	ix.row(own, counts, amounts)
	byID := map[int64][]int64{}
	for _, m := range []map[int64]tally.Counts{kidCounts, kidAmounts} {
		for id := range m {
			if byID[id] != nil {
				continue
			}
			r := make([]int64, width)
			ix.row(r, kidCounts[id], kidAmounts[id])
			byID[id] = r
			for i, n := range r {
				own[i] -= n
			}
		}
	}
	rr, total, err := s.Orgs.RollupIDs(ctx, node, width, own, byID)
	if err != nil {
		return Stats{}, err
	}
	return statsOf(node, year, progs, ix.per, rr, total), nil
}

// statsFrame checks the actor and reads what both ways of counting need:
// the node, the programmes and where each number goes in a row.
func (s *Service) statsFrame(ctx context.Context, a access.Actor, under string, year int) (org.Org, []Programme, cellIndex, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return org.Org{}, nil, cellIndex{}, err
	}
	node, err := s.Orgs.Node(ctx, a, strings.TrimSpace(under))
	if err != nil {
		return org.Org{}, nil, cellIndex{}, err
	}
	progs, err := s.programmes(ctx, s.DB.Q())
	if err != nil {
		return org.Org{}, nil, cellIndex{}, err
	}
	// Per programme: one column per status, then the approved amount.
	ix := cellIndex{year: year, prog: map[int64]int{}, stat: map[string]int{}, per: len(Statuses) + 1}
	for i, p := range progs {
		ix.prog[p.ID] = i
	}
	for i, o := range Statuses {
		ix.stat[o.Key] = i
	}
	return node, progs, ix, nil
}

func statsOf(node org.Org, year int, progs []Programme, per int, rr []org.RollupRow, total []int64) Stats {
	out := Stats{Node: node, Year: year, Programmes: progs, Total: statsRow(total, len(progs), per)}
	for _, r := range rr {
		row := statsRow(r.N, len(progs), per)
		row.Org, row.Self = r.Org, r.Self
		out.Rows = append(out.Rows, row)
	}
	return out
}

// StatsRecount is Stats counted from the applications themselves, as it
// was before the counters: the tests' oracle and the benchmark's baseline.
func (s *Service) StatsRecount(ctx context.Context, a access.Actor, under string, year int) (Stats, error) {
	node, progs, ix, err := s.statsFrame(ctx, a, under, year)
	if err != nil {
		return Stats{}, err
	}
	per := ix.per
	width := len(progs) * per
	var w db.Where
	cond, args := access.Scope{Path: node.Path}.Where("x.org_path")
	w.Add(cond, args...)
	if year != 0 {
		w.Add("x.year = ?", year)
	}
	child := org.ChildPathSQL(s.DB.Dialect, node, "x.org_path")
	rows, err := s.DB.Query(ctx, `SELECT `+child+`, x.programme_id, x.status, COUNT(*), COALESCE(SUM(x.amount), 0)
		FROM aid_applications x`+w.SQL()+` GROUP BY `+child+`, x.programme_id, x.status`, w.Args...)
	if err != nil {
		return Stats{}, err
	}
	byPath := map[string][]int64{}
	for rows.Next() {
		var path, status string
		var pid, n, amount int64
		if err := rows.Scan(&path, &pid, &status, &n, &amount); err != nil {
			rows.Close()
			return Stats{}, err
		}
		pi, ok1 := ix.prog[pid]
		si, ok2 := ix.stat[status]
		if !ok1 || !ok2 {
			continue
		}
		r := byPath[path]
		if r == nil {
			r = make([]int64, width)
			byPath[path] = r
		}
		r[pi*per+si] += n
		if Status(status) == Approved {
			r[pi*per+per-1] += amount
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Stats{}, err
	}
	rr, total, err := s.Orgs.Rollup(ctx, node, width, byPath)
	if err != nil {
		return Stats{}, err
	}
	return statsOf(node, year, progs, per, rr, total), nil
}

func statsRow(n []int64, progs, per int) StatsRow {
	row := StatsRow{All: StatsCell{ByStatus: make([]int64, per-1)}}
	for i := 0; i < progs; i++ {
		c := StatsCell{ByStatus: append([]int64(nil), n[i*per:i*per+per-1]...), ApprovedAmount: n[i*per+per-1]}
		for j, k := range c.ByStatus {
			c.Total += k
			row.All.ByStatus[j] += k
		}
		row.All.Total += c.Total
		row.All.ApprovedAmount += c.ApprovedAmount
		row.Cells = append(row.Cells, c)
	}
	return row
}
