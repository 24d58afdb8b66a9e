package api_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"halfsky/internal/files"
	"halfsky/internal/publicweb"
	"halfsky/internal/testapp"
)

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// patternPath is a request path for a route pattern: every wildcard a 1.
func patternPath(path string) string {
	path = strings.ReplaceAll(path, "{$}", "")
	return wildcard.ReplaceAllString(path, "1")
}

// bigMultipart is a multipart/form-data body of about n bytes: one file.
func bigMultipart(t *testing.T, n int) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "大文件.pdf")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(append([]byte("%PDF-1.4\n"), make([]byte, n)...))
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// sendAs sends a raw body; chunked hides its length.
func sendAs(t *testing.T, c *testapp.Client, url, method, ctype string, body []byte, chunked bool) testapp.Response {
	t.Helper()
	var rd io.Reader = bytes.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd) // not a *bytes.Reader: no length
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return testapp.Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// TestBodyLimitsByRoute enumerates the route table: every route that
// takes a body and is not marked as an upload refuses a multipart body
// past the small limit with 413 — JSON too_large under /api/, a Chinese
// page elsewhere — whether its length is announced or not, and nothing
// changes; an upload route still takes a file near its limit.
func TestBodyLimitsByRoute(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		srv := f.app.Server
		small := srv.Cfg.MaxBody
		body, ctype := bigMultipart(t, int(small)+1024)
		c := f.as("city.leader")
		before := f.tables()
		var checked, uploads int
		for i, pattern := range srv.Routes {
			method, path, ok := strings.Cut(pattern, " ")
			if !ok { // a path for every other method (the JSON 405, the 404s): try one no route names
				method, path = http.MethodPatch, pattern
			}
			switch method {
			case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			default:
				continue
			}
			if srv.Uploads[pattern] {
				uploads++
				continue
			}
			url := f.app.URL + patternPath(path)
			r := sendAs(t, c, url, method, ctype, body, i%2 == 1)
			if r.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("%s: %d, want 413", pattern, r.Status)
				continue
			}
			if strings.HasPrefix(path, "/api/") {
				if !strings.Contains(r.Body, `"code":"too_large"`) || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
					t.Errorf("%s: %s", pattern, r.Body)
				}
			} else if publicweb.IsPublic(path) {
				// The public door answers on its own page, with the hotlines.
				if !strings.Contains(r.Body, "提交的内容太多了") || !strings.Contains(r.Body, "tel:12338") {
					t.Errorf("%s: %s", pattern, r.Body)
				}
			} else if !strings.Contains(r.Body, "提交的内容过大") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: %s", pattern, r.Body)
			}
			checked++
		}
		if f.tables() != before {
			t.Fatal("refused bodies changed the tables")
		}
		if checked < 50 || uploads < 10 {
			t.Fatalf("checked %d write routes and skipped %d uploads: the table looks wrong", checked, uploads)
		}
		for _, want := range []string{"POST /api/v1/docs/{id}/files", "POST /api/v1/reports/{id}/files", "POST /api/v1/aid/applications/{id}/documents",
			"POST /api/v1/problems/{id}/progress", "POST /docs/{id}/files", "POST /docs/import", "POST /reports/{id}/files", "POST /study",
			"POST /study/{id}/photos", "POST /visits", "POST /visits/edit/{id}", "POST /problems/{id}/progress", "POST /aid/{id}/documents"} {
			if !srv.Uploads[want] {
				t.Errorf("%s is not marked as an upload route", want)
			}
		}

		// An upload route takes a file near its limit.
		r := f.as("city.staff").Do("POST", "/api/v1/docs", notice(noticeTitle))
		expect(t, r, http.StatusCreated, "")
		docPath := "/api/v1/docs/" + itoa(idIn(t, r, "document"))
		near, nearType := bigMultipart(t, files.MaxSize-64<<10)
		for _, chunked := range []bool{false, true} {
			r = sendAs(t, f.as("city.staff"), f.app.URL+docPath+"/files", http.MethodPost, nearType, near, chunked)
			expect(t, r, http.StatusCreated, "")
		}
		if n := f.count(`SELECT COUNT(*) FROM document_files WHERE doc_id = ?`, idIn(t, f.as("city.staff").Do("GET", docPath, nil), "document")); n != 2 {
			t.Fatalf("attachments: %d", n)
		}
		// A JSON body within the small limit is still taken: the largest
		// form there is, a 公文 of 200,000 bytes of text.
		long := []string{strings.Repeat("文", 66_000)}
		r = f.as("city.staff").Do("POST", "/api/v1/docs", with(notice(noticeTitle), "body", long))
		expect(t, r, http.StatusCreated, "")
	})
}
