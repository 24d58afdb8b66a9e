package web

import (
	"net/http"
	"strings"

	"halfsky/internal/httpx"
	"halfsky/internal/org"
)

// orgPageData is a unit's page: where it sits, what is under it.
type orgPageData struct {
	Unit      org.Org
	Parent    *org.Org // nil at the top of the actor's scope
	Counts    []org.LevelCount
	Total     int
	Children  []childRow
	Kinds     []Option
	Q         string
	Kind      string
	UserCount int
	CanUsers  bool
	// History is the unit's 沿革, newest first; MergedInto the unit it was
	// merged into (nil when none or outside the reader's scope).
	History    []org.Change
	MergedInto *org.Org
	// Reshape is the 调整 section, for who may change the unit (nil for
	// everyone else).
	Reshape *reshapeView
}

// childRow is a child unit with the number of units under it.
type childRow struct {
	Org   org.Org
	Below int
}

func (h *handler) orgRoot(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	return h.renderOrg(w, r, c, c.Actor.OrgCode)
}

func (h *handler) orgShow(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	return h.renderOrg(w, r, c, r.PathValue("code"))
}

func (h *handler) renderOrg(w http.ResponseWriter, r *http.Request, c *httpx.Current, code string) error {
	return h.renderOrgWith(w, r, c, code, http.StatusOK, nil)
}

// renderOrgWith renders a unit's page with status; rv carries a 调整
// form's values, errors or split preview back to it.
func (h *handler) renderOrgWith(w http.ResponseWriter, r *http.Request, c *httpx.Current, code string, status int, rv *reshapeView) error {
	ctx := r.Context()
	store := h.deps.Orgs
	unit, err := store.ByCode(ctx, c.Actor, code)
	if err != nil {
		return err
	}
	counts, total, err := store.SubtreeCounts(ctx, c.Actor, unit)
	if err != nil {
		return err
	}
	kids, err := store.Children(ctx, c.Actor, unit)
	if err != nil {
		return err
	}
	below, err := store.ChildCounts(ctx, unit)
	if err != nil {
		return err
	}
	d := orgPageData{Unit: unit, Counts: counts, Total: total, Kinds: kindOptions()}
	d.Children = httpx.Map(kids, func(k org.Org) childRow { return childRow{Org: k, Below: below[k.ID]} })
	if d.History, err = store.HistoryOf(ctx, c.Actor, unit); err != nil {
		return err
	}
	if unit.MergedInto != 0 {
		if m, err := store.ByID(ctx, store.DB.Q(), unit.MergedInto); err == nil && c.Actor.Scope().Contains(m.Path) {
			d.MergedInto = &m
		}
	}
	if c.Actor.CanReshape(unit.Path) {
		if rv == nil {
			rv = &reshapeView{}
		}
		rv.fill(unit, kids)
		d.Reshape = rv
	}
	anc, err := store.Ancestors(ctx, c.Actor, unit)
	if err != nil {
		return err
	}
	crumbs := httpx.Map(anc, func(a org.Org) Crumb { return Crumb{Href: "/org/" + a.Code, Label: a.Name} })
	if len(anc) > 0 {
		d.Parent = &anc[len(anc)-1]
	}
	crumbs = append(crumbs, Crumb{Label: unit.Name})
	h.tpl.Page(w, r, status, "org_show", View{Layout: Layout{Title: unit.Name, Crumbs: crumbs, Active: "org"}, Data: d})
	return nil
}

func kindOptions() []Option {
	return httpx.Map(org.Kinds, func(k org.Kind) Option { return Option{Value: string(k), Label: k.Label()} })
}

type orgSearchData struct {
	Under   org.Org
	Q       string
	Kind    string
	Kinds   []Option
	Results []org.Org
	Pager   Pager
	Errors  map[string]string
}

func (h *handler) orgSearch(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := orgSearchData{Q: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), Kinds: kindOptions(), Errors: map[string]string{}}
	underCode := q.Get("under")
	if underCode == "" {
		underCode = c.Actor.OrgCode
	}
	under, err := h.deps.Orgs.ByCode(ctx, c.Actor, underCode)
	if err != nil {
		return err
	}
	d.Under = under
	if d.Kind != "" && !org.Kind(d.Kind).Valid() {
		d.Errors["kind"] = "请选择有效的组织类型"
		d.Kind = ""
	}
	pager := NewPager(r, org.PerPageDefault, 0)
	list, total, err := h.deps.Orgs.Search(ctx, c.Actor, org.Filter{Under: under.Code, Kind: org.Kind(d.Kind), Q: d.Q, Page: pager.Page, PerPage: pager.PerPage})
	if err != nil {
		return err
	}
	d.Results = list
	d.Pager = NewPager(r, org.PerPageDefault, total)
	crumbs := []Crumb{{Href: "/org/" + under.Code, Label: under.Name}, {Label: "查找组织"}}
	h.tpl.Page(w, r, http.StatusOK, "org_search", View{Layout: Layout{Title: "查找组织", Crumbs: crumbs, Active: "org"}, Data: d})
	return nil
}
