package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// aidFormData is the application form: new (ID 0) or a draft or returned
// one being edited, whose personal fields start empty — stored values are
// never put back into a page; left empty they stay as they are.
type aidFormData struct {
	ID         int64
	X          aid.Application // the stored application, masked (edit)
	P          aid.Programme
	Programmes []aid.Programme // the choice, when no programme is given
	Form       url.Values
	Errors     map[string]string
	Message    string // a refusal without a field
	Households []Option
	Facts      []aidFactField
	Medical    bool
}

// aidFactField is one of the programme's facts on the form.
type aidFactField struct {
	Key, Label string
	Required   bool
	Options    []Option // a select (the diagnoses) when not empty
}

// Name is the form field's name.
func (f aidFactField) Name() string { return "fact_" + f.Key }

// Action is where the form posts.
func (d aidFormData) Action() string {
	if d.ID == 0 {
		return "/aid"
	}
	return aidLink(d.ID) + "/edit"
}

// Value is a submitted value, to show the form again.
func (d aidFormData) Value(name string) string { return d.Form.Get(name) }

// Checked reports whether a checkbox was ticked.
func (d aidFormData) Checked(name string) bool { return d.Form.Get(name) == "1" }

// aidFacts is the facts the form asks for: the programme's required ones,
// the medical ones when it rests on medical facts, and income and notes.
func aidFacts(p aid.Programme) ([]aidFactField, bool) {
	want := map[string]bool{"income": true, "notes": true}
	req := map[string]bool{}
	for _, k := range p.Rules.Facts {
		want[k], req[k] = true, true
	}
	medical := p.Rules.Medical || len(p.Rules.Diagnoses) > 0
	if medical {
		want["diagnosis"], want["stage"], want["hospital"] = true, true, true
	}
	var out []aidFactField
	for _, f := range aid.Facts {
		if !want[f.Key] {
			continue
		}
		ff := aidFactField{Key: f.Key, Label: f.Label, Required: req[f.Key]}
		if f.Key == "diagnosis" {
			ff.Options = options(p.Rules.Diagnoses)
		}
		out = append(out, ff)
	}
	return out, medical || want["diagnosis"] || want["stage"] || want["hospital"]
}

func aidHouseholds(p aid.Programme) []Option {
	var out []Option
	for _, h := range aid.Households {
		if p.Rules.AllowsHousehold(h.Key) {
			out = append(out, Option{h.Key, h.Label})
		}
	}
	return out
}

func (h *handler) renderAidForm(w http.ResponseWriter, r *http.Request, status int, d aidFormData) {
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Form == nil {
		d.Form = url.Values{}
	}
	d.Households = aidHouseholds(d.P)
	d.Facts, d.Medical = aidFacts(d.P)
	title := "新建救助申请"
	crumbs := []Crumb{{Href: "/aid", Label: "关爱救助"}, {Label: title}}
	if d.P.Name != "" {
		title = "新建" + d.P.Name + "申请"
	}
	if d.ID != 0 {
		title = "修改申请"
		crumbs = []Crumb{{Href: "/aid", Label: "关爱救助"}, {Href: aidLink(d.ID), Label: "申请详情"}, {Label: title}}
	}
	h.tpl.Page(w, r, status, "aid_form", View{Layout: Layout{Title: title, Active: "aid", Crumbs: crumbs}, Data: d})
}

// readAidForm reads the form into the domain's input; bad input the
// domain cannot see (an amount that is not a number) comes back as errs.
// Facts all left empty are nil: on an edit that keeps the stored ones.
func readAidForm(r *http.Request, p aid.Programme) (aid.Input, map[string]string) {
	_ = r.ParseForm()
	f := r.PostForm
	in := aid.Input{Programme: p.Code, Name: f.Get("name"), IDNumber: f.Get("id_number"), Phone: f.Get("phone"),
		Address: f.Get("address"), Household: f.Get("household"), MedicalConsent: f.Get("medical_consent") == "1",
		GuardianName: f.Get("guardian_name"), GuardianConsent: f.Get("guardian_consent") == "1"}
	in.Version, _ = strconv.Atoi(f.Get("version"))
	facts, _ := aidFacts(p)
	for _, ff := range facts {
		if v := strings.TrimSpace(f.Get(ff.Name())); v != "" {
			if in.Facts == nil {
				in.Facts = map[string]string{}
			}
			in.Facts[ff.Key] = v
		}
	}
	errs := map[string]string{}
	amount, ok := parseYuan(f.Get("amount"))
	if !ok {
		errs["amount"] = "金额应为数字，如 10000 或 10000.50"
	}
	in.Amount = amount
	return in, errs
}

// aidFormErrors splits a refusal into per-field messages (facts.x becomes
// fact_x, the form's name) and a message for the top of the form.
func aidFormErrors(err error) (map[string]string, string, bool) {
	fields, msg := fieldErrors(err)
	if fields == nil || !refused(err) {
		return nil, "", false
	}
	out := map[string]string{}
	for k, m := range fields {
		out[strings.Replace(k, "facts.", "fact_", 1)] = m
	}
	if len(fields) == 0 {
		return out, msg, true
	}
	return out, "", true
}

func (h *handler) aidNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a := r.Context(), c.Actor
	unit, err := h.aidUnitOf(ctx, a)
	if err != nil {
		return err
	}
	if !unit.Collects() {
		redirectFlash(w, r, "/aid", "error", "申请由村（社区）、街道（乡镇）妇联录入")
		return nil
	}
	code := r.URL.Query().Get("programme")
	if code == "" {
		progs, err := h.deps.Aid.Programmes(ctx, a)
		if err != nil {
			return err
		}
		var active []aid.Programme
		for _, p := range progs {
			if p.Active {
				active = append(active, p)
			}
		}
		h.renderAidForm(w, r, http.StatusOK, aidFormData{Programmes: active})
		return nil
	}
	p, err := h.deps.Aid.Programme(ctx, a, code)
	if err != nil {
		return err
	}
	h.renderAidForm(w, r, http.StatusOK, aidFormData{P: p})
	return nil
}

func (h *handler) aidCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a := r.Context(), c.Actor
	_ = r.ParseForm()
	p, err := h.deps.Aid.Programme(ctx, a, r.PostForm.Get("programme"))
	if err != nil {
		return apperr.New(http.StatusNotFound, "not_found", "请选择救助项目")
	}
	in, errs := readAidForm(r, p)
	var x aid.Application
	if len(errs) == 0 {
		x, err = h.deps.Aid.Create(ctx, a, in)
	} else {
		err = apperr.Invalid(errs)
	}
	if fields, msg, ok := aidFormErrors(err); ok {
		h.renderAidForm(w, r, http.StatusUnprocessableEntity, aidFormData{P: p, Form: r.PostForm, Errors: fields, Message: msg})
		return nil
	}
	if err != nil {
		return err
	}
	redirectFlash(w, r, aidLink(x.ID), "success", "申请已保存为待提交，核对后请提交上级审核")
	return nil
}

func (h *handler) aidEdit(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	x, p, ok, err := h.aidEditable(w, r, c, id)
	if !ok {
		return err
	}
	form := url.Values{"household": {x.Household}, "version": {strconv.Itoa(x.Version)}, "amount": {yuanValue(x.Amount)}}
	h.renderAidForm(w, r, http.StatusOK, aidFormData{ID: x.ID, X: x, P: p, Form: form})
	return nil
}

func (h *handler) aidUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	x, p, ok, err := h.aidEditable(w, r, c, id)
	if !ok {
		return err
	}
	in, errs := readAidForm(r, p)
	if len(errs) == 0 {
		_, err = h.deps.Aid.Update(r.Context(), c.Actor, x.ID, in)
	} else {
		err = apperr.Invalid(errs)
	}
	if fields, msg, ok := aidFormErrors(err); ok {
		h.renderAidForm(w, r, http.StatusUnprocessableEntity, aidFormData{ID: x.ID, X: x, P: p, Form: r.PostForm, Errors: fields, Message: msg})
		return nil
	}
	return h.finish(w, r, aidLink(x.ID), err, "已保存修改")
}

// aidEditable loads an application its own unit may still change. When
// ok is false the handler returns err: nil when the answer is written
// (back to the application with a message), else the error to answer.
func (h *handler) aidEditable(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) (x aid.Application, p aid.Programme, ok bool, err error) {
	if x, err = h.deps.Aid.Application(r.Context(), c.Actor, id); err != nil {
		return x, p, false, err
	}
	if x.OrgID != c.Actor.OrgID || (x.Status != aid.Draft && x.Status != aid.Returned) {
		redirectFlash(w, r, aidLink(id), "error", "只有本单位待提交或已退回的申请可以修改")
		return x, p, false, nil
	}
	p, err = h.deps.Aid.Programme(r.Context(), c.Actor, x.ProgrammeCode)
	return x, p, err == nil, err
}
