package web

import (
	"net/http"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/rights"
	"halfsky/internal/visit"
)

type needShowData struct {
	visitPage
	N         visit.Need
	Handovers []visit.Handover
	Pending   *visit.Handover
	Tasks     []visit.Task
	Owners    []Option
	Targets   []Option // units up and down the tree to hand over to
	CanHand   bool
	CanDecide bool
	CanTask   bool
	Form      map[string]string // the form sent back with errors
	Errors    map[string]string
	Which     string // handover, task or decide: the form Errors belong to
	// A 维权 need: the case it became (as she may see it), or the offer
	// to make it one (its responsible unit, while it has none).
	Case       *rights.Case
	CanCase    bool
	Categories []caseCategoryGroup
}

// needShow is one need: details (personal ones only to its responsible
// unit), hand-over timeline and forms, and the task made of it.
func (h *handler) needShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	form := map[string]string{"starts_on": h.deps.Visits.Today(), "due_on": visit.AddDays(h.deps.Visits.Today(), 14)}
	return h.renderNeedShow(w, r, c, http.StatusOK, id, "", form, map[string]string{})
}

func (h *handler) renderNeedShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, id int64, which string, form, errs map[string]string) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Visits
	n, err := svc.Need(ctx, a, id)
	if err != nil {
		return err
	}
	d := needShowData{visitPage: h.visitPage("needs"), N: n, Form: form, Errors: errs, Which: which}
	if d.Handovers, err = svc.Handovers(ctx, a, id); err != nil {
		return err
	}
	for i := range d.Handovers {
		if d.Handovers[i].Status == visit.HandPending {
			d.Pending = &d.Handovers[i]
			d.CanDecide = visit.MayDecide(a, d.Handovers[i])
		}
	}
	if d.Tasks, _, err = svc.Tasks(ctx, a, visit.TaskFilter{NeedID: id, Page: visit.Page{All: true}}); err != nil {
		return err
	}
	open := n.Status == visit.NeedOpen
	d.CanHand = open && visit.MayActOn(a, access.ManageWork, n) == nil
	d.CanTask = open && visit.MayActOn(a, access.RecordWork, n) == nil
	if d.CanTask {
		d.Owners = h.ownerOptions(r, c, n.OrgID)
	}
	if d.CanHand {
		d.Targets = h.handoverTargets(r, c, n)
	}
	if n.Category == "rights" && a.Can(access.ViewCases) {
		if k, err := h.deps.Rights.CaseOfNeed(ctx, a, id); err == nil {
			d.Case = &k
		} else if n.Revealed && n.OrgID == a.OrgID && a.Can(access.RecordCases) {
			cats, err := h.deps.Rights.Categories(ctx)
			if err != nil {
				return err
			}
			d.CanCase, d.Categories = true, caseCategoryGroups(cats)
		}
	}
	title := n.CategoryLabel() + " · 妇情"
	h.tpl.Page(w, r, status, "need_show", View{Layout: Layout{Title: title, Active: "visits",
		Crumbs: []Crumb{{Href: "/needs", Label: "妇情"}, {Label: title}}}, Data: d})
	return nil
}

// handoverTargets offers the units above the need's unit (up to the city)
// and those directly below it.
func (h *handler) handoverTargets(r *http.Request, c *httpx.Current, n visit.Need) []Option {
	ctx := r.Context()
	var out []Option
	unit, err := h.deps.Orgs.ByID(ctx, h.deps.DB.Q(), n.OrgID)
	if err != nil {
		return nil
	}
	up := unit
	for up.ParentID != 0 {
		p, err := h.deps.Orgs.ByID(ctx, h.deps.DB.Q(), up.ParentID)
		if err != nil {
			break
		}
		out = append(out, Option{p.Code, "上级：" + p.Name})
		up = p
	}
	kids, _ := h.deps.Orgs.Children(ctx, c.Actor, unit)
	for _, k := range kids {
		out = append(out, Option{k.Code, "下级：" + k.Name})
	}
	return out
}

// needHandover sends the need to another unit.
func (h *handler) needHandover(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	if r.ParseForm() != nil {
		return apperr.ErrNotFound
	}
	form := formValues(r, "to_org_code", "reason")
	_, err := h.deps.Visits.HandOver(r.Context(), c.Actor, id, visit.HandoverInput{ToCode: form["to_org_code"], Reason: form["reason"]})
	return h.needAfter(w, r, c, id, "handover", form, err, "已移交，等待对方接收")
}

// needDecide accepts or refuses the pending hand-over of the need.
func (h *handler) needDecide(accept bool) func(http.ResponseWriter, *http.Request, *httpx.Current, int64) error {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
		if r.ParseForm() != nil {
			return apperr.ErrNotFound
		}
		form := formValues(r, "reply")
		_, err := h.deps.Visits.Decide(r.Context(), c.Actor, id, accept, form["reply"])
		msg := "已接收，该妇情由本单位负责"
		if !accept {
			msg = "已拒收，并答复移交单位"
		}
		return h.needAfter(w, r, c, id, "decide", form, err, msg)
	}
}

// needTask turns the need into a practical task.
func (h *handler) needTask(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	if r.ParseForm() != nil {
		return apperr.ErrNotFound
	}
	form := formValues(r, "title", "detail", "owner_id", "owner_name", "starts_on", "due_on")
	in := visit.TaskInput{NeedID: id, Title: form["title"], Detail: form["detail"], OwnerName: form["owner_name"],
		StartsOn: form["starts_on"], DueOn: form["due_on"]}
	in.OwnerID, _ = strconv.ParseInt(form["owner_id"], 10, 64)
	t, err := h.deps.Visits.CreateTask(r.Context(), c.Actor, in)
	if err == nil {
		redirectFlash(w, r, "/tasks/"+strconv.FormatInt(t.ID, 10), "success", "已转为实事")
		return nil
	}
	return h.needAfter(w, r, c, id, "task", form, err, "")
}

// needAfter ends a POST on a need: back to it with a flash, or the page
// again with the form's errors (422).
func (h *handler) needAfter(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, which string, form map[string]string, err error, ok string) error {
	back := "/needs/" + strconv.FormatInt(id, 10)
	if err == nil {
		redirectFlash(w, r, back, "success", ok)
		return nil
	}
	errs, isForm := mergeErrors(map[string]string{}, err)
	if !isForm {
		return err
	}
	if _, whole := errs["_"]; whole && len(errs) == 1 {
		redirectFlash(w, r, back, "error", errs["_"])
		return nil
	}
	return h.renderNeedShow(w, r, c, http.StatusUnprocessableEntity, id, which, form, errs)
}
