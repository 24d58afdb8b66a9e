// Package docimport turns the plain text of a Chinese official document
// (公文, laid out per GB/T 9704-2012) into structured fields, so that a notice
// received as a PDF, a typed file or a web page can become a draft without
// retyping.
//
// The input is what people actually have: text extracted from a PDF (stray
// spaces inside numbers, dates and names, one line per printed line, page
// numbers and page-break fragments), text typed by hand (one paragraph per
// line, full-width spaces, Windows line endings, ASCII punctuation), or text
// copied from a federation's web site (no 版头 and no 版记, "?" where the
// page could not show a character, 打印本页 and 来源：… around the notice,
// the number under the title, ﹝﹞ around its year). The parser first cleans
// the lines (lines.go: page furniture, placeholders and site chrome are
// dropped; text.go: spaces and punctuation are normalized), then walks the
// document in the order the standard lays it out:
//
//	版头  份号, 密级和保密期限, 紧急程度, 发文机关标志, 发文字号, 签发人
//	主体  标题, 主送机关, 正文, 附件说明, 发文机关署名, 成文日期, 附注
//	版记  抄送机关, 印发机关和印发日期
//
// Each element is recognized by its form (a date line, a line ending in 印发,
// a number like 哈妇发〔2015〕9号) and by its place relative to the elements
// already found, never by the wording of a particular notice. Any of them
// may be missing: a text is a 公文 when it has a 标题, a 正文 and two of
// 发文字号, 主送机关, 发文机关署名 and 成文日期 (see Parse), and each missing
// element is reported with a warning, so that the user knows what to fill in.
//
// The package is pure: no database, no I/O, standard library only.
package docimport

import (
	"errors"
)

// Document is a 公文 split into its GB/T 9704-2012 elements. Every string is
// normalized: spaces a PDF extractor put between Chinese characters are
// removed, lines are joined, and numbers and dates are in one canonical form.
type Document struct {
	CopyNo      string   `json:"copy_no,omitempty"` // 份号, e.g. 000123
	Secret      string   `json:"secret,omitempty"`  // 密级和保密期限, e.g. 秘密★1年
	Urgency     string   `json:"urgency,omitempty"` // 紧急程度: 特急 or 加急
	IssuerMark  string   `json:"issuer_mark"`       // 发文机关标志, e.g. 哈尔滨市妇女联合会文件
	Number      string   `json:"number"`            // 发文字号, e.g. 哈妇发〔2015〕9号
	Signers     []string `json:"signers"`           // 签发人, e.g. [杨杰]
	Title       string   `json:"title"`             // 标题, joined across lines
	Recipients  string   `json:"recipients"`        // 主送机关, without the trailing colon
	Body        []string `json:"body"`              // 正文, one string per paragraph
	Attachments []string `json:"attachments"`       // 附件说明: attachment names, numbering removed
	Signature   string   `json:"signature"`         // 发文机关署名
	Date        string   `json:"date"`              // 成文日期, YYYY-MM-DD
	Note        string   `json:"note,omitempty"`    // 附注, with its parentheses, e.g. （此件公开发布）
	CC          string   `json:"cc"`                // 抄送机关, without 抄送： and the closing 。
	PrintedBy   string   `json:"printed_by"`        // 印发机关
	PrintedDate string   `json:"printed_date"`      // 印发日期, YYYY-MM-DD
}

// Report says which elements Parse found, by their Chinese names, so that a
// user who uploaded the wrong file learns what was missing, and a user who
// imports a notice copied from a web page learns what to fill in by hand.
type Report struct {
	Found   []string `json:"found"`
	Missing []string `json:"missing"` // required elements not found
	// Warnings has one Chinese sentence for each missing element of the
	// 版头, 主体 and 版记 that a notice is expected to have (发文机关标志,
	// 发文字号, 主送机关, 署名, 成文日期, 版记), saying what to check.
	Warnings []string `json:"warnings"`
}

// ErrNotDocument is returned when the text lacks the core of a 公文.
var ErrNotDocument = errors.New("not an official document")

// Element names, in the order GB/T 9704-2012 lays them out.
const (
	elCopyNo     = "份号"
	elSecret     = "密级"
	elUrgency    = "紧急程度"
	elIssuerMark = "发文机关标志"
	elNumber     = "发文字号"
	elSigners    = "签发人"
	elTitle      = "标题"
	elRecipients = "主送机关"
	elBody       = "正文"
	elAttach     = "附件说明"
	elSignature  = "发文机关署名"
	elDate       = "成文日期"
	elNote       = "附注"
	elCC         = "抄送机关"
	elPrinted    = "印发机关和印发日期"
)

// element pairs a name with whether a parsed Document has it, and whether a
// complete 通知-style document is expected to have it. Optional elements
// (份号, 密级, 签发人 …) appear only under Found; they are never "missing".
// A missing element with a warning is reported in Report.Warnings as well.
// 标题 and 正文 have none: without them the text is refused.
type element struct {
	name     string
	required bool
	present  func(d *Document) bool
	warning  string
}

var elements = []element{
	{elCopyNo, false, func(d *Document) bool { return d.CopyNo != "" }, ""},
	{elSecret, false, func(d *Document) bool { return d.Secret != "" }, ""},
	{elUrgency, false, func(d *Document) bool { return d.Urgency != "" }, ""},
	{elIssuerMark, true, func(d *Document) bool { return d.IssuerMark != "" },
		"没有识别到发文机关标志（版头），网页转载的公文常省略版头"},
	{elNumber, true, func(d *Document) bool { return d.Number != "" },
		"没有识别到发文字号，请对照原件补填"},
	{elSigners, false, func(d *Document) bool { return len(d.Signers) > 0 }, ""},
	{elTitle, true, func(d *Document) bool { return d.Title != "" }, ""},
	{elRecipients, true, func(d *Document) bool { return d.Recipients != "" },
		"没有识别到主送机关，纪要、公告等文种可以没有主送机关"},
	{elBody, true, func(d *Document) bool { return len(d.Body) > 0 }, ""},
	{elAttach, false, func(d *Document) bool { return len(d.Attachments) > 0 }, ""},
	{elSignature, true, func(d *Document) bool { return d.Signature != "" },
		"没有识别到发文机关署名"},
	{elDate, true, func(d *Document) bool { return d.Date != "" },
		"没有识别到成文日期"},
	{elNote, false, func(d *Document) bool { return d.Note != "" }, ""},
	{elCC, false, func(d *Document) bool { return d.CC != "" }, ""},
	{elPrinted, true, func(d *Document) bool { return d.PrintedBy != "" || d.PrintedDate != "" },
		"没有识别到版记（印发机关和印发日期）"},
}

// Parse reads the text of a 公文 and returns its elements and a report of
// which were found.
//
// The text is accepted as a document when it has a 标题 and a 正文 and at
// least two of 发文字号, 主送机关, 发文机关署名 and 成文日期. Notices copied
// from web pages lose their 版头 and 版记, and 函, 纪要 and drafts lack other
// parts, so no single element is required; but two of those four together
// with a title and a body are what sets a 公文 apart from a news article or
// a list. A title that does not end with a document type (通知, 函, 纪要 …)
// counts only under a 发文字号 or 发文机关标志: otherwise any headline would.
//
// Every missing element is listed in Report.Missing, and the missing ones a
// user should check (版头, 发文字号, 主送, 署名, 日期, 版记) also get a
// sentence in Report.Warnings. When the text is rejected, Parse returns
// ErrNotDocument together with whatever it did find, so callers can show the
// report.
//
// Parse never panics and is deterministic. Invalid UTF-8 is replaced, not
// rejected.
func Parse(text string) (Document, Report, error) {
	d := Document{Signers: []string{}, Body: []string{}, Attachments: []string{}}
	p := &parser{ls: splitLines(text), d: &d}
	p.parse()

	rep := report(&d)
	if !isDocument(&d) {
		return d, rep, ErrNotDocument
	}
	return d, rep, nil
}

// isDocument is the acceptance rule explained at Parse.
func isDocument(d *Document) bool {
	if d.Title == "" || len(d.Body) == 0 {
		return false
	}
	if !endsWithDocType(d.Title) && d.Number == "" && d.IssuerMark == "" {
		return false
	}
	n := 0
	for _, has := range []bool{d.Number != "", d.Recipients != "", d.Signature != "", d.Date != ""} {
		if has {
			n++
		}
	}
	return n >= 2
}

// report lists the elements present in d and the required ones absent, with
// a warning for each absent one that has one.
func report(d *Document) Report {
	r := Report{Found: []string{}, Missing: []string{}, Warnings: []string{}}
	for _, e := range elements {
		switch {
		case e.present(d):
			r.Found = append(r.Found, e.name)
		case e.required:
			r.Missing = append(r.Missing, e.name)
			if e.warning != "" {
				r.Warnings = append(r.Warnings, e.warning)
			}
		}
	}
	return r
}
