package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"reflect"
	"strconv"
	"time"

	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/rectify"
	"halfsky/internal/rights"
	"halfsky/internal/visit"
)

// templateFuncs is the one map of the functions templates call: every
// name a template may use is here, built here and nowhere else. The
// general ones (dates, URLs, arithmetic, partial arguments, clipping) are
// defined in this file; a page's own (its badges, colours and labels)
// beside its page code, in the file named after each group below.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		// General.
		"date":     formatDate,
		"datetime": formatDateTime,
		"static":   staticURL,
		"query":    queryURL,
		"add":      func(a, b int) int { return a + b },
		"sub":      func(a, b int) int { return a - b },
		"seq":      seq,
		"dict":     dict,
		"in":       in,
		"pct":      percent,
		"num":      number,

		// 公文 and 督办/报送 (docs_view.go, reports_dashboard.go).
		"cndate":    doc.ChineseDate,
		"filesize":  fileSize,
		"shortdt":   shortDateTime,
		"shortdate": shortDate,

		// The work desk (home_work.go).
		"homeDay":      homeDay,
		"homeMonth":    homeMonth,
		"homeAdd":      homeAdd,
		"homeRollCols": homeRollColumns,
		"homeRollWide": homeRollColumnWide,

		// 学习 (study_list.go).

		// 访妇情办实事 (visits_common.go).
		"taskColour": visit.Task.Colour,
		"isodate":    isoCNDate,
		"visitTabs":  visitTabsHTML,
		"vclip":      clip,

		// 问题整改 (problems_list.go: the functions are rectify's).
		"problemColour":     rectify.Problem.ColourAt,
		"problemColourName": rectify.ColourLabel,
		"problemKind":       rectify.KindLabel,
		"problemClip":       clip,

		// 巾帼维权 (cases*.go: the functions are rights').
		"caseLabel":   rights.Label,
		"caseChannel": func(k string) string { return rights.Label("channel", k) },
		"caseDanger":  rights.DangerLabel,

		// 关爱救助 (aid.go, aid_files.go, aid_followup.go, aid_pay.go, aid_exports.go).
		"yuan":        aid.YuanGrouped,
		"aidFileHint": aidFileHint,
		// followupKind tells a template whether a programme kind takes
		// follow-ups ("" when not), e.g. for a link on the application page.
		"followupKind": aid.FollowupKindOf,
	}
}

// percent shows a share as 12.5%.
func percent(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }

// number shows a number as short as it goes: 3, 2.5.
func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// clip cuts s to its first n characters, with … when it cut something.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// timeOf accepts time.Time and *time.Time; zero and nil are "no time".
func timeOf(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t == nil {
			return time.Time{}, false
		}
		return *t, !t.IsZero()
	}
	return time.Time{}, false
}

// formatDate shows t as 2015年8月11日 in Asia/Shanghai; "" for zero or nil.
func formatDate(v any) string {
	t, ok := timeOf(v)
	if !ok {
		return ""
	}
	t = t.In(db.Shanghai)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// formatDateTime shows t as 2015年8月11日 14:05 in Asia/Shanghai.
func formatDateTime(v any) string {
	t, ok := timeOf(v)
	if !ok {
		return ""
	}
	t = t.In(db.Shanghai)
	return fmt.Sprintf("%d年%d月%d日 %02d:%02d", t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute())
}

// seq returns from, from+1, …, to (empty when to < from).
func seq(from, to int) []int {
	if to < from {
		return nil
	}
	s := make([]int, 0, to-from+1)
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// dict builds a map from key/value pairs, to pass several values to a
// partial: {{template "input" dict "Name" "title" "Label" "标题"}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// in reports whether v equals one of the list's elements (list is a slice
// or array): {{if in .Status "open" "overdue"}} or {{if in $id .Selected}}.
func in(v any, list ...any) bool {
	if len(list) == 1 {
		rv := reflect.ValueOf(list[0])
		if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
			for i := 0; i < rv.Len(); i++ {
				if fmt.Sprint(rv.Index(i).Interface()) == fmt.Sprint(v) {
					return true
				}
			}
			return false
		}
	}
	for _, x := range list {
		if fmt.Sprint(x) == fmt.Sprint(v) {
			return true
		}
	}
	return false
}

// queryURL returns u's path and query with the given keys replaced:
// {{query .URL "page" 2 "sort" "name"}}. An empty value (or nil) removes
// the key. u may be a *url.URL or a string.
func queryURL(u any, kv ...any) (string, error) {
	var base *url.URL
	switch x := u.(type) {
	case *url.URL:
		if x != nil {
			c := *x
			base = &c
		}
	case string:
		p, err := url.Parse(x)
		if err != nil {
			return "", err
		}
		base = p
	default:
		return "", fmt.Errorf("query: want *url.URL or string, got %T", u)
	}
	if base == nil {
		base = &url.URL{Path: "/"}
	}
	if len(kv)%2 != 0 {
		return "", errors.New("query: odd number of arguments")
	}
	q := base.Query()
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return "", fmt.Errorf("query: key %v is not a string", kv[i])
		}
		val := ""
		if kv[i+1] != nil {
			val = fmt.Sprint(kv[i+1])
		}
		if val == "" {
			q.Del(k)
		} else {
			q.Set(k, val)
		}
	}
	out := base.EscapedPath()
	if out == "" {
		out = "/"
	}
	if enc := q.Encode(); enc != "" {
		out += "?" + enc
	}
	return out, nil
}
