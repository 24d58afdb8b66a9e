package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"halfsky/internal/audit"
	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

// Template helpers of the visit, need, task and quota pages.

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

// visitPhotos reads the photos of a form (none is fine).
func visitPhotos(r *http.Request) ([]visit.Photo, error) {
	photos, err := photoFiles[visit.Photo](r)
	if errors.Is(err, http.ErrNotMultipart) {
		return nil, r.ParseForm()
	}
	return photos, err
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
