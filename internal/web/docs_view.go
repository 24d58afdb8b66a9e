package web

import (
	"fmt"
	"strings"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/httpx"
	"halfsky/internal/report"
)

// Template helpers of the document and reporting pages.

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

// reportRow is a report with its state as the dashboard shows it.
type reportRow struct {
	report.Report
	State report.State
}

func reportRows(list []report.Report, svc *report.Service) []reportRow {
	now := svc.Now()
	return httpx.Map(list, func(r report.Report) reportRow { return reportRow{Report: r, State: r.StateAt(now)} })
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
