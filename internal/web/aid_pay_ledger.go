package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"halfsky/internal/aid"
	"halfsky/internal/audit"
	"halfsky/internal/httpx"
)

// aidPayLedgerData is a year's disbursement against the budget, per
// programme and district, with a chart of where the money is.
type aidPayLedgerData struct {
	Tabs     []aidTab
	Tab      string
	L        aid.Ledger
	Years    []int
	Balanced bool
	Chart    string // ECharts option: amounts per district by state
	Export   string
}

// aidLedgerYear reads ?year=, this year when absent or not a year.
func (h *handler) aidLedgerYear(r *http.Request) int {
	y, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || y < 2000 || y > 2100 {
		return h.deps.Aid.Year()
	}
	return y
}

func (h *handler) aidPayLedger(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	l, err := h.deps.Aid.Ledger(r.Context(), c.Actor, h.aidLedgerYear(r))
	if err != nil {
		return err
	}
	d := aidPayLedgerData{Tabs: h.aidTabs(r, c), Tab: "pay", L: l, Years: h.aidYears(r, c), Balanced: l.Total.Balanced(l.Whole)}
	for _, p := range l.Programmes {
		d.Balanced = d.Balanced && p.Balanced(l.Whole)
	}
	d.Chart = aidLedgerChart(l)
	d.Export, _ = queryURL("/aid/pay/ledger.xlsx", "year", strconv.Itoa(l.Year))
	title := strconv.Itoa(l.Year) + "年度救助金台账"
	h.tpl.Page(w, r, http.StatusOK, "aid_pay_ledger", View{Layout: Layout{Title: title, Active: "aid",
		Crumbs: []Crumb{{Href: "/aid", Label: "关爱救助"}, {Href: "/aid/pay", Label: "救助金发放"}, {Label: title}}}, Data: d})
	return nil
}

// aidLedgerStates are the ledger's parts of the approved money, in the
// chart's stacking order.
var aidLedgerStates = []struct {
	Label, Colour string
	Amount        func(aid.Figures) int64
}{
	{aid.Paid.Label(), "#2e7d32", func(f aid.Figures) int64 { return f.Paid }},
	{aid.Pending.Label(), "#1565c0", func(f aid.Figures) int64 { return f.Pending }},
	{aid.Failed.Label(), "#c62828", func(f aid.Figures) int64 { return f.Failed }},
	{"未编入批次", "#9e9e9e", func(f aid.Figures) int64 { return f.Unbatched }},
}

// aidLedgerChart is a stacked bar per district of the approved money (in
// yuan) by where it is.
func aidLedgerChart(l aid.Ledger) string {
	names := []string{}
	data := make([][]float64, len(aidLedgerStates))
	for _, d := range l.Districts {
		names = append(names, d.Org.Name)
		for i, s := range aidLedgerStates {
			data[i] = append(data[i], float64(s.Amount(d.Figures))/100)
		}
	}
	series := []map[string]any{}
	colours := []string{}
	for i, s := range aidLedgerStates {
		if data[i] == nil {
			data[i] = []float64{}
		}
		series = append(series, map[string]any{"name": s.Label, "type": "bar", "stack": "all", "data": data[i]})
		colours = append(colours, s.Colour)
	}
	opt := map[string]any{
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 40, "right": 8, "bottom": 8, "top": 36, "containLabel": true},
		"xAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0, "rotate": 40}},
		"yAxis":   map[string]any{"type": "value", "name": "元"},
		"series":  series,
		"color":   colours,
		"tooltip": map[string]any{"trigger": "axis"},
	}
	b, _ := json.Marshal(opt)
	return string(b)
}

// aidPayLedgerExport writes the ledger to Excel: figures only, no
// personal data; audited as an export.
func (h *handler) aidPayLedgerExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a := r.Context(), c.Actor
	l, err := h.deps.Aid.Ledger(ctx, a, h.aidLedgerYear(r))
	if err != nil {
		return err
	}
	sh, err := newSheet("救助金台账", []Column{{"项目", 14}, {"区县（市）", 16}, {"预算（元）", 14}, {"批准笔数", 10},
		{"批准金额（元）", 14}, {"已付款笔数", 10}, {"已付款金额（元）", 14}, {"待银行回复笔数", 12}, {"待银行回复金额（元）", 16},
		{"付款失败笔数", 12}, {"付款失败金额（元）", 16}, {"未编入批次笔数", 12}, {"未编入批次金额（元）", 16}, {"剩余预算（元）", 14},
		{"失败次数（含已重付）", 14}})
	if err != nil {
		return err
	}
	defer sh.Close()
	rows := 0
	add := func(programme, district string, f aid.Figures, budget bool) error {
		rows++
		var b, rem any = "", ""
		if budget && l.Whole {
			b, rem = money(f.Budget), money(f.Remaining)
		}
		return sh.Add(programme, district, b, f.ApprovedCount, money(f.Approved), f.PaidCount, money(f.Paid),
			f.PendingCount, money(f.Pending), f.FailedCount, money(f.Failed), f.UnbatchedCount, money(f.Unbatched), rem,
			f.FailedAttempts)
	}
	for _, p := range l.Programmes {
		if err := add(p.Programme.Name, "全部", p.Figures, true); err != nil {
			return err
		}
		for _, d := range p.Districts {
			if err := add(p.Programme.Name, d.Org.Name, d.Figures, false); err != nil {
				return err
			}
		}
	}
	if err := add("合计", "全部", l.Total, true); err != nil {
		return err
	}
	detail := "ledger " + strconv.Itoa(l.Year) + " " + strconv.Itoa(rows) + " rows"
	_ = audit.Log(ctx, h.deps.DB, audit.FromActor(a, "aid.export", "aid_ledger", "", audit.OK, detail))
	return sh.Send(w, r, strconv.Itoa(l.Year)+"年度救助金台账")
}
