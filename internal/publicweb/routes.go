package publicweb

import (
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// handler is the public front end; one file per page or API family.
type handler struct {
	d        Deps
	tpl      map[string]*template.Template
	limits   *limits
	captchas *captchas
}

// Door is the public front end Register built.
type Door struct{ h *handler }

// Register adds the public door's routes to mux, the cadre front ends'
// route table: the pages, the static files, the CAPTCHA images and the
// JSON API under /api/public/v1.
func Register(mux httpx.Mux, d Deps) (*Door, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	h := &handler{d: d, tpl: tpl, captchas: newCaptchas(d.Now),
		limits: newLimits(d.Limits.SubmitsPerHour, d.Limits.LookupsPerHour, d.Limits.CodeLookupsPerHour, d.Now)}

	mux.HandleFunc("GET "+pathHelp, h.helpForm)
	mux.HandleFunc("POST "+pathHelp, h.helpSubmit)
	mux.HandleFunc("GET "+pathStatus, h.statusForm)
	mux.HandleFunc("POST "+pathStatus, h.statusLookup)
	mux.HandleFunc("GET "+pathNeutral, h.neutral)
	mux.HandleFunc("GET "+pathStatic+"{file}", static)
	mux.HandleFunc("GET "+pathCaptcha+"{file}", h.image)

	route(mux, "/api/public/v1/categories", "GET", h.apiCategories)
	route(mux, "/api/public/v1/orgs", "GET", h.apiOrgs)
	route(mux, "/api/public/v1/help", "POST", h.apiSubmit)
	route(mux, "/api/public/v1/help/{code}", "GET", h.apiLookup)
	return &Door{h: h}, nil
}

// route registers the one method of an API path, and a JSON 405 for the
// others (as the cadre API's route does).
func route(mux httpx.Mux, path, method string, fn http.HandlerFunc) {
	mux.HandleFunc(method+" "+path, fn)
	allow := []string{method}
	if method == http.MethodGet {
		allow = append(allow, http.MethodHead)
	}
	slices.Sort(allow)
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		httpx.WriteError(w, r, apperr.New(http.StatusMethodNotAllowed, "method_not_allowed", "该接口不支持 "+r.Method+" 请求"))
	})
}

// errUnavailable is the answer of the help routes while the rights
// service is not there (or fails): call the hotline.
var errUnavailable = apperr.New(http.StatusServiceUnavailable, "unavailable", "网上求助暂时无法使用，请拨打 12338 妇女维权公益服务热线；遇到危险请立即拨打 110")

// unavailable answers a page that cannot work without the rights service.
func (h *handler) unavailable(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusServiceUnavailable, "unavailable", "暂时无法在网上求助", nil)
}

// ip is the request's client address.
func (h *handler) ip(r *http.Request) string { return h.d.ClientIP(r) }
