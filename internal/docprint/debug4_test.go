package docprint

import (
	"context"
	"encoding/base64"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

func TestDebugPhases(t *testing.T) {
	if os.Getenv("DEBUG_PHASES") == "" {
		t.Skip()
	}
	p := &Printer{}
	defer p.Close()
	bctx, err := p.ensureBrowser()
	if err != nil {
		t.Fatal(err)
	}
	markup, _ := htmlInline(seedNotice(t))
	m := strings.Replace(string(markup), "</style>", os.Getenv("DEBUG_CSS")+"</style>", 1)
	for round := 0; round < 3; round++ {
		tab, cancel := chromedp.NewContext(bctx)
		_, err := chromedp.Run(tab, func(ctx context.Context, tg *chromedp.Target) (int, error) {
			t0 := time.Now()
			if _, err := chromedp.Navigate("data:text/html;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(m)))(ctx, tg); err != nil {
				return 0, err
			}
			t1 := time.Now()
			chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)(ctx, tg)
			t2 := time.Now()
			tagged := os.Getenv("DEBUG_UNTAGGED") == ""
			res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: ptr(true), PrintBackground: ptr(true), GenerateTaggedPDF: ptr(tagged)})
			t3 := time.Now()
			t.Logf("nav %v fonts %v print %v (%d bytes)", t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond), t3.Sub(t2).Round(time.Millisecond), len(res.Data))
			return 0, err
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
}
