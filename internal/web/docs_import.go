package web

import (
	"errors"
	"net/http"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/docfile"
	"halfsky/internal/docimport"
	"halfsky/internal/httpx"
)

// importNote tells the drafter what an imported text gave.
type importNote struct {
	Found   []string
	Missing []string
	// Warnings say, element by element, what was not found and why a
	// text may lack it (a web copy has no 版头).
	Warnings []string
	Number   string   // the 发文字号 printed on the text
	Unknown  []string // 主送/抄送 parts no unit matched
}

type docImportData struct {
	Text    string
	Errors  map[string]string
	Report  *docimport.Report // set when the text is not a 公文
	MaxText int
	// CanRegister offers the other use of an imported document: entering
	// it in the 收文登记簿 instead of drafting from it.
	CanRegister bool
}

const maxImportText = 1 << 20 // 1 MiB of text is far more than any notice

func (h *handler) docImportPage(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	h.renderImport(w, r, http.StatusOK, docImportData{})
	return nil
}

func (h *handler) renderImport(w http.ResponseWriter, r *http.Request, status int, d docImportData) {
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.MaxText = maxImportText >> 10
	d.CanRegister = httpx.From(r).Actor.Can(access.ReceiveDocs)
	h.tpl.Page(w, r, status, "doc_import", View{Layout: Layout{Title: "导入公文", Active: "docs",
		Crumbs: []Crumb{{Href: "/docs", Label: "公文"}, {Label: "导入公文"}}}, Data: d})
}

// docImport reads an uploaded file or pasted text to draft from. A 公文 becomes the
// drafting form prefilled with its elements (saved only when the user
// saves it); anything else is answered with what was found and what was
// missing, and nothing is created.
func (h *handler) docImport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	defer cleanupMultipart(r)
	text, errs := importText(r)
	if len(errs) > 0 {
		h.renderImport(w, r, http.StatusUnprocessableEntity, docImportData{Text: text, Errors: errs})
		return nil
	}
	parsed, rep, err := docimport.Parse(text)
	if errors.Is(err, docimport.ErrNotDocument) {
		h.renderImport(w, r, http.StatusUnprocessableEntity, docImportData{Text: text, Report: &rep,
			Errors: map[string]string{"text": "这段文字不像一份公文：没有识别出标题、正文，以及发文字号、主送机关、署名、成文日期中的两项"}})
		return nil
	}
	if err != nil {
		return err
	}
	ctx := r.Context()
	f, err := h.deps.Docs.Defaults(ctx, c.Actor)
	if err != nil {
		return err
	}
	issuer, err := h.deps.Orgs.ByCode(ctx, c.Actor, c.Actor.OrgCode)
	if err != nil {
		return err
	}
	f, unknown := h.deps.Docs.FromImport(ctx, issuer, f, parsed)
	note := &importNote{Found: rep.Found, Missing: rep.Missing, Warnings: rep.Warnings, Number: parsed.Number, Unknown: unknown}
	d := h.formFromFields(ctx, issuer, f)
	d.Action, d.Imported = "/docs", note
	return h.renderDocForm(w, r, c, http.StatusOK, d)
}

// importText is the text to import: the uploaded file's (a .txt, .docx,
// PDF or OFD, recognized by its content) when there is one, else the
// pasted text.
func importText(r *http.Request) (string, map[string]string) {
	var name string
	var data []byte
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		var err error
		if name, data, err = optionalUpload(r, "file"); err != nil {
			fields, _ := fieldErrors(err)
			return r.PostFormValue("text"), fields
		}
	} else {
		_ = r.ParseForm()
	}
	text := r.PostFormValue("text")
	if len(data) > 0 {
		ex, err := docfile.Extract(r.Context(), name, data)
		var fe *docfile.Error
		if errors.As(err, &fe) {
			return text, map[string]string{"file": fe.Message}
		}
		if err != nil {
			return text, map[string]string{"file": "读取文件失败，请重试"}
		}
		text = ex.Text
	}
	if strings.TrimSpace(text) == "" {
		return text, map[string]string{"text": "请上传来文文件或粘贴公文全文"}
	}
	if len(text) > maxImportText {
		return "", map[string]string{"text": "文本超过 1 MB，不像是一份公文"}
	}
	return text, nil
}
