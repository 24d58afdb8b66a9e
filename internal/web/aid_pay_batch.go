package web

import (
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/aid"
	"halfsky/internal/httpx"
)

// aidPayBatchData is a batch with its lines in the actor's scope, payees
// masked, and the answer forms for the lines still waiting.
type aidPayBatchData struct {
	B         aid.Batch
	Lines     []aid.Line
	CanManage bool              // records the bank's answers
	CanExport bool              // may ask for the bank's file
	Errors    map[string]string // "note-<line>" / "line-<line>"
	Form      map[string]string // "note-<line>"
}

// LineError is a refused answer's message for a line.
func (d aidPayBatchData) LineError(id int64) string {
	return d.Errors["line-"+strconv.FormatInt(id, 10)]
}

// NoteError is the note field's message for a line.
func (d aidPayBatchData) NoteError(id int64) string {
	return d.Errors["note-"+strconv.FormatInt(id, 10)]
}

// NoteValue is a refused answer's note for a line.
func (d aidPayBatchData) NoteValue(id int64) string {
	return d.Form["note-"+strconv.FormatInt(id, 10)]
}

func (h *handler) aidPayBatch(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.renderAidPayBatch(w, r, c, id, http.StatusOK, nil, nil)
}

func (h *handler) renderAidPayBatch(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int, errs, form map[string]string) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Aid
	b, err := svc.Batch(ctx, a, id)
	if err != nil {
		return err
	}
	lines, err := svc.BatchLines(ctx, a, id)
	if err != nil {
		return err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	if form == nil {
		form = map[string]string{}
	}
	// The bank's file is for the unit that runs the programme to ask for
	// (a leader approves it).
	d := aidPayBatchData{B: b, Lines: lines, CanManage: h.deps.Aid.ManagesBatch(ctx, a, b.ID), CanExport: h.deps.Aid.ExportsBank(ctx, a, b.ID),
		Errors: errs, Form: form}
	h.tpl.Page(w, r, status, "aid_pay_batch", View{Layout: Layout{Title: b.Title(), Active: "aid",
		Crumbs: []Crumb{{Href: "/aid", Label: "关爱救助"}, {Href: "/aid/pay", Label: "救助金发放"}, {Label: b.Title()}}}, Data: d})
	return nil
}

// aidPayResult records the bank's answer to one line: paid, or failed
// with the bank's reason. A refused answer shows the batch again with the
// message beside the line.
func (h *handler) aidPayResult(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, line int64) error {
	result, note := aid.LineStatus(r.PostFormValue("result")), r.PostFormValue("note")
	b, err := h.deps.Aid.RecordResult(r.Context(), c.Actor, id, line, result, note)
	if err != nil && refused(err) {
		key := strconv.FormatInt(line, 10)
		fields, msg := fieldErrors(err)
		errs := map[string]string{}
		if fields["note"] != "" {
			errs["note-"+key] = fields["note"]
		} else {
			errs["line-"+key] = strings.TrimSpace(errorText(err))
			if errs["line-"+key] == "" {
				errs["line-"+key] = msg
			}
		}
		return h.renderAidPayBatch(w, r, c, id, http.StatusUnprocessableEntity, errs, map[string]string{"note-" + key: note})
	}
	if err != nil {
		return err
	}
	done := "已记录：已付款"
	if result == aid.Failed {
		done = "已记录：付款失败。该申请可在更正收款账户后编入新的批次"
	}
	if b.Status == aid.BatchClosed {
		done += "。本批次所有款项均已有银行回复，批次已完成"
	}
	redirectFlash(w, r, aidBatchLink(id)+"#line-"+strconv.FormatInt(line, 10), "success", done)
	return nil
}
