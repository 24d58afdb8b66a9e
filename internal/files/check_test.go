package files_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/testdb"
)

var (
	pdfData  = []byte("%PDF-1.7\n%…")
	oleData  = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}
	zipData  = []byte("PK\x03\x04rest")
	jpegData = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}
	pngData  = []byte("\x89PNG\r\n\x1a\n\x00\x00")
)

// refused checks err is bad input on the field, with a message that says
// what is wrong.
func refused(t *testing.T, what string, err error, field, says string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != "invalid" || e.Status != 422 || !strings.Contains(e.Fields[field], says) {
		t.Errorf("%s: %v, want %q on %s", what, err, says, field)
	}
}

// TestCheck: only the accepted types, by name and by content (the first
// bytes, or UTF-8 without NUL for text), and nothing empty, unnamed or
// over MaxSize.
func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		ct   string
	}{
		{"通知.pdf", pdfData, "application/pdf"},
		{"通知.PDF", pdfData, "application/pdf"},
		{"表.xls", oleData, "application/vnd.ms-excel"},
		{"通知.doc", oleData, "application/msword"},
		{"通知.wps", oleData, "application/vnd.ms-works"},
		{"通知.docx", zipData, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"表.xlsx", zipData, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"通知.ofd", zipData, "application/ofd"},
		{"照片.jpg", jpegData, "image/jpeg"},
		{"照片.jpeg", jpegData, "image/jpeg"},
		{"照片.png", pngData, "image/png"},
		{"说明.txt", []byte("市妇联\n"), "text/plain; charset=utf-8"},
		{`C:\文件\通知.pdf`, pdfData, "application/pdf"},
		{"../../通知.pdf", pdfData, "application/pdf"},
		{"  通知.pdf  ", pdfData, "application/pdf"},
	} {
		if ct, err := files.Check("file", c.name, c.data); err != nil || ct != c.ct {
			t.Errorf("%q: %q %v, want %q", c.name, ct, err, c.ct)
		}
	}
	for _, c := range []struct {
		name string
		data []byte
		says string
	}{
		{"", pdfData, "文件名为空"},
		{"  ", pdfData, "文件名为空"},
		{"/", pdfData, "文件名为空"},
		{"通知.pdf", nil, "是空的"},
		{"通知.pdf", append(append([]byte{}, pdfData...), make([]byte, files.MaxSize)...), "超过 20 MB 的上限"},
		{"程序.exe", []byte("MZ\x90\x00"), "不接受该类型的文件"},
		{"页面.html", []byte("<html>"), "不接受该类型的文件"},
		{"通知", pdfData, "不接受该类型的文件"},
		{"通知.pdf", zipData, "内容与扩展名不符"},
		{"通知.docx", pdfData, "内容与扩展名不符"},
		{"照片.png", jpegData, "内容与扩展名不符"},
		{"脚本.pdf", []byte("<script>%PDF-"), "内容与扩展名不符"},
		{"说明.txt", []byte("a\x00b"), "内容与扩展名不符"},
		{"说明.txt", []byte{0xFF, 0xFE, 'a'}, "内容与扩展名不符"},
	} {
		_, err := files.Check("attachment", c.name, c.data)
		refused(t, c.name, err, "attachment", c.says)
	}
	// Exactly MaxSize is accepted.
	if _, err := files.Check("file", "大.txt", []byte(strings.Repeat("a", files.MaxSize))); err != nil {
		t.Errorf("MaxSize bytes: %v", err)
	}
}

// TestCheckImage: a photo is a JPG or PNG of at most MaxImageSize, by
// name and content.
func TestCheckImage(t *testing.T) {
	if ct, err := files.CheckImage("photo", "现场.JPG", jpegData); err != nil || ct != "image/jpeg" {
		t.Errorf("a JPG: %q %v", ct, err)
	}
	if ct, err := files.CheckImage("photo", "现场.png", pngData); err != nil || ct != "image/png" {
		t.Errorf("a PNG: %q %v", ct, err)
	}
	big := append(append([]byte{}, jpegData...), make([]byte, files.MaxImageSize)...)
	for _, c := range []struct {
		name string
		data []byte
		says string
	}{
		{"通知.pdf", pdfData, "不是照片"},
		{"说明.txt", []byte("现场"), "不是照片"},
		{"现场.jpg", big, "超过 10 MB 的上限"},
		{"现场.jpg", pngData, "内容与扩展名不符"},
		{"现场.jpg", nil, "是空的"},
		{"", jpegData, "文件名为空"},
	} {
		_, err := files.CheckImage("photo", c.name, c.data)
		refused(t, c.name, err, "photo", c.says)
	}
}

// TestServe: a download is an attachment under a name that cannot break
// the header, typed as stored, never sniffed, never cached.
func TestServe(t *testing.T) {
	w := httptest.NewRecorder()
	files.Serve(w, files.File{Name: `报告 "终稿"\1.pdf`, ContentType: "application/pdf"}, pdfData)
	h := w.Header()
	if cd := h.Get("Content-Disposition"); cd != `attachment; filename="__ _____1.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%22%E7%BB%88%E7%A8%BF%22%5C1.pdf` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "private, no-store" ||
		w.Body.String() != string(pdfData) {
		t.Errorf("download: %v %q", h, w.Body)
	}
}

// TestGetNotAttached: a file read through an owner it is not attached to
// is not found, though the file exists.
func TestGetNotAttached(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		k := keys(t)
		org := fixture(t, d)
		f, err := save(t, d, k, org, "通知.pdf", pdfData, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := files.DocumentLinks.Get(t.Context(), d.Q(), k, 1, f.ID); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			link        files.Link
			owner, file int64
		}{
			{files.DocumentLinks, 2, f.ID},
			{files.DocumentLinks, 1, f.ID + 1},
			{files.ReportLinks, 1, f.ID},
		} {
			if _, _, err := c.link.Get(t.Context(), d.Q(), k, c.owner, c.file); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("owner %d file %d: %v, want db.ErrNotFound", c.owner, c.file, err)
			}
		}
	})
}
