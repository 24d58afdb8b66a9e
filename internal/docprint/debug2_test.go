package docprint

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDebugPDF(t *testing.T) {
	out := os.Getenv("DEBUG_PDF")
	if out == "" {
		t.Skip()
	}
	p := &Printer{Timeout: 3 * time.Minute}
	defer p.Close()
	d := seedNotice(t)
	if os.Getenv("DEBUG_DOC") == "qingshi" {
		d = qingshi()
		d.Seal = os.Getenv("DEBUG_SEAL") != ""
	}
	if n, err := strconv.Atoi(os.Getenv("DEBUG_LINES")); err == nil {
		d = linesDoc(n, os.Getenv("DEBUG_SEAL") != "")
	}
	markup, _ := htmlInline(d)
	s := strings.Replace(string(markup), "</style>", os.Getenv("DEBUG_CSS")+"</style>", 1)
	pdf, err := p.render(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(out, pdf, 0o644)
}
