package web

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// What every form page shares: its posted values, the domain's refusal
// split into the messages beside the fields, and the end of a POST (back
// with a flash, or the error for the mapper).

// fieldErrors returns the per-field messages of a validation error, or nil
// (and the whole error) when it is something else.
func fieldErrors(err error) (map[string]string, string) {
	var e *apperr.Error
	if errors.As(err, &e) && e.Status < 500 {
		if len(e.Fields) > 0 {
			return e.Fields, e.Message
		}
		return map[string]string{}, e.Message
	}
	return nil, ""
}

// refused reports whether err is a domain refusal to show as a message
// (wrong state, own draft, already signed …) rather than a not-found or
// forbidden page or a server error.
func refused(err error) bool {
	var e *apperr.Error
	if !errors.As(err, &e) || e.Status >= 500 {
		return false
	}
	return e.Code != apperr.ErrNotFound.Code && e.Code != apperr.ErrForbidden.Code
}

// errBadForm answers a form the server cannot read (400, the standard
// message of the status).
var errBadForm = apperr.New(http.StatusBadRequest, "bad_request", "")

// refusedFields returns the per-field messages of a refused form, each
// field named with prefix (the page's form: "review.", "req." …), or nil
// when err is no refusal field by field: nil, a not-found or forbidden
// answer, a refusal of the whole form, or a server error.
func refusedFields(err error, prefix string) map[string]string {
	fields, _ := fieldErrors(err)
	if len(fields) == 0 || !refused(err) {
		return nil
	}
	out := make(map[string]string, len(fields))
	for k, m := range fields {
		out[prefix+k] = m
	}
	return out
}

// errorText is the whole Chinese message of a refused action: the
// per-field messages when there are any (a flash has no field to stand
// beside), else the message.
func errorText(err error) string {
	e := apperr.From(err)
	if len(e.Fields) == 0 {
		return e.Message
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msgs := make([]string, 0, len(keys))
	for _, k := range keys {
		msgs = append(msgs, e.Fields[k])
	}
	return strings.Join(msgs, "；")
}

// statusOf is the HTTP status of a domain error.
func statusOf(err error) int { return apperr.From(err).Status }

// finish ends a POST action: success goes back with a success flash; a
// refused action goes back with the domain's message as an error flash;
// out-of-scope ids and forbidden actions are returned for the 404 and
// 403 pages.
func (h *handler) finish(w http.ResponseWriter, r *http.Request, back string, err error, ok string) error {
	switch {
	case err == nil:
		redirectFlash(w, r, back, "success", ok)
	case refused(err):
		redirectFlash(w, r, back, "error", errorText(err))
	default:
		return err
	}
	return nil
}

// formValues trims the named fields of a parsed form.
func formValues(r *http.Request, names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = strings.TrimSpace(r.FormValue(n))
	}
	return m
}

// formInt reads a whole number field; a bad one is a field error.
func formInt(form map[string]string, errs map[string]string, name, msg string) int {
	if form[name] == "" {
		return 0
	}
	n, err := strconv.Atoi(form[name])
	if err != nil {
		errs[name] = msg
	}
	return n
}

// mergeErrors puts the domain's field messages beside the form's own.
func mergeErrors(errs map[string]string, err error) (map[string]string, bool) {
	fe, _ := fieldErrors(err)
	if fe == nil {
		return errs, false
	}
	for k, v := range fe {
		errs[k] = v
	}
	if len(fe) == 0 {
		errs["_"] = errorText(err)
	}
	return errs, true
}

// renameField moves a validation error's message from one field to
// another, for a page with two forms that send the same field.
func renameField(err error, from, to string) error {
	var e *apperr.Error
	if !errors.As(err, &e) || e.Fields[from] == "" {
		return err
	}
	c := *e
	c.Fields = map[string]string{}
	for k, v := range e.Fields {
		if k == from {
			k = to
		}
		c.Fields[k] = v
	}
	return &c
}

// unitOptions offers the actor's own unit and the units directly below it;
// deeper units are typed by code (the field takes any code in scope).
func (h *handler) unitOptions(r *http.Request, c *httpx.Current) []Option {
	opts := []Option{{Value: c.Actor.OrgCode, Label: c.Actor.OrgName + "（本单位）"}}
	unit, err := h.deps.Orgs.ByCode(r.Context(), c.Actor, c.Actor.OrgCode)
	if err != nil {
		return opts
	}
	kids, _ := h.deps.Orgs.Children(r.Context(), c.Actor, unit)
	for _, k := range kids {
		opts = append(opts, Option{Value: k.Code, Label: k.Name})
	}
	return opts
}

// withSelected keeps a chosen unit code that is deeper than the offered
// ones (typed before, or the unit of the record being edited) selectable.
func withSelected(opts []Option, code string) []Option {
	if code == "" {
		return opts
	}
	for _, o := range opts {
		if o.Value == code {
			return opts
		}
	}
	return append(opts, Option{Value: code, Label: code})
}
