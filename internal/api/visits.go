package api

import (
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

// visitRoutes is the API of 下基层、访妇情、办实事: visits, needs with their
// hand-overs, tasks, quotas and statistics. Every refusal is audited by
// the visit package itself.
func (h *handler) visitRoutes(mux httpx.Mux) {
	route(mux, "/api/v1/visits", methods{"GET": h.can(access.ViewWork, h.visitList), "POST": h.can(access.ViewWork, h.visitCreate)})
	route(mux, "/api/v1/visits/{id}", methods{"GET": h.can(access.ViewWork, httpx.ID(h.visitShow)), "PUT": h.can(access.ViewWork, httpx.ID(h.visitUpdate))})
	routeBeside(mux, "/api/v1/visits/quotas", methods{"GET": h.can(access.ViewWork, h.quotaList), "POST": h.can(access.ViewWork, h.quotaCreate)})
	route(mux, "/api/v1/visits/quotas/{id}", methods{"GET": h.can(access.ViewWork, httpx.ID(h.quotaShow))})
	routeBeside(mux, "/api/v1/visits/stats", methods{"GET": h.can(access.ViewWork, h.visitStats)})
	h.needRoutes(mux)
	h.taskRoutes(mux)
}

// visitJSON is one visit.
type visitJSON struct {
	ID         int64     `json:"id"`
	OrgCode    string    `json:"org_code"`
	OrgName    string    `json:"org_name"`
	CadreID    int64     `json:"cadre_id"`
	CadreName  string    `json:"cadre_name"`
	Companions string    `json:"companions"`
	VisitedOn  string    `json:"visited_on"`
	Place      string    `json:"place"`
	Households int       `json:"households"`
	Women      int       `json:"women"`
	Notes      string    `json:"notes"`
	Needs      int       `json:"needs"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Version    int       `json:"version"`
}

func toVisitJSON(v visit.Visit) visitJSON {
	return visitJSON{ID: v.ID, OrgCode: v.OrgCode, OrgName: v.OrgName, CadreID: v.CadreID, CadreName: v.CadreName,
		Companions: v.Companions, VisitedOn: v.VisitedOn, Place: v.Place, Households: v.Households, Women: v.Women,
		Notes: v.Notes, Needs: v.Needs, CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC(), Version: v.Version}
}

// visitList: GET /api/v1/visits?under=&from=&to=&mine=1&q=&page=&per_page=.
func (h *handler) visitList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := visit.VisitFilter{Under: q.text("under", 20), From: q.text("from", 10), To: q.text("to", 10), Mine: q.v.Get("mine") == "1", Q: q.text("q", 50), Full: true}
	page, per := q.page(20, 200)
	if err := q.err(); err != nil {
		return err
	}
	f.Page = visit.Page{Page: page, PerPage: per}
	items, total, err := h.deps.Visits.Visits(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(httpx.Map(items, toVisitJSON), total, page, per))
	return nil
}

func visitInputOK(in visit.VisitInput) error {
	e := map[string]string{}
	texts(e, "org_code", in.OrgCode)
	texts(e, "visited_on", in.VisitedOn)
	texts(e, "place", in.Place)
	texts(e, "companions", in.Companions)
	texts(e, "notes", in.Notes)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	return nil
}

// visitCreate: POST /api/v1/visits {org_code, visited_on, place,
// companions, households, women, notes} — 201; the caller is the cadre.
// Photos are added through the web form.
func (h *handler) visitCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in visit.VisitInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := visitInputOK(in); err != nil {
		return err
	}
	v, err := h.deps.Visits.CreateVisit(r.Context(), c.Actor, in, nil)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"visit": toVisitJSON(v)})
	return nil
}

// visitShow: GET /api/v1/visits/{id} — the visit and its needs (masked).
func (h *handler) visitShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	v, err := h.deps.Visits.Visit(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	needs, _, err := h.deps.Visits.Needs(r.Context(), c.Actor, visit.NeedFilter{VisitID: id, Page: visit.Page{All: true}})
	if err != nil {
		return err
	}
	out := httpx.Map(needs, toNeedJSON)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"visit": toVisitJSON(v), "needs": out})
	return nil
}

// visitUpdate: PUT /api/v1/visits/{id} with the fields of a new visit and
// the version read (409 when someone saved in between).
func (h *handler) visitUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in visit.VisitInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := visitInputOK(in); err != nil {
		return err
	}
	v, err := h.deps.Visits.UpdateVisit(r.Context(), c.Actor, id, in, nil)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"visit": toVisitJSON(v)})
	return nil
}

// quotaJSON is a quota.
type quotaJSON struct {
	ID          int64  `json:"id"`
	OrgCode     string `json:"org_code"`
	OrgName     string `json:"org_name"`
	SetBy       string `json:"set_by"`
	Metric      string `json:"metric"`
	MetricLabel string `json:"metric_label"`
	Target      int    `json:"target"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
	Title       string `json:"title"`
}

func toQuotaJSON(q visit.Quota) quotaJSON {
	return quotaJSON{ID: q.ID, OrgCode: q.OrgCode, OrgName: q.OrgName, SetBy: q.SetByName, Metric: q.Metric, MetricLabel: q.MetricLabel(),
		Target: q.Target, StartsOn: q.StartsOn, EndsOn: q.EndsOn, Title: q.Title}
}

// progressJSON is one cadre's way towards a quota.
type progressJSON struct {
	UserID  int64  `json:"user_id,omitempty"`
	Name    string `json:"name"`
	OrgCode string `json:"org_code"`
	OrgName string `json:"org_name"`
	Value   int    `json:"value"`
	Target  int    `json:"target"`
	Percent int    `json:"percent"`
	Reached bool   `json:"reached"`
}

func toProgressJSON(p visit.CadreProgress) progressJSON {
	return progressJSON{UserID: p.UserID, Name: p.Name, OrgCode: p.OrgCode, OrgName: p.OrgName, Value: p.Value, Target: p.Target,
		Percent: p.Percent(), Reached: p.Reached()}
}

// quotaList: GET /api/v1/visits/quotas — the quotas the caller sees and
// her own progress on those in force.
func (h *handler) quotaList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	qs, err := h.deps.Visits.Quotas(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	mine, err := h.deps.Visits.MyQuotas(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	items := httpx.Map(qs, toQuotaJSON)
	own := httpx.Map(mine, func(m visit.MyQuota) map[string]any {
		return map[string]any{"quota": toQuotaJSON(m.Quota), "progress": toProgressJSON(m.CadreProgress)}
	})
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items), "mine": own})
	return nil
}

// quotaCreate: POST /api/v1/visits/quotas {org_code, metric, target,
// starts_on, ends_on, title} — 201.
func (h *handler) quotaCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in visit.QuotaInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "org_code", in.OrgCode)
	texts(e, "title", in.Title)
	texts(e, "metric", in.Metric)
	texts(e, "starts_on", in.StartsOn)
	texts(e, "ends_on", in.EndsOn)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	q, err := h.deps.Visits.CreateQuota(r.Context(), c.Actor, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"quota": toQuotaJSON(q)})
	return nil
}

// quotaShow: GET /api/v1/visits/quotas/{id} — the quota with the progress
// of every cadre in the caller's scope.
func (h *handler) quotaShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	p, err := h.deps.Visits.QuotaProgress(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	cadres := httpx.Map(p.Cadres, toProgressJSON)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"quota": toQuotaJSON(p.Quota), "cadres": cadres, "reached": p.Reached, "sum": p.Sum})
	return nil
}

// countJSON is a count under a key.
type countJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	N     int64  `json:"n"`
}

func toCountJSON(c visit.Count) countJSON {
	return countJSON{c.Key, c.Label, c.N}
}

// visitStats: GET /api/v1/visits/stats?under=CODE&year=&month= — totals,
// one row per child unit (rolled up), counts by category and status, and
// the monthly trend.
func (h *handler) visitStats(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := visit.StatsFilter{Under: q.text("under", 20), Year: q.number("year", 0, 2000, 2100), Month: q.number("month", 0, 1, 12)}
	if err := q.err(); err != nil {
		return err
	}
	st, err := h.deps.Visits.Stats(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	cols := func(n []int64) map[string]int64 {
		return map[string]int64{"visits": n[visit.ColVisits], "women": n[visit.ColWomen], "needs": n[visit.ColNeeds],
			"tasks": n[visit.ColTasks], "tasks_done": n[visit.ColDone], "tasks_overdue": n[visit.ColOverdue]}
	}
	rows := make([]map[string]any, 0, len(st.Rows))
	for _, x := range st.Rows {
		rows = append(rows, map[string]any{"org_code": x.Org.Code, "org_name": x.Org.Name, "self": x.Self, "counts": cols(x.N)})
	}
	months := make([]map[string]any, 0, len(st.Trend))
	for _, m := range st.Trend {
		months = append(months, map[string]any{"month": m.Month, "visits": m.Visits, "women": m.Women, "needs": m.Needs, "tasks_done": m.TasksDone})
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"org_code": st.Node.Code, "org_name": st.Node.Name, "year": st.Year, "month": st.Month,
		"totals": cols(st.Totals), "units": rows, "categories": httpx.Map(st.Categories, toCountJSON),
		"need_status": httpx.Map(st.NeedStatus, toCountJSON), "task_status": httpx.Map(st.TaskStatus, toCountJSON), "trend": months,
	})
	return nil
}
