package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

type visitStatsData struct {
	visitPage
	S          visit.Stats
	Years      []int
	Export     string
	CatChart   string // ECharts option: needs by category (pie)
	TrendChart string // ECharts option: visits, needs and tasks done per month
	UnitChart  string // ECharts option: visits and needs per child unit
}

func visitStatsFilter(r *http.Request) visit.StatsFilter {
	q := r.URL.Query()
	f := visit.StatsFilter{Under: strings.TrimSpace(q.Get("under"))}
	f.Year, _ = strconv.Atoi(q.Get("year"))
	f.Month, _ = strconv.Atoi(q.Get("month"))
	return f
}

// StatsHref is the statistics of another unit for the same period.
func (d visitStatsData) StatsHref(code string) string {
	return withQuery("/visits/stats", "under", code, "year", nonZero(d.S.Year), "month", nonZero(d.S.Month))
}

func nonZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// visitStats is the module's statistics under a unit, rolled up per
// child unit with drill-down, by category and status, and per month.
func (h *handler) visitStats(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	svc := h.deps.Visits
	st, err := svc.Stats(r.Context(), c.Actor, visitStatsFilter(r))
	if err != nil {
		return err
	}
	d := visitStatsData{visitPage: h.visitPage("stats"), S: st, Years: svc.Years(r.Context(), c.Actor)}
	d.Export = withQuery("/visits/stats/export.xlsx", "under", st.Node.Code, "year", nonZero(st.Year), "month", nonZero(st.Month))
	d.CatChart, d.TrendChart, d.UnitChart = needCategoryChart(st.Categories), visitTrendChart(st.Trend), visitUnitChart(st)
	crumbs := []Crumb{{Href: "/visits", Label: "访妇情办实事"}}
	for _, o := range st.Crumbs {
		crumbs = append(crumbs, Crumb{Href: d.StatsHref(o.Code), Label: o.Name})
	}
	crumbs = append(crumbs, Crumb{Label: st.Node.Name + "统计"})
	h.tpl.Page(w, r, http.StatusOK, "visit_stats", View{Layout: Layout{Title: "访妇情办实事统计 · " + st.Node.Name, Active: "visits", Crumbs: crumbs}, Data: d})
	return nil
}

func chartJSON(opt map[string]any) string {
	b, _ := json.Marshal(opt)
	return string(b)
}

func needCategoryChart(cats []visit.Count) string {
	data := []map[string]any{}
	for _, c := range cats {
		if c.N > 0 {
			data = append(data, map[string]any{"name": c.Label, "value": c.N})
		}
	}
	return chartJSON(map[string]any{
		"tooltip": map[string]any{"trigger": "item"},
		"legend":  map[string]any{"bottom": 0},
		"series":  []map[string]any{{"name": "妇情", "type": "pie", "radius": []string{"35%", "62%"}, "center": []string{"50%", "45%"}, "data": data}},
	})
}

func visitTrendChart(months []visit.Month) string {
	var names []string
	var visits, needs, done []int64
	for _, m := range months {
		names = append(names, m.Month)
		visits, needs, done = append(visits, m.Visits), append(needs, m.Needs), append(done, m.TasksDone)
	}
	return chartJSON(map[string]any{
		"legend": map[string]any{"top": 0},
		"grid":   map[string]any{"left": 8, "right": 8, "bottom": 8, "top": 36, "containLabel": true},
		"xAxis":  map[string]any{"type": "category", "data": names},
		"yAxis":  map[string]any{"type": "value", "minInterval": 1},
		"series": []map[string]any{
			{"name": "走访次数", "type": "line", "data": visits},
			{"name": "记录妇情", "type": "line", "data": needs},
			{"name": "办结实事", "type": "line", "data": done},
		},
	})
}

func visitUnitChart(st visit.Stats) string {
	var names []string
	var visits, needs, done []int64
	for _, r := range st.Rows {
		name := r.Org.Name
		if r.Self {
			name += "（本级）"
		}
		names = append(names, name)
		visits, needs, done = append(visits, r.N[visit.ColVisits]), append(needs, r.N[visit.ColNeeds]), append(done, r.N[visit.ColDone])
	}
	return chartJSON(map[string]any{
		"legend": map[string]any{"top": 0},
		"grid":   map[string]any{"left": 8, "right": 8, "bottom": 8, "top": 36, "containLabel": true},
		"xAxis":  map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0, "rotate": 40}},
		"yAxis":  map[string]any{"type": "value", "minInterval": 1},
		"series": []map[string]any{
			{"name": "走访次数", "type": "bar", "data": visits},
			{"name": "记录妇情", "type": "bar", "data": needs},
			{"name": "办结实事", "type": "bar", "data": done},
		},
	})
}

// visitStatsExport writes the roll-up table and the category and status
// counts of the same unit and period to Excel.
func (h *handler) visitStatsExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	st, err := h.deps.Visits.Stats(r.Context(), c.Actor, visitStatsFilter(r))
	if err != nil {
		return err
	}
	sh, err := newSheet("访妇情办实事统计", []Column{{"单位代码", 14}, {"单位", 28}, {"走访次数", 10}, {"接触妇女", 10},
		{"记录妇情", 10}, {"安排实事", 10}, {"办结实事", 10}, {"逾期实事", 10}})
	if err != nil {
		return err
	}
	defer sh.Close()
	row := func(code, name string, n []int64) error {
		vals := []any{code, name}
		for _, v := range n {
			vals = append(vals, v)
		}
		return sh.Add(vals...)
	}
	for _, r0 := range st.Rows {
		name := r0.Org.Name
		if r0.Self {
			name += "（本级）"
		}
		if err := row(r0.Org.Code, name, r0.N); err != nil {
			return err
		}
	}
	if err := row("", "合计", st.Totals); err != nil {
		return err
	}
	_ = sh.Add()
	for _, group := range []struct {
		title string
		list  []visit.Count
	}{{"妇情类别", st.Categories}, {"妇情状态", st.NeedStatus}, {"实事状态", st.TaskStatus}} {
		_ = sh.Add(group.title)
		for _, c := range group.list {
			if err := sh.Add("", c.Label, c.N); err != nil {
				return err
			}
		}
	}
	h.visitExported(r, c, "visit.stats_export", "org", len(st.Rows))
	return sh.Send(w, r, st.Node.Name+"访妇情办实事统计")
}
