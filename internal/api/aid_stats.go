package api

import (
	"net/http"

	"halfsky/internal/aid"
	"halfsky/internal/httpx"
)

// aidCellJSON counts applications by status, in the order of the
// response's "statuses"; approved_amount is in fen.
type aidCellJSON struct {
	ByStatus       []int64 `json:"by_status"`
	Total          int64   `json:"total"`
	ApprovedAmount int64   `json:"approved_amount"`
}

// aidStatsRowJSON is a child unit's subtree (or the node's own records,
// self), with one cell per programme in the order of "programmes".
type aidStatsRowJSON struct {
	OrgCode string        `json:"org_code"`
	OrgName string        `json:"org_name"`
	Self    bool          `json:"self"`
	Cells   []aidCellJSON `json:"cells"`
	All     aidCellJSON   `json:"all"`
}

func toAidStatsRow(r aid.StatsRow) aidStatsRowJSON {
	cell := func(c aid.StatsCell) aidCellJSON {
		by := c.ByStatus
		if by == nil {
			by = []int64{}
		}
		return aidCellJSON{ByStatus: by, Total: c.Total, ApprovedAmount: c.ApprovedAmount}
	}
	out := aidStatsRowJSON{OrgCode: r.Org.Code, OrgName: r.Org.Name, Self: r.Self, Cells: []aidCellJSON{}, All: cell(r.All)}
	for _, c := range r.Cells {
		out.Cells = append(out.Cells, cell(c))
	}
	return out
}

// aidStats: GET /api/v1/aid/stats?under=CODE&year=YYYY — applications
// under the unit (the actor's own by default) rolled up per child unit,
// by programme and status, with approved amounts. Counts only: nothing
// personal.
func (h *handler) aidStats(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	under := q.text("under", 40)
	year := q.number("year", 0, 2015, 2100)
	if err := q.err(); err != nil {
		return err
	}
	st, err := h.deps.Aid.Stats(r.Context(), c.Actor, under, year)
	if err != nil {
		return err
	}
	type progJSON struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	progs := httpx.Map(st.Programmes, func(p aid.Programme) progJSON { return progJSON{p.Code, p.Name} })
	rows := httpx.Map(st.Rows, toAidStatsRow)
	var y *int
	if st.Year != 0 {
		y = &st.Year
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"node": map[string]string{"code": st.Node.Code, "name": st.Node.Name},
		"year": y, "programmes": progs, "statuses": aid.Statuses, "rows": rows, "total": toAidStatsRow(st.Total)})
	return nil
}
