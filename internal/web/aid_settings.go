package web

import (
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// The city federation's settings: each programme's amount, eligibility,
// required documents, retention and whether it is open; each year's budget
// and dates; each district's quota. Everyone with ViewAid may read them;
// only the leaders of the unit that runs a programme (ManageAid at its
// owner unit) get its forms.

type aidProgrammesData struct {
	Tabs       []aidTab
	Tab        string
	Items      []aidProgrammeForm
	CanManage  bool
	Households []Option
	Facts      []Option
}

// aidProgrammeForm is one programme with its form's values and errors.
type aidProgrammeForm struct {
	P      aid.Programme
	Form   map[string]string
	Lists  map[string][]string // households, facts ticked
	Errors map[string]string
	Mine   bool // the actor's unit runs it: the form is hers
}

// Ticked reports whether key is ticked in the list.
func (f aidProgrammeForm) Ticked(list, key string) bool {
	for _, k := range f.Lists[list] {
		if k == key {
			return true
		}
	}
	return false
}

// manageAid guards the routes of the unit that runs the programmes:
// anyone else is refused before the form is read, so what they send
// neither matters nor shows.
func (h *handler) manageAid(fn httpx.Handler) http.Handler {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
		if !h.aidCanManage(r, c) {
			return access.ErrDenied
		}
		return fn(w, r, c)
	})
}

func (h *handler) aidCanManage(r *http.Request, c *httpx.Current) bool {
	ok, err := h.deps.Aid.ManagesAny(r.Context(), c.Actor)
	return err == nil && ok
}

// programmeForm is the form's values of a stored programme.
func programmeForm(p aid.Programme) aidProgrammeForm {
	f := aidProgrammeForm{P: p, Errors: map[string]string{}, Lists: map[string][]string{
		"households": p.Rules.Households, "facts": p.Rules.Facts}}
	var docs, diags []string
	for _, d := range p.Documents {
		docs = append(docs, d.Key+"｜"+d.Label)
	}
	for _, d := range p.Rules.Diagnoses {
		diags = append(diags, d.Key+"｜"+d.Label)
	}
	age := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	f.Form = map[string]string{"name": p.Name, "amount": yuanValue(p.Amount), "retention_days": strconv.Itoa(p.RetentionDays),
		"min_age": age(p.Rules.MinAge), "max_age": age(p.Rules.MaxAge), "documents": strings.Join(docs, "\n"),
		"diagnoses": strings.Join(diags, "\n"), "version": strconv.Itoa(p.Version)}
	for k, on := range map[string]bool{"once_per_life": p.OncePerLife, "active": p.Active, "female_only": p.Rules.FemaleOnly, "medical": p.Rules.Medical} {
		if on {
			f.Form[k] = "1"
		}
	}
	return f
}

func (h *handler) aidProgrammes(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	return h.renderAidProgrammes(w, r, c, http.StatusOK, nil)
}

// renderAidProgrammes shows every programme; refused, when given, replaces
// its programme's stored values with the refused input and messages.
func (h *handler) renderAidProgrammes(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, refused *aidProgrammeForm) error {
	progs, err := h.deps.Aid.Programmes(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	d := aidProgrammesData{Tabs: h.aidTabs(r, c), Tab: "programmes", CanManage: h.aidCanManage(r, c),
		Households: options(aid.Households), Facts: options(aid.Facts)}
	for _, p := range progs {
		f := programmeForm(p)
		if refused != nil && refused.P.Code == p.Code {
			refused.P = p
			f = *refused
		}
		f.Mine = aid.Manages(c.Actor, p)
		d.Items = append(d.Items, f)
	}
	h.tpl.Page(w, r, status, "aid_programmes", View{Layout: Layout{Title: "救助项目设置", Active: "aid"}, Data: d})
	return nil
}

// splitPairs reads "key｜label" lines (a half-width | too).
func splitPairs(s string) ([]aid.Option, bool) {
	var out []aid.Option
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, "|", "｜"))
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "｜")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, false
		}
		out = append(out, aid.Option{Key: k, Label: v})
	}
	return out, true
}

func (h *handler) aidProgrammeSave(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	code := r.PathValue("code")
	_ = r.ParseForm()
	f := r.PostForm
	form := aidProgrammeForm{P: aid.Programme{Code: code}, Form: map[string]string{}, Errors: map[string]string{},
		Lists: map[string][]string{"households": f["households"], "facts": f["facts"]}}
	for _, k := range []string{"name", "amount", "retention_days", "min_age", "max_age", "documents", "diagnoses", "version",
		"once_per_life", "active", "female_only", "medical"} {
		form.Form[k] = f.Get(k)
	}
	in := aid.ProgrammeInput{Name: f.Get("name"), OncePerLife: f.Get("once_per_life") == "1", Active: f.Get("active") == "1",
		Rules: aid.Rules{Households: f["households"], Facts: f["facts"], FemaleOnly: f.Get("female_only") == "1", Medical: f.Get("medical") == "1"}}
	in.Version, _ = strconv.Atoi(f.Get("version"))
	amount, ok := parseYuan(f.Get("amount"))
	if !ok {
		form.Errors["amount"] = "金额应为数字，如 10000"
	}
	in.Amount = amount
	var err error
	if in.RetentionDays, err = strconv.Atoi(strings.TrimSpace(f.Get("retention_days"))); err != nil {
		form.Errors["retention_days"] = "请填写保存天数"
	}
	for _, a := range []struct {
		key string
		dst *int
	}{{"min_age", &in.Rules.MinAge}, {"max_age", &in.Rules.MaxAge}} {
		if v := strings.TrimSpace(f.Get(a.key)); v != "" {
			if *a.dst, err = strconv.Atoi(v); err != nil {
				form.Errors["age"] = "年龄应为整数"
			}
		}
	}
	docs, ok := splitPairs(f.Get("documents"))
	if !ok {
		form.Errors["documents"] = "每行一项，写作“代码｜名称”，如 diagnosis｜医院诊断证明"
	}
	for _, d := range docs {
		in.Documents = append(in.Documents, aid.Document(d))
	}
	if in.Rules.Diagnoses, ok = splitPairs(f.Get("diagnoses")); !ok {
		form.Errors["diagnoses"] = "每行一项，写作“代码｜名称”"
	}
	if len(form.Errors) == 0 {
		_, err = h.deps.Aid.UpdateProgramme(r.Context(), c.Actor, code, in)
	} else {
		err = apperr.Invalid(form.Errors)
	}
	if fields := refusedFields(err, ""); fields != nil {
		form.Errors = fields
		return h.renderAidProgrammes(w, r, c, http.StatusUnprocessableEntity, &form)
	}
	return h.finish(w, r, "/aid/programmes#programme-"+code, err, "已保存项目设置")
}
