package api_test

import (
	"encoding/json"
	"os"
	"reflect"
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
