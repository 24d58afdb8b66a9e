package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/doc"
	"halfsky/internal/docprint"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/report"
)

// docSummary is a document as lists show it.
type docSummary struct {
	ID          int64      `json:"id"`
	Type        string     `json:"type"`
	Title       string     `json:"title"`
	Number      string     `json:"number"`
	Urgency     string     `json:"urgency"`
	Secret      string     `json:"secret"`
	Status      string     `json:"status"`
	StatusLabel string     `json:"status_label"`
	OrgCode     string     `json:"org_code"`
	OrgName     string     `json:"org_name"`
	Drafter     string     `json:"drafter"`
	Version     int        `json:"version"`
	UpdatedAt   time.Time  `json:"updated_at"`
	IssuedAt    *time.Time `json:"issued_at"`
	// Receipt is the receiving unit's 签收, in the received box only.
	Receipt *receiptJSON `json:"receipt,omitempty"`
}

func toDocSummary(d doc.Document) docSummary {
	return docSummary{ID: d.ID, Type: d.Type, Title: d.Title, Number: d.Number, Urgency: d.Urgency, Secret: d.Secret,
		Status: string(d.Status), StatusLabel: d.Status.Label(), OrgCode: d.OrgCode, OrgName: d.OrgName,
		Drafter: d.DrafterName, Version: d.Version, UpdatedAt: d.UpdatedAt.UTC(), IssuedAt: optTime(d.IssuedAt)}
}

// workflowJSON is who did what to a document, and when.
type workflowJSON struct {
	Drafter     string     `json:"drafter"`
	DraftedAt   time.Time  `json:"drafted_at"`
	Reviewer    string     `json:"reviewer"`
	ReviewedAt  *time.Time `json:"reviewed_at"`
	ReviewNote  string     `json:"review_note"`
	Signer      string     `json:"signer"`
	SignedAt    *time.Time `json:"signed_at"`
	SignOpinion string     `json:"sign_opinion"`
	IssuedAt    *time.Time `json:"issued_at"`
}

// docJSON is a whole document: its elements (the drafting fields, under
// their own names), its place in the workflow and its 发文字号.
type docJSON struct {
	ID int64 `json:"id"`
	doc.Fields
	OrgCode     string       `json:"org_code"`
	OrgName     string       `json:"org_name"`
	Status      string       `json:"status"`
	StatusLabel string       `json:"status_label"`
	Editable    bool         `json:"editable"`
	Number      string       `json:"number"`
	Version     int          `json:"version"`
	CorrectsID  *int64       `json:"corrects_id"`
	Workflow    workflowJSON `json:"workflow"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	// For a receiving unit: its own 签收 and its own reports under the
	// document's requirements.
	MyReceipt *receiptJSON `json:"my_receipt"`
	MyReports []reportJSON `json:"my_reports"`
}

func toDocJSON(d doc.Document) docJSON {
	out := docJSON{ID: d.ID, Fields: d.Fields, OrgCode: d.OrgCode, OrgName: d.OrgName, Status: string(d.Status),
		StatusLabel: d.Status.Label(), Editable: d.Status.Editable(), Number: d.Number, Version: d.Version,
		Workflow: workflowJSON{Drafter: d.DrafterName, DraftedAt: d.CreatedAt.UTC(),
			Reviewer: d.ReviewerName, ReviewedAt: optTime(d.ReviewedAt), ReviewNote: d.ReviewNote,
			Signer: d.SignerName, SignedAt: optTime(d.SignedAt), SignOpinion: d.SignOpinion, IssuedAt: optTime(d.IssuedAt)},
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), MyReports: []reportJSON{}}
	if d.CorrectsID != 0 {
		out.CorrectsID = &d.CorrectsID
	}
	return out
}

// receiptJSON is a recipient unit and its 签收.
type receiptJSON struct {
	OrgCode   string     `json:"org_code"`
	OrgName   string     `json:"org_name"`
	Kind      string     `json:"kind"`
	KindLabel string     `json:"kind_label"`
	SignedAt  *time.Time `json:"signed_at"`
	Signer    string     `json:"signer"`
}

func toReceiptJSON(r doc.Receipt) receiptJSON {
	return receiptJSON{OrgCode: r.OrgCode, OrgName: r.OrgName, Kind: r.Kind, KindLabel: r.KindLabel(), SignedAt: optTime(r.SignedAt), Signer: r.SignerName}
}

// fieldsText checks every text of a document's fields can be stored.
func fieldsText(f doc.Fields) map[string]string {
	e := map[string]string{}
	texts(e, "type", f.Type)
	texts(e, "copy_no", f.CopyNo)
	texts(e, "secret", f.Secret)
	texts(e, "secret_term", f.SecretTerm)
	texts(e, "urgency", f.Urgency)
	texts(e, "issuer_mark", f.IssuerMark)
	texts(e, "abbr", f.Abbr)
	texts(e, "title", f.Title)
	texts(e, "recipients", f.Recipients)
	texts(e, "cc", f.CC)
	texts(e, "body", f.Body...)
	texts(e, "attachment_note", f.AttachmentNote...)
	texts(e, "signature", f.Signature)
	texts(e, "doc_date", f.DocDate)
	texts(e, "note", f.Note)
	texts(e, "printed_by", f.PrintedBy)
	texts(e, "printed_date", f.PrintedDate)
	texts(e, "signers", f.Signers...)
	for _, t := range f.RecipientSpec {
		texts(e, "recipients", string(t.Group), t.Unit)
	}
	for _, t := range f.CCSpec {
		texts(e, "cc", string(t.Group), t.Unit)
	}
	return e
}

// docList: GET /api/v1/docs?box=work|issued|received&q=&page=&per_page=
// — the unit's drafts in the workflow (work, the default), documents issued
// by units in scope, or received by units in scope; newest first.
func (h *handler) docList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := doc.ListFilter{Box: doc.Box(q.text("box", 20)), Q: q.text("q", 100)}
	switch f.Box {
	case "":
		f.Box = doc.BoxWork
	case doc.BoxWork, doc.BoxIssued, doc.BoxReceived:
	default:
		q.fields["box"] = "box 只能是 work（办理中）、issued（已印发）或 received（收文）"
	}
	f.Page, f.PerPage = q.page(30, 200)
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := h.deps.Docs.List(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	out := httpx.Map(list, func(it doc.ListItem) docSummary {
		s := toDocSummary(it.Document)
		if f.Box == doc.BoxReceived {
			s.Receipt = &receiptJSON{OrgCode: it.ToOrgCode, OrgName: it.ToOrgName, SignedAt: optTime(it.ReceivedAt)}
		}
		return s
	})
	httpx.WriteJSON(w, http.StatusOK, newList(out, total, f.Page, f.PerPage))
	return nil
}

// docCreate: POST /api/v1/docs with the document's fields — 201 with the
// new draft of the caller's unit. Header elements left out of the body
// (issuer_mark, abbr, signature, printed_by, type, seal) take the unit's
// defaults; fields sent empty stay empty.
func (h *handler) docCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if !c.Actor.Can(access.DraftDocs) {
		return access.ErrDenied
	}
	ctx := r.Context()
	f, err := h.deps.Docs.Defaults(ctx, c.Actor)
	if err != nil {
		return err
	}
	if err := httpx.DecodeJSON(r, &f); err != nil {
		return err
	}
	if e := fieldsText(f); len(e) > 0 {
		return apperr.Invalid(e)
	}
	d, err := h.deps.Docs.Create(ctx, c.Actor, f)
	if err != nil {
		return err
	}
	return h.writeDoc(w, r, c, d.ID, http.StatusCreated)
}

// docShow: GET /api/v1/docs/{id}.
func (h *handler) docShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.writeDoc(w, r, c, id, http.StatusOK)
}

// writeDoc answers with the document as the actor may see it now, with
// the actor's unit's receipt and reports.
func (h *handler) writeDoc(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int) error {
	ctx, a := r.Context(), c.Actor
	d, err := h.deps.Docs.Get(ctx, a, id)
	if err != nil {
		return err
	}
	out := toDocJSON(d)
	rc, ok, err := h.deps.Docs.MyReceipt(ctx, a, d.ID)
	if err != nil {
		return err
	}
	if ok {
		j := toReceiptJSON(rc)
		out.MyReceipt = &j
	}
	if ok && d.Status == doc.Issued {
		reps, err := h.deps.Reports.ForDocument(ctx, a, d.ID)
		if err != nil {
			return err
		}
		now := h.deps.Reports.Now()
		out.MyReports = httpx.Map(reps, func(rp report.Report) reportJSON { return toReportJSON(rp, now) })
	}
	httpx.WriteJSON(w, status, map[string]any{"document": out})
	return nil
}

type docUpdateRequest struct {
	Version *int        `json:"version"`
	Fields  *doc.Fields `json:"fields"`
}

// docUpdate: PUT /api/v1/docs/{id} {"version": n, "fields": {…}} — saves
// the next version of a draft. fields replaces the whole draft; version is
// the one the edit started from (409 stale_version when someone saved in
// between).
func (h *handler) docUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var req docUpdateRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return stripPrefix(err, "fields.")
	}
	e := map[string]string{}
	if req.Version == nil || *req.Version <= 0 {
		e["version"] = "请给出所修改的版本号"
	}
	if req.Fields == nil {
		e["fields"] = "请提交公文内容"
	} else {
		for k, v := range fieldsText(*req.Fields) {
			e[k] = v
		}
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	if _, err := h.deps.Docs.Update(r.Context(), c.Actor, id, *req.Version, *req.Fields); err != nil {
		return err
	}
	return h.writeDoc(w, r, c, id, http.StatusOK)
}

type versionJSON struct {
	Version  int        `json:"version"`
	EditedBy string     `json:"edited_by"`
	EditedAt time.Time  `json:"edited_at"`
	Fields   doc.Fields `json:"fields"`
}

// docVersions: GET /api/v1/docs/{id}/versions — every saved version,
// newest first.
func (h *handler) docVersions(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	vs, err := h.deps.Docs.Versions(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	out := httpx.Map(vs, func(v doc.Version) versionJSON {
		return versionJSON{Version: v.Version, EditedBy: v.EditedBy, EditedAt: v.EditedAt.UTC(), Fields: v.Fields}
	})
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
	return nil
}

// docAction is one POST /api/v1/docs/{id}/<name>: it decodes its body,
// calls the workflow and answers with the document it leads to.
type docAction struct {
	name string
	do   func(ctx context.Context, s *doc.Service, a access.Actor, id int64, r *http.Request) (showID int64, status int, err error)
}

var docActions = []docAction{
	{"submit", func(ctx context.Context, s *doc.Service, a access.Actor, id int64, r *http.Request) (int64, int, error) {
		if err := noBody(r); err != nil {
			return 0, 0, err
		}
		return id, http.StatusOK, s.Submit(ctx, a, id)
	}},
	{"review", func(ctx context.Context, s *doc.Service, a access.Actor, id int64, r *http.Request) (int64, int, error) {
		var b struct {
			Pass *bool  `json:"pass"`
			Note string `json:"note"`
		}
		if err := httpx.DecodeJSON(r, &b); err != nil {
			return 0, 0, err
		}
		e := map[string]string{}
		if b.Pass == nil {
			e["pass"] = "请选择审核通过（true）或退回（false）"
		}
		texts(e, "note", b.Note)
		if len(e) > 0 {
			return 0, 0, apperr.Invalid(e)
		}
		return id, http.StatusOK, s.Review(ctx, a, id, *b.Pass, b.Note)
	}},
	{"sign", func(ctx context.Context, s *doc.Service, a access.Actor, id int64, r *http.Request) (int64, int, error) {
		var b struct {
			Opinion string `json:"opinion"`
		}
		if err := decodeOptional(r, &b); err != nil {
			return 0, 0, err
		}
		if !textOK(b.Opinion) {
			return 0, 0, apperr.Field("opinion", "含有无效字符")
		}
		return id, http.StatusOK, s.Sign(ctx, a, id, b.Opinion)
	}},
	{"withdraw", func(ctx context.Context, s *doc.Service, a access.Actor, id int64, r *http.Request) (int64, int, error) {
		var b struct {
			Reason string `json:"reason"`
		}
		if err := decodeOptional(r, &b); err != nil {
			return 0, 0, err
		}
		if !textOK(b.Reason) {
			return 0, 0, apperr.Field("reason", "含有无效字符")
		}
		// The web form calls the reason "opinion"; here it is "reason".
		return id, http.StatusOK, renameFields(s.Withdraw(ctx, a, id, b.Reason), map[string]string{"opinion": "reason"})
	}},
	{"issue", func(ctx context.Context, s *doc.Service, a access.Actor, id int64, r *http.Request) (int64, int, error) {
		if err := noBody(r); err != nil {
			return 0, 0, err
		}
		_, err := s.Issue(ctx, a, id)
		return id, http.StatusOK, err
	}},
	{"correct", func(ctx context.Context, s *doc.Service, a access.Actor, id int64, r *http.Request) (int64, int, error) {
		if err := noBody(r); err != nil {
			return 0, 0, err
		}
		d, err := s.Correct(ctx, a, id)
		return d.ID, http.StatusCreated, err
	}},
}

func (h *handler) docAction(act docAction) idHandler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
		show, status, err := act.do(r.Context(), h.deps.Docs, c.Actor, id, r)
		if err != nil {
			// The workflow audits its own refusals.
			return err
		}
		return h.writeDoc(w, r, c, show, status)
	}
}

// docReceipts: GET /api/v1/docs/{id}/receipts — who has signed for the
// document and who has not: every recipient for the issuing side, the
// recipients in scope for a receiving side.
func (h *handler) docReceipts(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	rs, err := h.deps.Docs.Receipts(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	out := httpx.Map(rs, toReceiptJSON)
	signed := 0
	for _, rc := range rs {
		if !rc.SignedAt.IsZero() {
			signed++
		}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out), "signed": signed, "unsigned": len(out) - signed})
	return nil
}

// docReceive: POST /api/v1/docs/{id}/receipts — the 签收 of the document
// by the caller's own unit; 201 with the receipt.
func (h *handler) docReceive(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	if err := noBody(r); err != nil {
		return err
	}
	ctx := r.Context()
	if err := h.deps.Docs.Receive(ctx, c.Actor, id); err != nil {
		return err
	}
	rc, _, err := h.deps.Docs.MyReceipt(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"receipt": toReceiptJSON(rc)})
	return nil
}

// docPrinter makes the PDFs of documents with one Printer (one headless
// Chromium, started on the first PDF) for the whole API.
type docPrinter struct {
	h       *handler
	printer *docprint.Printer
}

// newDocPrinter uses the process's one Printer (made by the server).
func newDocPrinter(h *handler) *docPrinter {
	p := h.deps.Printer
	if p == nil {
		p = &docprint.Printer{}
	}
	return &docPrinter{h: h, printer: p}
}

// errNoChromium answers a PDF request on a server without Chromium.
var errNoChromium = apperr.New(http.StatusServiceUnavailable, "pdf_unavailable", "服务器未安装 Chromium，暂不能生成 PDF，请使用打印页面")

// errPDFBusy answers a PDF that could not be made in the request's time.
var errPDFBusy = apperr.New(http.StatusServiceUnavailable, "pdf_busy", "生成 PDF 超时，请稍后重试")

// docPDF: GET /api/v1/docs/{id}/pdf — the document laid out per GB/T 9704
// as an A4 PDF.
func (p *docPrinter) docPDF(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx := r.Context()
	d, err := p.h.deps.Docs.Get(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	pdf, err := p.printer.PDF(ctx, d)
	if errors.Is(err, docprint.ErrNoChromium) {
		return errNoChromium
	}
	if err != nil && (ctx.Err() != nil || errors.Is(err, docprint.ErrTimeout)) {
		return errPDFBusy
	}
	if err != nil {
		return err
	}
	name := d.Title
	if d.Number != "" {
		name = d.Number + " " + d.Title
	}
	files.Serve(w, files.File{Name: name + ".pdf", ContentType: "application/pdf"}, pdf)
	return nil
}
