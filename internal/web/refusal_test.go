package web_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"halfsky/internal/testapp"
)

// The messages refused pages show, each for its own refusal.
const (
	pageDenied   = "您没有访问此页面的权限"        // the role may not use the page at all
	actionDenied = "您没有进行此操作的权限"        // access.ErrDenied from the service: its role or a rule of the record
	pageNotFound = "没有找到该记录，或不在您的管理范围内" // db.ErrNotFound: out of scope, or no such record
)

var errorMessageRE = regexp.MustCompile(`(?s)<p class="error-message">(.*?)</p>`)

// errorMessage is the message an error page shows, "" for any other page.
func errorMessage(body string) string {
	m := errorMessageRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(strings.TrimSpace(m[1]))
}

// refusedPage checks a refusal page: exactly the status and the message,
// so that a refusal by another rule (a missing route, the role instead of
// the record's scope) does not pass for it.
func refusedPage(t *testing.T, what string, r testapp.Response, status int, msg string) {
	t.Helper()
	if got := errorMessage(r.Body); r.Status != status || got != msg {
		t.Errorf("%s: %d %q, want %d %q", what, r.Status, got, status, msg)
	}
}
