package docfile

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"halfsky/internal/docimport"
)

// Fixtures are built by the tests, from the parts a real file has, so that
// every byte a test feeds to Extract is visible here.

// part is one entry of a zip package.
type part struct {
	name string
	body string
}

// buildZip writes parts into a zip, deflated.
func buildZip(t testing.TB, parts ...part) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The notice every format's fixture carries.
const (
	nMark       = "哈尔滨市妇女联合会文件"
	nNumber     = "哈妇发〔2016〕12号"
	nTitle      = "哈尔滨市妇女联合会关于开展2016年度“巾帼文明岗”创建活动的通知"
	nRecipients = "各区县（市）妇联，市直妇委会："
	nSignature  = "哈尔滨市妇女联合会"
	nDate       = "2016年5月10日"
	nCC         = "抄送：全国妇联发展部，黑龙江省妇联发展部。"
	nPrinted    = "哈尔滨市妇女联合会办公室　　2016年5月10日印发"
)

var nBody = []string{
	"为深入贯彻落实全国妇联、省妇联关于深化“巾帼建功”活动的部署，团结带领全市广大妇女在推动哈尔滨全面振兴发展中建功立业，市妇联决定在全市开展2016年度“巾帼文明岗”创建活动。现将有关事项通知如下：",
	"一、创建范围",
	"全市各级机关、企事业单位、社会组织中女职工占50%以上的班组、科室、窗口等基层集体。",
	"二、工作要求",
	"请各区县（市）妇联、市直妇委会于2016年6月30日前，将推荐材料报市妇联发展部。",
}

var nAttachments = []string{"哈尔滨市“巾帼文明岗”推荐表", "哈尔滨市“巾帼文明岗”汇总表"}

// wantNotice checks docimport's reading of the notice's text.
func wantNotice(t *testing.T, text string) {
	t.Helper()
	d, rep, err := docimport.Parse(text)
	if err != nil {
		t.Fatalf("Parse: %v (missing %v)\n%s", err, rep.Missing, text)
	}
	check := func(field, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	check("IssuerMark", d.IssuerMark, nMark)
	check("Number", d.Number, nNumber)
	check("Title", d.Title, nTitle)
	check("Recipients", d.Recipients, strings.TrimSuffix(nRecipients, "："))
	check("Body", strings.Join(d.Body, "\n"), strings.Join(nBody, "\n"))
	check("Attachments", strings.Join(d.Attachments, "\n"), strings.Join(nAttachments, "\n"))
	check("Signature", d.Signature, nSignature)
	check("Date", d.Date, "2016-05-10")
	check("CC", d.CC, "全国妇联发展部，黑龙江省妇联发展部")
	check("PrintedDate", d.PrintedDate, "2016-05-10")
	if t.Failed() {
		t.Logf("text:\n%s", text)
	}
}

// extract runs Extract and fails the test on an error.
func extract(t *testing.T, name string, data []byte) Extracted {
	t.Helper()
	x, err := Extract(context.Background(), name, data)
	if err != nil {
		t.Fatalf("Extract(%s): %v", name, err)
	}
	return x
}

// wantError runs Extract and checks that it fails with code, in Chinese,
// with a message containing each of parts.
func wantError(t *testing.T, name string, data []byte, code string, parts ...string) (Extracted, *Error) {
	t.Helper()
	x, err := Extract(context.Background(), name, data)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Extract(%s) = %v, %v; want a %s *Error", name, x, err, code)
	}
	if e.Code != code {
		t.Fatalf("Extract(%s): code %s (%s), want %s", name, e.Code, e.Message, code)
	}
	if !errors.Is(err, &Error{Code: code}) {
		t.Errorf("errors.Is(err, code %s) is false", code)
	}
	if !strings.ContainsFunc(e.Message, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		t.Errorf("message %q has no Chinese", e.Message)
	}
	if !strings.Contains(e.Error(), code) {
		t.Errorf("Error() = %q lacks the code", e.Error())
	}
	for _, p := range parts {
		if !strings.Contains(e.Message, p) {
			t.Errorf("message %q lacks %q", e.Message, p)
		}
	}
	return x, e
}

func (x Extracted) String() string {
	return fmt.Sprintf("{%s, %d pages, %q}", x.Kind, x.Pages, x.Text)
}
