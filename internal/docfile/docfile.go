// Package docfile turns an uploaded official document file into the plain
// text that internal/docimport parses: one printed line (or one typed
// paragraph) per line, a form feed between pages.
//
// Notices reach a federation office as PDF (scanned or printed from Word),
// as OFD (the national fixed-layout format, GB/T 33190-2016, which the
// government's document systems send), as Word files (.docx, from Word or
// WPS) and now and then as typed text. People rename files, save GBK text
// and forward scans, so the file's type is decided by its content (magic
// bytes and the parts inside a zip), never by its name; the name only serves
// to say "文件名是 .docx，但内容是 PDF 文件" when the two disagree.
//
// Every upload is untrusted. The package never reads more than MaxSize,
// never unpacks more than maxUnpacked from a zip (counting the bytes it
// actually inflates, not the sizes the zip declares), refuses zips with more
// than maxEntries entries or suspicious compression ratios, resolves paths
// inside a package against the package only, and gives the PDF tools a time
// limit and an output limit. Each refusal is an *Error with a stable Code
// and a Chinese message for the person who uploaded the file.
//
// What it does not do: OCR. A scan has no text layer; Extract says so
// (ErrNoText) and still reports the kind and page count, so the caller can
// offer to register the document by hand and keep the file as the original.
// Legacy .doc/.wps files (OLE) are refused with advice to save as .docx.
//
// Runtime dependency: PDFs are read with Poppler's pdftotext and pdfinfo
// (Debian package poppler-utils, installed by scripts/deps.sh). Without them
// a PDF gets CodeUnavailable; the other formats need nothing but Go.
package docfile

import (
	"context"
	"math"
	"path"
	"strings"

	"halfsky/internal/files"
)

// Kind of a recognized file.
type Kind string

// The kinds Extract reads.
const (
	Text Kind = "txt"
	Docx Kind = "docx"
	PDF  Kind = "pdf"
	OFD  Kind = "ofd"
)

// Label returns the kind's common Chinese name, for messages.
func (k Kind) Label() string {
	switch k {
	case Text:
		return "文本文件"
	case Docx:
		return "Word 文档（.docx）"
	case PDF:
		return "PDF 文件"
	case OFD:
		return "OFD 版式文件"
	}
	return "文件"
}

// MaxSize is the largest file accepted, the same as for stored attachments.
const MaxSize = files.MaxSize

// Extracted is a file's text.
type Extracted struct {
	Kind Kind
	Text string // lines separated by \n, pages by \f
	// Pages is the page count: from the PDF or OFD itself, from a .docx's
	// docProps/app.xml (as Word or WPS last counted them), 0 when unknown
	// (text files, a .docx without that count).
	Pages int
}

// Extract reads the file's text. name is used only to detect a mismatch
// with the content and for messages. Errors are *Error (see the Code
// constants), except that a cancelled ctx returns ctx.Err(). With
// ErrNoText the returned Extracted still has Kind and Pages set.
func Extract(ctx context.Context, name string, data []byte) (Extracted, error) {
	if len(data) > MaxSize {
		return Extracted{}, newErr(CodeTooLarge, "", "文件有 %.1f MB，超过 %d MB 的上限",
			math.Ceil(float64(len(data))*10/(1<<20))/10, MaxSize>>20)
	}
	if len(data) == 0 {
		return Extracted{}, newErr(CodeEmpty, "", "文件是空的（0 字节），请重新选择文件")
	}
	ext := extension(name)
	c, bad := sniff(data, ext)
	if bad == nil {
		bad = checkName(ext, c)
	}
	if bad != nil {
		return Extracted{Kind: bad.Kind}, bad
	}
	switch c.kind {
	case Text:
		return extractText(data)
	case Docx:
		return extractDocx(c.zip)
	case OFD:
		return extractOFD(c.zip)
	case PDF:
		return extractPDF(ctx, data)
	}
	return Extracted{}, &Error{Code: CodeUnsupported, Message: c.refusal}
}

// extension is name's lower-case extension with its dot (".docx"), or "".
// Browsers on Windows may send a full path.
func extension(name string) string {
	base := path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	ext := strings.ToLower(path.Ext(base))
	if ext == base || ext == "." {
		return ""
	}
	return ext
}

// checkName refuses a file whose extension promises another kind of
// content than it has.
func checkName(ext string, c sniffed) *Error {
	want, known := extClasses[ext]
	if !known || want == c.class {
		return nil
	}
	if c.class == classUnknown {
		return newErr(CodeMismatch, c.kind, "文件名是 %s，但内容不是%s，请检查是否选错了文件", ext, spaced(classNames[want]))
	}
	return newErr(CodeMismatch, c.kind, "文件名是 %s，但内容是%s，请检查是否选错了文件或改错了扩展名", ext, spaced(classNames[c.class]))
}

// spaced puts a space before a name that starts with a Latin letter, as
// Chinese typesetting does between Han and Latin ("内容是 PDF 文件").
func spaced(name string) string {
	if name != "" && name[0] < 0x80 {
		return " " + name
	}
	return name
}
