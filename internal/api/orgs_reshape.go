package api

import (
	"context"
	"net/http"
	"time"

	"halfsky/internal/access"
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
		fn   codeHandler
	}{
		{"move", h.orgMove}, {"merge", h.orgMerge}, {"rename", h.orgRename}, {"recode", h.orgRecode},
		{"deactivate", h.orgDeactivate}, {"split", h.orgSplit(false)}, {"split/preview", h.orgSplit(true)},
	} {
		route(mux, "/api/v1/orgs/{code}/"+a.name, methods{"POST": h.can(access.ReshapeTree, orgCode(a.fn))})
	}
}

// orgAnswer writes the unit after a change, or returns the change's
// error (the domain audits its refusals).
func orgAnswer(w http.ResponseWriter, o org.Org, err error) error {
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"org": toOrgJSON(o)})
	return nil
}

func (h *handler) orgMove(w http.ResponseWriter, r *http.Request, c *httpx.Current, code string) error {
	var in struct {
		Under string `json:"under"`
	}
	if err := decodeOptional(r, &in); err != nil {
		return err
	}
	o, err := h.deps.Orgs.Move(r.Context(), c.Actor, code, in.Under)
	return orgAnswer(w, o, err)
}

func (h *handler) orgRename(w http.ResponseWriter, r *http.Request, c *httpx.Current, code string) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeOptional(r, &in); err != nil {
		return err
	}
	o, err := h.deps.Orgs.Rename(r.Context(), c.Actor, code, in.Name)
	return orgAnswer(w, o, err)
}

func (h *handler) orgRecode(w http.ResponseWriter, r *http.Request, c *httpx.Current, code string) error {
	var in struct {
		NewCode string `json:"new_code"`
	}
	if err := decodeOptional(r, &in); err != nil {
		return err
	}
	o, err := h.deps.Orgs.Recode(r.Context(), c.Actor, code, in.NewCode)
	return orgAnswer(w, o, err)
}

func (h *handler) orgDeactivate(w http.ResponseWriter, r *http.Request, c *httpx.Current, code string) error {
	var in struct{}
	if err := decodeOptional(r, &in); err != nil {
		return err
	}
	o, err := h.deps.Orgs.Deactivate(r.Context(), c.Actor, code)
	return orgAnswer(w, o, err)
}

// tableCounts is {"table.column": n}.
func tableCounts(xs []org.TableCount) map[string]int {
	out := map[string]int{}
	for _, x := range xs {
		out[x.What] = x.Count
	}
	return out
}

func (h *handler) orgMerge(w http.ResponseWriter, r *http.Request, c *httpx.Current, code string) error {
	var in struct {
		Into string `json:"into"`
	}
	if err := decodeOptional(r, &in); err != nil {
		return err
	}
	res, err := h.deps.Orgs.Merge(r.Context(), c.Actor, code, in.Into)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"merge": map[string]any{
		"from": toOrgJSON(res.From), "into": toOrgJSON(res.Into), "children": orEmpty(res.Children), "users": res.Users,
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

func toChildMoveJSON(k org.ChildMove) childMoveJSON {
	return childMoveJSON{Code: k.Child.Code, Name: k.Child.Name, To: k.To}
}

func (h *handler) orgSplit(preview bool) codeHandler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current, code string) error {
		var in splitJSON
		if err := decodeOptional(r, &in); err != nil {
			return err
		}
		plan := org.SplitPlan{Children: in.Children, Records: in.Records}
		for _, n := range in.New {
			plan.New = append(plan.New, org.NewUnit{Code: n.Code, Name: n.Name, Kind: org.Kind(n.Kind)})
		}
		call := h.deps.Orgs.Split
		if preview {
			call = h.deps.Orgs.PreviewSplit
		}
		res, err := call(r.Context(), c.Actor, code, plan)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"preview": preview, "split": map[string]any{
			"unit": toOrgJSON(res.Unit), "new": httpx.Map(res.New, toOrgJSON), "children": httpx.Map(res.Children, toChildMoveJSON), "records_to": res.RecordsTo,
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
