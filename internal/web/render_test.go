package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// testPages are extra pages parsed with the real layout and partials.
var testPages = map[string]string{
	// sample uses the shell and every shared partial.
	"sample": `{{define "title"}}示例页面{{end}}
{{define "content"}}<div class="page-head"><h1>示例页面</h1></div>
<p>今天是{{date .Data.When}}，{{datetime .Data.When}}</p>
<form class="form" method="post">
{{template "input" dict "Name" "title" "Label" "标题" "Value" .Data.Title "Error" (index .Data.Errors "title") "Hint" "不超过50字" "Required" true}}
{{template "input" dict "Name" "phone" "Label" "电话" "Type" "tel"}}
{{template "textarea" dict "Name" "body" "Label" "正文" "Error" (index .Data.Errors "body")}}
{{template "select" dict "Name" "kind" "Label" "类别" "Options" .Data.Kinds "Selected" "b" "Blank" "请选择"}}
</form>
{{template "tree" .Data.Tree}}
{{template "pagination" .Data.Pager}}
{{template "empty" "暂无记录"}}
<a href="{{query .URL "sort" "name" "page" ""}}">按名称</a>
{{end}}
{{define "row"}}<tr><td>{{.Data.Title}}</td></tr>{{end}}`,
	// broken writes a marker, then fails while executing.
	"broken": `{{define "content"}}<p>PARTIAL-MARKER</p>{{template "input" dict "odd"}}{{end}}`,
	// badstatic names a static file that does not exist.
	"badstatic": `{{define "content"}}<link href="{{static "nope.css"}}">{{end}}`,
}

func testRenderer(t *testing.T) *Renderer {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range testPages {
		m["templates/"+name+".html"] = &fstest.MapFile{Data: []byte(text)}
	}
	r, err := newRenderer(m, "templates")
	if err != nil {
		t.Fatal(err)
	}
	r.LayoutFor = func(*http.Request) Layout {
		return Layout{
			User: &LayoutUser{Name: "张丽", Username: "zhangli", RoleLabel: "工作人员", OrgName: "道里区妇联"},
			Nav: []NavItem{
				{Href: "/", Label: "工作台", Key: "home"},
				{Href: "/org", Label: "组织建设", Key: "org"},
				{Href: "/doc", Label: "公文", Key: "doc"},
			},
			Flash: []Flash{{Kind: "success", Text: "保存成功"}},
		}
	}
	return r
}

type sampleData struct {
	When   time.Time
	Title  string
	Errors map[string]string
	Kinds  []Option
	Tree   []TreeNode
	Pager  Pager
}

func sample(req *http.Request) sampleData {
	return sampleData{
		When:   time.Date(2015, 8, 11, 6, 5, 0, 0, time.UTC),
		Title:  `<script>alert(1)</script>`,
		Errors: map[string]string{"title": "请填写标题"},
		Kinds:  []Option{{"a", "甲"}, {"b", "乙"}},
		Tree:   []TreeNode{{Label: "哈尔滨市妇联", Href: "/org/1", Open: true, Children: []TreeNode{{Label: "道里区妇联", Note: "12"}}}},
		Pager:  NewPager(req, 20, 95),
	}
}

func TestNewRendererEmbedded(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if r.pages["error"] == nil {
		t.Fatal("error page not parsed")
	}
}

func TestPageShellAndPartials(t *testing.T) {
	r := testRenderer(t)
	req := httptest.NewRequest("GET", "/org/list?page=3&q=%E9%81%93", nil)
	w := httptest.NewRecorder()
	r.Page(w, req, http.StatusOK, "sample", View{
		Layout: Layout{Crumbs: []Crumb{{Href: "/org", Label: "组织建设"}, {Label: "示例"}}, Flash: []Flash{{Kind: "error", Text: "有2处需要修改"}}},
		Data:   sample(req),
	})
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	body := w.Body.String()
	for _, want := range []string{
		"<!doctype html>", `<html lang="zh-CN">`, `name="viewport"`, "</html>",
		"<title>示例页面 · 半边天</title>",
		"半边天", "哈尔滨市妇联工作平台",
		"张丽", "道里区妇联 · 工作人员", `action="/logout"`,
		`<a href="/org" class="active" aria-current="page">组织建设</a>`,
		`<a href="/">工作台</a>`,
		`class="breadcrumbs"`, `<span aria-current="page">示例</span>`,
		// session flash first, then the handler's
		`class="flash flash-success" role="status">保存成功`, `class="flash flash-error" role="alert">有2处需要修改`,
		"今天是2015年8月11日，2015年8月11日 14:05",
		// field with hint and error
		`aria-invalid="true" aria-describedby="f-title-hint f-title-error"`,
		`<p class="field-error" id="f-title-error">请填写标题</p>`,
		`<p class="hint" id="f-title-hint">不超过50字</p>`,
		`value="&lt;script&gt;alert(1)&lt;/script&gt;"`,
		`<input id="f-phone" name="phone" type="tel" value="">`,
		`<option value="b" selected>乙</option>`, `<option value="">请选择</option>`,
		`<details open><summary><a href="/org/1">哈尔滨市妇联</a></summary>`, `<span class="tree-note">12</span>`,
		"共 95 条，第 41–60 条",
		`href="/org/list?page=2&amp;q=%E9%81%93" rel="prev"`,
		`href="/org/list?q=%E9%81%93">1</a>`,
		`<span class="current" aria-current="page">3</span>`,
		`<div class="empty"><p class="empty-title">暂无记录</p></div>`,
		`href="/org/list?q=%E9%81%93&amp;sort=name"`,
		`<meta name="htmx-config"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("unescaped user input")
	}
	for _, name := range []string{"app.css", "app.js", "vendor/htmx.min.js", "favicon.svg"} {
		re := regexp.MustCompile(`"/static/` + regexp.QuoteMeta(name) + `\?v=[0-9a-f]{10}"`)
		if !re.MatchString(body) {
			t.Errorf("no hashed URL for %s", name)
		}
	}
	assertCSPClean(t, body)
}

// assertCSPClean checks the markup needs nothing the CSP forbids.
func assertCSPClean(t *testing.T, body string) {
	t.Helper()
	if regexp.MustCompile(`(?i)\sstyle=`).MatchString(body) {
		t.Error("style attribute in page (blocked by CSP)")
	}
	if regexp.MustCompile(`(?i)<style`).MatchString(body) {
		t.Error("<style> element in page (blocked by CSP)")
	}
	if regexp.MustCompile(`(?i)\son[a-z]+=`).MatchString(body) {
		t.Error("inline event handler in page (blocked by CSP)")
	}
	for _, m := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(m, " src=") {
			t.Errorf("inline script %s (blocked by CSP)", m)
		}
	}
}

func TestSignedOutShell(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	r.Error(w, httptest.NewRequest("GET", "/missing", nil), http.StatusNotFound, "")
	body := w.Body.String()
	if w.Code != 404 {
		t.Fatalf("status %d", w.Code)
	}
	for _, want := range []string{`<html lang="zh-CN">`, `class="no-nav"`, "页面不存在", "404", `href="/login"`, "返回首页"} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	for _, not := range []string{`action="/logout"`, `class="sidebar"`, `class="menu"`} {
		if strings.Contains(body, not) {
			t.Errorf("signed-out page has %q", not)
		}
	}
	assertCSPClean(t, body)
}

func TestErrorPageMessage(t *testing.T) {
	r := testRenderer(t)
	w := httptest.NewRecorder()
	r.Error(w, httptest.NewRequest("GET", "/x", nil), http.StatusForbidden, "只有市妇联可以销号")
	body := w.Body.String()
	if w.Code != 403 || !strings.Contains(body, "只有市妇联可以销号") || !strings.Contains(body, "无权访问") {
		t.Fatalf("status %d body %s", w.Code, body)
	}
	if !strings.Contains(body, "张丽") || strings.Contains(body, `href="/login"`) {
		t.Error("signed-in error page should show the user and no login link")
	}
}

func TestTemplateErrorIsClean500(t *testing.T) {
	r := testRenderer(t)
	for _, page := range []string{"broken", "badstatic", "no-such-page"} {
		w := httptest.NewRecorder()
		r.Page(w, httptest.NewRequest("GET", "/", nil), http.StatusOK, page, nil)
		body := w.Body.String()
		if w.Code != 500 {
			t.Errorf("%s: status %d", page, w.Code)
		}
		if strings.Contains(body, "PARTIAL-MARKER") || strings.Contains(body, "nope.css") {
			t.Errorf("%s: partial output leaked", page)
		}
		if !strings.Contains(body, "服务器内部错误") || !strings.HasSuffix(strings.TrimSpace(body), "</html>") {
			t.Errorf("%s: not a whole error page:\n%s", page, body)
		}
	}
}

func TestFragment(t *testing.T) {
	r := testRenderer(t)
	w := httptest.NewRecorder()
	r.Fragment(w, httptest.NewRequest("GET", "/", nil), http.StatusOK, "sample", "row", sampleData{Title: "行"})
	if got := w.Body.String(); got != "<tr><td>行</td></tr>" {
		t.Errorf("fragment %q", got)
	}
	w = httptest.NewRecorder()
	r.Fragment(w, httptest.NewRequest("GET", "/", nil), http.StatusOK, "sample", "flash", []Flash{{Kind: "info", Text: "提示"}})
	// dot is a View, so a partial that wants a slice fails cleanly.
	if w.Code != 500 {
		t.Errorf("status %d", w.Code)
	}
}

func TestDates(t *testing.T) {
	late := time.Date(2015, 8, 10, 20, 30, 0, 0, time.UTC) // 04:30 next day in Shanghai
	if got := formatDate(late); got != "2015年8月11日" {
		t.Errorf("date %q", got)
	}
	if got := formatDateTime(&late); got != "2015年8月11日 04:30" {
		t.Errorf("datetime %q", got)
	}
	var nilTime *time.Time
	if formatDate(time.Time{}) != "" || formatDateTime(nilTime) != "" {
		t.Error("zero time should print nothing")
	}
}

func TestQueryAndPager(t *testing.T) {
	u, _ := url.Parse("/rectify?status=open&page=4")
	if got, _ := queryURL(u, "page", 2); got != "/rectify?page=2&status=open" {
		t.Errorf("query %q", got)
	}
	if got, _ := queryURL(u, "status", ""); got != "/rectify?page=4" {
		t.Errorf("query %q", got)
	}
	if u.RawQuery != "status=open&page=4" {
		t.Error("query changed its argument")
	}
	req := httptest.NewRequest("GET", "/rectify?page=99", nil)
	p := NewPager(req, 10, 45)
	if p.Page != 5 || p.Pages() != 5 || p.Offset() != 40 || p.First() != 41 || p.Last() != 45 || p.HasNext() {
		t.Errorf("pager %+v", p)
	}
	p = NewPager(httptest.NewRequest("GET", "/?page=-3", nil), 10, 0)
	if p.Page != 1 || p.Offset() != 0 || p.First() != 0 {
		t.Errorf("empty pager %+v", p)
	}
	// Before the count is known (total 0) the requested page stands.
	p = NewPager(httptest.NewRequest("GET", "/?page=3", nil), 10, 0)
	if p.Page != 3 || p.Offset() != 20 || p.First() != 0 || p.Last() != 0 {
		t.Errorf("unknown-total pager %+v", p)
	}
	if s := p.Href(1); s != "/" {
		t.Errorf("Href(1) %q", s)
	}
	p = Pager{Page: 10, PerPage: 10, Total: 200, URL: u}
	var got []string
	for _, l := range p.Links() {
		switch {
		case l.Gap:
			got = append(got, "…")
		case l.Current:
			got = append(got, "["+strconv.Itoa(l.N)+"]")
		default:
			got = append(got, strconv.Itoa(l.N))
		}
	}
	if s := strings.Join(got, " "); s != "1 … 8 9 [10] 11 12 … 20" {
		t.Errorf("links %s", s)
	}
}

func TestActiveKey(t *testing.T) {
	nav := []NavItem{{Href: "/", Key: "home"}, {Href: "/org", Key: "org"}, {Href: "/org/coverage", Key: "cov"}}
	for path, want := range map[string]string{"/": "home", "/org": "org", "/org/12": "org", "/org/coverage/x": "cov", "/organ": "", "/doc": ""} {
		if got := activeKey(nav, path); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}

func TestStaticHandler(t *testing.T) {
	h := StaticHandler()
	css, err := staticURL("app.css")
	if err != nil {
		t.Fatal(err)
	}
	get := func(target, enc string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", target, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}

	w := get(css, "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("app.css: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("hashed app.css Cache-Control %q", cc)
	}
	if !bytes.Equal(w.Body.Bytes(), staticFiles["app.css"].body) {
		t.Error("app.css body differs")
	}
	if w := get("/static/app.css", ""); w.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("unhashed Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	if w := get("/static/app.css?v=0000000000", ""); w.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("stale hash Cache-Control %q", w.Header().Get("Cache-Control"))
	}

	js, _ := staticURL("vendor/htmx.min.js")
	w = get(js, "br, gzip")
	if w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" || w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("htmx: %q %q", w.Header().Get("Content-Type"), w.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, staticFiles["vendor/htmx.min.js"].body) {
		t.Error("gzipped htmx differs")
	}
	if w := get(js, "gzip;q=0"); w.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent although refused")
	}

	// Revalidation by ETag.
	req := httptest.NewRequest("GET", "/static/app.css", nil)
	req.Header.Set("If-None-Match", get("/static/app.css", "").Header().Get("ETag"))
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", w.Code)
	}

	if w := get("/static/favicon.svg", ""); w.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("favicon %q", w.Header().Get("Content-Type"))
	}
	for _, bad := range []string{"/static/nope.css", "/static/", "/static/vendor", "/static/../render.go", "/render.go"} {
		if w := get(bad, ""); w.Code != 404 {
			t.Errorf("%s: %d", bad, w.Code)
		}
	}
	stripped := http.StripPrefix("/static/", h)
	w = httptest.NewRecorder()
	stripped.ServeHTTP(w, httptest.NewRequest("GET", css, nil))
	if w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("under StripPrefix: %d %q", w.Code, w.Header().Get("Cache-Control"))
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", css, nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}
}

func TestStaticFilesPresent(t *testing.T) {
	for _, name := range []string{"app.css", "app.js", "favicon.svg", "vendor/htmx.min.js", "vendor/echarts.min.js", "vendor/VERSIONS"} {
		if staticFiles[name] == nil {
			t.Errorf("static file %s missing (run scripts/vendor-assets.sh?)", name)
		}
	}
}
