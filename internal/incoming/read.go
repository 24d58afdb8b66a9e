package incoming

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"halfsky/internal/apperr"
	"halfsky/internal/docfile"
	"halfsky/internal/docimport"
)

// Upload is what the office hands in: a file, or pasted text, and the
// fields it typed (which win over what is read; on their own, with at
// least 来文单位 and 标题, they make a manual registration).
type Upload struct {
	FileName string
	File     []byte
	Text     string
	Typed    Fields
}

// MaxText bounds pasted text: 1 MiB is far more than any notice.
const MaxText = 1 << 20

// Reading is what the reader made of an upload, for the form to show.
type Reading struct {
	Kind    docfile.Kind
	Found   []string // the 公文 elements recognized
	Missing []string
}

// Read turns an upload into a registration's input. A file is read by its
// content (docfile); its text, or the pasted text, is read as a 公文
// (docimport). What cannot be read is refused beside the field with the
// reason, unless the office typed the 来文单位 and 标题 itself: then a scan
// or an unreadable text is registered by hand with the file kept as the
// original.
func Read(ctx context.Context, up Upload) (Input, Reading, error) {
	var rd Reading
	if len(up.Text) > MaxText {
		return Input{}, rd, apperr.Field("text", "文本超过 1 MB，不像是一份公文")
	}
	text, source := up.Text, FromPaste
	in := Input{FileName: cleanName(up.FileName), File: up.File}
	if len(up.File) > 0 {
		ex, err := docfile.Extract(ctx, in.FileName, up.File)
		rd.Kind, in.Pages = ex.Kind, ex.Pages
		if err != nil {
			return readFailed(up, in, rd, err)
		}
		text, source = ex.Text, sourceOf(ex.Kind)
		in.FileName = withExt(in.FileName, ex.Kind)
		if ex.Kind == docfile.Text && !utf8.Valid(up.File) {
			in.File = []byte(ex.Text) // GBK text: kept as the UTF-8 it was read as
		}
	} else if strings.TrimSpace(text) == "" {
		return manual(up, in, rd, "")
	}
	parsed, rep, err := docimport.Parse(text)
	rd.Found, rd.Missing = rep.Found, rep.Missing
	if errors.Is(err, docimport.ErrNotDocument) {
		return manualOr(up, in, rd, "未能从文件中识别出公文的要素，各项为手工填写",
			apperr.Field(field(up), "没有识别出公文的要素（标题、正文，以及发文字号、主送机关、署名、成文日期中的两项）；"+
				"如确为来文，请在“手工填写”中填写来文单位和标题后重新提交"))
	}
	if err != nil {
		return Input{}, rd, err
	}
	in.Fields = FromParsed(parsed)
	in.Fields.Overlay(up.Typed)
	in.Source = source
	in.Warnings = warnings(rep)
	return in, rd, nil
}

// warnings are the reader's notes for the office: each element of a
// complete 公文 that was not found, with why a copy may lack it.
func warnings(rep docimport.Report) []string {
	return append([]string{}, rep.Warnings...)
}

// readFailed handles a file docfile could not read: a scan (no text
// layer) may be registered by hand; anything else is refused beside the
// file field with docfile's reason.
func readFailed(up Upload, in Input, rd Reading, err error) (Input, Reading, error) {
	var fe *docfile.Error
	if !errors.As(err, &fe) {
		return Input{}, rd, err
	}
	if errors.Is(err, docfile.ErrNoText) {
		return manualOr(up, in, rd, "文件没有文字层（扫描件），各项为手工填写",
			apperr.Field("file", fe.Message+"。请在“手工填写”中填写来文单位和标题后，重新选择该文件提交"))
	}
	return Input{}, rd, apperr.Field("file", fe.Message)
}

// manualOr registers by hand when the office typed enough, else refuses
// with err.
func manualOr(up Upload, in Input, rd Reading, note string, err error) (Input, Reading, error) {
	if strings.TrimSpace(up.Typed.FromUnit) == "" || strings.TrimSpace(up.Typed.Title) == "" {
		return Input{}, rd, err
	}
	return manual(up, in, rd, note)
}

// manual is a registration of typed fields only (a paper letter, a scan).
func manual(up Upload, in Input, rd Reading, note string) (Input, Reading, error) {
	in.Fields, in.Source = up.Typed, FromManual
	if note != "" {
		in.Warnings = []string{note}
	}
	return in, rd, nil
}

func field(up Upload) string {
	if len(up.File) > 0 {
		return "file"
	}
	return "text"
}

func sourceOf(k docfile.Kind) Source {
	switch k {
	case docfile.Docx:
		return FromDocx
	case docfile.PDF:
		return FromPDF
	case docfile.OFD:
		return FromOFD
	}
	return FromText
}

// cleanName is the base name of an uploaded file (browsers on Windows send
// a whole path).
func cleanName(name string) string {
	return strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
}

// withExt gives a file without an extension the one of its content, so
// that it is stored and downloaded as what it is.
func withExt(name string, k docfile.Kind) string {
	if filepath.Ext(name) == "" && k != "" {
		return name + "." + string(k)
	}
	return name
}
