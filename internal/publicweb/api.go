package publicweb

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
)

// The JSON API under /api/public/v1: the same calls as the pages, the
// cadre API's error shape ({"error":{"code","message","fields"}}).

// apiCategories serves GET /api/public/v1/categories.
func (h *handler) apiCategories(w http.ResponseWriter, r *http.Request) {
	if h.d.Rights == nil {
		unavailableJSON(w)
		return
	}
	list, err := h.d.Rights.PublicCategories(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": httpx.Map(list, func(c Category) Category { return c })})
}

// apiOrgs serves GET /api/public/v1/orgs?parent=CODE: the active division
// units under the parent (the top unit without one), code, name and
// level only. A parent that is not a place under the top unit is a 404.
func (h *handler) apiOrgs(w http.ResponseWriter, r *http.Request) {
	parent := r.URL.Query().Get("parent")
	if parent == "" {
		parent = h.d.TopUnit
	}
	list, err := h.d.Orgs.Places(r.Context(), h.d.TopUnit, parent)
	if errors.Is(err, db.ErrNotFound) {
		httpx.WriteError(w, r, apperr.New(http.StatusNotFound, "not_found", "没有这个地区"))
		return
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": httpx.Map(list, func(p org.Place) org.Place { return p })})
}

// submitBody is POST /api/public/v1/help's body: the request, and the
// CAPTCHA's id and answer when a limit asks for one.
type submitBody struct {
	HelpRequest
	CaptchaID     string `json:"captcha_id"`
	CaptchaAnswer string `json:"captcha_answer"`
}

// apiSubmit serves POST /api/public/v1/help → 201 {"code"}.
func (h *handler) apiSubmit(w http.ResponseWriter, r *http.Request) {
	if h.d.Rights == nil {
		unavailableJSON(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	var in submitBody
	if err := httpx.DecodeJSON(r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ip := h.ip(r)
	ok, wait := h.limits.submitOK(ip)
	h.limits.attempts.spend(ip)
	if !ok && !h.captchas.verify(in.CaptchaID, in.CaptchaAnswer) {
		h.tooMany(w, r, wait, "提交太频繁了。请稍后再试，或填写验证码后重新提交；紧急情况请拨打 110。")
		return
	}
	code, err := h.submit(r.Context(), in.HelpRequest, ip)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	h.limits.submits.spend(ip)
	httpx.WriteJSON(w, http.StatusCreated, map[string]string{"code": code})
}

// apiLookup serves GET /api/public/v1/help/{code} → {status,
// status_label, next_step}; the CAPTCHA, when asked, comes as the query's
// captcha_id and captcha_answer.
func (h *handler) apiLookup(w http.ResponseWriter, r *http.Request) {
	if h.d.Rights == nil {
		unavailableJSON(w)
		return
	}
	code, ip := r.PathValue("code"), h.ip(r)
	q := r.URL.Query()
	if ok, wait := h.limits.lookupOK(ip, codeKey(code)); !ok && !h.captchas.verify(q.Get("captcha_id"), q.Get("captcha_answer")) {
		h.tooMany(w, r, wait, "查询太频繁了。请稍后再试，或填写验证码后重新查询。")
		return
	}
	st, err := h.lookup(r.Context(), ip, code)
	if errors.Is(err, ErrNoSuchCode) {
		httpx.WriteError(w, r, apperr.New(http.StatusNotFound, "not_found", msgNoSuchCode))
		return
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

// unavailableJSON answers 503 while the rights service is not there: an
// expected state, not logged as a failure.
func unavailableJSON(w http.ResponseWriter) {
	httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"error": errUnavailable})
}

// tooMany answers 429 with Retry-After and a fresh CAPTCHA a client may
// answer (captcha_id, captcha_answer) to go on at once.
func (h *handler) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, msg string) {
	id := h.captchas.create()
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait)))
	httpx.WriteJSON(w, http.StatusTooManyRequests, map[string]any{
		"error":   apperr.New(http.StatusTooManyRequests, "rate_limited", msg),
		"captcha": map[string]string{"id": id, "image": pathCaptcha + id + ".png"},
	})
}
