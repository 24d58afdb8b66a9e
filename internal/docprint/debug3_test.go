package docprint

import (
	"os"
	"testing"
)

func TestDebugWriteHTML(t *testing.T) {
	if os.Getenv("DEBUG_HTML") == "" {
		t.Skip()
	}
	b, _ := htmlInline(seedNotice(t))
	os.WriteFile(os.Getenv("DEBUG_HTML"), b, 0o644)
}
