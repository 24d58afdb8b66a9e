package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"halfsky/internal/access"

	"halfsky/internal/apperr"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/rectify"
)

// problemRoutes is the 问题整改台账 under /api/v1/problems: the same domain
// calls as the pages, the same scope.
func (h *handler) problemRoutes(mux httpx.Mux) {
	route(mux, "/api/v1/problems", methods{"GET": h.can(access.ViewWork, h.problemList), "POST": h.can(access.ViewWork, h.problemCreate)})
	routeBeside(mux, "/api/v1/problems/stats", methods{"GET": h.can(access.ViewWork, h.problemStats)})
	route(mux, "/api/v1/problems/{id}", methods{"GET": h.can(access.ViewWork, httpx.ID(h.problemShow)), "PUT": h.can(access.ViewWork, httpx.ID(h.problemUpdate))})
	route(mux, "/api/v1/problems/{id}/progress", methods{"POST": upload{h.can(access.ViewWork, httpx.ID(h.problemProgress))}}) // evidence files
	route(mux, "/api/v1/problems/{id}/files/{fid}", methods{"GET": h.can(access.ViewWork, httpx.IDs("fid", h.problemFile))})
	for _, action := range []string{"apply", "close", "return"} {
		route(mux, "/api/v1/problems/{id}/"+action, methods{"POST": h.can(access.ViewWork, httpx.ID(h.problemDecision(action)))})
	}
}

// problemJSON is one ledger item. colour is its flag today: red, yellow,
// green, or "" once closed.
type problemJSON struct {
	ID            int64            `json:"id"`
	OrgCode       string           `json:"org_code"`
	OrgName       string           `json:"org_name"`
	Category      string           `json:"category"`
	CategoryLabel string           `json:"category_label"`
	Source        string           `json:"source"`
	SourceLabel   string           `json:"source_label"`
	Description   string           `json:"description"`
	Measures      string           `json:"measures"`
	Responsible   string           `json:"responsible"`
	Mode          string           `json:"mode"`
	ModeLabel     string           `json:"mode_label"`
	Plan          string           `json:"plan"`
	FoundOn       string           `json:"found_on"`
	DueOn         string           `json:"due_on"`
	NextReview    string           `json:"next_review"`
	Reviews       []rectify.Review `json:"reviews,omitempty"`
	Status        string           `json:"status"`
	StatusLabel   string           `json:"status_label"`
	Colour        string           `json:"colour"`
	AppliedAt     *time.Time       `json:"applied_at"`
	ClosedAt      *time.Time       `json:"closed_at"`
	ClosedByOrg   string           `json:"closed_by_org"`
	ReturnReason  string           `json:"return_reason"`
	Version       int              `json:"version"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

func toProblemJSON(p rectify.Problem, today string) problemJSON {
	return problemJSON{ID: p.ID, OrgCode: p.OrgCode, OrgName: p.OrgName, Category: p.Category, CategoryLabel: p.CategoryLabel(),
		Source: p.Source, SourceLabel: p.SourceLabel(), Description: p.Description, Measures: p.Measures, Responsible: p.Responsible,
		Mode: p.Mode, ModeLabel: p.ModeLabel(), Plan: p.Plan, FoundOn: p.FoundOn, DueOn: p.DueOn, NextReview: p.NextReview,
		Reviews: p.Reviews, Status: string(p.Status), StatusLabel: p.Status.Label(), Colour: p.ColourAt(today),
		AppliedAt: optTime(p.AppliedAt), ClosedAt: optTime(p.ClosedAt), ClosedByOrg: p.ClosedByOrg, ReturnReason: p.ReturnReason,
		Version: p.Version, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

type updateJSON struct {
	Kind      string     `json:"kind"`
	KindLabel string     `json:"kind_label"`
	Note      string     `json:"note"`
	ByName    string     `json:"by_name"`
	ByOrg     string     `json:"by_org"`
	At        time.Time  `json:"at"`
	Files     []fileJSON `json:"files"`
}

// problemList: GET /api/v1/problems?under=&category=&source=&mode=&status=&colour=&verify=1&page=&per_page=
func (h *handler) problemList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := rectify.Filter{Under: q.text("under", 40), Category: q.text("category", 20), Source: q.text("source", 20),
		Mode: q.text("mode", 20), Status: rectify.Status(q.text("status", 20)), Colour: q.text("colour", 20), Verify: q.text("verify", 5) == "1", Full: true}
	f.Page, f.PerPage = q.page(rectify.PerPageDefault, 200)
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := h.deps.Rectify.List(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	today := h.deps.Rectify.Today()
	out := httpx.Map(items, func(p rectify.Problem) problemJSON { return toProblemJSON(p, today) })
	httpx.WriteJSON(w, http.StatusOK, newList(out, total, f.Page, f.PerPage))
	return nil
}

func problemInputText(in rectify.Input) error {
	e := map[string]string{}
	texts(e, "category", in.Category)
	texts(e, "source", in.Source)
	texts(e, "description", in.Description)
	texts(e, "measures", in.Measures)
	texts(e, "responsible", in.Responsible)
	texts(e, "mode", in.Mode)
	texts(e, "plan", in.Plan)
	texts(e, "found_on", in.FoundOn)
	texts(e, "due_on", in.DueOn)
	texts(e, "reviews", in.Reviews...)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	return nil
}

// problemCreate: POST /api/v1/problems {category, source, description,
// measures, responsible, mode, plan, found_on, due_on, reviews} — 201.
func (h *handler) problemCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in rectify.Input
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := problemInputText(in); err != nil {
		return err
	}
	ctx, svc := r.Context(), h.deps.Rectify
	id, err := svc.Create(ctx, c.Actor, in)
	if err != nil {
		return err
	}
	p, err := svc.Get(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"problem": toProblemJSON(p, svc.Today())})
	return nil
}

// problemShow: GET /api/v1/problems/{id} — the item and its timeline.
func (h *handler) problemShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx, svc := r.Context(), h.deps.Rectify
	p, err := svc.Get(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	tl, err := svc.Timeline(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	updates := httpx.Map(tl, func(u rectify.Update) updateJSON {
		return updateJSON{Kind: u.Kind, KindLabel: rectify.KindLabel(u.Kind), Note: u.Note, ByName: u.ByName,
			ByOrg: u.ByOrg, At: u.At.UTC(), Files: httpx.Map(u.Files, toFileJSON)}
	})
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"problem": toProblemJSON(p, svc.Today()), "timeline": updates})
	return nil
}

// problemUpdate: PUT /api/v1/problems/{id} with the whole record, while
// the unit's item is being fixed.
func (h *handler) problemUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in rectify.Input
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := problemInputText(in); err != nil {
		return err
	}
	ctx, svc := r.Context(), h.deps.Rectify
	if err := svc.Update(ctx, c.Actor, id, in); err != nil {
		return err
	}
	p, err := svc.Get(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"problem": toProblemJSON(p, svc.Today())})
	return nil
}

// problemProgress: POST /api/v1/problems/{id}/progress, JSON {note,
// review} or multipart (note, review=1, files) with evidence — 204.
func (h *handler) problemProgress(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in rectify.Progress
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		var err error
		if in, err = multipartProgress(r); err != nil {
			return err
		}
	} else if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if !textOK(in.Note) {
		return apperr.Field("note", "含有无效字符")
	}
	if err := h.deps.Rectify.AddProgress(r.Context(), c.Actor, id, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func multipartProgress(r *http.Request) (rectify.Progress, error) {
	defer func() {
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}()
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return rectify.Progress{}, apperr.New(http.StatusRequestEntityTooLarge, "too_large", "提交的内容过大")
		}
		return rectify.Progress{}, apperr.Field("files", "上传失败，请重新选择文件")
	}
	in := rectify.Progress{Note: r.PostFormValue("note"), Review: r.PostFormValue("review") == "1"}
	var err error
	in.Files, err = formFiles[rectify.Upload](r, "files", "上传失败，请重新选择文件")
	return in, err
}

// problemFile: GET /api/v1/problems/{id}/files/{fid} — an evidence file.
func (h *handler) problemFile(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	f, data, err := h.deps.Rectify.File(r.Context(), c.Actor, id, fid)
	if err != nil {
		return err
	}
	files.Serve(w, f, data)
	return nil
}

// problemDecision: POST /api/v1/problems/{id}/apply {note} by the unit;
// …/close {note} and …/return {reason} by a unit above — 204.
func (h *handler) problemDecision(action string) idHandler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
		var in struct {
			Note   string `json:"note"`
			Reason string `json:"reason"`
		}
		if err := httpx.DecodeJSON(r, &in); err != nil {
			return err
		}
		if e := map[string]string{}; true {
			texts(e, "note", in.Note)
			texts(e, "reason", in.Reason)
			if len(e) > 0 {
				return apperr.Invalid(e)
			}
		}
		ctx, svc, a := r.Context(), h.deps.Rectify, c.Actor
		var err error
		switch action {
		case "apply":
			err = svc.Apply(ctx, a, id, in.Note)
		case "close":
			err = svc.Close(ctx, a, id, in.Note)
		default:
			err = svc.Return(ctx, a, id, in.Reason)
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// problemStats: GET /api/v1/problems/stats?under=CODE — the ledger rolled
// up per child unit, columns named in "columns".
func (h *handler) problemStats(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	under := q.text("under", 40)
	if err := q.err(); err != nil {
		return err
	}
	st, err := h.deps.Rectify.Stats(r.Context(), c.Actor, under)
	if err != nil {
		return err
	}
	cols := make([]string, rectify.StatWidth)
	for i := range cols {
		cols[i] = rectify.StatLabel(i)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"node": map[string]string{"code": st.Node.Code, "name": st.Node.Name},
		"date": st.Today, "columns": cols, "rows": toRollupRows(st.Rows), "totals": st.Totals})
	return nil
}
