package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"halfsky/internal/demo"
)

// aidUploadDocuments is the village staffer on her application's page:
// the submission is refused beside the documents naming what is missing,
// a file that is not a PDF or image is refused beside the file field, and
// she uploads the three papers 两癌救助 requires, each a PDF.
func aidUploadDocuments(t *testing.T, p *Page) {
	p.t.Helper()
	dir := p.t.TempDir()
	fake := filepath.Join(dir, "诊断证明.pdf")
	if err := os.WriteFile(fake, []byte("这是一段文字，不是 PDF"), 0o600); err != nil {
		p.t.Fatal(err)
	}
	if st := p.ClickNav("#submit-application"); st != 422 {
		p.fatal("submit without documents: status %d, want 422", st)
	}
	wantContains(t, p, "documents error", p.Text("#documents-error"), "请上传：医院诊断证明、家庭困难证明、身份证复印件")
	noSideScroll(p, "the application's documents")
	setSelect(p, "#f-doc-key", "diagnosis")
	p.do("choose a text file", chromedp.SetUploadFiles(chromedp.CSS("#f-doc-file"), []string{fake}))
	if st := p.ClickNav("#upload-document"); st != 422 {
		p.fatal("a text file as a PDF: status %d, want 422", st)
	}
	wantContains(t, p, "file error", p.Text("#f-doc-file-error"), "内容与扩展名不符")
	for _, doc := range []struct{ key, label string }{{"diagnosis", "医院诊断证明"}, {"poverty", "家庭困难证明"}, {"id_copy", "身份证复印件"}} {
		name := filepath.Join(dir, doc.label+".pdf")
		if err := os.WriteFile(name, demo.SamplePDF("示例材料："+doc.label), 0o600); err != nil {
			p.t.Fatal(err)
		}
		setSelect(p, "#f-doc-key", doc.key)
		p.do("choose "+doc.label, chromedp.SetUploadFiles(chromedp.CSS("#f-doc-file"), []string{name}))
		aidStep(p, "#upload-document", "已上传")
		wantContains(t, p, doc.label, p.Text("#doc-"+doc.key), doc.label+".pdf")
	}
	p.Screenshot("documents")
}
