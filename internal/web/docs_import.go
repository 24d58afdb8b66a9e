package web

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"halfsky/internal/docimport"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
)

// importNote tells the drafter what an imported text gave.
type importNote struct {
	Found   []string
	Missing []string
	Number  string   // the 发文字号 printed on the text
	Unknown []string // 主送/抄送 parts no unit matched
}

type docImportData struct {
	Text    string
	Errors  map[string]string
	Report  *docimport.Report // set when the text is not a 公文
	MaxText int
}

const maxImportText = 1 << 20 // 1 MiB of text is far more than any notice

func (h *handler) docImportPage(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	h.renderImport(w, r, http.StatusOK, docImportData{})
}

func (h *handler) renderImport(w http.ResponseWriter, r *http.Request, status int, d docImportData) {
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.MaxText = maxImportText >> 10
	h.tpl.Page(w, r, status, "doc_import", View{Layout: Layout{Title: "导入公文文本", Active: "docs",
		Crumbs: []Crumb{{Href: "/docs", Label: "公文"}, {Label: "导入公文文本"}}}, Data: d})
}

// docImport reads an uploaded .txt or pasted text. A 公文 becomes the
// drafting form prefilled with its elements (saved only when the user
// saves it); anything else is answered with what was found and what was
// missing, and nothing is created.
func (h *handler) docImport(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	defer cleanupMultipart(r)
	text, errs := importText(r)
	if len(errs) > 0 {
		h.renderImport(w, r, http.StatusUnprocessableEntity, docImportData{Text: text, Errors: errs})
		return
	}
	parsed, rep, err := docimport.Parse(text)
	if errors.Is(err, docimport.ErrNotDocument) {
		h.renderImport(w, r, http.StatusUnprocessableEntity, docImportData{Text: text, Report: &rep,
			Errors: map[string]string{"text": "这段文字不像一份公文：没有识别出标题、正文和发文字号（或发文机关标志）"}})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := r.Context()
	f, err := h.deps.Docs.Defaults(ctx, c.Actor)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	issuer, err := h.deps.Orgs.ByCode(ctx, c.Actor, c.Actor.OrgCode)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, unknown := h.deps.Docs.FromImport(ctx, issuer, f, parsed)
	note := &importNote{Found: rep.Found, Missing: rep.Missing, Number: parsed.Number, Unknown: unknown}
	d := h.formFromFields(ctx, issuer, f)
	d.Action, d.Imported = "/docs", note
	h.renderDocForm(w, r, c, http.StatusOK, d)
}

// importText is the text to import: the uploaded .txt file when there is
// one, else the pasted text.
func importText(r *http.Request) (string, map[string]string) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return "", map[string]string{"file": "上传失败，文件过大或不完整"}
		}
	} else {
		_ = r.ParseForm()
	}
	text := r.PostFormValue("text")
	if f, hdr, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if ext := strings.ToLower(filepath.Ext(hdr.Filename)); ext != ".txt" {
			return text, map[string]string{"file": "只能导入 .txt 文本文件；PDF 请先用“另存为文本”或复制全文粘贴到下面"}
		}
		data, err := io.ReadAll(io.LimitReader(f, maxImportText+1))
		if err != nil {
			return text, map[string]string{"file": "上传失败，请重新选择文件"}
		}
		if len(data) > maxImportText {
			return text, map[string]string{"file": "文本文件超过 1 MB，不像是一份公文"}
		}
		if _, err := files.Check("file", hdr.Filename, data); err != nil || !utf8.Valid(data) {
			return text, map[string]string{"file": "文件不是 UTF-8 编码的纯文本，请用记事本另存为 UTF-8 后再上传"}
		}
		text = string(data)
	}
	if strings.TrimSpace(text) == "" {
		return text, map[string]string{"text": "请上传 .txt 文件或粘贴公文全文"}
	}
	if len(text) > maxImportText {
		return "", map[string]string{"text": "文本超过 1 MB，不像是一份公文"}
	}
	return text, nil
}
