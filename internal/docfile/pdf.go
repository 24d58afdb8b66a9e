package docfile

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// PDFs are read with Poppler (poppler-utils): pdfinfo for the page count
// and encryption, then `pdftotext -layout`, whose output keeps each printed
// line on a line and pages apart with form feeds, as docimport expects.
// Parsing PDF in Go would mean fonts, CMaps and content streams; Poppler
// has done that well for decades.
//
// A PDF encrypted with only an owner password (permissions: no printing,
// no copying…) opens without a password and is read. One with a user
// password cannot be opened: pdfinfo and pdftotext say "Incorrect
// password" and exit with status 1.

// The Poppler tools, looked up in PATH.
var (
	pdftotextTool = "pdftotext"
	pdfinfoTool   = "pdfinfo"
)

// Limits on the tools (variables so that tests can lower them).
var (
	// pdfTimeout bounds both tools together on one file.
	pdfTimeout = 30 * time.Second
	// maxPDFText is the most text taken from pdftotext: a 20 MB PDF of
	// compressed text streams could otherwise inflate without bound.
	maxPDFText = 16 << 20
)

// maxStderr is how much of a tool's error output is kept.
const maxStderr = 64 << 10

var (
	pagesRe     = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)
	encryptedRe = regexp.MustCompile(`(?m)^Encrypted:\s+yes`)
)

// extractPDF reads a PDF's text with Poppler.
func extractPDF(ctx context.Context, data []byte) (Extracted, error) {
	x := Extracted{Kind: PDF}
	info, err1 := exec.LookPath(pdfinfoTool)
	text, err2 := exec.LookPath(pdftotextTool)
	if err1 != nil || err2 != nil {
		return x, newErr(CodeUnavailable, PDF, msgNoPoppler)
	}
	name, err := writeTemp(data)
	if err != nil {
		return x, err
	}
	defer os.Remove(name)

	tctx, cancel := context.WithTimeout(ctx, pdfTimeout)
	defer cancel()
	r := runTool(tctx, info, name)
	if r.err != nil {
		return x, r.failure(ctx, tctx, false)
	}
	x.Pages = pageCount(r.out)
	isEncrypted := encryptedRe.Match(r.out)

	r = runTool(tctx, text, "-layout", "-enc", "UTF-8", name, "-")
	if r.err != nil {
		return x, r.failure(ctx, tctx, isEncrypted)
	}
	x.Text = strings.ToValidUTF8(string(r.out), "\uFFFD")
	if strings.TrimSpace(x.Text) == "" {
		return x, noText(PDF)
	}
	return x, nil
}

// writeTemp writes data to a new file that only this user can read.
func writeTemp(data []byte) (string, error) {
	f, err := os.CreateTemp("", "halfsky-docfile-*.pdf") // mode 0600
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

func pageCount(info []byte) int {
	m := pagesRe.FindSubmatch(info)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// toolRun is the outcome of one run of a Poppler tool.
type toolRun struct {
	out      []byte
	stderr   string
	err      error
	overflow bool // stdout passed maxPDFText and the tool was stopped
}

// runTool runs a tool, keeping at most maxPDFText of its output: past that
// it is killed rather than read on.
func runTool(ctx context.Context, tool string, args ...string) toolRun {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stdout := &capped{max: maxPDFText, stop: cancel}
	stderr := &capped{max: maxStderr}
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	return toolRun{out: stdout.buf.Bytes(), stderr: stderr.buf.String(), err: err, overflow: stdout.over}
}

// failure explains why a tool failed. parent is the caller's context,
// tctx the one with the time limit; encrypted says pdfinfo saw encryption.
func (r toolRun) failure(parent, tctx context.Context, encrypted bool) error {
	var exit *exec.ExitError
	switch {
	case parent.Err() != nil:
		return parent.Err()
	case r.overflow:
		return newErr(CodeZipBomb, PDF, "PDF 文件中的文字超过 %.0f MB，不像是一份公文，已拒绝读取", float64(maxPDFText)/(1<<20))
	case tctx.Err() != nil:
		return newErr(CodeTimeout, PDF, msgTimeout)
	case errors.Is(r.err, exec.ErrNotFound), errors.Is(r.err, os.ErrNotExist):
		return newErr(CodeUnavailable, PDF, msgNoPoppler)
	case strings.Contains(r.stderr, "Incorrect password"),
		encrypted && errors.As(r.err, &exit) && exit.ExitCode() == 1:
		return newErr(CodeEncrypted, PDF, msgEncrypted)
	}
	return broken(PDF, "PDF 文件已损坏或不完整，无法读取（可能下载时中断了），请重新获取文件")
}

// capped is a buffer that takes at most max bytes. Past that it calls
// stop, if set, and fails the write; else it drops the rest.
type capped struct {
	buf  bytes.Buffer
	max  int
	over bool
	stop func()
}

func (c *capped) Write(p []byte) (int, error) {
	if c.buf.Len()+len(p) <= c.max {
		return c.buf.Write(p)
	}
	c.over = true
	if c.stop != nil {
		c.stop()
		return 0, errors.New("docfile: tool output over the limit")
	}
	c.buf.Write(p[:c.max-c.buf.Len()])
	return len(p), nil
}
