package api

import (
	"context"
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
)

// 区划调整: POST /api/v1/orgs/{code}/move {"under"}, /merge {"into"},
// /rename {"name"}, /recode {"new_code"}, /deactivate {}, /split and
// /split/preview {"new":[{"code","name","kind"}],"children":{code: code},
// "records"}. The rules are the domain's (org.Store): the system
// administrator or a leader above the unit, both ends in scope; refusals
// come with the field at fault.

func (h *handler) orgReshapeRoutes(mux httpx.Mux) {
	for _, a := range []struct {
		name string
		fn   httpx.Handler
	}{
		{"move", h.orgMove}, {"merge", h.orgMerge}, {"rename", h.orgRename}, {"recode", h.orgRecode},
		{"deactivate", h.orgDeactivate}, {"split", h.orgSplit(false)}, {"split/preview", h.orgSplit(true)},
	} {
		route(mux, "/api/v1/orgs/{code}/"+a.name, methods{"POST": h.can(access.ReshapeTree, a.fn)})
	}
}

// reshapeBody reads a reshape request's JSON body (an empty body is {});
// a code in the path that no unit can have is not found.
func reshapeBody(w http.ResponseWriter, r *http.Request, dst any) bool {
	if code := r.PathValue("code"); !textOK(code) || len(code) > 64 {
		httpx.WriteError(w, r, apperr.ErrNotFound)
		return false
	}
	if err := decodeOptional(r, dst); err != nil {
		httpx.WriteError(w, r, err)
		return false
	}
	return true
}

// orgAnswer writes the unit after a change.
func (h *handler) orgAnswer(w http.ResponseWriter, r *http.Request, c *httpx.Current, o org.Org, err error) {
	if err != nil {
		h.fail(w, r, c, err) // the domain audits its refusals
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"org": toOrgJSON(o)})
}

func (h *handler) orgMove(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in struct {
		Under string `json:"under"`
	}
	if !reshapeBody(w, r, &in) {
		return nil
	}
	o, err := h.deps.Orgs.Move(r.Context(), c.Actor, r.PathValue("code"), in.Under)
	h.orgAnswer(w, r, c, o, err)
	return nil
}

func (h *handler) orgRename(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in struct {
		Name string `json:"name"`
	}
	if !reshapeBody(w, r, &in) {
		return nil
	}
	o, err := h.deps.Orgs.Rename(r.Context(), c.Actor, r.PathValue("code"), in.Name)
	h.orgAnswer(w, r, c, o, err)
	return nil
}

func (h *handler) orgRecode(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in struct {
		NewCode string `json:"new_code"`
	}
	if !reshapeBody(w, r, &in) {
		return nil
	}
	o, err := h.deps.Orgs.Recode(r.Context(), c.Actor, r.PathValue("code"), in.NewCode)
	h.orgAnswer(w, r, c, o, err)
	return nil
}

func (h *handler) orgDeactivate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in struct{}
	if !reshapeBody(w, r, &in) {
		return nil
	}
	o, err := h.deps.Orgs.Deactivate(r.Context(), c.Actor, r.PathValue("code"))
	h.orgAnswer(w, r, c, o, err)
	return nil
}

// tableCounts is {"table.column": n}.
func tableCounts(xs []org.TableCount) map[string]int {
	out := map[string]int{}
	for _, x := range xs {
		out[x.What] = x.Count
	}
	return out
}

func (h *handler) orgMerge(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in struct {
		Into string `json:"into"`
	}
	if !reshapeBody(w, r, &in) {
		return nil
	}
	res, err := h.deps.Orgs.Merge(r.Context(), c.Actor, r.PathValue("code"), in.Into)
	if err != nil {
		return err
	}
	children := res.Children
	if children == nil {
		children = []string{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"merge": map[string]any{
		"from": toOrgJSON(res.From), "into": toOrgJSON(res.Into), "children": children, "users": res.Users,
		"moved": tableCounts(res.Moved), "kept": tableCounts(res.Kept),
	}})
	return nil
}

// splitJSON is a split plan as the API takes it.
type splitJSON struct {
	New []struct {
		Code string `json:"code"`
		Name string `json:"name"`
		Kind string `json:"kind"`
	} `json:"new"`
	Children map[string]string `json:"children"`
	Records  string            `json:"records"`
}

type childMoveJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
	To   string `json:"to"`
}

func (h *handler) orgSplit(preview bool) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
		var in splitJSON
		if !reshapeBody(w, r, &in) {
			return nil
		}
		plan := org.SplitPlan{Children: in.Children, Records: in.Records}
		for _, n := range in.New {
			plan.New = append(plan.New, org.NewUnit{Code: n.Code, Name: n.Name, Kind: org.Kind(n.Kind)})
		}
		call := h.deps.Orgs.Split
		if preview {
			call = h.deps.Orgs.PreviewSplit
		}
		res, err := call(r.Context(), c.Actor, r.PathValue("code"), plan)
		if err != nil {
			return err
		}
		made := make([]orgJSON, 0, len(res.New))
		for _, o := range res.New {
			made = append(made, toOrgJSON(o))
		}
		kids := make([]childMoveJSON, 0, len(res.Children))
		for _, k := range res.Children {
			kids = append(kids, childMoveJSON{Code: k.Child.Code, Name: k.Child.Name, To: k.To})
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"preview": preview, "split": map[string]any{
			"unit": toOrgJSON(res.Unit), "new": made, "children": kids, "records_to": res.RecordsTo,
			"records": tableCounts(res.Records), "kept": tableCounts(res.Kept),
		}})
		return nil
	}
}

// changeJSON is one entry of a unit's history.
type changeJSON struct {
	Kind  string    `json:"kind"`
	Label string    `json:"label"`
	Text  string    `json:"text"`
	Old   string    `json:"old"`
	New   string    `json:"new"`
	Other *orgRef   `json:"other"` // null when none, or outside the reader's scope
	At    time.Time `json:"at"`
	By    string    `json:"by"` // "" for the server's command line
}

// orgHistory is the unit's history for its GET answer, and the unit it
// was merged into (null when none or outside the reader's scope).
func (h *handler) orgHistory(ctx context.Context, a access.Actor, o org.Org) ([]changeJSON, *orgRef, error) {
	changes, err := h.deps.Orgs.HistoryOf(ctx, a, o)
	if err != nil {
		return nil, nil, err
	}
	out := make([]changeJSON, 0, len(changes))
	var merged *orgRef
	for _, ch := range changes {
		j := changeJSON{Kind: string(ch.Kind), Label: ch.Kind.Label(), Text: ch.Text(), Old: ch.Old, New: ch.New, At: ch.At.UTC(), By: ch.ByName}
		if ch.Other.ID != 0 {
			j.Other = &orgRef{Code: ch.Other.Code, Name: ch.Other.Name}
			if ch.Kind == org.ChangeMergedInto && ch.Other.ID == o.MergedInto && merged == nil {
				merged = j.Other
			}
		}
		out = append(out, j)
	}
	return out, merged, nil
}
