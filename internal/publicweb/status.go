package publicweb

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// statusView is the lookup page: the form, and the status when found.
type statusView struct {
	Code     string
	Status   *HelpStatus
	NotFound bool
	Errors   map[string]string
	Message  string
	Captcha  string
}

// msgNoSuchCode is the one answer to a code that names no request, well
// formed or not.
const msgNoSuchCode = "没有查到这个编号。请核对后再输入；如果一直查不到，请拨打 12338。"

// statusForm serves GET /help/status. The code goes in a POST, never in
// the address: it would stay in the browser's history for anyone to see.
func (h *handler) statusForm(w http.ResponseWriter, r *http.Request) {
	if h.d.Rights == nil {
		h.unavailable(w, r)
		return
	}
	v := &statusView{}
	if ok, _ := h.limits.lookups.ok(h.ip(r)); !ok {
		v.Captcha = h.captchas.create()
	}
	h.render(w, r, http.StatusOK, "status", "查询办理进度", v)
}

// statusLookup serves POST /help/status.
func (h *handler) statusLookup(w http.ResponseWriter, r *http.Request) {
	if h.d.Rights == nil {
		h.unavailable(w, r)
		return
	}
	if err := readForm(w, r); err != nil {
		h.failPage(w, r, err)
		return
	}
	v := &statusView{Code: strings.TrimSpace(r.PostForm.Get("code"))}
	if v.Code == "" {
		v.Errors = map[string]string{"code": "请输入查询编号"}
		h.render(w, r, http.StatusUnprocessableEntity, "status", "查询办理进度", v)
		return
	}
	ip := h.ip(r)
	if ok, _ := h.limits.lookupOK(ip, codeKey(v.Code)); !ok && !h.captchas.verify(r.PostForm.Get("captcha_id"), r.PostForm.Get("captcha_answer")) {
		v.Captcha = h.captchas.create()
		v.Message = "查询次数较多，请输入图中的数字后再查询。"
		v.Errors = captchaError(r.PostForm.Get("captcha_id"), r.PostForm.Get("captcha_answer"))
		h.render(w, r, http.StatusTooManyRequests, "status", "查询办理进度", v)
		return
	}
	st, err := h.lookup(r.Context(), ip, v.Code)
	switch {
	case errors.Is(err, ErrNoSuchCode):
		v.NotFound = true
		v.Errors = map[string]string{"code": msgNoSuchCode}
		if ok, _ := h.limits.lookups.ok(ip); !ok {
			v.Captcha = h.captchas.create()
		}
		h.render(w, r, http.StatusNotFound, "status", "查询办理进度", v)
	case err != nil:
		h.failPage(w, r, err)
	default:
		v.Status = &st
		h.render(w, r, http.StatusOK, "status", "查询办理进度", v)
	}
}

// lookup asks the rights service for a code's status and counts it: every
// lookup against the code's allowance, a miss against the address's.
// A code that cannot be one (too long, not letters and digits) is a miss
// like any other, without asking.
func (h *handler) lookup(ctx context.Context, ip, code string) (HelpStatus, error) {
	key := codeKey(code)
	h.limits.codes.spend(key)
	var st HelpStatus
	err := ErrNoSuchCode
	if plausible(code) {
		st, err = h.d.Rights.LookupHelp(ctx, code)
	}
	if errors.Is(err, ErrNoSuchCode) {
		h.limits.lookups.spend(ip)
		return HelpStatus{}, ErrNoSuchCode
	}
	return st, err
}

// codeKey is the code as its allowance counts it: one allowance whatever
// the case, width and separators she typed it with.
func codeKey(code string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == '－' || unicode.IsSpace(r):
			return -1
		case r >= '！' && r <= '～': // full-width ASCII
			return r - '！' + '!'
		}
		return r
	}, code))
}

// plausible reports whether code could be a tracking code at all; the
// rights service reads what it could be (spaces, dashes, full-width).
func plausible(code string) bool {
	return utf8.RuneCountInString(code) <= 64 && utf8.ValidString(code)
}

// grouped is a code in groups of four, for reading and copying:
// 7CQ4-MXHK-3PTW.
func grouped(code string) string {
	if len(code) < 8 || strings.ContainsAny(code, "- ") {
		return code
	}
	var b strings.Builder
	for i := 0; i < len(code); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(code[i:min(i+4, len(code))])
	}
	return b.String()
}

// retryAfter is a wait in whole seconds for the Retry-After header, at
// least one.
func retryAfter(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}
