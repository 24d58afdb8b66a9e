package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"halfsky/internal/demo"
	"halfsky/internal/testapp"
)

// TestStudyInBrowser is 学习 at each width: 张秀英 (street.staff, 兆麟街道)
// records a 专题学习 about the seed notice 哈妇发〔2015〕9号; a text file
// named .png is refused beside the photo field; with a real PNG it is
// saved, shown with its photo and in the 学习动态 feed; 刘洋 (city.staff)
// sees it in the city's feed and in the statistics under 道里区.
func TestStudyInBrowser(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		app := sqliteApp(t)
		if err := demo.SeedDocuments(context.Background(), app.Server.Deps.Auth, testapp.Password, time.Now()); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		fake, photo := filepath.Join(dir, "记录.png"), filepath.Join(dir, "学习现场.png")
		if err := os.WriteFile(fake, []byte("会议记录，不是照片"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(photo, studyPhoto(t), 0o600); err != nil {
			t.Fatal(err)
		}
		topic := "兆麟街道妇联专题学习群团工作会议精神"
		p := NewPage(t, app.URL, vp)

		signIn(t, p, "street.staff")
		if st := p.Nav("/study"); st != 200 {
			p.fatal("学习动态: status %d", st)
		}
		if st := p.ClickNav("#new-study"); st != 200 || p.Path() != "/study/new" {
			p.fatal("登记学习活动: status %d at %s", st, p.Path())
		}
		doc := Eval[string](p, `(Array.from(document.querySelectorAll("#f-doc_id option")).find(function (o) { return o.textContent.indexOf("哈妇发〔2015〕9号") >= 0; }) || {value: ""}).value`)
		if doc == "" {
			p.fatal("the seed notice is not offered: %q", p.Text("#f-doc_id"))
		}
		p.do("choose the notice", chromedp.SetValue(chromedp.CSS("#f-doc_id"), doc))
		p.Fill("#f-topic", topic)
		p.Fill("#f-place", "兆麟街道办事处会议室")
		p.Fill("#f-participants", "28")
		p.Fill("#f-summary", "街道妇联执委和各社区妇联主席集中学习通知要求。")
		noSideScroll(p, "the study form")
		p.do("choose a text file", chromedp.SetUploadFiles(chromedp.CSS("#f-photos"), []string{fake}))
		if st := p.ClickNav("#save-study"); st != 422 {
			p.fatal("a text file as photo: status %d, want 422", st)
		}
		wantContains(t, p, "photo error", p.Text("#f-photos-error"), "内容与扩展名不符")
		p.Screenshot("study-refused")
		if v := Eval[string](p, `document.querySelector("#f-topic").value`); v != topic {
			p.fatal("the refused form lost the topic: %q", v)
		}
		p.do("choose the photo", chromedp.SetUploadFiles(chromedp.CSS("#f-photos"), []string{photo}))
		if st := p.ClickNav("#save-study"); st != 200 || !regexp.MustCompile(`^/study/\d+$`).MatchString(p.Path()) {
			p.fatal("登记: status %d at %s", st, p.Path())
		}
		success(p, "学习活动已登记")
		path := p.Path()
		wantContains(t, p, "linked document", p.Text("#study-doc"), "哈妇发〔2015〕9号")
		wantContains(t, p, "participants", p.Text("#study-participants"), "28")
		// The photo loads lazily and on its own time: bring it into view
		// and give it a few seconds on a busy machine.
		w := 0
		for deadline := time.Now().Add(10 * time.Second); w != 40 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			w = Eval[int](p, `(function (img) { if (!img) return 0; img.scrollIntoView(); return img.complete ? img.naturalWidth : 0; })(document.querySelector("#photos img"))`)
		}
		if w != 40 {
			p.fatal("the photo is not shown (width %d)", w)
		}
		noSideScroll(p, "the activity page")
		p.Screenshot("study-show")
		if st := p.Nav("/study"); st != 200 {
			p.fatal("学习动态: status %d", st)
		}
		wantContains(t, p, "street feed", p.Text("#study-feed"), topic)
		p.Logout()

		signIn(t, p, "city.staff")
		if st := p.Nav("/study"); st != 200 {
			p.fatal("学习动态: status %d", st)
		}
		card := "#study-" + path[len("/study/"):]
		wantContains(t, p, "city feed", p.Text(card), topic)
		wantContains(t, p, "city feed", p.Text(card), "兆麟街道")
		noSideScroll(p, "the feed")
		p.Screenshot("study-feed")
		if st := p.ClickNav("#study-stats"); st != 200 || p.Path() != "/study/stats" {
			p.fatal("学习统计: status %d at %s", st, p.Path())
		}
		if n, err := strconv.Atoi(p.Text("#row-230102 td:nth-child(2)")); err != nil || n != 1 {
			p.fatal("道里区 activities %q, want 1", p.Text("#row-230102 td:nth-child(2)"))
		}
		if !p.Has(".chart[data-chart-ready]") {
			p.fatal("the by-month chart was not drawn")
		}
		noSideScroll(p, "the statistics")
		p.Screenshot("study-stats")
	})
}

// studyPhoto is a small real PNG (40×30), so the browser can show it.
func studyPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		for y := 0; y < 30; y++ {
			img.Set(x, y, color.RGBA{194, 24, 91, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
