package web

import (
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/doc"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/report"
)

// docTab is one tab of the document list.
type docTab struct {
	Box   doc.Box
	Label string
	Href  string
}

type docListData struct {
	Box      doc.Box
	Tabs     []docTab
	Items    []doc.ListItem
	Pager    Pager
	Q        string
	CanDraft bool
}

const docsPerPage = 30

func (h *handler) docsList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := r.URL.Query()
	d := docListData{Box: doc.Box(q.Get("box")), Q: strings.TrimSpace(q.Get("q")), CanDraft: c.Actor.Can(access.DraftDocs)}
	switch d.Box {
	case doc.BoxIssued, doc.BoxReceived:
	default:
		d.Box = doc.BoxWork
	}
	for _, t := range []struct {
		box   doc.Box
		label string
	}{{doc.BoxWork, "待办/草稿"}, {doc.BoxIssued, "已发文"}, {doc.BoxReceived, "收文"}} {
		href, _ := queryURL("/docs", "box", string(t.box), "q", d.Q)
		d.Tabs = append(d.Tabs, docTab{Box: t.box, Label: t.label, Href: href})
	}
	pager := NewPager(r, docsPerPage, 0)
	items, total, err := h.deps.Docs.List(r.Context(), c.Actor, doc.ListFilter{Box: d.Box, Q: d.Q, Page: pager.Page, PerPage: docsPerPage})
	if err != nil {
		return err
	}
	d.Items, d.Pager = items, NewPager(r, docsPerPage, total)
	h.tpl.Page(w, r, http.StatusOK, "doc_list", View{Layout: Layout{Title: "公文", Active: "docs"}, Data: d})
	return nil
}

// docShowData is the document page.
type docShowData struct {
	Doc doc.Document
	// Who the viewer is to this document.
	Own         bool // the issuing unit itself
	IssuingSide bool // the issuing unit or a unit above it
	IsDrafter   bool
	// What the viewer may do now.
	CanEdit, CanSubmit, CanReview, CanSign, CanIssue, CanCorrect, CanEditReqs bool
	// The viewer's unit as a recipient.
	IsRecipient bool
	Receipt     doc.Receipt
	CanReceive  bool
	// The issuing side's view of the distribution.
	Receipts       []doc.Receipt
	ReceiptsSigned int
	Files          []files.File
	Versions       []doc.Version
	Requirements   []report.Requirement
	MyReports      []reportRow
	// A refused form shown again: messages beside its fields, the values kept.
	Errors    map[string]string
	Form      map[string]string
	ReqFields []report.Field
}

func (h *handler) docShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.renderDoc(w, r, c, id, http.StatusOK, nil, nil, nil)
}

// renderDoc renders the document page; errs and form carry a refused form
// back to the page (keys prefixed by the form: review., sign., req.).
func (h *handler) renderDoc(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int, errs, form map[string]string, reqFields []report.Field) error {
	ctx, a := r.Context(), c.Actor
	d, err := h.deps.Docs.Get(ctx, a, id)
	if err != nil {
		return err
	}
	v := docShowData{Doc: d, Own: d.OrgID == a.OrgID, IssuingSide: a.Scope().Contains(d.OrgPath), IsDrafter: d.DraftedBy == a.UserID,
		Errors: errs, Form: form, ReqFields: reqFields}
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	if v.Form == nil {
		v.Form = map[string]string{}
	}
	for len(v.ReqFields) < 3 {
		v.ReqFields = append(v.ReqFields, report.Field{})
	}
	if v.Own {
		v.CanEdit = d.Status.Editable() && a.Can(access.DraftDocs)
		v.CanSubmit = v.CanEdit
		v.CanReview = d.Status == doc.Reviewing && a.Can(access.ReviewDocs)
		v.CanSign = d.Status == doc.Reviewed && a.Can(access.SignDocs)
		v.CanIssue = d.Status == doc.Signed && a.Can(access.DraftDocs)
		v.CanCorrect = d.Status == doc.Issued && a.Can(access.DraftDocs)
		v.CanEditReqs = d.Status != doc.Issued && a.Can(access.DraftDocs)
	}
	if d.Status == doc.Issued {
		if v.Receipt, v.IsRecipient, err = h.deps.Docs.MyReceipt(ctx, a, id); err != nil {
			return err
		}
		v.CanReceive = v.IsRecipient && v.Receipt.SignedAt.IsZero() && a.Can(access.ReceiveDocs)
		if v.IssuingSide {
			if v.Receipts, err = h.deps.Docs.Receipts(ctx, a, id); err != nil {
				return err
			}
			for _, rc := range v.Receipts {
				if !rc.SignedAt.IsZero() {
					v.ReceiptsSigned++
				}
			}
		}
		mine, err := h.deps.Reports.ForDocument(ctx, a, id)
		if err != nil {
			return err
		}
		v.MyReports = reportRows(mine, h.deps.Reports)
	}
	if v.Files, err = h.deps.Docs.Files(ctx, a, id); err != nil {
		return err
	}
	if v.IssuingSide {
		if v.Versions, err = h.deps.Docs.Versions(ctx, a, id); err != nil {
			return err
		}
	}
	if v.Requirements, err = h.deps.Reports.Requirements(ctx, a, id); err != nil {
		return err
	}
	crumbs := []Crumb{{Href: "/docs", Label: "公文"}, {Label: d.Title}}
	h.tpl.Page(w, r, status, "doc_show", View{Layout: Layout{Title: d.Title, Active: "docs", Crumbs: crumbs}, Data: v})
	return nil
}

// docAction runs one workflow step posted from the document page.
func (h *handler) docAction(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx, svc, a := r.Context(), h.deps.Docs, c.Actor
	back := "/docs/" + strconv.FormatInt(id, 10)
	var err error
	var msg string
	switch r.PathValue("action") {
	case "submit":
		err, msg = svc.Submit(ctx, a, id), "已送审，等待办公室审核"
	case "review":
		note := r.PostFormValue("note")
		if r.PostFormValue("decision") == "return" {
			err, msg = svc.Review(ctx, a, id, false, note), "已退回起草人"
		} else {
			err, msg = svc.Review(ctx, a, id, true, note), "审核通过，等待单位负责人签发"
		}
		if errs := refusedFields(err, "review."); errs != nil {
			return h.renderDoc(w, r, c, id, http.StatusUnprocessableEntity, errs, map[string]string{"review.note": note}, nil)
		}
	case "sign":
		opinion := r.PostFormValue("opinion")
		if r.PostFormValue("decision") == "return" {
			err, msg = svc.Withdraw(ctx, a, id, opinion), "已退回起草人"
		} else {
			err, msg = svc.Sign(ctx, a, id, opinion), "已签发，请登记印发"
		}
		if errs := refusedFields(err, "sign."); errs != nil {
			return h.renderDoc(w, r, c, id, http.StatusUnprocessableEntity, errs, map[string]string{"sign.opinion": opinion}, nil)
		}
	case "issue":
		var d doc.Document
		d, err = svc.Issue(ctx, a, id)
		msg = "已登记印发，发文字号 " + d.Number
	case "receive":
		err, msg = svc.Receive(ctx, a, id), "已签收"
	case "correct":
		var d doc.Document
		if d, err = svc.Correct(ctx, a, id); err == nil {
			redirectFlash(w, r, "/docs/"+strconv.FormatInt(d.ID, 10)+"/edit", "success", "已生成更正文件草稿，请修改后送审")
			return nil
		}
	default:
		return apperr.ErrNotFound
	}
	return h.finish(w, r, back, err, msg)
}

// docFileUpload adds an attachment to a draft from its edit page.
func (h *handler) docFileUpload(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	defer cleanupMultipart(r)
	name, data, err := upload(r, "file")
	if err == nil {
		var f files.File
		if f, err = h.deps.Docs.Attach(r.Context(), c.Actor, id, name, data); err == nil {
			redirectFlash(w, r, "/docs/"+strconv.FormatInt(id, 10)+"/edit", "success", "已添加附件“"+f.Name+"”")
			return nil
		}
	}
	if refusedFields(err, "") == nil {
		return h.finish(w, r, "/docs/"+strconv.FormatInt(id, 10), err, "")
	}
	d, ok, err2 := h.editableDoc(w, r, c, id)
	if !ok {
		return err2
	}
	fd, err2 := h.docEditForm(r.Context(), c, d)
	if err2 != nil {
		return err2
	}
	fd.FileError = errorText(err)
	return h.renderDocForm(w, r, c, http.StatusUnprocessableEntity, fd)
}

// reqAdd adds a reporting requirement to a document before it is issued.
func (h *handler) reqAdd(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	_ = r.ParseForm()
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	in := report.RequirementInput{Title: v("title"), Detail: v("detail"), Department: v("department"), DueDate: v("due_date")}
	labels, units := r.PostForm["field_label"], r.PostForm["field_unit"]
	var rows []report.Field
	for i := range labels {
		f := report.Field{Label: strings.TrimSpace(labels[i])}
		if i < len(units) {
			f.Unit = strings.TrimSpace(units[i])
		}
		rows = append(rows, f)
		if f.Label != "" || f.Unit != "" {
			in.Fields = append(in.Fields, f)
		}
	}
	_, err := h.deps.Reports.AddRequirement(r.Context(), c.Actor, id, in)
	if errs := refusedFields(err, "req."); errs != nil {
		form := map[string]string{"req.title": in.Title, "req.detail": in.Detail, "req.department": in.Department, "req.due_date": in.DueDate}
		return h.renderDoc(w, r, c, id, http.StatusUnprocessableEntity, errs, form, rows)
	}
	return h.finish(w, r, "/docs/"+strconv.FormatInt(id, 10)+"#requirements", err, "已添加报送要求“"+in.Title+"”")
}

func (h *handler) reqRemove(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, rid int64) error {
	err := h.deps.Reports.RemoveRequirement(r.Context(), c.Actor, id, rid)
	return h.finish(w, r, "/docs/"+strconv.FormatInt(id, 10)+"#requirements", err, "已删除报送要求")
}
