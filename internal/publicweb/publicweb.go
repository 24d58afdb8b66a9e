// Package publicweb is halfsky's public front end: the pages and the JSON
// API (/api/public/v1) a woman uses without an account to ask the
// federation for help and to look up what became of her request.
//
// It is a door apart from the cadre pages on the same binary: its own
// layout, templates and CSS (no cadre menu, no cadre script), no session
// (the server passes its routes around the session middleware with the
// Cookie header removed, IsPublic), and it reaches no cadre data: it
// holds the tree's place names (org.Store.Places) and the rights
// service's three public calls (Rights), nothing else. Every page shows
// the hotlines 12338 and 110 and a quick-exit button that replaces the
// page with a neutral calendar (/n).
//
// Abuse is met per client address and per tracking code (limits.go): past
// a limit a locally drawn CAPTCHA is asked (captcha.go), and the JSON API
// answers 429 with Retry-After unless the CAPTCHA comes with the request.
package publicweb

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"halfsky/internal/config"
	"halfsky/internal/org"
)

// HelpRequest is what a woman sends: the fields of the rights domain's
// rights.HelpRequest, one for one.
type HelpRequest struct {
	Category    string `json:"category"` // a category code from PublicCategories
	Text        string `json:"text"`
	OrgCode     string `json:"org_code"` // the unit chosen (district, street, community or village)
	Phone       string `json:"phone"`
	ContactTime string `json:"contact_time"`
	NoCall      bool   `json:"no_call"`
	Consent     bool   `json:"consent"`
}

// HelpStatus is all a tracking code tells: rights.HelpStatus.
type HelpStatus struct {
	Status      string `json:"status"`       // received | handling | closed
	StatusLabel string `json:"status_label"` // 已受理 | 办理中 | 已办结
	NextStep    string `json:"next_step"`
}

// Category is a kind of help asked for, two levels deep (婚姻家庭纠纷 >
// 离婚): rights.Category.
type Category struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Parent string `json:"parent"`
}

// ErrNoSuchCode is what LookupHelp returns (or wraps) for a tracking code
// that names no request, well formed or not: both get the same answer.
var ErrNoSuchCode = errors.New("no such tracking code")

// Rights is the rights domain's public side (internal/rights.Service,
// through the adapter the server wires): the only calls the public door
// makes into the federation's case work.
type Rights interface {
	// SubmitHelp records a request and returns its tracking code; bad
	// input is an *apperr.Error with per-field messages (apperr.Invalid).
	SubmitHelp(ctx context.Context, in HelpRequest, ip string) (code string, err error)
	// LookupHelp is a request's status by its code, or ErrNoSuchCode.
	LookupHelp(ctx context.Context, code string) (HelpStatus, error)
	// PublicCategories are the categories a woman may choose from.
	PublicCategories(ctx context.Context) ([]Category, error)
}

// Deps are what the public door is built on.
type Deps struct {
	Orgs    *org.Store
	TopUnit string // the installation's top unit: the picker starts at its districts
	Limits  config.PublicLimits
	// ClientIP is the client's address (httpx.Auth.ClientIP, which knows
	// whether to trust a proxy's X-Forwarded-For).
	ClientIP func(*http.Request) string
	// Rights is nil until the rights domain is wired: the help routes then
	// answer 503 with the hotlines, and everything else works.
	Rights Rights
	// Now is the clock of the limits (time.Now when nil).
	Now func() time.Time
}

// The public door's paths: IsPublic's list, and the routes Register adds.
const (
	pathHelp    = "/help"
	pathStatus  = "/help/status"
	pathNeutral = "/n"
	pathStatic  = "/public/"
	pathCaptcha = "/captcha/"
	apiPrefix   = "/api/public/"
)

// IsPublic reports whether the path belongs to the public door: the
// server sends such requests past the session middleware, with no
// cookie, so a public page never reads or sets a session and never sends
// anyone to the sign-in page.
func IsPublic(path string) bool {
	switch path {
	case pathHelp, pathStatus, pathNeutral:
		return true
	}
	return strings.HasPrefix(path, pathStatic) || strings.HasPrefix(path, pathCaptcha) || strings.HasPrefix(path, apiPrefix)
}

// MaxBody bounds a public request's body: the form's text is at most
// MaxText characters (three bytes each, tripled by form encoding), far
// below it.
const MaxBody = 64 << 10

// MaxText bounds what happened, in characters.
const MaxText = 5000
