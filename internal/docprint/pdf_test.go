package docprint

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/chromedp"

	"halfsky/internal/doc"

	"halfsky/internal/testdb"
)

// The seed notice (哈妇发〔2015〕9号, /work/shared/seeds/000_…), as the
// importer reads it, in testdata/seed_notice.json.
func seedNotice(t testing.TB) doc.Document {
	t.Helper()
	b, err := os.ReadFile("testdata/seed_notice.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		doc.Fields
		Number string `json:"number"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	return doc.Document{Fields: fx.Fields, Number: fx.Number, OrgName: "哈尔滨市妇女联合会", Status: doc.Issued}
}

func chromiumForTest(t testing.TB) string {
	t.Helper()
	p := &Printer{}
	path, err := p.ChromiumPath()
	if err != nil {
		if !testdb.Required() {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	return path
}

// testPrinter is a Printer with a generous render timeout: test machines
// are often loaded far beyond a server's normal day (30 s is the default).
func testPrinter(path string) *Printer {
	return &Printer{Chromium: path, Timeout: 3 * time.Minute}
}

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if !testdb.Required() {
			t.Skipf("%s not installed (apt-get install poppler-utils)", name)
		}
		t.Fatalf("%s not installed (apt-get install poppler-utils): %v", name, err)
	}
}

// One printer, and the seed's PDF, for the whole package run.
var shared struct {
	once    sync.Once
	printer *Printer
	pdf     []byte
	err     error
	cold    time.Duration
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.printer != nil {
		shared.printer.Close()
	}
	os.Exit(code)
}

func seedPDF(t *testing.T) []byte {
	t.Helper()
	path := chromiumForTest(t)
	needTool(t, "pdfinfo")
	shared.once.Do(func() {
		shared.printer = testPrinter(path)
		start := time.Now()
		shared.pdf, shared.err = shared.printer.PDF(context.Background(), seedNotice(t))
		shared.cold = time.Since(start)
		if dir := os.Getenv("HALFSKY_DOCPRINT_OUT"); dir != "" && shared.err == nil {
			_ = os.MkdirAll(dir, 0o755)
			_ = os.WriteFile(filepath.Join(dir, "seed.pdf"), shared.pdf, 0o644)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.pdf
}

func writeTemp(t *testing.T, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s %v: %v: %s", name, args, err, ee.Stderr)
		}
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return out
}

var (
	pagesRE    = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)
	pageSizeRE = regexp.MustCompile(`(?m)^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts`)
)

// (a) A4, on every page.
func TestPDFIsA4(t *testing.T) {
	f := writeTemp(t, seedPDF(t))
	info := string(run(t, "pdfinfo", "-f", "1", "-l", "100", f))
	sizes := pageSizeRE.FindAllStringSubmatch(info, -1)
	if len(sizes) == 0 {
		t.Fatalf("no page sizes in pdfinfo:\n%s", info)
	}
	for _, m := range sizes {
		w, _ := strconv.ParseFloat(m[1], 64)
		h, _ := strconv.ParseFloat(m[2], 64)
		if abs(w-595.28) > 1 || abs(h-841.89) > 1 {
			t.Errorf("page size %s × %s pt, want A4 595 × 842", m[1], m[2])
		}
	}
}

func pdfText(t *testing.T, f string, first, last int, opts ...string) string {
	t.Helper()
	args := append([]string{"-enc", "UTF-8"}, opts...)
	if first > 0 {
		args = append(args, "-f", strconv.Itoa(first), "-l", strconv.Itoa(last))
	}
	return string(run(t, "pdftotext", append(args, f, "-")...))
}

func pageCount(t *testing.T, f string) int {
	t.Helper()
	m := pagesRE.FindStringSubmatch(string(run(t, "pdfinfo", f)))
	if m == nil {
		t.Fatal("pdfinfo gives no page count")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// (b) The text in reading order; (d) more than one page, 印发 on the last;
// (e) the page numbers.
func TestPDFTextInReadingOrder(t *testing.T) {
	needTool(t, "pdftotext")
	d := seedNotice(t)
	f := writeTemp(t, seedPDF(t))
	text := squeeze(pdfText(t, f, 0, 0, "-layout"))

	want := []string{d.IssuerMark, d.Number, "签发人：" + d.Signers[0], d.Title, d.Recipients + "："}
	for _, p := range d.Body {
		// A paragraph's start and end: its middle may be split by a page
		// number line.
		r := []rune(p)
		if len(r) <= 40 {
			want = append(want, p)
		} else {
			want = append(want, string(r[:20]), string(r[len(r)-12:]))
		}
	}
	want = append(want, d.Signature, "2015年8月11日", "哈尔滨市妇女联合会2015年8月11日印发")
	at := 0
	for _, w := range want {
		i := strings.Index(text[at:], squeeze(w))
		if i < 0 {
			before := strings.Contains(text, squeeze(w))
			t.Fatalf("%q not found after byte %d (present anywhere: %v); text:\n%s", w, at, before, text)
		}
		at += i + len(squeeze(w))
	}

	n := pageCount(t, f)
	if n < 2 {
		t.Fatalf("the seed takes %d page, want more than one", n)
	}
	last := pdfText(t, f, n, n)
	if !strings.Contains(squeeze(last), "印发") {
		t.Errorf("the last page has no 印发 line:\n%s", last)
	}
	for i := 1; i < n; i++ {
		if strings.Contains(squeeze(pdfText(t, f, i, i)), "印发") {
			t.Errorf("page %d of %d has the 印发 line; the 版记 belongs on the last page", i, n)
		}
	}
	// "— 1 —": pdftotext drops the narrow spaces beside the dashes, so
	// compare without whitespace.
	for i := 1; i <= n; i++ {
		pn := fmt.Sprintf("— %d —", i)
		if !strings.Contains(squeeze(pdfText(t, f, i, i)), squeeze(pn)) {
			t.Errorf("page %d lacks its page number %q", i, pn)
		}
	}
}

// pageImage renders one page at dpi.
func pageImage(t *testing.T, f string, pageNo, dpi int) image.Image {
	t.Helper()
	needTool(t, "pdftoppm")
	out := run(t, "pdftoppm", "-r", strconv.Itoa(dpi), "-png", "-f", strconv.Itoa(pageNo), "-l", strconv.Itoa(pageNo), "-singlefile", f)
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// redRows counts, for each pixel row, the strongly red pixels, and their
// leftmost and rightmost columns.
type rowStat struct{ n, left, right int }

func redRows(img image.Image) []rowStat {
	b := img.Bounds()
	rows := make([]rowStat, b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		s := rowStat{left: -1}
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 180 && g>>8 < 80 && bl>>8 < 80 {
				s.n++
				if s.left < 0 {
					s.left = x
				}
				s.right = x
			}
		}
		rows[y-b.Min.Y] = s
	}
	return rows
}

// (c) The red 发文机关标志 and the red separator where GB/T 9704 puts them,
// on a 50 dpi image of page 1.
func TestPDFRedHeader(t *testing.T) {
	const dpi = 50
	f := writeTemp(t, seedPDF(t))
	img := pageImage(t, f, 1, dpi)
	mm := func(px int) float64 { return float64(px) * 25.4 / dpi }
	px := func(mm float64) int { return int(mm * dpi / 25.4) }
	if h := img.Bounds().Dy(); abs(mm(h)-297) > 1 {
		t.Fatalf("page image %d px tall = %.1f mm, want 297", h, mm(h))
	}
	rows := redRows(img)

	// Bands of rows with red in them, gaps under 2 mm bridged.
	type band struct{ top, bottom, left, right, maxN int }
	var bands []band
	for y, s := range rows {
		if s.n < 2 {
			continue
		}
		if n := len(bands); n > 0 && y-bands[n-1].bottom <= px(2) {
			b := &bands[n-1]
			b.bottom, b.left, b.right, b.maxN = y, min(b.left, s.left), max(b.right, s.right), max(b.maxN, s.n)
			continue
		}
		bands = append(bands, band{y, y, s.left, s.right, s.n})
	}
	for _, b := range bands {
		t.Logf("red band %.1f–%.1f mm from the top, %.1f–%.1f mm from the left, densest row %.1f mm of red", mm(b.top), mm(b.bottom+1), mm(b.left), mm(b.right+1), mm(b.maxN))
	}
	if len(bands) < 2 {
		t.Fatalf("%d red bands on page 1, want the mark and the separator", len(bands))
	}

	// The mark: its top 35 mm below the 版心's top (37 mm), its glyphs at
	// most 22 mm tall, centred on the 版心 (28 + 78 mm from the left edge),
	// no wider than the 版心.
	const tol = 3.0
	mark := bands[0]
	if mm(mark.top) < 37+35-tol || mm(mark.bottom+1) > 37+35+22+tol {
		t.Errorf("the red mark spans %.1f–%.1f mm from the page top, want within %.0f–%.0f mm", mm(mark.top), mm(mark.bottom+1), 37+35-tol, 37+35+22+tol)
	}
	if h := mm(mark.bottom + 1 - mark.top); h < 8 {
		t.Errorf("the red mark is only %.1f mm tall", h)
	}
	if centre := mm(mark.left+mark.right+1) / 2; abs(centre-(28+78)) > tol {
		t.Errorf("the mark is centred %.1f mm from the left edge, want %d (the 版心's centre)", centre, 28+78)
	}
	if w := mm(mark.right + 1 - mark.left); w > 156+1 {
		t.Errorf("the mark is %.1f mm wide, wider than the 版心", w)
	}

	// The separator: the next band, a thin rule of solid red as long as the
	// 版心 is wide, from its left edge, 4 mm under the number, which is 2
	// lines under the mark: 35 + 15 (mark) + 3 lines − 2.3 mm (the number's
	// glyphs end half a leading above its line's bottom) + 4 mm below the
	// 版心 top.
	sep := bands[1]
	if n := mm(sep.maxN); n < 156-3 || n > 156+2 {
		t.Errorf("the separator has %.1f mm of red in its densest row, want 156", n)
	}
	if abs(mm(sep.left)-28) > 2 || abs(mm(sep.right+1)-(28+156)) > 2 {
		t.Errorf("the separator runs %.1f–%.1f mm from the left edge, want 28–184 mm", mm(sep.left), mm(sep.right+1))
	}
	if thick := sep.bottom + 1 - sep.top; thick > 3 {
		t.Errorf("the separator is %d px (%.1f mm) thick, want a thin rule", thick, mm(thick))
	}
	wantSep := 37 + 35 + 15 + 3*225.0/22 - 2.3 + 4
	if abs(mm(sep.top)-wantSep) > tol {
		t.Errorf("the separator is %.1f mm from the top, want about %.1f", mm(sep.top), wantSep)
	}
	// The number's line sits between the two, in black.
	if gap := mm(sep.top - mark.bottom); gap < 20 {
		t.Errorf("only %.1f mm between the mark and the separator, want 2 blank lines, the number and 4 mm", gap)
	}
}

// lowestRule finds the lowest black horizontal rule about as long as the
// 版心 is wide on a page image: its bottom edge in mm from the top, or −1.
func lowestRule(img image.Image, dpi int) float64 {
	mm := func(px int) float64 { return float64(px) * 25.4 / float64(dpi) }
	b := img.Bounds()
	lowest := -1
	for y := b.Min.Y; y < b.Max.Y; y++ {
		dark, left, right := 0, -1, 0
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 < 100 && g>>8 < 100 && bl>>8 < 100 {
				dark++
				if left < 0 {
					left = x
				}
				right = x
			}
		}
		if dark > 0 && mm(dark) > 150 && mm(right-left+1) < 158 {
			lowest = y
		}
	}
	if lowest < 0 {
		return -1
	}
	return mm(lowest + 1 - b.Min.Y)
}

// hasRed reports whether a page image has strongly red pixels.
func hasRed(img image.Image) bool {
	for _, s := range redRows(img) {
		if s.n > 0 {
			return true
		}
	}
	return false
}

// The 版记 on the last page: its bottom rule on the 版心's bottom edge
// (297 − 35 = 262 mm from the top), black, 156 mm.
func TestPDFBanjiAtBottomOfLastPage(t *testing.T) {
	f := writeTemp(t, seedPDF(t))
	n := pageCount(t, f)
	if got := lowestRule(pageImage(t, f, n, 100), 100); got < 0 {
		t.Fatal("no 版记 rule on the last page")
	} else if abs(got-262) > 1.5 {
		t.Errorf("the last 版记 rule ends %.1f mm from the top, want 262 (the 版心's bottom edge)", got)
	}
}

// linesDoc is a document whose 正文 is exactly n lines: one paragraph a
// line, 26 characters after the 2-character indent.
func linesDoc(n int, seal bool) doc.Document {
	d := qingshi()
	d.CopyNo, d.Secret, d.SecretTerm, d.Urgency, d.Signers = "", "", "", "", nil
	d.AttachmentNote, d.Note, d.CC = nil, "", ""
	d.Seal = seal
	d.Status = doc.Issued // the seal is drawn on issued documents only
	d.Body = nil
	for i := range n {
		d.Body = append(d.Body, fmt.Sprintf("第%02d行", i+1)+strings.Repeat("文", 21)+"。")
	}
	return d
}

// Where the 正文 ends decides where the 署名, the seal and the 版记 go; a
// page of 正文 holds 22 lines, page 1 (under the 版头, title and 主送) 7.
// Whatever the case: the 署名 and date never start a page without 正文
// (the 2012 standard's rule that replaced "此页无正文"), the seal is never
// cut by a page break, and the 版记 ends on the bottom edge of the last
// page's 版心 and is on no other page.
func TestPDFTailPlacement(t *testing.T) {
	needTool(t, "pdftotext")
	seedPDF(t) // starts the shared printer
	for _, c := range []struct {
		lines int
		seal  bool
		pages int
		why   string
	}{
		{2, false, 1, "everything on page 1"},
		{20, false, 2, "the 版记 fits under the signature on page 2"},
		{24, true, 3, "the seal fits on page 2 but the 版记 does not: it has page 3 to itself"},
		{27, true, 3, "the signature does not fit on page 2: the last line of 正文 goes with it"},
		{29, false, 3, "page 2 is full of 正文"},
	} {
		t.Run(fmt.Sprintf("%d lines, seal %v", c.lines, c.seal), func(t *testing.T) {
			t.Parallel()
			pdf, err := shared.printer.PDF(context.Background(), linesDoc(c.lines, c.seal))
			if err != nil {
				t.Fatal(err)
			}
			f := writeTemp(t, pdf)
			n := pageCount(t, f)
			if n != c.pages {
				t.Errorf("%d pages, want %d (%s)", n, c.pages, c.why)
			}
			for i := 1; i <= n; i++ {
				text := squeeze(pdfText(t, f, i, i))
				if strings.Contains(text, "2016年3月8日") && !strings.Contains(text, "行文文") {
					t.Errorf("page %d has the 署名 and date but no 正文", i)
				}
				if has := strings.Contains(text, "印发"); has != (i == n) {
					t.Errorf("page %d of %d: 印发 line present = %v, want it on the last page only", i, n, has)
				}
				if i > 1 && c.seal {
					hasDate := strings.Contains(text, "2016年3月8日")
					if red := hasRed(pageImage(t, f, i, 50)); red != hasDate {
						t.Errorf("page %d: red (seal) present %v, date present %v: the seal is cut or misplaced", i, red, hasDate)
					}
				}
			}
			if got := lowestRule(pageImage(t, f, n, 100), 100); abs(got-262) > 1.5 {
				t.Errorf("the last 版记 rule ends %.1f mm from the top, want 262", got)
			}
		})
	}
}

// Warm renders reuse the browser; a few at once stay within the cap.
func TestPDFWarmAndConcurrent(t *testing.T) {
	seedPDF(t)
	d := seedNotice(t)
	start := time.Now()
	pdf, err := shared.printer.PDF(context.Background(), d)
	warm := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seed PDF: cold %v, warm %v, %d bytes", shared.cold.Round(time.Millisecond), warm.Round(time.Millisecond), len(pdf))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dd := d
			dd.Title = fmt.Sprintf("第%d份测试通知", i+1)
			_, err := shared.printer.PDF(context.Background(), dd)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// A dead browser is replaced on the next PDF.
func TestPDFRestartsDeadBrowser(t *testing.T) {
	path := chromiumForTest(t)
	p := testPrinter(path)
	defer p.Close()
	d := doc.Document{Fields: doc.Fields{IssuerMark: "哈尔滨市妇女联合会文件", Title: "测试", Body: []string{"正文。"}, Signature: "哈尔滨市妇女联合会", DocDate: "2015-08-11"}, Number: "哈妇发〔2015〕1号"}
	if _, err := p.PDF(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	bctx := p.browser
	p.mu.Unlock()
	if err := killBrowser(bctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the browser context did not end after the browser was killed")
	}
	if _, err := p.PDF(context.Background(), d); err != nil {
		t.Fatalf("after the browser died: %v", err)
	}
}

// A page too large for a data: URL is written into the tab instead.
func TestPDFLargePage(t *testing.T) {
	path := chromiumForTest(t)
	needTool(t, "pdftotext")
	p := testPrinter(path)
	p.maxURL = 1000
	defer p.Close()
	d := qingshi()
	d.Body = append(d.Body, "特殊字符<&>\"'也照常输出。")
	pdf, err := p.PDF(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	text := squeeze(pdfText(t, writeTemp(t, pdf), 0, 0))
	for _, want := range []string{"哈尔滨市妇女联合会文件", "特殊字符<&>\"'也照常输出。", "2016年3月9日印发"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
}

func TestPDFTimeout(t *testing.T) {
	path := chromiumForTest(t)
	p := &Printer{Chromium: path, Timeout: time.Millisecond}
	defer p.Close()
	_, err := p.PDF(context.Background(), seedNotice(t))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
}

func TestPDFNoChromium(t *testing.T) {
	p := &Printer{Chromium: filepath.Join(t.TempDir(), "no-such-chromium")}
	defer p.Close()
	_, err := p.PDF(context.Background(), seedNotice(t))
	if !errors.Is(err, ErrNoChromium) {
		t.Fatalf("err = %v, want ErrNoChromium", err)
	}
}

func TestPDFCancelledWhileQueued(t *testing.T) {
	p := &Printer{Chromium: "/nonexistent", MaxConcurrent: 1}
	p.init()
	p.sem <- struct{}{} // the only slot is busy
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.PDF(ctx, seedNotice(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// killBrowser kills the browser process of a chromedp context, as the OOM
// killer would.
func killBrowser(bctx context.Context) error {
	c := chromedp.FromContext(bctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return errors.New("no browser process")
	}
	return c.Browser.Process().Kill()
}

type textLine struct {
	xMin, yMin, xMax, yMax float64 // mm from the page's top left
	text                   string
}

var (
	bboxLineRE = regexp.MustCompile(`<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">((?s:.*?))</line>`)
	bboxWordRE = regexp.MustCompile(`<word[^>]*>([^<]*)</word>`)
)

// pageLines are the text lines of one page with their boxes, in mm.
func pageLines(t *testing.T, f string, pageNo int) []textLine {
	t.Helper()
	out := pdfText(t, f, pageNo, pageNo, "-bbox-layout")
	var lines []textLine
	for _, m := range bboxLineRE.FindAllStringSubmatch(out, -1) {
		var l textLine
		for i, p := range []*float64{&l.xMin, &l.yMin, &l.xMax, &l.yMax} {
			v, _ := strconv.ParseFloat(m[i+1], 64)
			*p = v * 25.4 / 72
		}
		for _, w := range bboxWordRE.FindAllStringSubmatch(m[5], -1) {
			l.text += w[1]
		}
		lines = append(lines, l)
	}
	return lines
}

// The page grid: a full page of 正文 has 22 lines of 28 characters filling
// the 版心, which is 28 mm from the left edge on odd pages and 26 mm on even
// ones (mirrored for double-sided printing); the page number sits outside
// the 版心, one character in from its outer side, 7 mm below it.
func TestPDFPageGrid(t *testing.T) {
	f := writeTemp(t, seedPDF(t))
	for _, pageNo := range []int{2, 3} {
		left := 28.0
		if pageNo%2 == 0 {
			left = 26
		}
		var body []textLine
		var number *textLine
		for _, l := range pageLines(t, f, pageNo) {
			if strings.HasPrefix(l.text, "—") {
				number = &l
				continue
			}
			body = append(body, l)
		}
		if len(body) != 22 {
			t.Errorf("page %d has %d lines of text, want 22", pageNo, len(body))
		}
		full := 0
		for i, l := range body {
			if l.yMin < 37-8 || l.yMax > 37+225+8 {
				t.Errorf("page %d: line %q at %.1f–%.1f mm from the top, outside the 版心 (37–262 mm)", pageNo, l.text, l.yMin, l.yMax)
			}
			if l.xMin < left-0.5 || l.xMax > left+156+0.5 {
				t.Errorf("page %d: line %q spans %.1f–%.1f mm, outside the 版心 (%.0f–%.0f mm)", pageNo, l.text, l.xMin, l.xMax, left, left+156)
			}
			ascii := strings.IndexFunc(l.text, func(r rune) bool { return r < 0x80 }) >= 0
			if abs(l.xMin-left) < 0.5 && abs(l.xMax-(left+156)) < 1 && !ascii {
				full++
				n := len([]rune(l.text))
				// 27 where the 28th would have pulled a closing mark to
				// the next line's start (避头尾), as in any word processor.
				var next []rune
				if i+1 < len(body) {
					next = []rune(body[i+1].text)
				}
				pushed := len(next) > 1 && (strings.ContainsRune(titleNoStart, next[0]) || strings.ContainsRune(titleNoStart, next[1]))
				if n != 28 && !(n == 27 && pushed) {
					t.Errorf("page %d: full line %q has %d characters, want 28", pageNo, l.text, n)
				}
			}
		}
		if full < 15 {
			t.Errorf("page %d: only %d lines fill the 版心's width", pageNo, full)
		}
		if number == nil {
			t.Errorf("page %d has no page number", pageNo)
			continue
		}
		const oneChar = 14 * 25.4 / 72 // 4号
		if pageNo%2 == 1 {
			if abs(number.xMax-(left+156-oneChar)) > 1 {
				t.Errorf("odd page %d: the number ends %.1f mm from the left edge, want %.1f (right, one character in)", pageNo, number.xMax, left+156-oneChar)
			}
		} else if abs(number.xMin-(left+oneChar)) > 1 {
			t.Errorf("even page %d: the number starts %.1f mm from the left edge, want %.1f (left, one character in)", pageNo, number.xMin, left+oneChar)
		}
		// The dash's middle is 7 mm below the 版心; the glyph box is about
		// one em (4.9 mm) tall around it.
		if mid := (number.yMin + number.yMax) / 2; mid < 262+4 || mid > 262+12 {
			t.Errorf("page %d: the page number's middle is %.1f mm from the top, want about 269", pageNo, mid)
		}
	}
}
