package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/files"
	"halfsky/internal/report"
)

// Template helpers of the document and reporting pages.
func init() {
	funcs["cndate"] = doc.ChineseDate
	funcs["filesize"] = fileSize
	funcs["pct"] = func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }
	funcs["num"] = func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	funcs["shortdt"] = shortDateTime
	funcs["shortdate"] = shortDate
}

// shortDateTime is a time for a table cell: 8月11日 14:05, with the year
// only when it is not this year's.
func shortDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return shortDate(t) + t.In(db.Shanghai).Format(" 15:04")
}

// shortDate is a date for a table cell: 8月11日 (2015年8月11日 in another year).
func shortDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(db.Shanghai)
	s := fmt.Sprintf("%d月%d日", int(t.Month()), t.Day())
	if t.Year() != time.Now().In(db.Shanghai).Year() {
		s = fmt.Sprintf("%d年", t.Year()) + s
	}
	return s
}

func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}

// pathID reads a numeric path value; false (answer 404) when it is not one.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// errorText is the whole Chinese message of a refused action: the
// per-field messages when there are any (a flash has no field to stand
// beside), else the message.
func errorText(err error) string {
	e := apperr.From(err)
	if len(e.Fields) == 0 {
		return e.Message
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msgs := make([]string, 0, len(keys))
	for _, k := range keys {
		msgs = append(msgs, e.Fields[k])
	}
	return strings.Join(msgs, "；")
}

// refused reports whether err is a domain refusal to show as a message
// (wrong state, own draft, already signed …) rather than a not-found or
// forbidden page or a server error.
func refused(err error) bool {
	var e *apperr.Error
	if !errors.As(err, &e) || e.Status >= 500 {
		return false
	}
	return e.Code != apperr.ErrNotFound.Code && e.Code != apperr.ErrForbidden.Code
}

// finish ends a POST action: success goes back with a success flash; a
// refused action goes back with the domain's message as an error flash;
// out-of-scope ids get the 404 page and forbidden actions the 403 page.
func (h *handler) finish(w http.ResponseWriter, r *http.Request, back string, err error, ok string) {
	switch {
	case err == nil:
		redirectFlash(w, r, back, "success", ok)
	case refused(err):
		redirectFlash(w, r, back, "error", errorText(err))
	default:
		h.fail(w, r, err)
	}
}

// upload reads the one file of a multipart form. The server caps the body
// a little above files.MaxSize; a bigger one arrives cut off and is
// reported as too large. The domain checks the type, content and size.
func upload(r *http.Request, field string) (string, []byte, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, apperr.Field(field, fmt.Sprintf("文件超过 %d MB 的上限", files.MaxSize>>20))
		}
		return "", nil, apperr.Field(field, "上传失败，请重新选择文件")
	}
	f, hdr, err := r.FormFile(field)
	if err != nil {
		return "", nil, apperr.Field(field, "请选择要上传的文件")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, files.MaxSize+1))
	if err != nil {
		return "", nil, apperr.Field(field, "上传失败，请重新选择文件")
	}
	return hdr.Filename, data, nil
}

// cleanupMultipart removes the temporary files of a parsed upload.
func cleanupMultipart(r *http.Request) {
	if r.MultipartForm != nil {
		_ = r.MultipartForm.RemoveAll()
	}
}

// reportRow is a report with its state as the dashboard shows it.
type reportRow struct {
	report.Report
	State report.State
}

func reportRows(list []report.Report, svc *report.Service) []reportRow {
	now := svc.Now()
	out := make([]reportRow, len(list))
	for i, r := range list {
		out[i] = reportRow{Report: r, State: r.StateAt(now)}
	}
	return out
}

// splitLines splits a textarea into its non-empty lines.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// splitCodes splits a list of unit codes typed with any separator.
func splitCodes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune(" \t\r\n,，、;；　", r)
	})
}

// apperrStatus is the HTTP status of a domain error.
func apperrStatus(err error) int { return apperr.From(err).Status }
