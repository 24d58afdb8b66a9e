package web

import (
	"net/http"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

type quotaListData struct {
	visitPage
	Quotas    []visit.Quota
	Mine      []visit.MyQuota
	CanManage bool
	Units     []Option
	Metrics   []Option
	Form      map[string]string
	Errors    map[string]string
}

// quotasList is the quotas the actor sees, her own progress, and (for
// those who set them) the form of a new one.
func (h *handler) quotasList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	from, to := visit.QuarterOf(h.deps.Visits.Today())
	form := map[string]string{"org_code": c.Actor.OrgCode, "metric": "women", "target": "10", "starts_on": from, "ends_on": to, "title": "1+10+N 联系妇女"}
	return h.renderQuotas(w, r, c, http.StatusOK, form, map[string]string{})
}

func (h *handler) renderQuotas(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, form, errs map[string]string) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Visits
	qs, err := svc.Quotas(ctx, a)
	if err != nil {
		return err
	}
	mine, err := svc.MyQuotas(ctx, a)
	if err != nil {
		return err
	}
	d := quotaListData{visitPage: h.visitPage("quotas"), Quotas: qs, Mine: mine, CanManage: a.Can(access.ManageWork),
		Units: withSelected(h.unitOptions(r, c), form["org_code"]), Metrics: options(visit.Metrics), Form: form, Errors: errs}
	h.tpl.Page(w, r, status, "quota_list", View{Layout: Layout{Title: "任务指标", Active: "visits"}, Data: d})
	return nil
}

// quotaCreate sets a quota for the actor's unit or one below it.
func (h *handler) quotaCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	form := formValues(r, "org_code", "metric", "target", "starts_on", "ends_on", "title")
	errs := map[string]string{}
	in := visit.QuotaInput{OrgCode: form["org_code"], Metric: form["metric"], StartsOn: form["starts_on"], EndsOn: form["ends_on"], Title: form["title"]}
	in.Target = formInt(form, errs, "target", "目标值应为整数")
	q, err := h.deps.Visits.CreateQuota(r.Context(), c.Actor, in)
	if err == nil && len(errs) == 0 {
		redirectFlash(w, r, "/visits/quotas/"+strconv.FormatInt(q.ID, 10), "success", "任务指标已设置")
		return nil
	}
	if err != nil {
		var ok bool
		if errs, ok = mergeErrors(errs, err); !ok {
			return err
		}
	}
	return h.renderQuotas(w, r, c, http.StatusUnprocessableEntity, form, errs)
}

type quotaShowData struct {
	visitPage
	P visit.Progress
}

// quotaShow is a quota with every cadre's progress in the actor's scope.
func (h *handler) quotaShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	p, err := h.deps.Visits.QuotaProgress(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	h.tpl.Page(w, r, http.StatusOK, "quota_show", View{Layout: Layout{Title: p.Quota.Title, Active: "visits",
		Crumbs: []Crumb{{Href: "/visits/quotas", Label: "任务指标"}, {Label: p.Quota.Title}}}, Data: quotaShowData{visitPage: h.visitPage("quotas"), P: p}})
	return nil
}

// quotaExport writes every cadre's progress against a quota, as the page
// shows it, to Excel.
func (h *handler) quotaExport(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	p, err := h.deps.Visits.QuotaProgress(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	sh, err := newSheet("指标完成情况", []Column{{"干部", 12}, {"单位代码", 14}, {"单位", 24}, {p.Quota.MetricLabel(), 12},
		{"目标", 8}, {"是否达标", 10}})
	if err != nil {
		return err
	}
	defer sh.Close()
	for _, x := range p.Cadres {
		reached := "未达标"
		if x.Reached() {
			reached = "已达标"
		}
		if err := sh.Add(x.Name, x.OrgCode, x.OrgName, x.Value, x.Target, reached); err != nil {
			return err
		}
	}
	h.visitExported(r, c, "quota.export", "quota", len(p.Cadres))
	return sh.Send(w, r, p.Quota.Title+"完成情况")
}
