package web

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

// Template helpers of the visit, need, task and quota pages.
func init() {
	funcs["taskColour"] = func(t visit.Task, today string) string { return t.Colour(today) }
	funcs["isodate"] = isoCNDate
	funcs["visitTabs"] = visitTabsHTML
	funcs["vclip"] = func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n]) + "…"
		}
		return s
	}
}

// visitTabsHTML is the tab bar above every page of the module (pages
// cannot share a partial of their own, so it is built here from constants).
func visitTabsHTML(active string) template.HTML {
	var b strings.Builder
	b.WriteString(`<nav class="tabs" aria-label="访妇情办实事"><ul>`)
	for _, t := range visitTabs {
		cur := ""
		if t.Key == active {
			cur = ` class="active" aria-current="page"`
		}
		b.WriteString(`<li><a href="` + template.HTMLEscapeString(t.Href) + `"` + cur + `>` + template.HTMLEscapeString(t.Label) + `</a></li>`)
	}
	b.WriteString(`</ul></nav>`)
	return template.HTML(b.String())
}

// visitTab is one tab above the module's pages.
type visitTab struct{ Href, Label, Key string }

var visitTabs = []visitTab{{"/visits", "走访记录", "visits"}, {"/needs", "妇情", "needs"}, {"/tasks", "实事", "tasks"},
	{"/visits/quotas", "任务指标", "quotas"}, {"/visits/stats", "统计", "stats"}}

// visitPage is what every page of the module shares: its tabs.
type visitPage struct {
	Tabs  []visitTab
	Tab   string
	Today string
}

func (h *handler) visitPage(tab string) visitPage {
	return visitPage{Tabs: visitTabs, Tab: tab, Today: h.deps.Visits.Today()}
}

// isoCNDate shows a YYYY-MM-DD date as 2015年8月11日.
func isoCNDate(s string) string {
	var y, m, d int
	if _, err := fmt.Sscanf(s, "%d-%d-%d", &y, &m, &d); err != nil {
		return s
	}
	return fmt.Sprintf("%d年%d月%d日", y, m, d)
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

// visitPhotos reads the photos of a multipart form (none is fine).
func visitPhotos(r *http.Request) ([]visit.Photo, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apperr.Field("photos", fmt.Sprintf("照片合计超过 %d MB，请分几次上传", files.MaxSize>>20))
		}
		if errors.Is(err, http.ErrNotMultipart) {
			return nil, r.ParseForm()
		}
		return nil, apperr.Field("photos", "上传失败，请重新选择照片")
	}
	var out []visit.Photo
	for _, hdr := range r.MultipartForm.File["photos"] {
		if hdr.Filename == "" && hdr.Size == 0 {
			continue
		}
		f, err := hdr.Open()
		if err != nil {
			return nil, apperr.Field("photos", "上传失败，请重新选择照片")
		}
		data, err := io.ReadAll(io.LimitReader(f, files.MaxImageSize+1))
		f.Close()
		if err != nil {
			return nil, apperr.Field("photos", "上传失败，请重新选择照片")
		}
		out = append(out, visit.Photo{Name: hdr.Filename, Data: data})
	}
	return out, nil
}

// listPage turns ?page= into the domain's page bounds.
func listPage(r *http.Request, per int) visit.Page {
	p := NewPager(r, per, 0)
	return visit.Page{Page: p.Page, PerPage: per}
}

// withQuery is path with the non-empty pairs as its query string.
func withQuery(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// visitExported audits an Excel export of the module's lists: the unit
// looked from and how many rows, never the rows or a typed search (which
// could hold a name).
func (h *handler) visitExported(r *http.Request, c *httpx.Current, action, objectType string, rows int) {
	under := r.URL.Query().Get("under")
	if under == "" {
		under = c.Actor.OrgCode
	}
	_ = audit.Log(r.Context(), h.deps.DB, audit.FromActor(c.Actor, action, objectType, "", audit.OK,
		under+" "+strconv.Itoa(rows)+" 行"))
}
