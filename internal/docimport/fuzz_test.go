package docimport

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// wantNumber is the one correct form of a 发文字号 (issue 3 item 2).
var wantNumber = regexp.MustCompile(`^\p{Han}+〔\d{4}〕(?:0|[1-9]\d*)号$`)

var wantSecret = regexp.MustCompile(`^(绝密|机密|秘密)(★.+)?$`)

// FuzzParse checks properties that hold for any input: Parse does not panic,
// is deterministic, returns valid UTF-8 without control characters, returns
// numbers and dates in their canonical forms (which parse back to
// themselves), keeps its report consistent with the document and with the
// error, and keeps its text normalization a fixed point.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		"", "\n", "\f", "\xff\xfe\xfd", "哈妇发〔2015〕第000号", "签发人：", "附件：", "抄送：。",
		"二〇一五年十一月三十一日", "哈尔滨市妇女联合会文件\n哈妇发〔2015〕9号\n标题的通知\n主送：\n正文。",
		"— 1 —\n000123\n秘密★1年\n特急\n",
		"哈妇发〔2015〕9号 签发人：杨(杰)\n关于x的通知\n各单位：\n正文。\n", // signers were not normalized
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, text string) {
		d, rep, err := Parse(text)
		d2, rep2, err2 := Parse(text)
		if !reflect.DeepEqual(d, d2) || !reflect.DeepEqual(rep, rep2) || err != err2 {
			t.Fatalf("not deterministic:\n%+v\n%+v", d, d2)
		}
		checkStrings(t, d)
		checkCanonical(t, d)
		checkReport(t, d, rep, err)
	})
}

// checkStrings: every output string is valid UTF-8, single-line, trimmed and
// free of control characters, a fixed point of normalize, and without ASCII
// punctuation next to a Han character.
func checkStrings(t *testing.T, d Document) {
	t.Helper()
	check := func(field, s string) {
		if !utf8.ValidString(s) {
			t.Fatalf("%s: invalid UTF-8 %q", field, s)
		}
		if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
			t.Fatalf("%s: control character in %q", field, s)
		}
		if s != normalize(s) {
			t.Fatalf("%s: not normalized: %q", field, s)
		}
		if r, ok := asciiPunctBesideHan(s); ok {
			t.Fatalf("%s: ASCII %q beside a Han character in %q", field, r, s)
		}
	}
	for name, s := range map[string]string{
		"copy_no": d.CopyNo, "secret": d.Secret, "urgency": d.Urgency, "issuer_mark": d.IssuerMark,
		"number": d.Number, "title": d.Title, "recipients": d.Recipients, "signature": d.Signature,
		"date": d.Date, "note": d.Note, "cc": d.CC, "printed_by": d.PrintedBy, "printed_date": d.PrintedDate,
	} {
		check(name, s)
	}
	for name, list := range map[string][]string{"signers": d.Signers, "body": d.Body, "attachments": d.Attachments} {
		if list == nil {
			t.Fatalf("%s is nil, want a non-nil slice", name)
		}
		for _, s := range list {
			if s == "" {
				t.Fatalf("%s has an empty item", name)
			}
			check(name, s)
		}
	}
	for _, s := range d.Signers {
		if strings.ContainsFunc(s, unicode.IsSpace) {
			t.Fatalf("signer %q contains a space", s)
		}
	}
}

// checkCanonical: numbers, dates and markers are in their canonical forms,
// and reading a canonical form again gives it back unchanged.
func checkCanonical(t *testing.T, d Document) {
	t.Helper()
	if d.Number != "" {
		if !wantNumber.MatchString(d.Number) {
			t.Fatalf("number %q is not canonical", d.Number)
		}
		if nl, ok := parseNumberLine(d.Number); !ok || nl.number != d.Number {
			t.Fatalf("number %q re-parses as %q", d.Number, nl.number)
		}
	}
	for name, iso := range map[string]string{"date": d.Date, "printed_date": d.PrintedDate} {
		if iso == "" {
			continue
		}
		tm, err := time.Parse(time.DateOnly, iso)
		if err != nil || tm.Format(time.DateOnly) != iso {
			t.Fatalf("%s %q is not YYYY-MM-DD", name, iso)
		}
		if again, ok := dateOnly(chineseDate(iso)); !ok || again != iso {
			t.Fatalf("%s %q re-parses as %q", name, iso, again)
		}
	}
	if d.CopyNo != "" && strings.ContainsFunc(d.CopyNo, func(r rune) bool { return !isDigit(r) }) {
		t.Fatalf("copy_no %q", d.CopyNo)
	}
	if d.Urgency != "" && d.Urgency != "特急" && d.Urgency != "加急" {
		t.Fatalf("urgency %q", d.Urgency)
	}
	if d.Secret != "" && !wantSecret.MatchString(d.Secret) {
		t.Fatalf("secret %q", d.Secret)
	}
}

// checkReport: the report matches the document, and the error matches the
// documented rule (标题 and 正文, plus two of 发文字号, 主送机关, 署名 and
// 成文日期; a title without a document type only under a number or mark).
func checkReport(t *testing.T, d Document, rep Report, err error) {
	t.Helper()
	if rep.Found == nil || rep.Missing == nil || rep.Warnings == nil {
		t.Fatalf("report has nil lists")
	}
	if !reflect.DeepEqual(rep, report(&d)) {
		t.Fatalf("report %+v does not match the document", rep)
	}
	seen := map[string]bool{}
	for _, n := range append(append([]string{}, rep.Found...), rep.Missing...) {
		if seen[n] {
			t.Fatalf("%s listed twice in %+v", n, rep)
		}
		seen[n] = true
	}
	n := 0
	for _, s := range []string{d.Number, d.Recipients, d.Signature, d.Date} {
		if s != "" {
			n++
		}
	}
	isDoc := d.Title != "" && len(d.Body) > 0 && n >= 2 &&
		(endsWithDocType(d.Title) || d.Number != "" || d.IssuerMark != "")
	if len(rep.Warnings) > len(rep.Missing) {
		t.Fatalf("%d warnings for %d missing elements", len(rep.Warnings), len(rep.Missing))
	}
	if isDoc != (err == nil) || (err != nil && !errors.Is(err, ErrNotDocument)) {
		t.Fatalf("err = %v for a document with title %q, %d paragraphs, number %q, mark %q",
			err, d.Title, len(d.Body), d.Number, d.IssuerMark)
	}
}

// FuzzNormalize checks the text normalizer: normalize (normalizePunct, then
// normalizeSpaces) on strings, and splitLines, which drops junk lines and
// page furniture. For any input: no panic, valid UTF-8, idempotent, no ASCII
// , : ; ( ) ! ? left next to a Han character, and no Han character lost
// except on the lines dropped as page numbers or site chrome.
func FuzzNormalize(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
		for _, l := range strings.Split(string(b), "\n") {
			f.Add(l)
		}
	}
	for _, s := range []string{
		"各区、县(市)妇联:", "Windows 10, 11", "3:30", "http://a.b/c?d=1", "f(x)", "(市", ")(", "（)", "(）",
		"a,(市)", "? ?关于", "。\n。", "x\n。\n", "\uFFFD\n□", "第3页 共5页", "打印本页 关闭窗口", "市 ,\u3000(", "\xff(\xfe市",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := strings.ToValidUTF8(s, "\uFFFD")
		n := normalize(v)
		checkNormalized(t, "normalize", n)
		if hanOf(n) != hanOf(v) {
			t.Fatalf("normalize(%q) = %q lost Han characters", v, n)
		}
		var norms strings.Builder
		for _, l := range splitLines(s) {
			checkNormalized(t, "line", l.norm)
			if l.norm != normalize(l.raw) || l.raw == "" {
				t.Fatalf("line %q has norm %q", l.raw, l.norm)
			}
			norms.WriteString(l.norm)
		}
		if got, want := hanOf(norms.String()), hanOf(keptText(s)); got != want {
			t.Fatalf("splitLines lost Han characters:\n got %q\nwant %q", got, want)
		}
	})
}

func checkNormalized(t *testing.T, what, n string) {
	t.Helper()
	if !utf8.ValidString(n) {
		t.Fatalf("%s: invalid UTF-8 %q", what, n)
	}
	if again := normalize(n); again != n {
		t.Fatalf("%s: not idempotent: %q, then %q", what, n, again)
	}
	if r, ok := asciiPunctBesideHan(n); ok {
		t.Fatalf("%s: ASCII %q beside a Han character in %q", what, r, n)
	}
}

// asciiPunctBesideHan finds an ASCII , : ; ( ) ! ? with a Han character
// right before or after it.
func asciiPunctBesideHan(s string) (rune, bool) {
	rs := []rune(s)
	for i, r := range rs {
		if !strings.ContainsRune(",:;()!?", r) {
			continue
		}
		if (i > 0 && isHanRune(rs[i-1])) || (i+1 < len(rs) && isHanRune(rs[i+1])) {
			return r, true
		}
	}
	return 0, false
}

func hanOf(s string) string {
	return strings.Map(func(r rune) rune {
		if isHanRune(r) {
			return r
		}
		return -1
	}, s)
}

// keptText is the input without the lines splitLines may drop although they
// hold Han characters: page numbers (第3页) and site chrome (打印本页).
func keptText(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	var b strings.Builder
	for _, seg := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == '\f' }) {
		raw := strings.Join(strings.Fields(strings.TrimLeftFunc(cleanControls(seg), isLeadingJunk)), " ")
		if !isPageNumber(raw) && !isChrome(raw) {
			b.WriteString(raw)
		}
	}
	return b.String()
}
