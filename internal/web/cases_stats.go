package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/httpx"
	"halfsky/internal/rights"
)

// caseStatsData is 巾帼维权's statistics page: a year or a month of a
// unit's cases, by category, channel, danger, outcome and month, and the
// roll-up by the units below. No name anywhere.
type caseStatsData struct {
	S          rights.Stats
	Years      []int
	Months     []Option
	MonthChart string
	CatChart   string
	Export     string
}

// caseStatsQuery reads ?under=&year=&month=: the year defaults to this
// one, the month to none (the whole year).
func (h *handler) caseStatsQuery(r *http.Request) (under string, year int, month string) {
	q := r.URL.Query()
	year = h.deps.Rights.Now().In(db.Shanghai).Year()
	if y, err := strconv.Atoi(q.Get("year")); err == nil && y >= 2015 && y <= year {
		year = y
	}
	return q.Get("under"), year, q.Get("month")
}

func (h *handler) caseStats(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	under, year, month := h.caseStatsQuery(r)
	st, err := h.deps.Rights.Stats(r.Context(), c.Actor, under, year, month)
	if err != nil {
		return err
	}
	d := caseStatsData{S: st, MonthChart: barChart("受理", st.ByMonth), CatChart: barChart("案件数", st.ByCategory)}
	for y := h.deps.Rights.Now().In(db.Shanghai).Year(); y >= 2015 && len(d.Years) < 5; y-- {
		d.Years = append(d.Years, y)
	}
	for _, m := range st.ByMonth {
		d.Months = append(d.Months, Option{m.Key, m.Label})
	}
	q := url.Values{"under": {st.Node.Code}, "year": {strconv.Itoa(year)}, "month": {st.Month}}
	d.Export = "/cases/stats.xlsx?" + q.Encode()
	h.tpl.Page(w, r, http.StatusOK, "case_stats", View{Layout: Layout{Title: "维权统计 · " + st.Node.Name, Active: "cases",
		Crumbs: []Crumb{{Href: "/cases", Label: "巾帼维权"}, {Label: st.Node.Name + "统计"}}}, Data: d})
	return nil
}

// barChart is an ECharts bar of the lines (charts.js draws it).
func barChart(name string, ls []rights.StatLine) string {
	var names []string
	var data []int64
	for _, l := range ls {
		names, data = append(names, l.Label), append(data, l.N)
	}
	b, _ := json.Marshal(map[string]any{
		"grid":   map[string]any{"left": 8, "right": 8, "bottom": 8, "top": 16, "containLabel": true},
		"xAxis":  map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0}},
		"yAxis":  map[string]any{"type": "value", "minInterval": 1},
		"series": []map[string]any{{"name": name, "type": "bar", "data": data}},
	})
	return string(b)
}

// small is a count in a report that leaves the unit: under 5 it shows as
// "<5", so that no woman can be told apart by a small number.
func small(n int64) any {
	if n < 5 {
		return "<5"
	}
	return n
}

// caseStatsExport is the 12338 monthly report (or the year's) to the
// federation above, in a fixed layout: the month and the year to date by
// category, channel, danger level and outcome, then the units below.
// Every count under 5 is shown as "<5".
func (h *handler) caseStatsExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a := r.Context(), c.Actor
	under, year, month := h.caseStatsQuery(r)
	if month == "" {
		month = h.deps.Rights.Now().In(db.Shanghai).Format("2006-01")
		if !sameYear(month, year) {
			month = strconv.Itoa(year) + "-12"
		}
	}
	st, err := h.deps.Rights.Stats(ctx, a, under, year, month)
	if err != nil {
		return err
	}
	ytd, err := h.deps.Rights.Stats(ctx, a, under, year, "")
	if err != nil {
		return err
	}
	sh, err := newSheet("12338月报", []Column{{"项目", 30}, {"本月", 12}, {"本年累计", 12}})
	if err != nil {
		return err
	}
	defer sh.Close()
	rows := [][]any{{"12338妇女维权公益服务热线 维权案件月报表", "", ""}, {"填报单位：" + st.Node.Name, "月份：" + st.Month, ""},
		{"说明：对外报送的报表中，小于 5 的数字一律显示为“<5”", "", ""}, {"合计", small(st.Total), small(ytd.Total)}, {"其中已办结", small(st.Closed), small(ytd.Closed)}}
	for _, sec := range []struct {
		title    string
		now, all []rights.StatLine
	}{{"一、按类别", st.ByCategory, ytd.ByCategory}, {"二、按受理渠道", st.ByChannel, ytd.ByChannel},
		{"三、家暴案件危险等级", st.ByRisk, ytd.ByRisk}, {"四、办理结果", st.ByOutcome, ytd.ByOutcome}} {
		rows = append(rows, []any{sec.title, "", ""})
		for i, l := range sec.now {
			rows = append(rows, []any{"　" + l.Label, small(l.N), small(sec.all[i].N)})
		}
	}
	rows = append(rows, []any{"五、下级单位（本月合计 / 本年累计）", "", ""})
	total := len(st.Columns) - 2
	for i, row := range st.Rows {
		name := row.Org.Name
		if row.Self {
			name += "（本级）"
		}
		rows = append(rows, []any{"　" + name, small(row.N[total]), small(ytd.Rows[i].N[total])})
	}
	for _, row := range rows {
		if err := sh.Add(row...); err != nil {
			return err
		}
	}
	_ = audit.Log(ctx, h.deps.DB, audit.FromActor(a, "case.report_export", "case", "", audit.OK, st.Node.Code+" "+st.Month))
	return sh.Send(w, r, "12338维权案件月报表-"+st.Node.Name+"-"+st.Month)
}

func sameYear(month string, year int) bool {
	t, err := time.Parse("2006-01", month)
	return err == nil && t.Year() == year
}
