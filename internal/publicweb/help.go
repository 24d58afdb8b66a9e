package publicweb

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/org"
)

// helpForm is the request-for-help form as a page shows it: what she
// typed, the choices of each list, the messages beside the fields.
type helpForm struct {
	In         HelpRequest
	District   string
	Street     string
	Community  string
	Categories []categoryGroup
	Districts  []org.Place
	Streets    []org.Place
	Places     []org.Place // the communities and villages of the street
	Errors     map[string]string
	Message    string // the form's message above the fields
	Captcha    string // the CAPTCHA's id, when one is asked
}

// categoryGroup is a top category with its subcategories (an <optgroup>),
// or one without any (a plain option).
type categoryGroup struct {
	Category
	Subs []Category
}

func groupCategories(list []Category) []categoryGroup {
	var out []categoryGroup
	at := map[string]int{}
	for _, c := range list {
		if c.Parent == "" {
			at[c.Code] = len(out)
			out = append(out, categoryGroup{Category: c})
		}
	}
	for _, c := range list {
		if i, ok := at[c.Parent]; ok && c.Parent != "" {
			out[i].Subs = append(out[i].Subs, c)
		}
	}
	return out
}

// fill reads the places' lists for what she chose, dropping a choice
// that is not in the list above it (she changed the district without
// script, and the street she had is not in it).
func (h *handler) fill(ctx context.Context, f *helpForm) error {
	cats, err := h.d.Rights.PublicCategories(ctx)
	if err != nil {
		return err
	}
	f.Categories = groupCategories(cats)
	if f.Districts, err = h.d.Orgs.Places(ctx, h.d.TopUnit, h.d.TopUnit); err != nil {
		return err
	}
	if !hasPlace(f.Districts, f.District) {
		f.District, f.Street, f.Community = "", "", ""
		return nil
	}
	if f.Streets, err = h.d.Orgs.Places(ctx, h.d.TopUnit, f.District); err != nil {
		return err
	}
	if !hasPlace(f.Streets, f.Street) {
		f.Street, f.Community = "", ""
		return nil
	}
	if f.Places, err = h.d.Orgs.Places(ctx, h.d.TopUnit, f.Street); err != nil {
		return err
	}
	if !hasPlace(f.Places, f.Community) {
		f.Community = ""
	}
	return nil
}

func hasPlace(list []org.Place, code string) bool {
	for _, p := range list {
		if p.Code == code {
			return true
		}
	}
	return false
}

// helpForm serves GET /help.
func (h *handler) helpForm(w http.ResponseWriter, r *http.Request) {
	if h.d.Rights == nil {
		h.unavailable(w, r)
		return
	}
	f := &helpForm{}
	if ok, _ := h.limits.submitOK(h.ip(r)); !ok {
		f.Captcha = h.captchas.create()
	}
	h.showForm(w, r, http.StatusOK, f)
}

func (h *handler) showForm(w http.ResponseWriter, r *http.Request, status int, f *helpForm) {
	if err := h.fill(r.Context(), f); err != nil {
		h.failPage(w, r, err)
		return
	}
	h.render(w, r, status, "help", "网上求助", f)
}

// failPage answers an error no form can show beside a field.
func (h *handler) failPage(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.From(err)
	if e.Status >= 500 {
		slog.Error("public page failed", "method", r.Method, "path", r.URL.Path, "err", err)
		h.unavailable(w, r)
		return
	}
	h.errorPage(w, r, e.Status, e.Message)
}

// readForm parses a public form, at most MaxBody bytes.
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.New(http.StatusRequestEntityTooLarge, "too_large", "提交的内容太多了，请把经过写在 5000 字以内")
		}
		return apperr.New(http.StatusBadRequest, "bad_form", "提交的内容不完整，请重新填写")
	}
	return nil
}

// helpSubmit serves POST /help: a step of the place picker (step=place,
// for browsers without script), or the request itself.
func (h *handler) helpSubmit(w http.ResponseWriter, r *http.Request) {
	if h.d.Rights == nil {
		h.unavailable(w, r)
		return
	}
	if err := readForm(w, r); err != nil {
		h.failPage(w, r, err)
		return
	}
	v := r.PostForm
	f := &helpForm{District: v.Get("district"), Street: v.Get("street"), Community: v.Get("community"),
		In: HelpRequest{Category: v.Get("category"), Text: v.Get("text"), Phone: strings.TrimSpace(v.Get("phone")),
			ContactTime: strings.TrimSpace(v.Get("contact_time")), NoCall: v.Get("no_call") != "", Consent: v.Get("consent") != ""}}
	ip := h.ip(r)
	if v.Get("step") == "place" {
		if ok, _ := h.limits.submitOK(ip); !ok {
			f.Captcha = h.captchas.create()
		}
		h.showForm(w, r, http.StatusOK, f)
		return
	}
	if err := h.fill(r.Context(), f); err != nil {
		h.failPage(w, r, err)
		return
	}
	f.In.OrgCode = firstOf(f.Community, f.Street, f.District)
	ok, _ := h.limits.submitOK(ip)
	h.limits.attempts.spend(ip)
	if !ok && !h.captchas.verify(v.Get("captcha_id"), v.Get("captcha_answer")) {
		f.Captcha = h.captchas.create()
		f.Message = "为了防止有人冒用，请输入图中的数字后再提交。您填写的内容都还在。"
		f.Errors = captchaError(v.Get("captcha_id"), v.Get("captcha_answer"))
		h.render(w, r, http.StatusTooManyRequests, "help", "网上求助", f)
		return
	}
	code, err := h.submit(r.Context(), f.In, ip)
	if err != nil {
		e := apperr.From(err)
		if len(e.Fields) == 0 {
			h.failPage(w, r, err)
			return
		}
		f.Errors = placeErrors(e.Fields)
		f.Message = "还有几处需要补充，请看红字提示。"
		if !ok {
			f.Captcha = h.captchas.create()
		}
		h.render(w, r, http.StatusUnprocessableEntity, "help", "网上求助", f)
		return
	}
	h.limits.submits.spend(ip)
	h.render(w, r, http.StatusOK, "help_done", "求助已提交", grouped(code))
}

// placeErrors shows the message about the place (org_code) beside the
// district list, where she chooses it.
func placeErrors(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if k == "org_code" {
			k = "district"
		}
		out[k] = v
	}
	return out
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// submit checks what the public door itself answers for (sizes, text
// that is text, a place in the tree) and hands the request to the rights
// service, which checks the rest.
func (h *handler) submit(ctx context.Context, in HelpRequest, ip string) (string, error) {
	bad := map[string]string{}
	for _, f := range []struct {
		name, v string
		max     int
		msg     string
	}{
		{"text", in.Text, MaxText, "请把经过写在 5000 字以内"},
		{"phone", in.Phone, 40, "电话号码太长了"},
		{"contact_time", in.ContactTime, 100, "请写在 100 字以内"},
		{"category", in.Category, 100, "请从列表中选择"},
		{"org_code", in.OrgCode, 20, "请从列表中选择所在地"},
	} {
		switch {
		case !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0):
			bad[f.name] = "内容中有无法识别的字符，请重新输入"
		case utf8.RuneCountInString(f.v) > f.max:
			bad[f.name] = f.msg
		}
	}
	if _, ok := bad["org_code"]; !ok && in.OrgCode != "" {
		if _, err := h.d.Orgs.Place(ctx, h.d.TopUnit, in.OrgCode); errors.Is(err, db.ErrNotFound) {
			bad["org_code"] = "请从列表中选择所在的区县、街道或社区"
		} else if err != nil {
			return "", err
		}
	}
	if len(bad) > 0 {
		return "", apperr.Invalid(bad)
	}
	return h.d.Rights.SubmitHelp(ctx, in, ip)
}
