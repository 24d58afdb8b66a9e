package docimport

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Dates in a 公文 are written 2015年8月11日 (the 2012 standard) or, in older
// and some formal documents, 二〇一五年八月十一日. Both regexps match a date
// at the end of a string with its spaces already removed, so that the same
// code reads a date alone on its line (成文日期) and a date before 印发.
var (
	arabicDateRe  = regexp.MustCompile(`(\d{4})年(\d{1,2})月(\d{1,2})日$`)
	chineseDateRe = regexp.MustCompile(`([〇零○Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日$`)
)

// maxDateBytes is the longest a date can be in UTF-8 (二〇一六年十二月三十一日,
// 12 characters of 3 bytes), so only that much of a line's end is searched.
const maxDateBytes = 36

// trailingDate finds a date at the end of s and returns what precedes it and
// the date as YYYY-MM-DD.
func trailingDate(s string) (prefix, iso string, ok bool) {
	s = asciiDigits(compact(s))
	if !strings.HasSuffix(s, "日") {
		return "", "", false // the common case, cheaply
	}
	cut := max(0, len(s)-maxDateBytes)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	head, tail := s[:cut], s[cut:]
	if m := arabicDateRe.FindStringSubmatchIndex(tail); m != nil {
		y, _ := strconv.Atoi(tail[m[2]:m[3]])
		mo, _ := strconv.Atoi(tail[m[4]:m[5]])
		d, _ := strconv.Atoi(tail[m[6]:m[7]])
		if iso, ok := formatDate(y, mo, d); ok {
			return head + tail[:m[0]], iso, true
		}
	}
	if m := chineseDateRe.FindStringSubmatchIndex(tail); m != nil {
		y, ok1 := chineseYear(tail[m[2]:m[3]])
		mo, ok2 := chineseSmall(tail[m[4]:m[5]])
		d, ok3 := chineseSmall(tail[m[6]:m[7]])
		if ok1 && ok2 && ok3 {
			if iso, ok := formatDate(y, mo, d); ok {
				return head + tail[:m[0]], iso, true
			}
		}
	}
	return "", "", false
}

// dateOnly parses a line that is nothing but a date, the form of 成文日期.
func dateOnly(s string) (string, bool) {
	if len(s) > 4*maxDateBytes { // even with a space between every character
		return "", false
	}
	prefix, iso, ok := trailingDate(s)
	if !ok || prefix != "" {
		return "", false
	}
	return iso, true
}

// formatDate rejects impossible dates (2015年2月30日) by round-tripping
// through time.Date, which would otherwise silently normalize them.
func formatDate(y, m, d int) (string, bool) {
	if y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31 {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
}

// cnDigits maps the digit characters of a written-out year. ○ and Ｏ are the
// look-alikes of 〇 that typists use.
var cnDigits = map[rune]int{
	'〇': 0, '零': 0, '○': 0, 'Ｏ': 0, '一': 1, '二': 2, '三': 3, '四': 4,
	'五': 5, '六': 6, '七': 7, '八': 8, '九': 9,
}

// chineseYear reads a year written digit by digit: 二〇一五 is 2015.
func chineseYear(s string) (int, bool) {
	y := 0
	for _, r := range s {
		d, ok := cnDigits[r]
		if !ok {
			return 0, false
		}
		y = y*10 + d
	}
	return y, true
}

// chineseSmall reads a month or day written as a number: 八, 十, 十一, 二十,
// 三十一.
func chineseSmall(s string) (int, bool) {
	rs := []rune(s)
	digit := func(r rune) int {
		if d, ok := cnDigits[r]; ok && d > 0 {
			return d
		}
		return -1
	}
	switch {
	case len(rs) == 1 && rs[0] == '十':
		return 10, true
	case len(rs) == 1 && digit(rs[0]) > 0:
		return digit(rs[0]), true
	case len(rs) == 2 && rs[0] == '十' && digit(rs[1]) > 0:
		return 10 + digit(rs[1]), true
	case len(rs) == 2 && rs[1] == '十' && digit(rs[0]) > 1:
		return digit(rs[0]) * 10, true
	case len(rs) == 3 && rs[1] == '十' && digit(rs[0]) > 1 && digit(rs[2]) > 0:
		return digit(rs[0])*10 + digit(rs[2]), true
	}
	return 0, false
}
