// Package docimport turns the plain text of a Chinese official document
// (公文, laid out per GB/T 9704-2012) into structured fields, so that a notice
// received as a PDF or a typed file can become a draft without retyping.
//
// The input is what people actually have: text extracted from a PDF (stray
// spaces inside numbers, dates and names, one line per printed line, page
// numbers and page-break fragments) or text typed by hand (one paragraph per
// line, full-width spaces, Windows line endings). The parser walks the
// document in the order the standard lays it out:
//
//	版头  份号, 密级和保密期限, 紧急程度, 发文机关标志, 发文字号, 签发人
//	主体  标题, 主送机关, 正文, 附件说明, 发文机关署名, 成文日期, 附注
//	版记  抄送机关, 印发机关和印发日期
//
// Each element is recognized by its form (a date line, a line ending in 印发,
// a number like 哈妇发〔2015〕9号) and by its place relative to the elements
// already found, never by the wording of a particular notice.
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
// user who uploaded the wrong file learns what was missing.
type Report struct {
	Found   []string `json:"found"`
	Missing []string `json:"missing"` // required elements not found
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
type element struct {
	name     string
	required bool
	present  func(d *Document) bool
}

var elements = []element{
	{elCopyNo, false, func(d *Document) bool { return d.CopyNo != "" }},
	{elSecret, false, func(d *Document) bool { return d.Secret != "" }},
	{elUrgency, false, func(d *Document) bool { return d.Urgency != "" }},
	{elIssuerMark, true, func(d *Document) bool { return d.IssuerMark != "" }},
	{elNumber, true, func(d *Document) bool { return d.Number != "" }},
	{elSigners, false, func(d *Document) bool { return len(d.Signers) > 0 }},
	{elTitle, true, func(d *Document) bool { return d.Title != "" }},
	{elRecipients, true, func(d *Document) bool { return d.Recipients != "" }},
	{elBody, true, func(d *Document) bool { return len(d.Body) > 0 }},
	{elAttach, false, func(d *Document) bool { return len(d.Attachments) > 0 }},
	{elSignature, true, func(d *Document) bool { return d.Signature != "" }},
	{elDate, true, func(d *Document) bool { return d.Date != "" }},
	{elNote, false, func(d *Document) bool { return d.Note != "" }},
	{elCC, false, func(d *Document) bool { return d.CC != "" }},
	{elPrinted, true, func(d *Document) bool { return d.PrintedBy != "" || d.PrintedDate != "" }},
}

// Parse reads the text of a 公文 and returns its elements and a report of
// which were found.
//
// The text is accepted as a document when it has a 标题, a 正文 and at least
// one of the two marks that only official documents carry at their head: a
// 发文字号 (机关代字〔年份〕序号号, on a line of its own or beside 签发人) or a
// 发文机关标志 (the organ's name, usually ending in 文件, above the number).
// Everything else a real notice has (主送, 署名, 成文日期, 版记) is reported
// as missing when absent but does not reject the text: a draft with gaps is
// still worth importing, a news article or a shopping list is not. When the
// text is rejected, Parse returns ErrNotDocument together with whatever it
// did find, so callers can show the report.
//
// Parse never panics and is deterministic. Invalid UTF-8 is replaced, not
// rejected.
func Parse(text string) (Document, Report, error) {
	d := Document{Signers: []string{}, Body: []string{}, Attachments: []string{}}
	p := &parser{ls: splitLines(text), d: &d}
	p.parse()

	rep := report(&d)
	if d.Title == "" || len(d.Body) == 0 || (d.Number == "" && d.IssuerMark == "") {
		return d, rep, ErrNotDocument
	}
	return d, rep, nil
}

// report lists the elements present in d and the required ones absent.
func report(d *Document) Report {
	r := Report{Found: []string{}, Missing: []string{}}
	for _, e := range elements {
		switch {
		case e.present(d):
			r.Found = append(r.Found, e.name)
		case e.required:
			r.Missing = append(r.Missing, e.name)
		}
	}
	return r
}
