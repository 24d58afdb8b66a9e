package rights

import (
	"context"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/tally"
	"halfsky/internal/vocab"
)

// StatLine is one figure of a breakdown: a key, its label and its count.
type StatLine struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	N     int64  `json:"n"`
}

// Stats are a unit's cases of a year (or of one month of it): totals, by
// category, channel, danger level, outcome and month, and the roll-up by
// the units below (per category, then closed). Read from the counters:
// the same cost at every level.
type Stats struct {
	Node       org.Org
	Year       int
	Month      string // "" = the whole year, else 2026-11
	Total      int64
	Closed     int64
	ByCategory []StatLine
	ByChannel  []StatLine
	ByRisk     []StatLine
	ByOutcome  []StatLine
	ByMonth    []StatLine
	// Columns name the roll-up's numbers: the first-level categories,
	// then 合计 and 已办结.
	Columns []string
	Rows    []org.RollupRow
	Totals  []int64
}

// Stats reads a year's (or a month's) statistics of the unit under (the
// actor's own when ""): in her scope, with no name anywhere.
func (s *Service) Stats(ctx context.Context, a access.Actor, under string, year int, month string) (Stats, error) {
	if !a.Can(access.ViewCases) {
		return Stats{}, s.deny(ctx, a, "case.stats", "")
	}
	node, err := s.Orgs.Node(ctx, a, strings.TrimSpace(under))
	if err != nil {
		return Stats{}, err
	}
	if !strings.HasPrefix(month, strconv.Itoa(year)+"-") {
		month = ""
	}
	y := strconv.Itoa(year)
	subjects := []string{"case:" + y, "case_channel:" + y, "case_risk:" + y, "case_outcome:" + y}
	q := s.DB.Q()
	own, err := tally.GetEach(ctx, q, node.ID, subjects...)
	if err != nil {
		return Stats{}, err
	}
	// A month's roll-up reads the children's counters of that month alone
	// (keys lead with it): on PostgreSQL each is spread over its stripes,
	// and the city's children's year is 30,000 rows at 100,000 cases.
	var kids map[int64]tally.Counts
	if month != "" {
		kids, err = tally.ChildrenRange(ctx, q, subjects[0], node.ID, month+"|", month+"}")
	} else {
		kids, err = tally.Children(ctx, q, subjects[0], node.ID)
	}
	if err != nil {
		return Stats{}, err
	}
	if kids == nil {
		kids = map[int64]tally.Counts{} // a roll-up of its own row alone
	}
	cats, err := s.Categories(ctx)
	if err != nil {
		return Stats{}, err
	}
	return s.fold(ctx, node, year, month, cats, own, kids, subjects)
}

// fold turns the counters (or a recount in their shape) into Stats; with
// kids nil it leaves out the roll-up by the units below (the desk's).
func (s *Service) fold(ctx context.Context, node org.Org, year int, month string, cats []Category,
	own map[string]tally.Counts, kids map[int64]tally.Counts, subjects []string) (Stats, error) {
	st := Stats{Node: node, Year: year, Month: month}
	var tops []Category
	for _, c := range cats {
		if c.Parent == "" {
			tops = append(tops, c)
		}
	}
	width := len(tops) + 2
	row := func(c tally.Counts) []int64 {
		n := make([]int64, width)
		for k, v := range c {
			parts := strings.Split(k, "|")
			if len(parts) != 3 || (month != "" && parts[0] != month) {
				continue
			}
			for i, t := range tops {
				if t.Code == parts[1] {
					n[i] += v
				}
			}
			n[len(tops)] += v
			if parts[2] == string(Closed) {
				n[len(tops)+1] += v
			}
		}
		return n
	}
	mine := row(own[subjects[0]])
	st.Total, st.Closed = mine[len(tops)], mine[len(tops)+1]
	for i, t := range tops {
		st.ByCategory = append(st.ByCategory, StatLine{t.Code, t.Label, mine[i]})
		st.Columns = append(st.Columns, t.Label)
	}
	st.Columns = append(st.Columns, "合计", "已办结")
	byID := map[int64][]int64{}
	self := append([]int64(nil), mine...)
	for id, c := range kids {
		byID[id] = row(c)
		for i, v := range byID[id] {
			self[i] -= v
		}
	}
	if kids != nil {
		var err error
		if st.Rows, st.Totals, err = s.Orgs.RollupIDs(ctx, node, width, self, byID); err != nil {
			return Stats{}, err
		}
	}
	st.ByChannel = lines(own[subjects[1]], month, Channels)
	st.ByRisk = lines(own[subjects[2]], month, append([]vocab.Option{{Key: "none", Label: "未评估"}}, Risks...))
	st.ByOutcome = lines(own[subjects[3]], month, append(append([]vocab.Option{}, Outcomes...), vocab.Option{Key: "open", Label: "未办结"}))
	months := map[string]int64{}
	for k, v := range own[subjects[0]] {
		m, _, _ := strings.Cut(k, "|")
		months[m] += v
	}
	for m := 1; m <= 12; m++ {
		key := strconv.Itoa(year) + "-" + twoDigits(m)
		st.ByMonth = append(st.ByMonth, StatLine{key, strconv.Itoa(m) + "月", months[key]})
	}
	return st, nil
}

// lines sums the counters of one family by the second part of their key,
// in the order of opts.
func lines(c tally.Counts, month string, opts []vocab.Option) []StatLine {
	sum := map[string]int64{}
	for k, v := range c {
		m, rest, _ := strings.Cut(k, "|")
		if month == "" || m == month {
			sum[rest] += v
		}
	}
	out := make([]StatLine, 0, len(opts))
	for _, o := range opts {
		out = append(out, StatLine{o.Key, o.Label, sum[o.Key]})
	}
	return out
}

func twoDigits(m int) string {
	if m < 10 {
		return "0" + strconv.Itoa(m)
	}
	return strconv.Itoa(m)
}

// StatsRecount is Stats counted from the cases themselves: the oracle the
// tests hold the counters to.
func (s *Service) StatsRecount(ctx context.Context, a access.Actor, under string, year int, month string) (Stats, error) {
	node, err := s.Orgs.Node(ctx, a, strings.TrimSpace(under))
	if err != nil {
		return Stats{}, err
	}
	y := strconv.Itoa(year)
	subjects := []string{"case:" + y, "case_channel:" + y, "case_risk:" + y, "case_outcome:" + y}
	lo, hi := access.Scope{Path: node.Path}.Range()
	own := map[string]tally.Counts{}
	for i, key := range []string{categoryFamily.Key, channelFamily.Key, riskFamily.Key, outcomeFamily.Key} {
		own[subjects[i]] = tally.Counts{}
		rows, err := db.All(ctx, s.DB.Q(), func(sc db.Scanner) (kv struct {
			k string
			n int64
		}, err error) {
			err = sc.Scan(&kv.k, &kv.n)
			return kv, err
		}, `SELECT `+key+`, COUNT(*) FROM cases x WHERE x.year = ? AND x.org_path >= ? AND x.org_path < ? GROUP BY 1`, year, lo, hi)
		if err != nil {
			return Stats{}, err
		}
		for _, r := range rows {
			own[subjects[i]][r.k] = r.n
		}
	}
	kids := map[int64]tally.Counts{}
	children, err := db.All(ctx, s.DB.Q(), func(sc db.Scanner) (o org.Org, err error) {
		err = sc.Scan(&o.ID, &o.Path)
		return o, err
	}, `SELECT id, path FROM orgs WHERE parent_id = ?`, node.ID)
	if err != nil {
		return Stats{}, err
	}
	for _, c := range children {
		clo, chi := access.Scope{Path: c.Path}.Range()
		rows, err := db.All(ctx, s.DB.Q(), func(sc db.Scanner) (kv struct {
			k string
			n int64
		}, err error) {
			err = sc.Scan(&kv.k, &kv.n)
			return kv, err
		}, `SELECT `+categoryFamily.Key+`, COUNT(*) FROM cases x WHERE x.year = ? AND x.org_path >= ? AND x.org_path < ? GROUP BY 1`, year, clo, chi)
		if err != nil {
			return Stats{}, err
		}
		if len(rows) > 0 {
			kids[c.ID] = tally.Counts{}
			for _, r := range rows {
				kids[c.ID][r.k] = r.n
			}
		}
	}
	cats, err := s.Categories(ctx)
	if err != nil {
		return Stats{}, err
	}
	return s.fold(ctx, node, year, month, cats, own, kids, subjects)
}
