package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// aidExportNewData is the request form: what will be exported, and why.
type aidExportNewData struct {
	Tabs    []aidTab
	Tab     string
	Kind    string
	Label   string
	Fields  []hiddenField
	Summary string
	Rows    int
	Back    string // the page the request was started from
	Form    map[string]string
	Errors  map[string]string
}

// aidExportNew shows what a request would export, from the list's filters
// (?kind=applications&programme=…) or a batch (?kind=bank&batch=ID).
func (h *handler) aidExportNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind == "" {
		kind = aid.ExportApplications
	}
	return h.renderAidExportNew(w, r, c, http.StatusOK, kind, aidExportParams(q), map[string]string{}, nil)
}

func (h *handler) renderAidExportNew(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, kind string,
	p aid.ExportParams, form, errs map[string]string) error {
	if errs == nil {
		errs = map[string]string{}
	}
	d := aidExportNewData{Tabs: h.aidTabs(r, c), Tab: "exports", Kind: kind, Fields: aidExportFields(kind, p), Form: form, Errors: errs}
	var err error
	d.Summary, d.Rows, err = h.deps.Aid.PreviewExport(r.Context(), c.Actor, kind, p)
	if fields := refusedFields(err, ""); fields != nil {
		// Bad parameters: say what is wrong; there is nothing to ask for.
		for k, v := range fields {
			errs[k] = v
		}
		status = http.StatusUnprocessableEntity
	} else if err != nil {
		return err
	}
	d.Label = "救助申请名单（含完整个人信息）"
	d.Back = "/aid"
	for _, f := range aidExportFields(kind, p) {
		d.Back, _ = queryURL(d.Back, f.Name, f.Value)
	}
	if kind == aid.ExportBank {
		d.Label, d.Back = "银行代发文件", "/aid/pay/batches/"+strconv.FormatInt(p.Batch, 10)
	}
	h.tpl.Page(w, r, status, "aid_export_new", View{Layout: Layout{Title: "申请导出完整信息", Active: "aid"}, Data: d})
	return nil
}

// aidExportCreate stores the request; a leader decides it.
func (h *handler) aidExportCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	_ = r.ParseForm()
	kind := r.PostForm.Get("kind")
	p := aidExportParams(r.PostForm)
	form := map[string]string{"reason": strings.TrimSpace(r.PostForm.Get("reason"))}
	_, err := h.deps.Aid.RequestExport(r.Context(), c.Actor, kind, p, form["reason"])
	if fields := refusedFields(err, ""); fields != nil {
		return h.renderAidExportNew(w, r, c, http.StatusUnprocessableEntity, kind, p, form, fields)
	}
	return h.finish(w, r, "/aid/exports", err, "已提交导出申请，请等待领导审批")
}

// aidExportDecide approves or rejects a request (a leader above the
// requester). A rejection without a note comes back with the message
// beside the note.
func (h *handler) aidExportDecide(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	_ = r.ParseForm()
	approve := r.PostForm.Get("decision") == "approve"
	note := strings.TrimSpace(r.PostForm.Get("note"))
	_, err := h.deps.Aid.DecideExport(r.Context(), c.Actor, id, approve, note)
	var e *apperr.Error
	if errors.As(err, &e) && e.Fields["note"] != "" {
		return h.renderAidExports(w, r, c, http.StatusUnprocessableEntity, aidExportsData{DecideID: id, DecideNote: note, DecideError: e.Fields["note"]})
	}
	msg := "已不予批准，申请人将收到通知"
	if approve {
		msg = "已批准，申请人可在 24 小时内下载一次"
	}
	return h.finish(w, r, "/aid/exports", err, msg)
}
