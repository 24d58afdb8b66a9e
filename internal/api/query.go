package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"halfsky/internal/apperr"
	"halfsky/internal/db"
)

// The query reader: list handlers read their parameters through it and
// report every bad one together.

// maxPage bounds page numbers so offsets stay far from overflow.
const maxPage = 100000

// query reads a request's query string, collecting per-field errors for
// the handler to report together. Unknown parameters are ignored.
type query struct {
	v      url.Values
	fields map[string]string
}

func newQuery(r *http.Request) *query {
	v, err := url.ParseQuery(r.URL.RawQuery)
	q := &query{v: v, fields: map[string]string{}}
	if err != nil {
		q.fields["query"] = "查询参数格式不正确"
	}
	return q
}

// text returns a text parameter of at most max characters.
func (q *query) text(name string, max int) string {
	s := strings.TrimSpace(q.v.Get(name))
	switch {
	case !textOK(s):
		q.fields[name] = "含有无效字符"
		return ""
	case utf8.RuneCountInString(s) > max:
		q.fields[name] = "不能超过 " + strconv.Itoa(max) + " 个字"
		return ""
	}
	return s
}

// number returns a whole-number parameter in [lo, hi], or def when absent.
func (q *query) number(name string, def, lo, hi int) int {
	s := strings.TrimSpace(q.v.Get(name))
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		q.fields[name] = "请填写 " + strconv.Itoa(lo) + " 到 " + strconv.Itoa(hi) + " 之间的整数"
		return def
	}
	return n
}

// page returns the page and page size parameters.
func (q *query) page(defPer, maxPer int) (page, per int) {
	return q.number("page", 1, 1, maxPage), q.number("per_page", defPer, 1, maxPer)
}

// err is the collected field errors, or nil.
func (q *query) err() error {
	if len(q.fields) == 0 {
		return nil
	}
	return apperr.Invalid(q.fields)
}

// when parses a time filter: RFC 3339, or a date (YYYY-MM-DD, a day in
// China Standard Time; for "to" the whole day is included).
func (q *query) when(name string, endOfDay bool) time.Time {
	s := q.text(name, 40)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, db.Shanghai); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t.UTC()
	}
	q.fields[name] = "请填写日期（2015-08-11）或 RFC 3339 时间（2015-08-11T09:00:00+08:00）"
	return time.Time{}
}
