package docfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"halfsky/internal/testdb"
)

// PDF tests need Poppler (and the notice test Chromium). Like
// internal/docprint's, they skip when a tool is missing, unless the test
// command requires everything (testdb.Required: HALFSKY_TEST_REQUIRE_ALL
// or CI), when they fail.

func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if !testdb.Required() {
			t.Skipf("%s not installed (apt-get install %s)", name, pkg)
		}
		t.Fatalf("%s not installed (apt-get install %s): %v", name, pkg, err)
	}
	return path
}

func needPoppler(t testing.TB) {
	t.Helper()
	needTool(t, "pdftotext", "poppler-utils")
	needTool(t, "pdfinfo", "poppler-utils")
}

// chromium is the browser as internal/docprint finds it: $HALFSKY_CHROMIUM,
// else /usr/bin/chromium.
func chromium(t testing.TB) string {
	t.Helper()
	name := os.Getenv("HALFSKY_CHROMIUM")
	if name == "" {
		name = "/usr/bin/chromium"
	}
	return needTool(t, name, "chromium")
}

// printPDF prints HTML to an A4 PDF with headless Chromium, as the PDFs in
// internal/docimport/testdata/pdfsrc were made.
func printPDF(t *testing.T, html string) []byte {
	t.Helper()
	browser := chromium(t)
	dir := t.TempDir()
	src, out := filepath.Join(dir, "notice.html"), filepath.Join(dir, "notice.pdf")
	if err := os.WriteFile(src, []byte(html), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--headless", "--disable-gpu", "--no-pdf-header-footer", "--no-first-run",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--print-to-pdf=" + out, "file://" + src}
	if os.Geteuid() == 0 {
		args = append([]string{"--no-sandbox"}, args...) // Chromium refuses to run as root with its sandbox
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if msg, err := exec.CommandContext(ctx, browser, args...).CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, msg)
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}

// noticeHTML is the notice in GB/T 9704 layout.
func noticeHTML() string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
html,body{margin:0;padding:0}
body { font-family: "Noto Serif CJK SC"; font-size: 16pt; line-height: 28.95pt; }
p { margin: 0; text-indent: 2em; text-align: justify; }
.mark { color: #e60012; font-size: 36pt; text-align: center; line-height: 1.4; text-indent: 0; font-weight: bold; }
.num { text-align: center; text-indent: 0; margin: 14pt 0 4pt; }
.rule { border-top: 2px solid #e60012; margin-bottom: 28pt; }
.title { font-size: 22pt; line-height: 1.5; text-align: center; text-indent: 0; margin-bottom: 28.95pt; font-weight: bold; }
.noind { text-indent: 0 }
.att2 { text-indent: 0; padding-left: 5em }
.right { text-align: right; text-indent: 0; padding-right: 4em }
.banji { border-top: 1px solid #000; border-bottom: 1px solid #000; margin-top: 58pt; font-size: 14pt; }
.banji p { text-indent: 0; padding: 0 1em }
.pr { display: flex; justify-content: space-between; }
</style></head><body>
`)
	fmt.Fprintf(&b, "<p class=\"mark\">%s</p>\n<p class=\"num\">%s</p>\n<div class=\"rule\"></div>\n", nMark, nNumber)
	fmt.Fprintf(&b, "<p class=\"title\">%s</p>\n<p class=\"noind\">%s</p>\n", nTitle, nRecipients)
	for _, p := range nBody {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	fmt.Fprintf(&b, "<p class=\"noind\">&nbsp;</p>\n<p>附件：1．%s</p>\n<p class=\"att2\">2．%s</p>\n", nAttachments[0], nAttachments[1])
	fmt.Fprintf(&b, "<p class=\"noind\">&nbsp;</p>\n<p class=\"right\">%s</p>\n<p class=\"right\">%s</p>\n", nSignature, nDate)
	fmt.Fprintf(&b, "<div class=\"banji\"><p>%s</p><div class=\"pr\"><span style=\"padding-left:1em\">哈尔滨市妇女联合会办公室</span>"+
		"<span style=\"padding-right:1em\">2016年5月10日印发</span></div></div>\n</body></html>\n", nCC)
	return b.String()
}

func TestPDFNotice(t *testing.T) {
	needPoppler(t)
	pdf := printPDF(t, noticeHTML())
	x := extract(t, "通知.pdf", pdf)
	// pdftotext ends every page with a form feed.
	if x.Kind != PDF || x.Pages < 1 || x.Pages != strings.Count(x.Text, "\f") {
		t.Errorf("got %v, want a PDF with as many pages as form feeds", x)
	}
	wantNotice(t, x.Text)
}

// Hand-made PDFs: a text page in a standard font and a page that is only
// an image (what a scanner makes), with a correct cross-reference table.

func pdfStream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// buildPDF numbers objs from 1 (the catalog) and writes them with an xref.
func buildPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

const (
	pdfCatalog = "<< /Type /Catalog /Pages 2 0 R >>"
	pdfPages   = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
)

// textPDF is one A4 page saying line in Helvetica.
func textPDF(line string) []byte {
	return buildPDF(pdfCatalog, pdfPages,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		pdfStream("", "BT /F1 24 Tf 72 700 Td ("+line+") Tj ET"))
}

// scanPDF is one A4 page holding an 8×8 grey image drawn large: no text.
func scanPDF() []byte {
	pixels := strings.Repeat("\x20\xE0", 32)
	return buildPDF(pdfCatalog, pdfPages,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
		pdfStream("/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8", pixels),
		pdfStream("", "q 500 0 0 700 48 70 cm /Im0 Do Q"))
}

func TestPDFText(t *testing.T) {
	needPoppler(t)
	x := extract(t, "a.pdf", textPDF("HALFSKY PLAIN 2016"))
	if x.Pages != 1 || !strings.Contains(x.Text, "HALFSKY PLAIN 2016") {
		t.Errorf("got %v", x)
	}
	// Junk before the header, as some mail gateways leave it, is read past.
	if x := extract(t, "b.pdf", append([]byte("\r\n\r\n"), textPDF("JUNK FIRST")...)); !strings.Contains(x.Text, "JUNK FIRST") {
		t.Errorf("got %v", x)
	}
}

func TestPDFScan(t *testing.T) {
	needPoppler(t)
	x, err := Extract(context.Background(), "扫描件.pdf", scanPDF())
	if !errors.Is(err, ErrNoText) {
		t.Fatalf("err = %v, want ErrNoText", err)
	}
	if x.Kind != PDF || x.Pages != 1 {
		t.Errorf("got %v, want kind pdf with 1 page beside the error", x)
	}
	wantError(t, "扫描件.pdf", scanPDF(), CodeNoText, "没有文字层", "扫描件", "无 OCR", "手工登记")
}

// testdata/owner_only.pdf and user_password.pdf are textPDF("HALFSKY
// OWNER ONLY") encrypted with qpdf; see testdata/README.md.
func TestPDFEncrypted(t *testing.T) {
	needPoppler(t)
	owner, err := os.ReadFile("testdata/owner_only.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if x := extract(t, "owner.pdf", owner); !strings.Contains(x.Text, "HALFSKY OWNER ONLY") {
		t.Errorf("owner-password PDF: got %v", x)
	}
	user, err := os.ReadFile("testdata/user_password.pdf")
	if err != nil {
		t.Fatal(err)
	}
	x, _ := wantError(t, "user.pdf", user, CodeEncrypted, "已加密", "未加密")
	if x.Kind != PDF {
		t.Errorf("Kind = %q, want pdf", x.Kind)
	}
}

func TestPDFBroken(t *testing.T) {
	needPoppler(t)
	pdf := textPDF("HALFSKY")
	wantError(t, "a.pdf", pdf[:40], CodeBroken, "PDF")
}

func TestPDFWithoutPoppler(t *testing.T) {
	defer func(old string) { pdftotextTool = old }(pdftotextTool)
	pdftotextTool = "halfsky-no-such-pdftotext"
	wantError(t, "a.pdf", textPDF("X"), CodeUnavailable, "poppler-utils", "管理员")
}

func TestPDFCancelled(t *testing.T) {
	needPoppler(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Extract(ctx, "a.pdf", textPDF("X")); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestWritePDFSource writes the source of the encrypted fixtures, and the
// demo's sample files (internal/demo/samples: the notice as .docx, OFD and
// PDF, and a scan), when HALFSKY_DOCFILE_FIXTURES names a directory (see
// testdata/README.md).
func TestWritePDFSource(t *testing.T) {
	dir := os.Getenv("HALFSKY_DOCFILE_FIXTURES")
	if dir == "" {
		t.Skip("HALFSKY_DOCFILE_FIXTURES not set")
	}
	for name, data := range map[string][]byte{
		"plain.pdf": textPDF("HALFSKY OWNER ONLY"), "notice.docx": noticeDocx(t), "notice.ofd": noticeOFD(t),
		"scan.pdf": scanPDF(), "notice.pdf": printPDF(t, noticeHTML()),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPDFLimits(t *testing.T) {
	needPoppler(t)
	defer func(limit int, timeout time.Duration) { maxPDFText, pdfTimeout = limit, timeout }(maxPDFText, pdfTimeout)
	maxPDFText = 10
	wantError(t, "a.pdf", textPDF("HALFSKY PLAIN 2016"), CodeZipBomb, "PDF 文件中的文字超过")
	maxPDFText, pdfTimeout = 16<<20, time.Nanosecond
	wantError(t, "a.pdf", textPDF("HALFSKY PLAIN 2016"), CodeTimeout, "超时")
}
