package publicweb

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// assets maps a static file's name to its URL with a content hash, so a
// browser may keep it forever and still gets a changed file at once.
var assets = func() map[string]string {
	out := map[string]string{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		out[e.Name()] = pathStatic + e.Name() + "?v=" + hex.EncodeToString(sum[:6])
	}
	return out
}()

// pages are the templates, each parsed with the layout it uses: the
// public layout (layout.html) or, for the neutral page, none.
var pages = map[string][]string{
	"help":        {"layout.html", "help.html", "captcha.html"},
	"help_done":   {"layout.html", "help_done.html"},
	"status":      {"layout.html", "status.html", "captcha.html"},
	"unavailable": {"layout.html", "unavailable.html"},
	"error":       {"layout.html", "error.html"},
	"neutral":     {"neutral.html"},
}

func parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			if u, ok := assets[name]; ok {
				return u, nil
			}
			return "", fs.ErrNotExist
		},
	}
	out := map[string]*template.Template{}
	for name, files := range pages {
		t := template.New(name).Funcs(funcs)
		for _, f := range files {
			b, err := templateFS.ReadFile("templates/" + f)
			if err != nil {
				return nil, err
			}
			if _, err := t.New(f).Parse(string(b)); err != nil {
				return nil, err
			}
		}
		out[name] = t
	}
	return out, nil
}

// page is what every public page's layout reads.
type page struct {
	Title string
	Data  any
}

// render writes the page with the status. Public pages are never stored
// by a shared cache or the browser's history cache: what a woman typed or
// read must not come back to whoever opens the browser after her.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	t := h.tpl[name]
	root := "layout"
	if name == "neutral" {
		root = "neutral"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, root, page{Title: title, Data: data}); err != nil {
		slog.Error("rendering a public page", "page", name, "err", err)
		http.Error(w, "服务器内部错误", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// errorPage is a public page that says what went wrong, with the
// hotlines the layout always shows.
func (h *handler) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, "error", "出错了", msg)
}

// static serves GET /public/{file}: the public CSS and script.
func static(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.PathValue("file"))
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	ct := "text/css; charset=utf-8"
	if strings.HasSuffix(name, ".js") {
		ct = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	if r.URL.Query().Get("v") != "" {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	w.Write(b)
}
