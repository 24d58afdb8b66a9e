package api

import (
	"net/http"

	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
)

// orgJSON is a unit as lists show it.
type orgJSON struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	KindLabel   string `json:"kind_label"`
	Sector      string `json:"sector"`
	SectorLabel string `json:"sector_label"`
	Depth       int    `json:"depth"`
	Active      bool   `json:"active"`
}

func toOrgJSON(o org.Org) orgJSON {
	return orgJSON{Code: o.Code, Name: o.Name, Kind: string(o.Kind), KindLabel: o.Kind.Label(),
		Sector: o.Sector, SectorLabel: o.SectorLabel(), Depth: o.Depth, Active: o.Active}
}

// orgRef names a unit in a path.
type orgRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func toOrgRef(o org.Org) orgRef { return orgRef{Code: o.Code, Name: o.Name} }

// orgDetail is one unit with its place in the tree. ParentCode is null for
// a unit whose parent lies outside the actor's scope, and Path holds only
// the ancestors within it.
type orgDetail struct {
	orgJSON
	ParentCode *string  `json:"parent_code"`
	Path       []orgRef `json:"path"`
	// MergedInto is the unit this one was merged into (已撤并), null when
	// none or outside the reader's scope.
	MergedInto *orgRef `json:"merged_into"`
}

type levelJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// codeHandler is a handler given the {code} of its unit's path.
type codeHandler = func(w http.ResponseWriter, r *http.Request, c *httpx.Current, code string) error

// orgCode gives fn the request's {code}, as httpx.ID gives an id: a code
// no unit can have is not found, and fn does not run.
func orgCode(fn codeHandler) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
		code := r.PathValue("code")
		if !textOK(code) || len(code) > 64 {
			return apperr.ErrNotFound
		}
		return fn(w, r, c, code)
	}
}

// orgShow: GET /api/v1/orgs/{code} — the unit, its direct children count,
// the counts of its subtree by level and its history (renamed, recoded,
// moved, merged, split, deactivated: newest first). Unknown and out-of-scope codes
// answer the same 404.
func (h *handler) orgShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, code string) error {
	ctx, a := r.Context(), c.Actor
	o, err := h.deps.Orgs.ByCode(ctx, a, code)
	if err != nil {
		return err
	}
	ancestors, err := h.deps.Orgs.Ancestors(ctx, a, o)
	if err != nil {
		return err
	}
	children, err := h.deps.Orgs.Children(ctx, a, o)
	if err != nil {
		return err
	}
	counts, total, err := h.deps.Orgs.SubtreeCounts(ctx, a, o)
	if err != nil {
		return err
	}
	history, merged, err := h.orgHistory(ctx, a, o)
	if err != nil {
		return err
	}
	d := orgDetail{orgJSON: toOrgJSON(o), Path: make([]orgRef, 0, len(ancestors)), MergedInto: merged}
	for _, p := range ancestors {
		d.Path = append(d.Path, toOrgRef(p))
		if p.ID == o.ParentID {
			d.ParentCode = &p.Code
		}
	}
	levels := httpx.Map(counts, func(lc org.LevelCount) levelJSON {
		return levelJSON{Key: lc.Level.Key, Label: lc.Level.Label, Count: lc.Count}
	})
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"org":            d,
		"children_count": len(children),
		"subtree":        map[string]any{"total": total, "levels": levels},
		"history":        history,
	})
	return nil
}

// orgList: GET /api/v1/orgs?under=&kind=&q=&page=&per_page= — units in the
// subtree under a unit (default: the actor's own) within scope.
func (h *handler) orgList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := org.Filter{Under: q.text("under", 64), Kind: org.Kind(q.text("kind", 20)), Q: q.text("q", 100)}
	if f.Kind != "" && !f.Kind.Valid() {
		q.fields["kind"] = "没有这种单位类型"
	}
	f.Page, f.PerPage = q.page(org.PerPageDefault, 500)
	if err := q.err(); err != nil {
		return err
	}
	units, total, err := h.deps.Orgs.Search(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(httpx.Map(units, toOrgJSON), total, f.Page, f.PerPage))
	return nil
}
