package docfile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Bad input: every refusal is an *Error with its code and a Chinese
// message, and none reads more than it must.

func TestTooLarge(t *testing.T) {
	data := make([]byte, MaxSize+1) // never written anywhere
	start := time.Now()
	x, _ := wantError(t, "大文件.pdf", data, CodeTooLarge, "20 MB")
	if x.Kind != "" {
		t.Errorf("Kind = %q for a file not looked at", x.Kind)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("took %v: the content was read", d)
	}
}

func TestEmpty(t *testing.T) {
	wantError(t, "a.docx", nil, CodeEmpty, "空")
	wantError(t, "a.txt", []byte(" \r\n\u3000\n"), CodeEmpty, "空白")
}

// deflated deflates n spaces.
func deflated(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	chunk := bytes.Repeat([]byte{' '}, 1<<20)
	for n > 0 {
		k := min(n, len(chunk))
		fw.Write(chunk[:k])
		n -= k
	}
	fw.Close()
	return buf.Bytes()
}

// rawZip writes one deflated member with the sizes and checksum given,
// true or not.
func rawZip(t testing.TB, name string, comp []byte, size uint64, crc uint32, extra ...part) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range extra {
		w, _ := zw.Create(p.name)
		w.Write([]byte(p.body))
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate,
		CompressedSize64: uint64(len(comp)), UncompressedSize64: size, CRC32: crc})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp)
	zw.Close()
	return buf.Bytes()
}

var docxFrame = []part{{"[Content_Types].xml", contentTypes}, {"_rels/.rels", packageRels}}

func TestZipBomb(t *testing.T) {
	const big = maxUnpacked + 1<<20 // 65 MiB of spaces, about 65 KB deflated
	comp := deflated(t, big)

	t.Run("declared", func(t *testing.T) {
		bomb := rawZip(t, "word/document.xml", comp, big, 0, docxFrame...)
		wantError(t, "炸弹.docx", bomb, CodeZipBomb, "64 MB")
	})
	t.Run("ratio", func(t *testing.T) {
		// 4 MiB is within the total, but deflated 1000:1.
		small := deflated(t, 4<<20)
		bomb := rawZip(t, "word/document.xml", small, 4<<20, 0, docxFrame...)
		wantError(t, "炸弹.docx", bomb, CodeZipBomb)
	})
	t.Run("lying header", func(t *testing.T) {
		// Declares 100 bytes and inflates to 65 MiB: reading stops at the
		// declared size.
		bomb := rawZip(t, "word/document.xml", comp, 100, 0, docxFrame...)
		start := time.Now()
		_, err := Extract(context.Background(), "炸弹.docx", bomb)
		if e, ok := err.(*Error); !ok || e.Code != CodeBroken && e.Code != CodeZipBomb {
			t.Errorf("err = %v, want broken or zip_bomb", err)
		}
		// A hang guard (inflating it all takes far longer), not a speed test.
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("budget", func(t *testing.T) {
		// Stored parts of 4 MiB each: each within its own limit, three
		// together over a budget of 10 MiB.
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i := range 3 {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("x%d.xml", i), Method: zip.Store})
			w.Write(bytes.Repeat([]byte{'x'}, 4<<20))
		}
		zw.Close()
		p, e := openZip(buf.Bytes(), Docx)
		if e != nil {
			t.Fatal(e)
		}
		p.budget = 10 << 20
		var errs []string
		for i := range 3 {
			_, e := p.read(p.find(fmt.Sprintf("x%d.xml", i)))
			errs = append(errs, fmt.Sprint(e))
		}
		if errs[0] != "<nil>" || errs[1] != "<nil>" || !strings.HasPrefix(errs[2], CodeZipBomb) {
			t.Errorf("reading 3 × 4 MiB with a budget of 10 MiB: %q", errs)
		}
	})
}

func TestZipTooManyEntries(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range 100_000 {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("%x", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	start := time.Now()
	wantError(t, "a.ofd", buf.Bytes(), CodeZipBomb, "过多")
	// A hang guard, not a speed test.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestBrokenZip(t *testing.T) {
	docx := noticeDocx(t)
	t.Run("truncated", func(t *testing.T) {
		x, _ := wantError(t, "通知.docx", docx[:len(docx)/2], CodeBroken, "Word 文档", "不完整")
		if x.Kind != Docx {
			t.Errorf("Kind = %q, want docx", x.Kind)
		}
	})
	t.Run("corrupt member", func(t *testing.T) {
		// Flip bytes in the middle of document.xml's deflated data.
		bad := bytes.Clone(docx)
		zr, _ := zip.NewReader(bytes.NewReader(bad), int64(len(bad)))
		for _, f := range zr.File {
			if f.Name == "word/document.xml" {
				off, _ := f.DataOffset()
				for i := off + 20; i < off+40; i++ {
					bad[i] ^= 0x5a
				}
			}
		}
		wantError(t, "通知.docx", bad, CodeBroken, "word/document.xml")
	})
	t.Run("not xml", func(t *testing.T) {
		parts := append(append([]part{}, docxFrame...), part{"word/document.xml", "<w:document><w:body><w:p>"})
		wantError(t, "通知.docx", buildZip(t, parts...), CodeBroken, "正文部分", "word/document.xml")
	})
	t.Run("no document.xml", func(t *testing.T) {
		wantError(t, "通知.docx", buildZip(t, docxFrame...), CodeBroken, "缺少正文部分")
	})
}

func TestBrokenOFD(t *testing.T) {
	page := ofdPage("", []ofdObj{{x: ofdLeft, y: 50, size: ofdSize, text: "正文"}})
	good := ofdParts([]string{page, page}, nil)
	without := func(name string) []part {
		var out []part
		for _, p := range good {
			if p.name != name {
				out = append(out, p)
			}
		}
		return out
	}
	replace := func(name, body string) []part {
		out := without(name)
		return append(out, part{name, body})
	}
	docXML := func(pages string) string {
		return xmlDecl + `<ofd:Document ` + nsOFD + `><ofd:Pages>` + pages + `</ofd:Pages></ofd:Document>`
	}
	cases := []struct {
		name  string
		parts []part
		code  string
		says  []string
	}{
		{"no OFD.xml", without("OFD.xml"), CodeBroken, []string{"OFD.xml"}},
		{"OFD.xml not xml", replace("OFD.xml", "<ofd:OFD"), CodeBroken, []string{"OFD.xml", "已损坏"}},
		{"no DocRoot", replace("OFD.xml", `<ofd:OFD `+nsOFD+`><ofd:DocBody/></ofd:OFD>`), CodeBroken, []string{"DocRoot"}},
		{"no Document.xml", without("Doc_0/Document.xml"), CodeBroken, []string{"Doc_0/Document.xml"}},
		{"no pages", replace("Doc_0/Document.xml", docXML("")), CodeBroken, []string{"没有任何页面"}},
		{"missing page", without("Doc_0/Pages/Page_1/Content.xml"), CodeBroken, []string{"第 2 页", "Doc_0/Pages/Page_1/Content.xml"}},
		{"page not xml", replace("Doc_0/Pages/Page_0/Content.xml", "<ofd:Page><ofd:Content>"), CodeBroken, []string{"第 1 页", "已损坏"}},
		{"traversal", replace("Doc_0/Document.xml", docXML(`<ofd:Page ID="1" BaseLoc="../../../../etc/passwd"/>`)),
			CodeBroken, []string{"第 1 页", "（etc/passwd）"}},
		{"encrypted", replace("OFD.xml", `<ofd:OFD `+nsOFD+`><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>`+
			`<ofd:Encryptions>Encs/Encryptions.xml</ofd:Encryptions></ofd:DocBody></ofd:OFD>`), CodeEncrypted, []string{"已加密"}},
		{"encryptions part", append(without(""), part{"Encs/Encryptions.xml", "<Encryptions/>"}), CodeEncrypted, []string{"已加密"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x, _ := wantError(t, "公文.ofd", buildZip(t, c.parts...), c.code, c.says...)
			if x.Kind != OFD {
				t.Errorf("Kind = %q, want ofd", x.Kind)
			}
		})
	}
}

// "../" is resolved inside the package: a page that climbs up and back
// down into it is read, an absolute one starts at its root.
func TestOFDPathsStayInside(t *testing.T) {
	page := ofdPage("", []ofdObj{{x: ofdLeft, y: 50, size: ofdSize, text: "正文"}})
	doc := xmlDecl + `<ofd:Document ` + nsOFD + `><ofd:Pages>` +
		`<ofd:Page ID="1" BaseLoc="../../Doc_0/Pages/P/Content.xml"/><ofd:Page ID="2" BaseLoc="\Doc_0\Pages\P\Content.xml"/>` +
		`</ofd:Pages></ofd:Document>`
	parts := []part{ofdParts(nil, nil)[0], {"Doc_0/Document.xml", doc}, {"Doc_0/Pages/P/Content.xml", page}}
	x := extract(t, "a.ofd", buildZip(t, parts...))
	if x.Text != "正文\n\f正文\n" {
		t.Errorf("got %q", x.Text)
	}
}

// ole is the start of a compound file with a directory naming streams.
func ole(streams ...string) []byte {
	b := append([]byte{}, oleMagic...)
	b = append(b, make([]byte, 504)...)
	for _, s := range streams {
		b = append(b, utf16le(s)...)
		b = append(b, make([]byte, 64)...)
	}
	return b
}

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)

func TestTypeByContent(t *testing.T) {
	pdf := textPDF("X")
	cases := []struct {
		name string
		data []byte
		code string
		says []string
	}{
		{"通知.docx", pdf, CodeMismatch, []string{"文件名是 .docx，但内容是 PDF 文件"}},
		{"扫描.pdf", pngBytes, CodeMismatch, []string{"文件名是 .pdf，但内容是图片"}},
		{"扫描.png", pngBytes, CodeUnsupported, []string{"图片不能识别文字（无 OCR），请手工登记"}},
		{"扫描.JPG", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 64)...), CodeUnsupported, []string{"无 OCR"}},
		{"通知.doc", ole("Root Entry", "WordDocument", "1Table"), CodeUnsupported, []string{"请在 Word 或 WPS 中另存为 .docx 后再上传"}},
		{"通知.wps", ole("Root Entry", "WordDocument"), CodeUnsupported, []string{"另存为 .docx"}},
		{"通知.docx", ole("Root Entry", "WordDocument"), CodeMismatch, []string{"内容是旧版 Word"}},
		{"加密.docx", ole("Root Entry", "EncryptionInfo", "EncryptedPackage"), CodeEncrypted, []string{"已加密"}},
		{"表.xls", ole("Root Entry", "Workbook"), CodeUnsupported, []string{"Excel"}},
		{"表.xlsx", buildZip(t, part{"[Content_Types].xml", "<Types/>"}, part{"_rels/.rels",
			`<Relationships><Relationship Id="r" Type="http://x/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
			part{"xl/workbook.xml", "<workbook/>"}), CodeUnsupported, []string{"Excel"}},
		{"附件.zip", buildZip(t, part{"a.txt", "x"}), CodeUnsupported, []string{"压缩包"}},
		{"通知.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...), CodeMismatch, []string{"内容是可执行程序"}},
		{"setup.exe", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...), CodeUnsupported, []string{"可执行程序"}},
		{"通知.rtf", []byte(`{\rtf1\ansi 通知}`), CodeUnsupported, []string{"另存为 .docx"}},
		{"通知.pdf", []byte("这是一个文本文件"), CodeMismatch, []string{"内容是文本文件"}},
		{"通知.pdf", []byte("PK\x03\x04 a truncated zip"), CodeMismatch, []string{"文件名是 .pdf，但内容是压缩包"}},
		{"通知.txt", []byte("PK\x03\x04 a truncated zip"), CodeMismatch, []string{"文件名是 .txt，但内容是压缩包"}},
		{"通知.ofd", noticeDocx(t), CodeMismatch, []string{"内容是 Word 文档（.docx）"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantError(t, c.name, c.data, c.code, c.says...) })
	}
}

func TestRandomBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 4096)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	wantError(t, "random.bin", data, CodeUnsupported, "无法识别")
	wantError(t, "random", data, CodeUnsupported, "无法识别")
	wantError(t, "通知.pdf", data, CodeMismatch, "内容不是 PDF 文件")
	wantError(t, "通知.txt", data, CodeMismatch, "内容不是文本文件")
}

func TestTextEncodings(t *testing.T) {
	notice := strings.Join([]string{nMark, nNumber, nTitle, nRecipients, strings.Join(nBody, "\r\n"),
		"附件：1．" + nAttachments[0], "　　　2．" + nAttachments[1], "", nSignature, nDate, nCC, nPrinted}, "\r\n")
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(notice)
	if err != nil {
		t.Fatal(err)
	}
	utf16 := func(big bool) []byte {
		b := []byte{0xFF, 0xFE}
		if big {
			b = []byte{0xFE, 0xFF}
		}
		b = append(b, utf16le(notice)...)
		if big {
			for i := 2; i+1 < len(b); i += 2 {
				b[i], b[i+1] = b[i+1], b[i]
			}
		}
		return b
	}
	for name, data := range map[string][]byte{
		"utf8":     []byte(notice),
		"utf8 bom": append([]byte{0xEF, 0xBB, 0xBF}, notice...),
		"utf16le":  utf16(false),
		"utf16be":  utf16(true),
		"gbk":      []byte(gbk),
	} {
		t.Run(name, func(t *testing.T) {
			x := extract(t, "通知.txt", data)
			if x.Kind != Text || x.Text != notice {
				t.Fatalf("got %v", x)
			}
			wantNotice(t, x.Text)
		})
	}
	// Latin-1 is neither UTF-8 nor GB18030 text.
	wantError(t, "café.txt", []byte("Caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve r\xe9sum\xe9\n"), CodeNotUTF8, "UTF-8", "GBK")
	// Invalid UTF-8 after a byte order mark.
	wantError(t, "a.txt", []byte("\xEF\xBB\xBF\xff\xfe text"), CodeNotUTF8)
}

// Parts that unpack within the limits but would make the reader hold too
// much: elements nested a hundred thousand deep, a million paragraphs, one
// TextCode of 600,000 characters. Stored, not deflated, so that the ratio
// check lets them through. Each is refused with its code.
func TestHeavyXML(t *testing.T) {
	deep := xmlDecl + `<w:document ` + nsW + `><w:body>` + strings.Repeat("<a>", 100_000) + strings.Repeat("</a>", 100_000) + `</w:body></w:document>`
	paras := xmlDecl + `<w:document ` + nsW + `><w:body>` + strings.Repeat("<w:p/>", 300_000) + `</w:body></w:document>`
	text := strings.Repeat("字", 600_000)
	bigPage := ofdPage("", []ofdObj{{x: 20, y: 30, size: 4, text: text, noDeltaX: true}})
	deepPage := xmlDecl + `<ofd:Page ` + nsOFD + `>` + strings.Repeat("<ofd:PageBlock>", 100_000) + `</ofd:Page>`
	cases := []struct {
		name string
		data []byte
		code string
	}{
		{"deep.docx", storedZip(t, buildZip(t, append(docxFrame, part{"word/document.xml", deep})...)), CodeBroken},
		{"paras.docx", storedZip(t, buildZip(t, append(docxFrame, part{"word/document.xml", paras})...)), CodeZipBomb},
		{"glyphs.ofd", storedZip(t, buildZip(t, ofdParts([]string{bigPage}, nil)...)), CodeZipBomb},
		{"deep.ofd", storedZip(t, buildZip(t, ofdParts([]string{deepPage}, nil)...)), CodeBroken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The limits are asserted by the error code; the clock only
			// guards against a reader that walks the whole part anyway,
			// which takes minutes. (A tight bound failed under the race
			// detector on a busy two-core machine: 2.5 s for a refusal.)
			start := time.Now()
			wantError(t, c.name, c.data, c.code)
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %v: the reader did not stop at the limit", d)
			}
		})
	}
}
