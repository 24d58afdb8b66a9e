// Package doc is the 公文 (official document) workflow: drafting with
// versions, review (审核), sign-off (签发), registration with the next
// 发文字号, distribution to recipient units and their receipts (签收). Its
// elements follow GB/T 9704-2012 and the 党政机关公文处理工作条例.
package doc

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Types are the 15 kinds of 公文 of the 党政机关公文处理工作条例.
var Types = []string{"决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告", "请示", "批复", "议案", "函", "纪要"}

// Status of a document in the workflow.
type Status string

const (
	Draft     Status = "draft"     // 起草中
	Reviewing Status = "reviewing" // 待审核
	Returned  Status = "returned"  // 已退回 (to the drafter)
	Reviewed  Status = "reviewed"  // 待签发
	Signed    Status = "signed"    // 已签发, awaiting registration
	Issued    Status = "issued"    // 已印发
)

// Label is the status's Chinese name.
func (s Status) Label() string {
	switch s {
	case Draft:
		return "起草中"
	case Reviewing:
		return "待审核"
	case Returned:
		return "已退回"
	case Reviewed:
		return "待签发"
	case Signed:
		return "待登记印发"
	case Issued:
		return "已印发"
	}
	return string(s)
}

// Editable reports whether the drafter may still change the text.
func (s Status) Editable() bool { return s == Draft || s == Returned }

// Colour is the status's badge colour: green once issued, red when
// returned, yellow while on its way, grey as a draft.
func (s Status) Colour() string {
	switch s {
	case Issued:
		return "green"
	case Returned:
		return "red"
	case Reviewing, Reviewed, Signed:
		return "yellow"
	}
	return "grey"
}

// Secret levels and urgencies allowed by GB/T 9704.
var (
	SecretLevels = []string{"", "秘密", "机密", "绝密"}
	Urgencies    = []string{"", "特急", "加急"}
)

// Fields are the editable elements of a document.
type Fields struct {
	Type           string   `json:"type"`
	CopyNo         string   `json:"copy_no"`
	Secret         string   `json:"secret"`
	SecretTerm     string   `json:"secret_term"`
	Urgency        string   `json:"urgency"`
	IssuerMark     string   `json:"issuer_mark"`
	Abbr           string   `json:"abbr"`
	Title          string   `json:"title"`
	Recipients     string   `json:"recipients"`      // 主送机关 as printed; generated from the spec when empty
	RecipientSpec  []Target `json:"recipient_spec"`  // who receives it
	CC             string   `json:"cc"`              // 抄送机关 as printed
	CCSpec         []Target `json:"cc_spec"`         // who receives a copy
	Body           []string `json:"body"`            // paragraphs
	AttachmentNote []string `json:"attachment_note"` // 附件说明 items
	Signature      string   `json:"signature"`       // 发文机关署名
	DocDate        string   `json:"doc_date"`        // 成文日期 YYYY-MM-DD (set at signing when empty)
	Seal           bool     `json:"seal"`
	Note           string   `json:"note"`         // 附注
	PrintedBy      string   `json:"printed_by"`   // 印发机关
	PrintedDate    string   `json:"printed_date"` // 印发日期 (set at issue when empty)
	Signers        []string `json:"signers"`      // 签发人 (set at signing; given for imported documents)
}

// Document is a stored document.
type Document struct {
	Fields
	ID           int64
	OrgID        int64
	OrgCode      string
	OrgName      string
	OrgPath      string
	Status       Status
	NumberYear   int
	NumberSeq    int
	Number       string
	DraftedBy    int64
	DrafterName  string
	ReviewedBy   int64
	ReviewerName string
	ReviewedAt   time.Time
	ReviewNote   string
	SignedBy     int64
	SignerName   string
	SignedAt     time.Time
	SignOpinion  string
	IssuedBy     int64
	IssuerName   string
	IssuedAt     time.Time
	CorrectsID   int64
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// FormatNumber writes a 发文字号 the way GB/T 9704 wants it: the 机关代字,
// the full year in 六角括号, the number without leading zeros or 第.
func FormatNumber(abbr string, year, seq int) string {
	return fmt.Sprintf("%s〔%d〕%d号", abbr, year, seq)
}

var numberRE = regexp.MustCompile(`^(\p{Han}+)〔(\d{4})〕([1-9]\d*)号$`)

// ParseNumber splits a normalized 发文字号.
func ParseNumber(n string) (abbr string, year, seq int, ok bool) {
	m := numberRE.FindStringSubmatch(n)
	if m == nil {
		return "", 0, 0, false
	}
	fmt.Sscan(m[2], &year)
	fmt.Sscan(m[3], &seq)
	return m[1], year, seq, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	dateRE   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	abbrRE   = regexp.MustCompile(`^\p{Han}{2,8}$`)
	copyNoRE = regexp.MustCompile(`^\d{6}$`)
)

// validDate checks a YYYY-MM-DD date.
func validDate(s string) bool {
	if !dateRE.MatchString(s) {
		return false
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// normalize trims the fields and drops empty paragraphs.
func (f *Fields) normalize() {
	trim := strings.TrimSpace
	f.Type, f.CopyNo, f.Secret, f.SecretTerm, f.Urgency = trim(f.Type), trim(f.CopyNo), trim(f.Secret), trim(f.SecretTerm), trim(f.Urgency)
	f.IssuerMark, f.Abbr, f.Title = trim(f.IssuerMark), trim(f.Abbr), trim(f.Title)
	f.Recipients, f.CC, f.Signature, f.DocDate = trim(f.Recipients), trim(f.CC), trim(f.Signature), trim(f.DocDate)
	f.Note, f.PrintedBy, f.PrintedDate = trim(f.Note), trim(f.PrintedBy), trim(f.PrintedDate)
	f.Body = nonEmpty(f.Body)
	f.AttachmentNote = nonEmpty(f.AttachmentNote)
	f.Signers = nonEmpty(f.Signers)
	if f.RecipientSpec == nil {
		f.RecipientSpec = []Target{}
	}
	if f.CCSpec == nil {
		f.CCSpec = []Target{}
	}
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

// Validate checks the fields a draft may be saved with; the map is empty
// when all is well. Recipients are checked when they are expanded.
func (f *Fields) Validate() map[string]string {
	f.normalize()
	e := map[string]string{}
	if !contains(Types, f.Type) {
		e["type"] = "请选择公文种类"
	}
	if f.Title == "" {
		e["title"] = "请填写标题"
	} else if utf8.RuneCountInString(f.Title) > 200 {
		e["title"] = "标题不能超过 200 个字"
	}
	if f.IssuerMark == "" {
		e["issuer_mark"] = "请填写发文机关标志，如“哈尔滨市妇女联合会文件”"
	}
	if !abbrRE.MatchString(f.Abbr) {
		e["abbr"] = "机关代字为 2–8 个汉字，如“哈妇发”"
	}
	if !contains(SecretLevels, f.Secret) {
		e["secret"] = "密级只能是秘密、机密或绝密"
	}
	if f.Secret == "" && f.SecretTerm != "" {
		e["secret_term"] = "未标密级的公文不标保密期限"
	}
	if !contains(Urgencies, f.Urgency) {
		e["urgency"] = "紧急程度只能是特急或加急"
	}
	if f.CopyNo != "" && !copyNoRE.MatchString(f.CopyNo) {
		e["copy_no"] = "份号为 6 位阿拉伯数字，如 000001"
	}
	if f.Secret != "" && f.CopyNo == "" {
		e["copy_no"] = "涉密公文须标注份号"
	}
	for _, l := range []struct {
		key, val, label string
		max             int
	}{
		{"issuer_mark", f.IssuerMark, "发文机关标志", 60}, {"recipients", f.Recipients, "主送机关", 1000}, {"cc", f.CC, "抄送机关", 1000},
		{"signature", f.Signature, "发文机关署名", 200}, {"note", f.Note, "附注", 500}, {"printed_by", f.PrintedBy, "印发机关", 100},
		{"secret_term", f.SecretTerm, "保密期限", 20}, {"attachment_note", strings.Join(f.AttachmentNote, "\n"), "附件说明", 2000},
	} {
		if utf8.RuneCountInString(l.val) > l.max {
			e[l.key] = fmt.Sprintf("%s不能超过 %d 字", l.label, l.max)
		}
	}
	if len(f.Body) == 0 {
		e["body"] = "请填写正文"
	}
	if len(strings.Join(f.Body, "\n")) > 200_000 {
		e["body"] = "正文过长"
	}
	for _, d := range []struct{ key, val, label string }{{"doc_date", f.DocDate, "成文日期"}, {"printed_date", f.PrintedDate, "印发日期"}} {
		if d.val != "" && !validDate(d.val) {
			e[d.key] = d.label + "格式应为 2015-08-11"
		}
	}
	if f.DocDate != "" && f.PrintedDate != "" && f.PrintedDate < f.DocDate {
		e["printed_date"] = "印发日期不能早于成文日期"
	}
	return e
}

// ChineseDate writes 2015-08-11 as 2015年8月11日, the form documents use.
func ChineseDate(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}
