package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"halfsky/internal/aid"
	"halfsky/internal/httpx"
)

// aidStatsData is the roll-up under a unit: a row per child (its whole
// subtree) by status with approved amounts, for one programme or all, and
// a row per programme.
type aidStatsData struct {
	Tabs       []aidTab
	Tab        string
	S          aid.Stats
	Programme  string // code; "" all programmes
	Index      int    // the programme's column, -1 for all
	Years      []int
	Programmes []Option
	Statuses   []aid.Option
	Chart      string // ECharts option: applications per unit by status
}

// Cell is the row's numbers for the chosen programme.
func (d aidStatsData) Cell(r aid.StatsRow) aid.StatsCell {
	if d.Index < 0 || d.Index >= len(r.Cells) {
		return r.All
	}
	return r.Cells[d.Index]
}

// StatsHref drills down to a unit, keeping the year and programme.
func (d aidStatsData) StatsHref(code string) string {
	s, _ := queryURL("/aid/stats", "under", code, "year", d.year(), "programme", d.Programme)
	return s
}

// ListHref lists a unit's applications, with the same filters.
func (d aidStatsData) ListHref(code, status string) string {
	s, _ := queryURL("/aid", "under", code, "year", d.year(), "programme", d.Programme, "status", status)
	return s
}

func (d aidStatsData) year() string {
	if d.S.Year == 0 {
		return ""
	}
	return strconv.Itoa(d.S.Year)
}

func (h *handler) aidStats(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := r.URL.Query()
	year, _ := strconv.Atoi(q.Get("year"))
	st, err := h.deps.Aid.Stats(r.Context(), c.Actor, q.Get("under"), year)
	if err != nil {
		return err
	}
	d := aidStatsData{Tabs: h.aidTabs(r, c), Tab: "stats", S: st, Index: -1, Years: h.aidYears(r, c),
		Programmes: aidProgrammeOptions(st.Programmes), Statuses: aid.Statuses}
	for i, p := range st.Programmes {
		if p.Code == q.Get("programme") {
			d.Programme, d.Index = p.Code, i
		}
	}
	d.Chart = aidUnitChart(d)
	crumbs := []Crumb{{Href: "/aid", Label: "关爱救助"}}
	if anc, err := h.deps.Orgs.Ancestors(r.Context(), c.Actor, st.Node); err == nil {
		for _, o := range anc {
			crumbs = append(crumbs, Crumb{Href: d.StatsHref(o.Code), Label: o.Name})
		}
	}
	crumbs = append(crumbs, Crumb{Label: st.Node.Name + "统计"})
	h.tpl.Page(w, r, http.StatusOK, "aid_stats", View{Layout: Layout{Title: "关爱救助统计 · " + st.Node.Name, Active: "aid", Crumbs: crumbs}, Data: d})
	return nil
}

// aidUnitChart is a stacked bar per unit of the applications by status.
func aidUnitChart(d aidStatsData) string {
	var names []string
	data := make([][]int64, len(aid.Statuses))
	for _, r := range d.S.Rows {
		name := r.Org.Name
		if r.Self {
			name += "（本级）"
		}
		names = append(names, name)
		cell := d.Cell(r)
		for i, s := range aid.Statuses {
			data[i] = append(data[i], cell.Count(s.Key))
		}
	}
	series := []map[string]any{}
	for i, s := range aid.Statuses {
		series = append(series, map[string]any{"name": s.Label, "type": "bar", "stack": "all", "data": data[i]})
	}
	opt := map[string]any{
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 40, "right": 8, "bottom": 8, "top": 36, "containLabel": true},
		"xAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0, "rotate": 40}},
		"yAxis":   map[string]any{"type": "value", "minInterval": 1},
		"series":  series,
		"color":   []string{"#9e9e9e", "#1565c0", "#ef6c00", "#c62828", "#2e7d32"},
		"tooltip": map[string]any{"trigger": "axis"},
	}
	b, _ := json.Marshal(opt)
	return string(b)
}
