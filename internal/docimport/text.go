package docimport

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isWide reports whether r is set at full width in Chinese text: Han
// characters, CJK and full-width punctuation (、。〔〕《》（）：…), and the
// curly quotes, dashes, ellipsis and stars that Chinese typography sets at
// full width. A 公文 never has a space next to such a character, so one there
// was put in by a PDF extractor ("9 号", "2015 年", "杨 杰").
func isWide(r rune) bool {
	switch {
	case r >= 0x2E80 && r <= 0x9FFF, // CJK radicals, symbols and punctuation, kana, unified ideographs
		r >= 0xF900 && r <= 0xFAFF, // compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F, // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFFEF, // full-width forms: ，：（）０-９
		r >= 0x2010 && r <= 0x2027, // ‐–—― ‘’“” …
		r == '★' || r == '☆' || r == '○' || r == '●' || r == '■' || r == '□' || r == '※',
		r >= 0x20000 && r <= 0x3FFFF: // ideograph extensions B and later
		return true
	}
	return false
}

// normalizeSpaces collapses every run of white space (including U+3000) and
// then drops the runs that touch a wide character, keeping a single space
// only between two narrow ones ("Windows 10", "12338 3"). It is idempotent.
func normalizeSpaces(s string) string {
	fields := strings.Fields(s)
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(fields[i-1])
			next, _ := utf8.DecodeRuneInString(f)
			if !isWide(prev) && !isWide(next) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(f)
	}
	return b.String()
}

// compact removes all white space. Used for the short, fixed-form elements
// (份号, 密级, dates) where no space is ever meaningful.
func compact(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// joinLines joins the printed lines of one paragraph or title. Lines broken
// between two Chinese characters join with nothing; lines broken between two
// Latin words keep one space.
func joinLines(parts []string) string {
	return normalizeSpaces(strings.Join(parts, " "))
}

// width measures a line in half-em units as it was printed: a wide character
// is 2, anything else 1, spaces 0 (a PDF extractor's spaces take no room on
// the page). Comparing line widths is how wrapped paragraphs are put back
// together, see paragraphs.
func width(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
		case isWide(r):
			w += 2
		default:
			w++
		}
	}
	return w
}

// asciiDigits replaces full-width digits (０-９) with ASCII ones, for the
// elements whose digits we parse (份号, 发文字号, dates).
func asciiDigits(s string) string {
	if !strings.ContainsFunc(s, isFullWidthDigit) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isFullWidthDigit(r) {
			return '0' + (r - '０')
		}
		return r
	}, s)
}

func isFullWidthDigit(r rune) bool { return r >= '０' && r <= '９' }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isHanRune(r rune) bool { return unicode.Is(unicode.Han, r) }

func containsHan(s string) bool { return strings.ContainsFunc(s, isHanRune) }

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// trimColon removes a trailing full- or half-width colon.
func trimColon(s string) string {
	return strings.TrimRight(s, "：:")
}
