package web

import (
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// aidCyclesData is every programme's years with budgets, and the form to
// open or change one.
type aidCyclesData struct {
	Tabs       []aidTab
	Tab        string
	Cycles     []aid.Cycle
	CanManage  bool
	Programmes []Option
	Form       map[string]string
	Errors     map[string]string
}

func (h *handler) aidCycles(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	y := strconv.Itoa(h.deps.Aid.Year())
	form := map[string]string{"year": y, "opens_on": y + "-01-01", "closes_on": y + "-12-31"}
	return h.renderAidCycles(w, r, c, http.StatusOK, form, nil)
}

func (h *handler) renderAidCycles(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, form, errs map[string]string) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Aid
	cycles, err := svc.Cycles(ctx, a, "")
	if err != nil {
		return err
	}
	progs, err := svc.Programmes(ctx, a)
	if err != nil {
		return err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	d := aidCyclesData{Tabs: h.aidTabs(r, c), Tab: "cycles", Cycles: cycles, CanManage: h.aidCanManage(r, c),
		Programmes: aidProgrammeOptions(progs), Form: form, Errors: errs}
	h.tpl.Page(w, r, status, "aid_cycles", View{Layout: Layout{Title: "年度预算与名额", Active: "aid"}, Data: d})
	return nil
}

// aidCycleSave opens a programme's year or changes its budget and dates.
func (h *handler) aidCycleSave(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	_ = r.ParseForm()
	f := r.PostForm
	form := map[string]string{}
	for _, k := range []string{"programme", "year", "budget", "opens_on", "closes_on"} {
		form[k] = strings.TrimSpace(f.Get(k))
	}
	in := aid.CycleInput{Programme: form["programme"], OpensOn: form["opens_on"], ClosesOn: form["closes_on"]}
	errs := map[string]string{}
	in.Year, _ = strconv.Atoi(form["year"])
	budget, ok := parseYuan(form["budget"])
	if !ok {
		errs["budget"] = "预算应为数字（元），如 500000"
	}
	in.Budget = budget
	var err error
	var cy aid.Cycle
	if len(errs) == 0 {
		cy, err = h.deps.Aid.SaveCycle(r.Context(), c.Actor, in)
	} else {
		err = apperr.Invalid(errs)
	}
	if fields := refusedFields(err, ""); fields != nil {
		return h.renderAidCycles(w, r, c, http.StatusUnprocessableEntity, form, fields)
	}
	return h.finish(w, r, "/aid/cycles/"+strconv.FormatInt(cy.ID, 10)+"/quotas", err, "已保存年度预算")
}

// aidCycleData is one cycle with the districts' quotas.
type aidCycleData struct {
	C         aid.Cycle
	Quotas    []aid.Quota
	CanManage bool
	Errors    map[string]string // by district code
	Form      map[string]string
}

// QuotaValue is the quota field's value: a refused input, else the set quota.
func (d aidCycleData) QuotaValue(q aid.Quota) string {
	if v, ok := d.Form[q.Org.Code]; ok {
		return v
	}
	if q.Set {
		return strconv.Itoa(q.Quota)
	}
	return ""
}

func (h *handler) aidCycleShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.renderAidCycle(w, r, c, id, http.StatusOK, nil, nil)
}

func (h *handler) renderAidCycle(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int, form, errs map[string]string) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Aid
	cy, err := svc.Cycle(ctx, a, id)
	if err != nil {
		return err
	}
	quotas, err := svc.Quotas(ctx, a, id)
	if err != nil {
		return err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	if form == nil {
		form = map[string]string{}
	}
	d := aidCycleData{C: cy, Quotas: quotas, CanManage: svc.ManagesCycle(ctx, a, cy.ID), Errors: errs, Form: form}
	title := cy.ProgrammeName + strconv.Itoa(cy.Year) + "年度"
	h.tpl.Page(w, r, status, "aid_cycle", View{Layout: Layout{Title: title, Active: "aid",
		Crumbs: []Crumb{{Href: "/aid", Label: "关爱救助"}, {Href: "/aid/cycles", Label: "年度预算与名额"}, {Label: title}}}, Data: d})
	return nil
}

// aidQuotaSave sets one district's quota in the cycle.
func (h *handler) aidQuotaSave(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	district, raw := strings.TrimSpace(r.PostFormValue("org")), strings.TrimSpace(r.PostFormValue("quota"))
	n, err := strconv.Atoi(raw)
	if err != nil {
		err = apperr.Field("quota", "名额应为不小于 0 的整数")
	} else {
		err = h.deps.Aid.SetQuota(r.Context(), c.Actor, id, district, n)
	}
	if fields := refusedFields(err, ""); fields != nil {
		msg := fields["quota"]
		if msg == "" {
			msg = errorText(err)
		}
		return h.renderAidCycle(w, r, c, id, http.StatusUnprocessableEntity, map[string]string{district: raw}, map[string]string{district: msg})
	}
	return h.finish(w, r, "/aid/cycles/"+strconv.FormatInt(id, 10)+"/quotas#quota-"+district, err, "已保存名额")
}
