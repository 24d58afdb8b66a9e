package api

import (
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// aidExportRoutes: exports of personal data in the clear — asked for with
// a reason, approved by a leader above the requester (never the requester),
// downloaded once by the requester within 24 hours. The aid package audits
// every step and its refusals.
func (h *handler) aidExportRoutes(mux httpx.Mux, base string) {
	route(mux, base+"/exports", methods{"GET": h.can(access.ViewAid, h.aidExports), "POST": h.can(access.ViewAid, h.aidExportCreate)})
	route(mux, base+"/exports/{id}", methods{"GET": h.can(access.ViewAid, httpx.ID(h.aidExport))})
	route(mux, base+"/exports/{id}/decide", methods{"POST": h.can(access.ViewAid, httpx.ID(h.aidExportDecide))})
	route(mux, base+"/exports/{id}/download", methods{"GET": h.can(access.ViewAid, httpx.ID(h.aidExportDownload))})
}

// aidExportJSON is an export request. It holds no personal data.
type aidExportJSON struct {
	ID           int64            `json:"id"`
	Kind         string           `json:"kind"`
	KindLabel    string           `json:"kind_label"`
	Params       aid.ExportParams `json:"params"`
	Summary      string           `json:"summary"`
	Reason       string           `json:"reason"`
	OrgID        int64            `json:"org_id"`
	OrgName      string           `json:"org_name"`
	RequestedBy  int64            `json:"requested_by"`
	Requester    string           `json:"requester"`
	Status       string           `json:"status"`
	StatusLabel  string           `json:"status_label"`
	DecidedBy    int64            `json:"decided_by,omitempty"`
	Decider      string           `json:"decider,omitempty"`
	DecidedAt    *time.Time       `json:"decided_at"`
	DecisionNote string           `json:"decision_note"`
	ExpiresAt    *time.Time       `json:"expires_at"`
	UsedAt       *time.Time       `json:"used_at"`
	Rows         int              `json:"rows"`
	CreatedAt    time.Time        `json:"created_at"`
	Version      int              `json:"version"`
	CanDecide    bool             `json:"can_decide"`
	CanDownload  bool             `json:"can_download"`
}

func toAidExportJSON(e aid.Export, c *httpx.Current) aidExportJSON {
	return aidExportJSON{ID: e.ID, Kind: e.Kind, KindLabel: e.KindLabel(), Params: e.Params, Summary: e.Summary, Reason: e.Reason,
		OrgID: e.OrgID, OrgName: e.OrgName, RequestedBy: e.RequestedBy, Requester: e.Requester, Status: string(e.Status),
		StatusLabel: e.Status.Label(), DecidedBy: e.DecidedBy, Decider: e.Decider, DecidedAt: optTime(e.DecidedAt),
		DecisionNote: e.DecisionNote, ExpiresAt: optTime(e.ExpiresAt), UsedAt: optTime(e.UsedAt), Rows: e.Rows,
		CreatedAt: e.CreatedAt.UTC(), Version: e.Version, CanDecide: e.Decidable(c.Actor), CanDownload: e.Downloadable(c.Actor)}
}

// aidExports: GET /api/v1/aid/exports?box=mine|waiting&status= — the
// actor's own requests and, for a leader, those from her scope.
func (h *handler) aidExports(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := aid.ExportFilter{Box: q.text("box", 20), Status: aid.ExportStatus(q.text("status", 20))}
	page, per := q.page(20, 200)
	if err := q.err(); err != nil {
		return err
	}
	f.Page = aid.Page{Page: page, PerPage: per}
	list, total, err := h.deps.Aid.Exports(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	out := httpx.Map(list, func(e aid.Export) aidExportJSON { return toAidExportJSON(e, c) })
	httpx.WriteJSON(w, http.StatusOK, newList(out, total, page, per))
	return nil
}

// aidExport: GET /api/v1/aid/exports/{id}.
func (h *handler) aidExport(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	e, err := h.deps.Aid.ExportRequest(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"export": toAidExportJSON(e, c)})
	return nil
}

// aidExportCreate: POST /api/v1/aid/exports {kind, params, reason} — 201
// with the pending request.
func (h *handler) aidExportCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in struct {
		Kind   string           `json:"kind"`
		Params aid.ExportParams `json:"params"`
		Reason string           `json:"reason"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "kind", in.Kind)
	texts(e, "reason", in.Reason)
	texts(e, "params", in.Params.Programme, string(in.Params.Status), in.Params.Level, in.Params.Under)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	x, err := h.deps.Aid.RequestExport(r.Context(), c.Actor, in.Kind, in.Params, in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"export": toAidExportJSON(x, c)})
	return nil
}

// aidExportDecide: POST /api/v1/aid/exports/{id}/decide {decision:
// "approve"|"reject", note}.
func (h *handler) aidExportDecide(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in struct {
		Decision string `json:"decision"`
		Note     string `json:"note"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Decision != "approve" && in.Decision != "reject" {
		return apperr.Field("decision", "请选择批准（approve）或不予批准（reject）")
	}
	if !textOK(in.Note) {
		return apperr.Field("note", "含有无效字符")
	}
	x, err := h.deps.Aid.DecideExport(r.Context(), c.Actor, id, in.Decision == "approve", in.Note)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"export": toAidExportJSON(x, c)})
	return nil
}

// aidExportDownload: GET /api/v1/aid/exports/{id}/download — the one
// download, as an Excel workbook (no-store). A second try is 410.
func (h *handler) aidExportDownload(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	file, err := h.deps.Aid.UseExport(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	t := file.Table()
	sh, err := t.Workbook()
	if err != nil {
		return err
	}
	// Send fails only before it writes.
	return sh.Send(w, r, t.Filename)
}
