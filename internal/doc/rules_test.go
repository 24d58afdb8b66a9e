package doc

import (
	"strings"
	"testing"
)

// TestNumber: a 发文字号 is the 机关代字, the full year in 六角括号 and the
// number without leading zeros; ParseNumber reads exactly that form back.
func TestNumber(t *testing.T) {
	if n := FormatNumber("哈妇发", 2015, 9); n != "哈妇发〔2015〕9号" {
		t.Fatalf("FormatNumber: %q", n)
	}
	if abbr, year, seq, ok := ParseNumber("哈妇发〔2015〕9号"); !ok || abbr != "哈妇发" || year != 2015 || seq != 9 {
		t.Errorf("ParseNumber: %q %d %d %v", abbr, year, seq, ok)
	}
	for _, bad := range []string{
		"哈妇发〔2015〕09号", "哈妇发〔2015〕0号", "哈妇发[2015]9号", "哈妇发（2015）9号", "哈妇发〔15〕9号",
		"哈妇发〔2015〕第9号", "哈妇发〔2015〕9", "HF〔2015〕9号", "〔2015〕9号", " 哈妇发〔2015〕9号", "",
	} {
		if _, _, _, ok := ParseNumber(bad); ok {
			t.Errorf("ParseNumber(%q) accepted", bad)
		}
	}
}

// valid is a draft that passes Validate.
func valid() Fields {
	return Fields{Type: "通知", IssuerMark: "哈尔滨市妇女联合会文件", Abbr: "哈妇发", Title: "关于开展活动的通知",
		Body: []string{"正文。"}}
}

// TestValidate: each element of GB/T 9704 a draft must have, or may have
// only in its form, is refused on its own field; blank paragraphs are
// dropped and every element trimmed.
func TestValidate(t *testing.T) {
	f := valid()
	f.Title, f.Body, f.AttachmentNote, f.Signers = "  关于开展活动的通知 ", []string{" ", "第一段。", ""}, []string{""}, []string{" 杨杰 "}
	if e := f.Validate(); len(e) != 0 {
		t.Fatalf("a valid draft: %v", e)
	}
	if f.Title != "关于开展活动的通知" || len(f.Body) != 1 || len(f.AttachmentNote) != 0 || f.Signers[0] != "杨杰" ||
		f.RecipientSpec == nil || f.CCSpec == nil {
		t.Errorf("normalized: %+v", f)
	}
	for _, c := range []struct {
		name, field string
		set         func(*Fields)
	}{
		{"no type", "type", func(f *Fields) { f.Type = "" }},
		{"not one of the 15 types", "type", func(f *Fields) { f.Type = "便条" }},
		{"no title", "title", func(f *Fields) { f.Title = "  " }},
		{"a title of 201 characters", "title", func(f *Fields) { f.Title = strings.Repeat("文", 201) }},
		{"no issuer mark", "issuer_mark", func(f *Fields) { f.IssuerMark = "" }},
		{"an issuer mark of 61 characters", "issuer_mark", func(f *Fields) { f.IssuerMark = strings.Repeat("文", 61) }},
		{"an abbreviation of one character", "abbr", func(f *Fields) { f.Abbr = "哈" }},
		{"an abbreviation of nine", "abbr", func(f *Fields) { f.Abbr = strings.Repeat("哈", 9) }},
		{"an abbreviation in Latin letters", "abbr", func(f *Fields) { f.Abbr = "HFF" }},
		{"an unknown secret level", "secret", func(f *Fields) { f.Secret, f.CopyNo = "内部", "000001" }},
		{"a term without a level", "secret_term", func(f *Fields) { f.SecretTerm = "1年" }},
		{"a secret without a copy number", "copy_no", func(f *Fields) { f.Secret = "秘密" }},
		{"a copy number of 5 digits", "copy_no", func(f *Fields) { f.CopyNo = "00001" }},
		{"an unknown urgency", "urgency", func(f *Fields) { f.Urgency = "很急" }},
		{"no body", "body", func(f *Fields) { f.Body = []string{" ", ""} }},
		{"a body too long", "body", func(f *Fields) { f.Body = []string{strings.Repeat("a", 200_001)} }},
		{"a date not in ISO form", "doc_date", func(f *Fields) { f.DocDate = "2015年8月11日" }},
		{"a date that does not exist", "doc_date", func(f *Fields) { f.DocDate = "2015-02-30" }},
		{"a printed date not in ISO form", "printed_date", func(f *Fields) { f.PrintedDate = "2015/08/11" }},
		{"printed before it was written", "printed_date", func(f *Fields) { f.DocDate, f.PrintedDate = "2015-08-11", "2015-08-10" }},
		{"a note of 501 characters", "note", func(f *Fields) { f.Note = strings.Repeat("注", 501) }},
		{"recipients of 1001 characters", "recipients", func(f *Fields) { f.Recipients = strings.Repeat("区", 1001) }},
	} {
		f := valid()
		c.set(&f)
		e := f.Validate()
		if len(e) != 1 || e[c.field] == "" {
			t.Errorf("%s: %v, want one message on %s", c.name, e, c.field)
		}
	}
	// The accepted forms beside the refused ones.
	f = valid()
	f.Secret, f.SecretTerm, f.CopyNo, f.Urgency, f.DocDate, f.PrintedDate = "机密", "10年", "000123", "特急", "2015-08-11", "2015-08-11"
	f.Title = strings.Repeat("文", 200)
	if e := f.Validate(); len(e) != 0 {
		t.Errorf("a secret, urgent draft printed the day it was written: %v", e)
	}
}

func TestWording(t *testing.T) {
	if got := ChineseDate("2015-08-01"); got != "2015年8月1日" {
		t.Errorf("ChineseDate: %q", got)
	}
	if got := ChineseDate("not a date"); got != "not a date" {
		t.Errorf("ChineseDate of text: %q", got)
	}
	if FullName("哈尔滨市妇联") != "哈尔滨市妇女联合会" || FullName("哈尔滨市妇女联合会") != "哈尔滨市妇女联合会" {
		t.Error("FullName")
	}
	for _, s := range []Status{Draft, Returned} {
		if !s.Editable() {
			t.Errorf("%s is not editable", s)
		}
	}
	for _, s := range []Status{Reviewing, Reviewed, Signed, Issued} {
		if s.Editable() {
			t.Errorf("%s is editable", s)
		}
	}
}
