package web

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"

	"halfsky/internal/access"
	"halfsky/internal/org"
	"halfsky/internal/rectify"
	"halfsky/internal/study"
	"halfsky/internal/visit"
)

// The work lines on the home page (工作台): what the unit has to do next
// in 学习, 访妇情办实事 and 问题整改, and — for a unit with units below it —
// the same rolled up, with charts. Each module computes its own part
// (Desk, DeskByChild); this file only composes and draws them.

// homeWork is the work lines' part of the desk.
type homeWork struct {
	Study    study.Desk
	Visits   visit.Desk
	Problems rectify.Desk
	// Due is true when anything waits for the unit (the 待办 cards; the
	// quotas have their own card below them).
	Due bool

	// For a unit with children: the roll-up and the charts.
	Parent bool
	Rollup []org.RollupRow // columns: homeRollCols
	Totals []int64
	Charts homeCharts
}

// homeRollCols are the roll-up table's columns, in order.
var homeRollCols = []string{"学习活动", "走访", "收集诉求", "办结实事", "逾期实事", "未销号问题", "红灯问题", "黄灯问题"}

// homeRollWide are the columns a phone leaves out (class col-wide), so
// the table fits 375 px: the unit, visits, needs, overdue tasks and red
// problems remain.
var homeRollWide = map[int]bool{0: true, 3: true, 5: true, 7: true}

// homeCharts holds each chart's ECharts option as JSON.
type homeCharts struct {
	Trend    string
	Needs    string
	Problems string
}

// homeAdd adds two counts on the desk (open and applied problems).
func homeAdd(a, b int64) int64 { return a + b }

// homeRollColumns gives templates the roll-up table's columns.
func homeRollColumns() []string { return homeRollCols }

// homeRollColumnWide reports whether column i is one a phone leaves out.
func homeRollColumnWide(i int) bool { return homeRollWide[i] }

// homeDay shows a YYYY-MM-DD date as 11月4日 (the year is the current one
// on a desk), or as given when it is not a date.
func homeDay(date string) string {
	if len(date) != 10 {
		return date
	}
	m, err1 := strconv.Atoi(date[5:7])
	d, err2 := strconv.Atoi(date[8:10])
	if err1 != nil || err2 != nil {
		return date
	}
	return strconv.Itoa(m) + "月" + strconv.Itoa(d) + "日"
}

// homeMonth shows YYYY-MM as 2026年11月.
func homeMonth(month string) string {
	if len(month) != 7 {
		return month
	}
	m, err := strconv.Atoi(month[5:])
	if err != nil {
		return month
	}
	return month[:4] + "年" + strconv.Itoa(m) + "月"
}

// homeWorkFor gathers the work desk of the actor's unit; nil for roles
// without the work lines (the administrators). The modules' queries run
// side by side: on a cold minute a city's counts take a few hundred
// milliseconds each, and they touch different tables.
func (h *handler) homeWorkFor(ctx context.Context, a access.Actor, unit org.Org, parent bool) (*homeWork, error) {
	if !a.Can(access.ViewWork) {
		return nil, nil
	}
	w := &homeWork{Parent: parent}
	var st, vi, pr map[string][]int64
	jobs := []func() error{
		func() (err error) { w.Study, err = h.deps.Study.Desk(ctx, a); return err },
		func() (err error) { w.Visits, err = h.deps.Visits.Desk(ctx, a); return err },
		func() (err error) { w.Problems, err = h.deps.Rectify.Desk(ctx, a); return err },
	}
	if parent {
		jobs = append(jobs,
			func() (err error) { st, err = h.deps.Study.DeskByChild(ctx, a, unit); return err },
			func() (err error) { vi, err = h.deps.Visits.DeskByChild(ctx, a, unit); return err },
			func() (err error) { pr, err = h.deps.Rectify.DeskByChild(ctx, a, unit); return err },
		)
	}
	if err := homeAll(jobs); err != nil {
		return nil, err
	}
	v, p := w.Visits, w.Problems
	w.Due = v.OverdueTotal+v.DueSoonTotal+v.HandoversTotal+p.ReturnedTotal+p.OverdueTotal+p.DueSoonTotal+p.VerifyTotal > 0
	if !parent {
		return w, nil
	}
	if err := h.homeRollup(ctx, unit, w, st, vi, pr); err != nil {
		return nil, err
	}
	w.Charts = homeChartsFor(w)
	return w, nil
}

// homeEach runs the jobs one after another, up to the first error.
func homeEach(jobs []func() error) error {
	for _, job := range jobs {
		if err := job(); err != nil {
			return err
		}
	}
	return nil
}

// homeAll runs the jobs concurrently and returns the first error.
func homeAll(jobs []func() error) error {
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = job()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// homeRollup builds the 各单位工作进展 table: each module's per-child
// numbers side by side, one row per child unit.
func (h *handler) homeRollup(ctx context.Context, unit org.Org, w *homeWork, st, vi, pr map[string][]int64) error {
	by := map[string][]int64{}
	put := func(src map[string][]int64, at int) {
		for path, ns := range src {
			if by[path] == nil {
				by[path] = make([]int64, len(homeRollCols))
			}
			copy(by[path][at:], ns)
		}
	}
	put(st, 0)
	put(vi, 1)
	put(pr, 5)
	var err error
	w.Rollup, w.Totals, err = h.deps.Orgs.Rollup(ctx, unit, len(homeRollCols), by)
	return err
}

// homeRollName is a roll-up row's label: the unit's own row says 本级.
func homeRollName(r org.RollupRow) string {
	if r.Self {
		return r.Org.Name + "（本级）"
	}
	return r.Org.Name
}

// homeChartsFor draws the trend, the needs by category and the problems
// by child unit and colour as ECharts options (data only, no functions).
func homeChartsFor(w *homeWork) homeCharts {
	var c homeCharts
	months, vis, needs, done, acts := []string{}, []int64{}, []int64{}, []int64{}, []int64{}
	for i, m := range w.Visits.Months {
		months = append(months, homeAxisMonth(m.Month, i == 0))
		vis, needs, done = append(vis, m.Visits), append(needs, m.Needs), append(done, m.TasksDone)
		if i < len(w.Study.Months) {
			acts = append(acts, w.Study.Months[i].Activities)
		}
	}
	line := func(name string, data []int64) map[string]any {
		return map[string]any{"name": name, "type": "line", "data": data, "smooth": false}
	}
	c.Trend = homeJSON(map[string]any{
		"legend": map[string]any{"top": 0},
		"grid":   map[string]any{"left": 8, "right": 16, "top": 56, "bottom": 8, "containLabel": true},
		"xAxis":  map[string]any{"type": "category", "data": months},
		"yAxis":  map[string]any{"type": "value", "minInterval": 1},
		"series": []any{line("走访", vis), line("收集诉求", needs), line("办结实事", done), line("学习活动", acts)},
	})
	var pie []map[string]any
	for _, n := range w.Visits.NeedsByCat {
		pie = append(pie, map[string]any{"name": n.Label, "value": n.N})
	}
	c.Needs = homeJSON(map[string]any{
		"tooltip": map[string]any{"trigger": "item"},
		"legend":  map[string]any{"bottom": 0, "type": "scroll"},
		"series": []any{map[string]any{"name": "收集诉求", "type": "pie", "radius": []string{"35%", "68%"},
			"center": []string{"50%", "45%"}, "data": pie, "label": map[string]any{"position": "inside", "formatter": "{c}"}}},
	})
	var names []string
	var red, yellow, other []int64
	for _, r := range w.Rollup {
		names = append(names, homeRollName(r))
		red, yellow = append(red, r.N[6]), append(yellow, r.N[7])
		other = append(other, r.N[5]-r.N[6]-r.N[7])
	}
	bar := func(name, colour string, data []int64) map[string]any {
		return map[string]any{"name": name, "type": "bar", "stack": "problems", "data": data,
			"itemStyle": map[string]any{"color": colour}}
	}
	c.Problems = homeJSON(map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 8, "right": 16, "top": 56, "bottom": 8, "containLabel": true},
		"xAxis":   map[string]any{"type": "value", "minInterval": 1},
		"yAxis":   map[string]any{"type": "category", "data": names, "inverse": true, "axisLabel": map[string]any{"width": 96, "overflow": "truncate"}},
		"series": []any{bar("逾期（红灯）", "#c62828", red), bar("7日内到期（黄灯）", "#f9a825", yellow),
			bar("其他未销号", "#2e7d32", other)},
	})
	return c
}

// homeAxisMonth labels a month on the trend's axis: 12月, with the year
// on the first month and on each January (2026年1月).
func homeAxisMonth(month string, first bool) string {
	if len(month) != 7 {
		return month
	}
	if first || strings.HasSuffix(month, "-01") {
		return homeMonth(month)
	}
	return strings.TrimPrefix(homeMonth(month), month[:4]+"年")
}

// homeJSON marshals a chart option: plain data, no functions.
func homeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}
