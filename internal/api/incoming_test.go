package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"mime/multipart"
	"os"
	"reflect"
	"strings"
	"testing"

	"halfsky/internal/doc"
	"halfsky/internal/docimport"
	"halfsky/internal/incoming"
	"halfsky/internal/testdb"
)

// TestIncomingRoundTrip: the seed notice as halfsky's own GB/T 9704 PDF
// prints it (headless Chromium), uploaded as a received document, gives
// back the fields the text import gives — 来文单位, 来文字号, 标题, 成文日期,
// 主送, every paragraph of the 正文 — and the PDF is kept as the original,
// byte for byte; on both databases.
func TestIncomingRoundTrip(t *testing.T) {
	text, err := os.ReadFile("../docimport/testdata/seed_000.txt")
	if err != nil {
		t.Fatal(err)
	}
	parsed, _, err := docimport.Parse(string(text))
	if err != nil {
		t.Fatal(err)
	}
	want := incoming.FromParsed(parsed)
	each(t, func(t *testing.T, f *fixture) {
		if _, err := f.app.Server.Deps.Printer.ChromiumPath(); err != nil {
			if testdb.Required() {
				t.Fatal("no chromium: run the suite with `make test`")
			}
			t.Skip("no chromium")
		}
		// The seed notice as the city drafts it from its text, issued, and
		// printed by halfsky's printer.
		ctx := t.Context()
		deps := f.app.Server.Deps
		city, err := deps.Orgs.ByCodeUnscoped(ctx, deps.DB.Q(), "2301")
		if err != nil {
			t.Fatal(err)
		}
		fields, _ := deps.Docs.FromImport(ctx, city, doc.Fields{Seal: true}, parsed)
		pdf, err := deps.Printer.PDF(ctx, doc.Document{Fields: fields, Number: parsed.Number, OrgName: city.Name, Status: doc.Issued})
		if err != nil {
			t.Fatal(err)
		}
		r := upload(t, f, "daoli.staff", "/api/v1/incoming", "file", "哈妇发〔2015〕9号.pdf", pdf)
		if r.Status != 201 {
			t.Fatalf("register the PDF: %d %s", r.Status, r.Body)
		}
		var got struct {
			Incoming struct {
				incoming.Fields
				ID     int64  `json:"id"`
				Source string `json:"source"`
				Pages  int    `json:"pages"`
			} `json:"incoming"`
		}
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatal(err)
		}
		g := got.Incoming
		if g.Source != "pdf" || g.Pages < 2 {
			t.Errorf("source %q, %d pages", g.Source, g.Pages)
		}
		for _, c := range []struct{ what, got, want string }{
			{"来文单位", g.FromUnit, want.FromUnit}, {"来文字号", g.FromNumber, want.FromNumber}, {"标题", g.Title, want.Title},
			{"成文日期", g.DocDate, want.DocDate}, {"主送", g.Recipients, want.Recipients},
		} {
			if c.got != c.want {
				t.Errorf("%s: %q from the PDF, %q from the text", c.what, c.got, c.want)
			}
		}
		if !reflect.DeepEqual(g.Body, want.Body) {
			t.Errorf("正文 from the PDF differs from the text's:\n%q\n%q", g.Body, want.Body)
		}
		if !reflect.DeepEqual(g.Attachments, want.Attachments) && len(g.Attachments)+len(want.Attachments) > 0 {
			t.Errorf("附件 %q, want %q", g.Attachments, want.Attachments)
		}
		files := f.as("daoli.staff").Do("GET", "/api/v1/incoming/"+itoa(g.ID)+"/files", nil)
		fl := items(t, files)
		if len(fl) != 1 {
			t.Fatalf("files: %s", files.Body)
		}
		orig := f.as("daoli.staff").Do("GET", "/api/v1/incoming/"+itoa(g.ID)+"/files/"+itoa(int64(fl[0]["id"].(float64))), nil)
		if orig.Status != 200 || orig.Body != string(pdf) {
			t.Errorf("the original: %d, %d bytes of %d", orig.Status, len(orig.Body), len(pdf))
		}
	})
}

// bomb is a .docx whose document part inflates a thousand times over: the
// reader refuses it by its ratio before inflating it all (the 64 MB total
// limit is docfile's own test).
func bomb(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(bytes.Repeat([]byte(" "), 4<<20))
	zw.Close()
	return buf.Bytes()
}

// brokenOFD is an OFD package whose first page is missing.
func brokenOFD(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"OFD.xml": `<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">` +
			`<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`,
		"Doc_0/Document.xml": `<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016">` +
			`<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>`,
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

// TestIncomingBadFiles: files as they should not arrive — a zip bomb, an
// encrypted PDF, a broken OFD, a PDF named .docx, a legacy .doc, a file
// over the limit, a scan — each refused with a clear Chinese message
// beside the file field, and nothing stored. A scan with the 来文单位 and
// 标题 typed is registered by hand, the scan kept.
func TestIncomingBadFiles(t *testing.T) {
	encrypted, err := os.ReadFile("../docfile/testdata/user_password.pdf")
	if err != nil {
		t.Fatal(err)
	}
	scan, err := os.ReadFile("../demo/samples/scan.pdf")
	if err != nil {
		t.Fatal(err)
	}
	each(t, func(t *testing.T, f *fixture) {
		f.as("daoli.staff") // signed in before the state is taken
		for _, c := range []struct {
			name string
			data []byte
			want string
		}{
			{"炸弹.docx", bomb(t), "解压后的内容异常庞大"},
			{"加密.pdf", encrypted, "文件已加密"},
			{"损坏.ofd", brokenOFD(t), "缺少第 1 页"},
			{"改名.docx", []byte("%PDF-1.7\n%%EOF\n"), "文件名是 .docx，但内容是 PDF 文件"},
			{"旧版.doc", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, bytes.Repeat([]byte{0}, 512)...), "另存为 .docx"},
			{"扫描件.pdf", scan, "没有文字层"},
		} {
			before := f.state()
			r := upload(t, f, "daoli.staff", "/api/v1/incoming", "file", c.name, c.data)
			expect(t, r, 422, "invalid", "file")
			if !strings.Contains(r.Body, c.want) {
				t.Errorf("%s: %s, want %q", c.name, r.Body, c.want)
			}
			if after := f.state(); after != before {
				t.Errorf("%s: a refused upload changed state", c.name)
			}
		}
		// Over the limit: refused before it is read.
		before := f.state()
		r := upload(t, f, "daoli.staff", "/api/v1/incoming", "file", "太大.pdf", bytes.Repeat([]byte("%"), 100<<20))
		expect(t, r, 413, "too_large")
		if f.state() != before {
			t.Error("a 100 MB upload changed state")
		}

		// The scan with what the office read off it: registered by hand.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("from_unit", "全国妇联办公厅")
		mw.WriteField("title", "关于做好“三八”国际妇女节期间宣传工作的通知")
		fw, _ := mw.CreateFormFile("file", "扫描件.pdf")
		fw.Write(scan)
		mw.Close()
		r = send(t, f, "daoli.staff", "POST", "/api/v1/incoming", mw.FormDataContentType(), body.Bytes())
		expect(t, r, 201, "")
		if !strings.Contains(r.Body, `"source":"manual"`) || !strings.Contains(r.Body, "没有文字层") || !strings.Contains(r.Body, `"pages":1`) {
			t.Errorf("manual registration of a scan: %s", r.Body)
		}
		var got struct {
			Incoming struct {
				ID int64 `json:"id"`
			} `json:"incoming"`
		}
		json.Unmarshal([]byte(r.Body), &got)
		files := f.as("daoli.staff").Do("GET", "/api/v1/incoming/"+itoa(got.Incoming.ID)+"/files", nil)
		if !strings.Contains(files.Body, "扫描件.pdf") {
			t.Errorf("the scan was not kept: %s", files.Body)
		}
	})
}
