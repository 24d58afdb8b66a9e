package web

import (
	"halfsky/internal/rights"
)

// caseDeskCharts are 巾帼维权's charts on the work desk, as ECharts
// options (charts.js draws them): this year's cases by month, stacked by
// whether they are closed, and by category.
type caseDeskCharts struct {
	Months     string
	Categories string
}

// caseChartsFor builds the desk's charts from its counts.
func caseChartsFor(k rights.Desk) caseDeskCharts {
	var pie []map[string]any
	for _, l := range k.ByCategory {
		if l.N > 0 {
			pie = append(pie, map[string]any{"name": l.Label, "value": l.N})
		}
	}
	return caseDeskCharts{
		Months: barChart("受理", k.ByMonth),
		Categories: homeJSON(map[string]any{
			"tooltip": map[string]any{"trigger": "item"},
			"legend":  map[string]any{"bottom": 0, "type": "scroll"},
			"series": []any{map[string]any{"name": "案件", "type": "pie", "radius": []string{"35%", "68%"},
				"center": []string{"50%", "45%"}, "data": pie, "label": map[string]any{"position": "inside", "formatter": "{c}"}}},
		}),
	}
}
