// Package web is halfsky's HTML front end: the route table, handlers,
// templates and static files. The middleware around it (security headers,
// body limits) is package server's, which wraps both front ends.
//
// # Templates
//
// Templates are embedded (templates/*.html). layout.html defines "layout",
// the page shell; partials.html defines the shared pieces ("flash",
// "breadcrumbs", "pagination", "input", "field_error", …). Every other file
// templates/<page>.html is one page: it defines {{define "content"}} and
// usually {{define "title"}}, and may define "head" (extra <head> elements)
// or "scripts" (extra <script src> at the end of <body>). NewRenderer parses
// the layout and partials once and clones them under each page, so pages
// never see each other's definitions (miniflux's internal/template model).
// A page may also define small fragments of its own and render them alone
// for htmx with Renderer.Fragment.
//
// # Template data: one convention
//
// Every template runs with dot set to a View:
//
//	type View struct {
//		Layout      // the shell: title, signed-in user, navigation, flash, breadcrumbs
//		Data   any  // the page's own data, exactly what the handler passed
//	}
//
// so a page reads its data as {{.Data.Units}} and the shell as {{.User}},
// {{.Nav}}, {{.URL}} (promoted from Layout). A handler passes either its data
// alone:
//
//	h.tpl.Page(w, r, http.StatusOK, "org_list", orgListData{Units: units, Pager: p})
//
// or a View when it wants to set part of the shell:
//
//	h.tpl.Page(w, r, http.StatusOK, "org_show", web.View{
//		Layout: web.Layout{Title: unit.Name, Crumbs: []web.Crumb{{Href: "/org", Label: "组织"}, {Label: unit.Name}}},
//		Data:   unit,
//	})
//
// Whatever the handler leaves empty is filled from the request by
// Renderer.LayoutFor (set once at start-up by whoever owns sessions: it
// returns the signed-in user, the navigation that user's role sees and the
// flash messages popped from the session). Handler flash messages are shown
// after the session's; Active, when empty, is the key of the navigation item
// whose Href is the longest prefix of the request path.
//
// Pages must not use inline <script> or style="" attributes: the
// Content-Security-Policy set by server.SecurityHeaders blocks both. Put
// behaviour in static/*.js and look in static/app.css; size charts with
// the .chart classes and pass chart data in a <script
// type="application/json"> block or data-* attributes.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"halfsky/internal/vocab"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// SiteName is the platform's name as the header and <title> show it.
const SiteName = "半边天 · 哈尔滨市妇联工作平台"

// Layout is what the page shell shows around a page's content.
type Layout struct {
	// Title is the <title> when the page does not define "title".
	Title string
	// User is the signed-in user; nil when signed out (login page, errors
	// before sign-in): the shell then shows no navigation.
	User *LayoutUser
	// Nav is the navigation this user may see, in order.
	Nav []NavItem
	// Flash messages shown above the content.
	Flash []Flash
	// Crumbs is the breadcrumb trail above the content; the last crumb is the
	// current page and needs no Href. Empty: no trail.
	Crumbs []Crumb
	// Active is the Key of the current navigation item.
	Active string
	// URL is the request URL (set by the renderer), for links that keep the
	// current query, e.g. {{query .URL "sort" "name"}}.
	URL *url.URL
}

// LayoutUser is the signed-in user as the shell shows them.
type LayoutUser struct {
	Name      string // 张丽
	Username  string // zhangli
	RoleLabel string // 工作人员
	OrgName   string // 道里区妇联
}

// NavItem is one entry of the main navigation.
type NavItem struct {
	Href  string // /org
	Label string // 组织建设
	Key   string // org; matched against Layout.Active
}

// Flash is a one-time message shown at the top of a page.
type Flash struct {
	Kind string // success | error | info
	Text string
}

// Crumb is one step of a breadcrumb trail.
type Crumb struct {
	Href  string // empty for the current page
	Label string
}

// View is dot in every template: the shell and the page's own data.
type View struct {
	Layout
	Data any
}

// ErrorData is the Data of the error page.
type ErrorData struct {
	Status  int
	Heading string // Chinese name of the status, e.g. 页面不存在
	Message string
	Back    string // the page the refused action was posted from, if ours
}

// Renderer renders the embedded templates. Create it once with NewRenderer,
// set LayoutFor and Logger before serving, then share it between goroutines.
type Renderer struct {
	// LayoutFor returns the request-dependent part of the shell (user, nav,
	// flash). Nil: pages render as signed out.
	LayoutFor func(r *http.Request) Layout
	// Logger receives template errors; nil means slog.Default().
	Logger *slog.Logger

	pages map[string]*template.Template
}

// NewRenderer parses the embedded layout, partials and pages.
func NewRenderer() (*Renderer, error) {
	return newRenderer(templateFS, "templates")
}

// newRenderer parses dir/layout.html, dir/partials.html and every other
// dir/*.html as a page; tests pass their own file system.
func newRenderer(fsys fs.FS, dir string) (*Renderer, error) {
	base, err := template.New("layout.html").Funcs(templateFuncs()).ParseFS(fsys,
		path.Join(dir, "layout.html"), path.Join(dir, "partials.html"))
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	files, err := fs.Glob(fsys, path.Join(dir, "*.html"))
	if err != nil {
		return nil, err
	}
	r := &Renderer{pages: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(fsys, f); err != nil {
			return nil, fmt.Errorf("web: parse page %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web: page %s defines no \"content\"", name)
		}
		r.pages[name] = t
	}
	if r.pages["error"] == nil {
		return nil, errors.New("web: templates/error.html is missing")
	}
	return r, nil
}

// Page renders templates/<page>.html inside the layout with status. data is
// the page's data, or a View (or *View) to set part of the shell too. The
// page is rendered into a buffer first: a template error is logged and
// becomes a clean 500 page, never half a page.
func (r *Renderer) Page(w http.ResponseWriter, req *http.Request, status int, page string, data any) {
	var buf bytes.Buffer
	if err := r.execute(&buf, req, page, "layout", data); err != nil {
		r.logger().Error("web: render page", "page", page, "path", req.URL.Path, "err", err)
		r.Error(w, req, http.StatusInternalServerError, "")
		return
	}
	writeHTML(w, status, buf.Bytes())
}

// Fragment renders one template defined by templates/<page>.html (or a
// partial) without the layout, for htmx swaps. Dot is a View, as for Page.
func (r *Renderer) Fragment(w http.ResponseWriter, req *http.Request, status int, page, name string, data any) {
	var buf bytes.Buffer
	if err := r.execute(&buf, req, page, name, data); err != nil {
		r.logger().Error("web: render fragment", "page", page, "template", name, "path", req.URL.Path, "err", err)
		writeHTML(w, http.StatusInternalServerError, []byte(`<p class="flash flash-error" role="alert">服务器内部错误，请稍后重试。</p>`))
		return
	}
	writeHTML(w, status, buf.Bytes())
}

// Error renders the error page with status and a Chinese message (empty: a
// standard message for the status).
func (r *Renderer) Error(w http.ResponseWriter, req *http.Request, status int, msg string) {
	heading, def := statusMessage(status)
	if msg == "" {
		msg = def
	}
	data := View{
		Layout: Layout{Title: heading},
		Data:   ErrorData{Status: status, Heading: heading, Message: msg, Back: backTo(req)},
	}
	var buf bytes.Buffer
	if err := r.execute(&buf, req, "error", "layout", data); err != nil {
		// The error page itself failed: fall back to fixed markup.
		r.logger().Error("web: render error page", "status", status, "err", err)
		buf.Reset()
		fmt.Fprintf(&buf, fallbackError, status, template.HTMLEscapeString(heading), template.HTMLEscapeString(msg))
	}
	writeHTML(w, status, buf.Bytes())
}

// backTo is the local page a refused form was posted from (its Referer on
// this host), so the refusal page can lead back to it; "" otherwise.
func backTo(req *http.Request) string {
	if req.Method == http.MethodGet {
		return ""
	}
	u, err := url.Parse(req.Referer())
	if err != nil || u.Host != req.Host || u.Path == "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return ""
	}
	if u.RawQuery != "" {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path
}

const fallbackError = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>错误 · 半边天</title></head>
<body><h1>%d %s</h1><p>%s</p><p><a href="/">返回首页</a></p></body></html>
`

func writeHTML(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if h.Get("Cache-Control") == "" {
		// Pages show personal data; keep them out of shared caches and
		// off the disk of shared office computers.
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(body)
}

func (r *Renderer) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func (r *Renderer) execute(buf *bytes.Buffer, req *http.Request, page, name string, data any) error {
	t := r.pages[page]
	if t == nil {
		return fmt.Errorf("no page template %q", page)
	}
	return t.ExecuteTemplate(buf, name, r.view(req, data))
}

// view wraps data in a View and fills the shell from the request.
func (r *Renderer) view(req *http.Request, data any) *View {
	var v View
	switch d := data.(type) {
	case View:
		v = d
	case *View:
		if d != nil {
			v = *d
		}
	default:
		v.Data = data
	}
	if r.LayoutFor != nil {
		base := r.LayoutFor(req)
		if v.Title == "" {
			v.Title = base.Title
		}
		if v.User == nil {
			v.User = base.User
		}
		if v.Nav == nil {
			v.Nav = base.Nav
		}
		if len(base.Flash) > 0 {
			v.Flash = append(append([]Flash(nil), base.Flash...), v.Flash...)
		}
		if v.Crumbs == nil {
			v.Crumbs = base.Crumbs
		}
		if v.Active == "" {
			v.Active = base.Active
		}
	}
	if v.URL == nil {
		v.URL = req.URL
	}
	if v.Active == "" {
		v.Active = activeKey(v.Nav, req.URL.Path)
	}
	return &v
}

// activeKey is the Key of the item whose Href is the longest prefix of p
// ("/" matches only itself).
func activeKey(nav []NavItem, p string) string {
	best, key := -1, ""
	for _, n := range nav {
		h := n.Href
		if i := strings.IndexAny(h, "?#"); i >= 0 {
			h = h[:i]
		}
		match := p == h || (h != "/" && strings.HasPrefix(p, strings.TrimSuffix(h, "/")+"/"))
		if match && len(h) > best {
			best, key = len(h), n.Key
		}
	}
	return key
}

func statusMessage(status int) (heading, msg string) {
	switch status {
	case http.StatusBadRequest:
		return "请求有误", "请求的内容不完整或格式不正确，请返回检查后重试。"
	case http.StatusUnauthorized:
		return "请先登录", "该页面需要登录后访问。"
	case http.StatusForbidden:
		return "无权访问", "您没有访问该页面或执行该操作的权限。如需开通，请联系本单位负责人。"
	case http.StatusNotFound:
		return "页面不存在", "您访问的页面不存在，或已被删除。"
	case http.StatusMethodNotAllowed:
		return "操作不被允许", "该页面不支持这种请求方式。"
	case http.StatusRequestEntityTooLarge:
		return "提交内容过大", "提交的内容或附件超过了大小限制。"
	case http.StatusTooManyRequests:
		return "请求过于频繁", "请稍候片刻再试。"
	case http.StatusServiceUnavailable:
		return "服务暂不可用", "系统正在维护或繁忙，请稍后再试。"
	case http.StatusInsufficientStorage:
		return "存储空间已满", "服务器存储空间已满，本次保存未完成，请稍后再试或联系管理员。"
	}
	if status >= 500 {
		return "服务器内部错误", "系统处理请求时出错，请稍后重试。问题持续时请联系系统管理员。"
	}
	return "出错了", "请求未能完成。"
}

// ---------------------------------------------------------------------------
// Forms and pagination helpers for templates

// Option is one choice of a select partial.
type Option struct {
	Value string
	Label string
}

// options turns a module's key/label list into select options.
func options(list []vocab.Option) []Option {
	out := make([]Option, len(list))
	for i, o := range list {
		out[i] = Option{o.Key, o.Label}
	}
	return out
}

// TreeNode is one node of the "tree" partial (nested units and the like).
type TreeNode struct {
	Label    string
	Href     string // optional link on the label
	Note     string // optional grey text after the label, e.g. a count
	Open     bool   // expanded initially
	Children []TreeNode
}

// Pager is the state of a paginated list; the "pagination" partial renders it.
type Pager struct {
	Page    int      // current page, 1-based
	PerPage int      // items per page
	Total   int      // items in the whole list
	URL     *url.URL // the list's URL; page links keep its other query params
}

// NewPager reads ?page= (1 when missing or invalid) from req. When total is
// known (> 0) the page is clamped to the pages that exist; pass 0 before the
// count is known. The usual two steps:
//
//	p := web.NewPager(r, 50, 0)                      // the requested page
//	rows, total, err := store.List(ctx, p.Offset(), p.PerPage)
//	d.Pager = web.NewPager(r, 50, total)             // for the template
func NewPager(req *http.Request, perPage, total int) Pager {
	if perPage < 1 {
		perPage = 20
	}
	p := Pager{Page: 1, PerPage: perPage, Total: max(total, 0), URL: req.URL}
	if n, err := strconv.Atoi(req.URL.Query().Get("page")); err == nil && n > 1 {
		p.Page = n
	}
	if p.Total > 0 {
		p.Page = min(p.Page, p.Pages())
	}
	return p
}

// Pages is the number of pages (at least 1).
func (p Pager) Pages() int {
	if p.PerPage < 1 || p.Total <= 0 {
		return 1
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// Offset is the number of items before the current page.
func (p Pager) Offset() int { return max(p.Page-1, 0) * p.PerPage }

// First and Last are the 1-based positions of the page's first and last items.
func (p Pager) First() int {
	if p.Total == 0 {
		return 0
	}
	return p.Offset() + 1
}

func (p Pager) Last() int { return min(p.Offset()+p.PerPage, p.Total) }

func (p Pager) HasPrev() bool { return p.Page > 1 }
func (p Pager) HasNext() bool { return p.Page < p.Pages() }

// Href is the URL of page n (page 1 drops the parameter).
func (p Pager) Href(n int) string {
	v := any(n)
	if n <= 1 {
		v = nil
	}
	s, err := queryURL(p.URL, "page", v)
	if err != nil {
		return "?page=" + strconv.Itoa(n)
	}
	return s
}

// PageLink is one entry of the pagination bar; Gap is an ellipsis.
type PageLink struct {
	N       int
	Current bool
	Gap     bool
}

// Links is the bar: first, last, and two pages either side of the current
// one, with gaps between.
func (p Pager) Links() []PageLink {
	last := p.Pages()
	var out []PageLink
	prev := 0
	for n := 1; n <= last; n++ {
		if n != 1 && n != last && (n < p.Page-2 || n > p.Page+2) {
			continue
		}
		if prev != 0 && n > prev+1 {
			out = append(out, PageLink{Gap: true})
		}
		out = append(out, PageLink{N: n, Current: n == p.Page})
		prev = n
	}
	return out
}

// ---------------------------------------------------------------------------
// Static files

// staticFile is one embedded static file, hashed once at start-up.
type staticFile struct {
	name  string
	body  []byte
	hash  string // first 10 hex digits of its SHA-256
	ctype string

	gzOnce sync.Once
	gz     []byte // gzip of body; nil when not worth it
}

var staticFiles = loadStatic()

func loadStatic() map[string]*staticFile {
	files := map[string]*staticFile{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "static/")
		files[name] = &staticFile{name: name, body: body, hash: hex.EncodeToString(sum[:])[:10], ctype: contentType(name)}
		return nil
	})
	if err != nil {
		panic(err) // embedded files cannot fail to read
	}
	return files
}

// contentType is fixed for the types we ship so that a host's
// /etc/mime.types cannot change them.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".json":
		return "application/json"
	case ".woff2":
		return "font/woff2"
	case "":
		return "text/plain; charset=utf-8" // VERSIONS
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || ctype == "image/svg+xml" || ctype == "application/json"
}

func (f *staticFile) gzipped() []byte {
	f.gzOnce.Do(func() {
		if !compressible(f.ctype) || len(f.body) < 1024 {
			return
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(f.body)
		zw.Close()
		if b.Len() < len(f.body)*9/10 {
			f.gz = b.Bytes()
		}
	})
	return f.gz
}

// staticURL is the template func "static": the file's URL with its content
// hash, e.g. /static/app.css?v=3f2a9c01b7. An unknown name is an error, so
// a typo fails the page (and the tests) instead of shipping a broken link.
func staticURL(name string) (string, error) {
	f := staticFiles[strings.TrimPrefix(name, "/")]
	if f == nil {
		return "", fmt.Errorf("static: no file %q", name)
	}
	return "/static/" + f.name + "?v=" + f.hash, nil
}

// StaticNames lists the embedded static files (for tests and diagnostics).
func StaticNames() []string {
	names := make([]string, 0, len(staticFiles))
	for n := range staticFiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// StaticHandler serves the embedded static files: mount it as
// mux.Handle("GET /static/", web.StaticHandler()), with or without
// http.StripPrefix("/static/", …). A request whose v
// parameter matches the file's hash is cacheable for a year as immutable;
// any other is revalidated by ETag. Text files are gzipped when the client
// accepts it.
func StaticHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// Mounted as is ("/static/app.css") or under http.StripPrefix ("app.css").
		name, ok := strings.CutPrefix(r.URL.Path, "/static/")
		if !ok {
			name = strings.TrimPrefix(r.URL.Path, "/")
		}
		f := staticFiles[name]
		if f == nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.ctype)
		h.Set("X-Content-Type-Options", "nosniff")
		if r.URL.Query().Get("v") == f.hash {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		body, etag := f.body, `"`+f.hash+`"`
		if compressible(f.ctype) {
			h.Add("Vary", "Accept-Encoding")
			if gz := f.gzipped(); gz != nil && acceptsGzip(r) {
				body, etag = gz, `"`+f.hash+`-gz"`
				h.Set("Content-Encoding", "gzip")
			}
		}
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !ok {
			return true
		}
		w, err := strconv.ParseFloat(q, 64)
		return err == nil && w > 0
	}
	return false
}
