package docprint

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"halfsky/internal/doc"
)

// ErrNoChromium means there is no Chromium binary to print with; the
// handler answers 503 (e.g. "服务器未安装 Chromium，暂不能生成 PDF").
var ErrNoChromium = errors.New("docprint: chromium not found")

// ErrTimeout means one render took longer than Printer.Timeout (a
// pathological document, or an overloaded machine); the handler answers
// 503 (e.g. "生成 PDF 超时，请稍后重试").
var ErrTimeout = errors.New("docprint: rendering the PDF timed out")

// DefaultChromium is the browser binary when Printer.Chromium is empty and
// HALFSKY_CHROMIUM is not set (Debian's chromium package).
const DefaultChromium = "/usr/bin/chromium"

// Defaults for a zero Printer.
const (
	DefaultMaxConcurrent = 2
	DefaultTimeout       = 30 * time.Second
)

// Printer makes PDFs of documents in one headless Chromium, started on the
// first PDF and started again when it has died; each PDF is a fresh tab.
// Use one Printer for the process and Close it on shutdown. Its methods are
// safe for concurrent use.
type Printer struct {
	// Chromium is the browser binary: a path or a name looked up in PATH.
	// Empty means $HALFSKY_CHROMIUM, else DefaultChromium.
	Chromium string
	// MaxConcurrent caps the renders in flight (0: DefaultMaxConcurrent);
	// further callers wait, or give up when their context ends.
	MaxConcurrent int
	// Timeout bounds one render, queueing excluded (0: DefaultTimeout).
	Timeout time.Duration

	once   sync.Once
	sem    chan struct{}
	maxURL int // tests: a lower limit than maxDataURL

	mu      sync.Mutex
	closed  bool
	browser context.Context // a chromedp context whose browser runs
	stop    func()          // ends that browser
}

func (p *Printer) init() {
	p.once.Do(func() {
		n := p.MaxConcurrent
		if n <= 0 {
			n = DefaultMaxConcurrent
		}
		p.sem = make(chan struct{}, n)
	})
}

// ChromiumPath is the binary p runs, resolved as the comment on Chromium
// says; ErrNoChromium when it is not there.
func (p *Printer) ChromiumPath() (string, error) {
	name := p.Chromium
	if name == "" {
		name = os.Getenv("HALFSKY_CHROMIUM")
	}
	if name == "" {
		name = DefaultChromium
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrNoChromium, name, err)
	}
	return path, nil
}

// PDF renders d's print view (HTML) as an A4 PDF, page size and margins from
// the style sheet.
func (p *Printer) PDF(ctx context.Context, d doc.Document) ([]byte, error) {
	markup, err := htmlInline(d)
	if err != nil {
		return nil, err
	}
	return p.render(ctx, string(markup))
}

// render prints markup. It waits for a slot, then tries once more with a
// fresh browser when the running one turns out to be dead.
func (p *Printer) render(ctx context.Context, markup string) ([]byte, error) {
	p.init()
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("docprint: waiting for a free renderer: %w", ctx.Err())
	}
	defer func() { <-p.sem }()

	for attempt := 0; ; attempt++ {
		bctx, err := p.ensureBrowser()
		if err != nil {
			return nil, err
		}
		out, err := p.renderIn(ctx, bctx, markup)
		if err == nil || ctx.Err() != nil || bctx.Err() == nil || attempt > 0 {
			return out, err
		}
		// The browser died under us (crash, OOM killer): start another.
		p.dropBrowser(bctx)
	}
}

func (p *Printer) renderIn(ctx, bctx context.Context, markup string) ([]byte, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tab, closeTab := chromedp.NewContext(bctx)
	defer closeTab()
	tctx, cancel := context.WithTimeout(tab, timeout)
	defer cancel()
	// The caller giving up ends the render too.
	defer context.AfterFunc(ctx, cancel)()

	pdf, err := chromedp.Run(tctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		// A data: URL: the page is self-contained (style sheet inlined, no
		// scripts, no fetches), and Navigate waits for it to load. Chromium
		// takes URLs up to 2 MiB; a larger page (a huge 正文 of escaped
		// markup characters) is written into the blank tab instead.
		url := "data:text/html;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(markup))
		limit := maxDataURL
		if p.maxURL > 0 {
			limit = p.maxURL
		}
		if len(url) <= limit {
			if _, err := chromedp.Navigate(url)(ctx, t); err != nil {
				return nil, err
			}
		} else {
			tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
			if err != nil {
				return nil, err
			}
			if _, err := chromedp.Call(ctx, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: tree.FrameTree.Frame.ID, HTML: markup}); err != nil {
				return nil, err
			}
		}
		// Lay out with every font loaded before printing.
		if _, err := chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)(ctx, t); err != nil {
			return nil, err
		}
		res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{
			PreferCSSPageSize: ptr(true),
			PrintBackground:   ptr(true),
			// A4 also here, for a page without @page size.
			PaperWidth:  210 / 25.4,
			PaperHeight: 297 / 25.4,
		})
		if err != nil {
			return nil, err
		}
		return res.Data, nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("docprint: rendering the PDF: %w", ctx.Err())
		}
		if errors.Is(err, context.DeadlineExceeded) || tctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("%w after %s: %w", ErrTimeout, timeout, err)
		}
		return nil, fmt.Errorf("docprint: rendering the PDF: %w", err)
	}
	return pdf, nil
}

// maxDataURL is the longest data: URL the PDF tab navigates to (Chromium's
// limit is 2 MiB).
const maxDataURL = 2<<20 - 64<<10

func ptr[T any](v T) *T { return &v }

// ensureBrowser returns the running browser, starting one if there is none
// or it has died.
func (p *Printer) ensureBrowser() (context.Context, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("docprint: printer closed")
	}
	if p.browser != nil && p.browser.Err() == nil {
		return p.browser, nil
	}
	if p.stop != nil {
		p.stop()
		p.browser, p.stop = nil, nil
	}
	path, err := p.ChromiumPath()
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("font-render-hinting", "none"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logBrowserError))
	// The first Do starts the browser; it must have no deadline, or the
	// deadline would end the browser. Bound the start another way.
	startTimeout := max(p.Timeout, DefaultTimeout)
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(bctx) }()
	select {
	case err = <-started:
	case <-time.After(startTimeout):
		err = fmt.Errorf("no answer within %s", startTimeout)
	}
	if err != nil {
		cancelBrowser()
		cancelAlloc()
		return nil, fmt.Errorf("docprint: starting %s: %w", path, err)
	}
	p.browser = bctx
	p.stop = func() { cancelBrowser(); cancelAlloc() }
	return bctx, nil
}

// logBrowserError logs chromedp's complaints, except the one that writing
// a page into a fresh tab (Page.setDocumentContent) always causes.
func logBrowserError(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if strings.Contains(msg, "DOM.documentUpdated when there's no top-level frame") {
		return
	}
	log.Printf("docprint: chromium: %s", msg)
}

// dropBrowser forgets bctx if it is still the current browser.
func (p *Printer) dropBrowser(bctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.browser == bctx {
		p.stop()
		p.browser, p.stop = nil, nil
	}
}

// Close stops the browser; later PDFs fail.
func (p *Printer) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.stop != nil {
		p.stop()
		p.browser, p.stop = nil, nil
	}
	return nil
}
