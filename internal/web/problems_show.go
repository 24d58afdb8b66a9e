package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/rectify"
)

// problemShowData is one item: its record, timeline with evidence, and
// the forms the actor may use on it.
type problemShowData struct {
	P         rectify.Problem
	Timeline  []rectify.Update
	Colour    string
	Today     string
	Mine      bool // the actor's own unit's item, still being fixed
	CanVerify bool // a unit above, the item applied
	CanReview bool // a 长期坚持 item with a review due
	CanApply  bool // Mine, and there is a unit above to apply to
	Errors    map[string]string
	Form      map[string]string
	Allowed   string
	MaxMB     int
}

func (h *handler) problemShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.renderProblem(w, r, c, id, http.StatusOK, nil, nil)
}

// renderProblem renders an item's page; errs and form, when given, carry a
// refused form back with its messages and the user's input.
func (h *handler) renderProblem(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int, errs, form map[string]string) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Rectify
	p, err := svc.Get(ctx, a, id)
	if err != nil {
		return err
	}
	d := problemShowData{P: p, Today: svc.Today(), Errors: errs, Form: form, Allowed: files.Allowed, MaxMB: int(files.MaxSize >> 20)}
	if d.Timeline, err = svc.Timeline(ctx, a, id); err != nil {
		return err
	}
	d.Colour = p.ColourAt(d.Today)
	d.Mine = p.OrgID == a.OrgID && a.Can(access.RecordWork) && p.Editable()
	d.CanVerify = p.OrgID != a.OrgID && a.Can(access.ManageWork) && p.Status == rectify.Applied
	d.CanReview = d.Mine && p.Mode == rectify.ModeOngoing && p.NextReview != ""
	if d.Mine {
		unit, err := h.deps.Orgs.ByID(ctx, h.deps.DB.Q(), p.OrgID)
		if err != nil {
			return err
		}
		d.CanApply = unit.ParentID != 0
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	title := p.CategoryLabel() + "问题 · " + p.OrgName
	h.tpl.Page(w, r, status, "problem_show", View{Layout: Layout{Title: title, Active: "problems",
		Crumbs: []Crumb{{Href: "/problems", Label: "整改台账"}, {Label: title}}}, Data: d})
	return nil
}

// problemProgress adds a progress update with evidence files.
func (h *handler) problemProgress(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	defer cleanupMultipart(r)
	in, err := readProgress(r)
	if err == nil {
		err = h.deps.Rectify.AddProgress(r.Context(), c.Actor, id, in)
	}
	if errs := refusedFields(err, "progress."); errs != nil {
		return h.renderProblem(w, r, c, id, http.StatusUnprocessableEntity, errs, map[string]string{"progress.note": in.Note})
	}
	msg := "已记录整改进展"
	if in.Review {
		msg = "已记录本次复查"
	}
	return h.finish(w, r, rectify.Link(id)+"#timeline", err, msg)
}

// readProgress reads the progress form and its evidence files.
func readProgress(r *http.Request) (rectify.Progress, error) {
	const failed = "上传失败，请重新选择文件"
	evidence, err := formFiles[rectify.Upload](r, "files", files.MaxSize, fmt.Sprintf("佐证材料合计不能超过 %d MB", files.MaxSize>>20), failed)
	if r.MultipartForm == nil { // the form itself was not read
		if errors.Is(err, http.ErrNotMultipart) {
			err = apperr.Field("files", failed)
		}
		return rectify.Progress{}, err
	}
	return rectify.Progress{Note: r.PostFormValue("note"), Review: r.PostFormValue("review") == "1", Files: evidence}, err
}

// problemAction is 申请销号 by the unit, or 销号 / 退回 by the unit above.
func (h *handler) problemAction(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Rectify
	note, reason := r.PostFormValue("note"), r.PostFormValue("reason")
	var err error
	var msg string
	action := r.PathValue("action")
	switch action {
	case "apply":
		err, msg = svc.Apply(ctx, a, id, note), "已申请销号，等待上级审核"
	case "close":
		err, msg = svc.Close(ctx, a, id, note), "已审核销号"
	case "return":
		err, msg = svc.Return(ctx, a, id, reason), "已退回，并通知该单位"
	default:
		return apperr.ErrNotFound
	}
	if errs := refusedFields(err, action+"."); errs != nil {
		form := map[string]string{action + ".note": note, "return.reason": reason}
		return h.renderProblem(w, r, c, id, http.StatusUnprocessableEntity, errs, form)
	}
	return h.finish(w, r, rectify.Link(id), err, msg)
}

// problemFiles offers the items' evidence to fileGet; evidence is never
// removed, it is the record of the work.
type problemFiles struct{ svc *rectify.Service }

func (p problemFiles) File(ctx context.Context, a access.Actor, id, fileID int64) (files.File, []byte, error) {
	return p.svc.File(ctx, a, id, fileID)
}

func (p problemFiles) RemoveFile(ctx context.Context, a access.Actor, id, fileID int64) error {
	return access.ErrDenied
}
