package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"halfsky/internal/httpx"
)

// A flash is a one-line message carried by a cookie to the next page
// (post/redirect/get): set on a redirect, read by the layout, cleared by
// the page that shows it.

const flashCookie = httpx.FlashCookie

// setFlash keeps a message for the next page (post/redirect/get).
func setFlash(w http.ResponseWriter, f Flash) {
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// flashFrom reads the pending message; the handler that shows it clears it.
func flashFrom(r *http.Request) (Flash, bool) {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return Flash{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	var f Flash
	if err != nil || json.Unmarshal(b, &f) != nil || f.Text == "" {
		return Flash{}, false
	}
	switch f.Kind {
	case "success", "error", "info":
	default:
		f.Kind = "info"
	}
	return f, true
}

// clearFlash runs before a page that shows the flash is written.
func clearFlash(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(flashCookie); err == nil {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
}

// redirectFlash sets a message and redirects (303) after a POST.
func redirectFlash(w http.ResponseWriter, r *http.Request, to string, kind, text string) {
	setFlash(w, Flash{Kind: kind, Text: text})
	http.Redirect(w, r, to, http.StatusSeeOther)
}
