// Package incoming is the 收文登记簿: the documents a unit receives from
// outside halfsky — a superior's notice as a .docx, PDF, OFD or text, a
// letter, a fax — registered with the unit's own 收文编号, with the
// original file kept sealed beside the fields read from it.
//
// A registration is the office's own record: only the unit that holds it
// (and, for writes, with the 签收 role) reads or changes it. Units above do
// not see it — what a unit received is followed through 签收 of documents
// issued inside halfsky, not by reading lower units' registers.
package incoming

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"halfsky/internal/db"
	"halfsky/internal/org"
)

// Source is how a registration's text came in.
type Source string

const (
	FromText   Source = "txt"    // a text file
	FromDocx   Source = "docx"   // a Word or WPS .docx
	FromPDF    Source = "pdf"    // a PDF with a text layer
	FromOFD    Source = "ofd"    // an OFD (GB/T 33190)
	FromPaste  Source = "paste"  // text pasted into the form
	FromManual Source = "manual" // typed by hand: a scan, a paper letter
)

// Label is the source's Chinese name.
func (s Source) Label() string {
	switch s {
	case FromText:
		return "文本文件"
	case FromDocx:
		return "Word 文档"
	case FromPDF:
		return "PDF"
	case FromOFD:
		return "OFD"
	case FromPaste:
		return "粘贴文本"
	case FromManual:
		return "手工登记"
	}
	return string(s)
}

var sources = []Source{FromText, FromDocx, FromPDF, FromOFD, FromPaste, FromManual}

// Fields are what the office records of a received document.
type Fields struct {
	FromUnit    string   `json:"from_unit"`   // 来文单位
	FromNumber  string   `json:"from_number"` // 来文字号
	Title       string   `json:"title"`
	DocDate     string   `json:"doc_date"`    // 成文日期, YYYY-MM-DD or ""
	ReceivedOn  string   `json:"received_on"` // 收文日期, YYYY-MM-DD
	Secret      string   `json:"secret"`      // 密级
	Urgency     string   `json:"urgency"`     // 紧急程度
	Recipients  string   `json:"recipients"`  // 主送机关 as printed
	Body        []string `json:"body"`        // 正文 paragraphs
	Attachments []string `json:"attachments"` // 附件说明
	Note        string   `json:"note"`        // 备注 (the office's own)
}

// Record is one registration.
type Record struct {
	ID           int64
	OrgID        int64
	RegisterID   int64
	RegisterName string // the unit whose register numbered it, when not the holder
	Year, Seq    int
	Fields
	Source     Source
	Warnings   []string // what the reader could not find, for the office to check
	Pages      int
	VoidedAt   time.Time // zero unless voided
	VoidReason string
	CreatedBy  string
	CreatedAt  time.Time
	Version    int
}

// Number is the 收文编号: 收〔2026〕15号.
func (r Record) Number() string { return fmt.Sprintf("收〔%d〕%d号", r.Year, r.Seq) }

// Voided reports a registration that was voided (作废): it keeps its number.
func (r Record) Voided() bool { return !r.VoidedAt.IsZero() }

// Secret levels and urgencies, as on a 公文 (GB/T 9704).
var (
	SecretLevels = []string{"", "秘密", "机密", "绝密"}
	Urgencies    = []string{"", "特急", "加急"}
)

// Limits of the fields, in characters.
const (
	maxUnit  = 100
	maxTitle = 200
	maxShort = 500
	maxBody  = 200000
	maxParas = 2000
)

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func validDate(s string) bool {
	if !dateRE.MatchString(s) {
		return false
	}
	_, err := time.ParseInLocation(time.DateOnly, s, db.Shanghai)
	return err == nil
}

// numberRE is a 来文字号 in its one form, as docimport writes it.
var numberRE = regexp.MustCompile(`^\p{Han}+〔\d{4}〕\d{1,6}号$`)

// normalize trims every field and drops empty paragraphs.
func (f *Fields) normalize() {
	for _, p := range []*string{&f.FromUnit, &f.FromNumber, &f.Title, &f.DocDate, &f.ReceivedOn, &f.Secret, &f.Urgency, &f.Recipients, &f.Note} {
		*p = strings.TrimSpace(*p)
	}
	f.FromNumber = strings.Join(strings.Fields(f.FromNumber), "")
	f.Body = nonEmpty(f.Body)
	f.Attachments = nonEmpty(f.Attachments)
}

func nonEmpty(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// validate checks f as of today (YYYY-MM-DD): per-field Chinese messages.
func (f *Fields) validate(today string) map[string]string {
	errs := map[string]string{}
	long := func(field, v string, max int, what string) {
		if utf8.RuneCountInString(v) > max {
			errs[field] = fmt.Sprintf("%s不能超过 %d 个字", what, max)
		}
	}
	switch {
	case f.FromUnit == "":
		errs["from_unit"] = "请填写来文单位"
	default:
		long("from_unit", f.FromUnit, maxUnit, "来文单位")
	}
	switch {
	case f.Title == "":
		errs["title"] = "请填写文件标题"
	default:
		long("title", f.Title, maxTitle, "标题")
	}
	if f.FromNumber != "" && !numberRE.MatchString(f.FromNumber) {
		errs["from_number"] = "来文字号的格式应为“机关代字〔年份〕序号号”，如 哈妇发〔2015〕9号；没有字号的来文请留空"
	}
	if f.DocDate != "" && !validDate(f.DocDate) {
		errs["doc_date"] = "成文日期不是有效日期"
	}
	switch {
	case !validDate(f.ReceivedOn):
		errs["received_on"] = "请填写收文日期"
	case f.ReceivedOn > today:
		errs["received_on"] = "收文日期不能晚于今天"
	case f.DocDate != "" && validDate(f.DocDate) && f.ReceivedOn < f.DocDate:
		errs["received_on"] = "收文日期不能早于成文日期"
	}
	if !slices.Contains(SecretLevels, f.Secret) {
		errs["secret"] = "密级只能是秘密、机密或绝密"
	}
	if !slices.Contains(Urgencies, f.Urgency) {
		errs["urgency"] = "紧急程度只能是特急或加急"
	}
	long("recipients", f.Recipients, maxShort, "主送机关")
	long("note", f.Note, maxShort, "备注")
	if len(f.Body) > maxParas || utf8.RuneCountInString(strings.Join(f.Body, "")) > maxBody {
		errs["body"] = fmt.Sprintf("正文超过 %d 字，不像是一份公文", maxBody)
	}
	if len(f.Attachments) > 50 {
		errs["attachments"] = "附件说明最多 50 项"
	}
	f.refuseUnstorable(errs)
	return errs
}

// refuseUnstorable marks the fields holding text neither database can
// store (invalid UTF-8, NUL bytes), whichever front end it came from.
func (f *Fields) refuseUnstorable(errs map[string]string) {
	for field, vs := range map[string][]string{"from_unit": {f.FromUnit}, "from_number": {f.FromNumber}, "title": {f.Title},
		"doc_date": {f.DocDate}, "received_on": {f.ReceivedOn}, "secret": {f.Secret}, "urgency": {f.Urgency},
		"recipients": {f.Recipients}, "note": {f.Note}, "body": f.Body, "attachments": f.Attachments} {
		if errs[field] == "" && slices.IndexFunc(vs, unstorable) >= 0 {
			errs[field] = "含有无法保存的字符"
		}
	}
}

func unstorable(s string) bool { return !utf8.ValidString(s) || strings.ContainsRune(s, 0) }

// A merge gives the merged unit's registrations to the unit merged into;
// their numbers stay those of the register that gave them.
func init() { org.RegisterOwnerColumn("incoming_docs", "org_id") }
