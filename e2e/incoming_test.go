package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"halfsky/internal/testapp"
)

// TestIncomingInBrowser: 陈静 (daoli.staff) receives the city's notice as
// a Word file. From 导入公文 she chooses it and presses 登记为收文: it is
// read and registered with this year's next 收文编号, with the 来文字号 and 来文单位 from
// the file. A scan is refused beside the file field (no OCR) and opens
// 手工填写; with the 来文单位 and 标题 typed and the scan chosen again it is
// registered by hand, the scan kept as the original. On a phone no page
// scrolls sideways.
func TestIncomingInBrowser(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		app := sqliteApp(t)
		p := NewPage(t, app.URL, vp)
		p.Login("daoli.staff", testapp.Password)
		docx, scan := sample(t, "notice.docx", "哈妇发12号.docx"), sample(t, "scan.pdf", "妇厅字8号扫描件.pdf")

		p.Open("/docs/import")
		p.do("choose the .docx", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{docx}))
		if st := p.ClickNav("#register-btn"); st != 200 {
			p.fatal("登记为收文: status %d", st)
		}
		// 导入公文 has no 收文日期 field: today's.
		success(p, "已登记为收〔"+strconv.Itoa(shanghaiNow(t).Year())+"〕")
		wantContains(t, p, "来文字号", p.Text("#incoming-from-number"), "哈妇发〔2016〕12号")
		wantContains(t, p, "来文单位", p.Text("#incoming-from"), "哈尔滨市妇女联合会")
		wantContains(t, p, "原件", p.Text("#original"), "哈妇发12号.docx")
		noSideScroll(p, "a registration")

		p.Open("/incoming/new")
		p.do("choose the scan", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{scan}))
		if st := p.ClickNav("#incoming-submit"); st != 422 {
			p.fatal("a scan without typed fields: status %d, want 422", st)
		}
		wantContains(t, p, "file error", p.Text("#f-file-error"), "没有文字层")
		if !p.Visible("#f-from_unit") {
			p.fatal("手工填写 is not open after the scan was refused")
		}
		noSideScroll(p, "the refused scan")
		p.Fill("#f-from_unit", "全国妇联办公厅")
		p.Fill("#f-title", "关于做好“三八”国际妇女节期间宣传工作的通知")
		p.do("choose the scan again", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{scan}))
		if st := p.ClickNav("#incoming-submit"); st != 200 {
			p.fatal("the scan registered by hand: status %d", st)
		}
		success(p, "已登记为收〔")
		wantContains(t, p, "来源", p.Text("#record"), "手工登记")
		wantContains(t, p, "原件", p.Text("#original"), "妇厅字8号扫描件.pdf")

		p.Open("/incoming")
		wantContains(t, p, "the register", p.Text("#incoming"), "哈妇发〔2016〕12号")
		noSideScroll(p, "the register")
		p.Screenshot("register")
	})
}

// sample copies a demo sample file to a temporary file named name.
func sample(t *testing.T, file, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "demo", "samples", file))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
