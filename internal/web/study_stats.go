package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/httpx"
	"halfsky/internal/study"
)

type studyStatsData struct {
	S         study.Stats
	Kinds     []Option
	Years     []int
	Under     string
	ChartJSON string
	Export    string
	Errors    map[string]string
}

// statsQuery reads ?under= and ?year= (this year when missing).
func (h *handler) statsQuery(r *http.Request) (string, int) {
	year := h.deps.Study.Now().In(db.Shanghai).Year()
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil {
		year = y
	}
	return strings.TrimSpace(r.URL.Query().Get("under")), year
}

// Href drills down into a child unit, same year.
func (d studyStatsData) Href(code string) string {
	s, _ := queryURL("/study/stats", "under", code, "year", d.S.Year)
	return s
}

// Feed lists a unit's activities of the year.
func (d studyStatsData) Feed(code string) string {
	y := strconv.Itoa(d.S.Year)
	s, _ := queryURL("/study", "under", code, "from", y+"-01-01", "to", y+"-12-31")
	return s
}

// studyStats is the roll-up: one row per child unit, by kind and month.
func (h *handler) studyStats(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	under, year := h.statsQuery(r)
	st, err := h.deps.Study.Stats(r.Context(), c.Actor, under, year)
	if err != nil {
		return err
	}
	this := h.deps.Study.Now().In(db.Shanghai).Year()
	d := studyStatsData{S: st, Kinds: studyKindOptions(), Under: under, ChartJSON: studyChart(st)}
	for y := this; y >= this-4; y-- {
		d.Years = append(d.Years, y)
	}
	d.Export, _ = queryURL("/study/stats.xlsx", "under", under, "year", year)
	crumbs := []Crumb{{Href: "/study", Label: "学习动态"}}
	for _, o := range st.Crumbs {
		crumbs = append(crumbs, Crumb{Href: d.Href(o.Code), Label: o.Name})
	}
	crumbs = append(crumbs, Crumb{Label: st.Node.Name + " · 学习统计"})
	h.tpl.Page(w, r, http.StatusOK, "study_stats", View{Layout: Layout{Title: "学习统计", Active: "study", Crumbs: crumbs}, Data: d})
	return nil
}

// studyChart is the ECharts option of the by-month chart: activities as
// bars, participants as a line on a second axis.
func studyChart(st study.Stats) string {
	months := make([]string, 0, 12)
	acts := make([]int64, 0, 12)
	people := make([]int64, 0, 12)
	for _, m := range st.Months {
		months = append(months, strconv.Itoa(m.Month)+"月")
		acts, people = append(acts, m.Activities), append(people, m.Participants)
	}
	opt := map[string]any{
		"legend": map[string]any{"data": []string{"活动次数", "参加人次"}, "top": 0},
		"grid":   map[string]any{"left": 40, "right": 48, "top": 36, "bottom": 28},
		"xAxis":  map[string]any{"type": "category", "data": months},
		"yAxis": []map[string]any{{"type": "value", "name": "次", "minInterval": 1},
			{"type": "value", "name": "人次", "minInterval": 1, "splitLine": map[string]any{"show": false}}},
		"series": []map[string]any{{"name": "活动次数", "type": "bar", "data": acts},
			{"name": "参加人次", "type": "line", "yAxisIndex": 1, "data": people}},
	}
	b, _ := json.Marshal(opt)
	return string(b)
}

// studyStatsExport is the roll-up as Excel: the per-unit rows with the
// total, then the months.
func (h *handler) studyStatsExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx := r.Context()
	under, year := h.statsQuery(r)
	st, err := h.deps.Study.Stats(ctx, c.Actor, under, year)
	if err != nil {
		return err
	}
	cols := []Column{{"单位", 28}, {"单位代码", 14}, {"活动次数", 10}, {"参加人次", 10}}
	for _, k := range study.Kinds {
		cols = append(cols, Column{k.Label(), 10})
	}
	sh, err := newSheet("学习统计", cols)
	if err != nil {
		return err
	}
	row := func(name, code string, x study.StatRow) error {
		vals := []any{name, code, x.Activities, x.Participants}
		for _, n := range x.ByKind {
			vals = append(vals, n)
		}
		return sh.Add(vals...)
	}
	err = nil
	for _, x := range st.Rows {
		name := x.Org.Name
		if x.Self {
			name += "（本级）"
		}
		if err = row(name, x.Org.Code, x); err != nil {
			break
		}
	}
	if err == nil {
		err = row("合计", st.Node.Code, st.Total)
	}
	if err == nil {
		err = sh.Add()
	}
	if err == nil {
		err = sh.Add("月份", "", "活动次数", "参加人次")
	}
	for _, m := range st.Months {
		if err == nil {
			err = sh.Add(strconv.Itoa(year)+"年"+strconv.Itoa(m.Month)+"月", "", m.Activities, m.Participants)
		}
	}
	if err != nil {
		sh.Close()
		return err
	}
	_ = audit.Log(ctx, h.deps.DB, audit.FromActor(c.Actor, "study.stats_export", "org", st.Node.Code, audit.OK, strconv.Itoa(year)))
	return sh.Send(w, r, "学习统计_"+st.Node.Name+"_"+strconv.Itoa(year))
}
