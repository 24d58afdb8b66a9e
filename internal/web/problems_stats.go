package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"halfsky/internal/audit"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
	"halfsky/internal/rectify"
)

// problemStatsData is the ledger rolled up under a unit.
type problemStatsData struct {
	Tabs       []problemTab
	Tab        string
	S          rectify.Stats
	Categories []problemCategoryRow
	UnitChart  string // ECharts option: items per unit by status
	CatChart   string // ECharts option: items by category
	Export     string
}

type problemCategoryRow struct {
	Key, Label string
	N          int64
}

// StatsHref drills down to a unit's roll-up; ListHref lists its items.
func (problemStatsData) StatsHref(code string) string {
	s, _ := queryURL("/problems/stats", "under", code)
	return s
}

func (problemStatsData) ListHref(code string, kv ...string) string {
	args := []any{"under", code}
	for _, v := range kv {
		args = append(args, v)
	}
	s, _ := queryURL("/problems", args...)
	return s
}

// Rate is the share closed of a row.
func (problemStatsData) Rate(n []int64) string { return rectify.Rate(n) }

func (h *handler) problemStats(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	st, err := h.deps.Rectify.Stats(r.Context(), c.Actor, r.URL.Query().Get("under"))
	if err != nil {
		return err
	}
	d := problemStatsData{Tabs: h.problemTabs(r, c), Tab: "stats", S: st}
	d.Export = d.StatsHref(st.Node.Code)
	d.Export = "/problems/stats.xlsx" + d.Export[len("/problems/stats"):]
	for i, cat := range rectify.Categories {
		d.Categories = append(d.Categories, problemCategoryRow{cat.Key, cat.Label, st.Totals[rectify.StatCategory+i]})
	}
	d.UnitChart, d.CatChart = unitChart(st.Rows), categoryChart(d.Categories)
	crumbs := []Crumb{{Href: "/problems", Label: "整改台账"}}
	for _, o := range st.Crumbs {
		crumbs = append(crumbs, Crumb{Href: d.StatsHref(o.Code), Label: o.Name})
	}
	crumbs = append(crumbs, Crumb{Label: st.Node.Name + "统计"})
	h.tpl.Page(w, r, http.StatusOK, "problem_stats", View{Layout: Layout{Title: "整改台账统计 · " + st.Node.Name, Active: "problems", Crumbs: crumbs}, Data: d})
	return nil
}

// unitChart is a stacked bar per unit of items being fixed, applied and
// closed.
func unitChart(rows []org.RollupRow) string {
	var names []string
	series := []map[string]any{}
	cols := []int{rectify.StatOpen, rectify.StatApplied, rectify.StatClosed}
	data := make([][]int64, len(cols))
	for _, r := range rows {
		name := r.Org.Name
		if r.Self {
			name += "（本级）"
		}
		names = append(names, name)
		for i, c := range cols {
			data[i] = append(data[i], r.N[c])
		}
	}
	for i, c := range cols {
		series = append(series, map[string]any{"name": rectify.StatLabel(c), "type": "bar", "stack": "all", "data": data[i]})
	}
	opt := map[string]any{
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 40, "right": 8, "bottom": 8, "top": 36, "containLabel": true},
		"xAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0, "rotate": 40}},
		"yAxis":   map[string]any{"type": "value", "minInterval": 1},
		"series":  series,
		"color":   []string{"#ef6c00", "#1565c0", "#2e7d32"},
		"tooltip": map[string]any{"trigger": "axis"},
	}
	b, _ := json.Marshal(opt)
	return string(b)
}

// categoryChart is a bar per category of the notice's 脱离群众 problems.
func categoryChart(rows []problemCategoryRow) string {
	var names []string
	var data []int64
	for _, r := range rows {
		names, data = append(names, r.Label), append(data, r.N)
	}
	opt := map[string]any{
		"grid":   map[string]any{"left": 8, "right": 8, "bottom": 8, "top": 16, "containLabel": true},
		"xAxis":  map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0}},
		"yAxis":  map[string]any{"type": "value", "minInterval": 1},
		"series": []map[string]any{{"name": "问题数", "type": "bar", "data": data}},
	}
	b, _ := json.Marshal(opt)
	return string(b)
}

// problemStatsExport writes the roll-up, every column, to Excel.
func (h *handler) problemStatsExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a := r.Context(), c.Actor
	st, err := h.deps.Rectify.Stats(ctx, a, r.URL.Query().Get("under"))
	if err != nil {
		return err
	}
	cols := []Column{{"单位代码", 14}, {"单位", 28}}
	for i := 0; i < rectify.StatWidth; i++ {
		cols = append(cols, Column{rectify.StatLabel(i), 10})
	}
	cols = append(cols, Column{"销号率", 10})
	sh, err := newSheet("整改统计", cols)
	if err != nil {
		return err
	}
	defer sh.Close()
	add := func(code, name string, n []int64) error {
		vals := []any{code, name}
		for _, v := range n {
			vals = append(vals, v)
		}
		return sh.Add(append(vals, rectify.Rate(n))...)
	}
	for _, row := range st.Rows {
		name := row.Org.Name
		if row.Self {
			name += "（本级）"
		}
		if err := add(row.Org.Code, name, row.N); err != nil {
			return err
		}
	}
	if err := add("", "合计", st.Totals); err != nil {
		return err
	}
	_ = audit.Log(ctx, h.deps.DB, audit.FromActor(a, "problem.stats_export", "org", st.Node.Code, audit.OK, strconv.Itoa(len(st.Rows))+" 行"))
	return sh.Send(w, r, st.Node.Name+"问题整改统计")
}
