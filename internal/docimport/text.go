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
// Latin words keep one space; a number broken after a digit or a hyphen
// ("电话：0734-" / "8221234") is joined up again.
func joinLines(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 && !brokenNumber(parts[i-1], p) {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return normalize(b.String())
}

func brokenNumber(prev, next string) bool {
	last, first := lastRune(strings.TrimSpace(prev)), rune(0)
	if next = strings.TrimSpace(next); next != "" {
		first, _ = utf8.DecodeRuneInString(next)
	}
	return (isDigit(last) || last == '-') && isDigit(first)
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

// normalize is the one normalization every stored text goes through:
// ASCII punctuation typed in Chinese text becomes full-width, then spaces
// are collapsed. Both steps are idempotent and neither changes what the
// other decides, so normalize is idempotent too.
func normalize(s string) string {
	return normalizeSpaces(normalizePunct(normalizeQuotes(s)))
}

// normalizeQuotes turns pairs of ASCII double quotes around or beside
// Chinese text into the curly quotes a 公文 prints (寻找"最美家庭" →
// 寻找“最美家庭”). Quotes pair up in order, first with second; a string
// with an odd number of them is left alone, since which quote closes which
// cannot be told. A pair converts when it encloses a Chinese letter (Han,
// kana …), which punctuation never is: so neither converting a pair nor
// normalizePunct's conversions can change the decision for another pair,
// nor how the remaining quotes pair up, and normalize stays idempotent.
// (寻找"WPS"软件 keeps its ASCII quotes: nothing Chinese inside.)
func normalizeQuotes(s string) string {
	if n := strings.Count(s, `"`); n == 0 || n%2 == 1 {
		return s
	}
	rs := []rune(s)
	open := -1
	for i, r := range rs {
		if r != '"' {
			continue
		}
		if open < 0 {
			open = i
			continue
		}
		if quotedWide(rs, open, i) {
			rs[open], rs[i] = '“', '”'
		}
		open = -1
	}
	return string(rs)
}

// quotedWide reports whether the quotes at rs[i] and rs[j] enclose a
// Chinese letter.
func quotedWide(rs []rune, i, j int) bool {
	for _, r := range rs[i+1 : j] {
		if isWide(r) && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// fullWidth maps the ASCII punctuation that typists and web editors put into
// Chinese text to the full-width forms a 公文 prints.
var fullWidthPunct = map[rune]rune{
	',': '，', ':': '：', ';': '；', '(': '（', ')': '）', '!': '！', '?': '？',
}

func isASCIIPunct(r rune) bool { _, ok := fullWidthPunct[r]; return ok }

// normalizePunct turns ASCII , : ; ( ) ! ? into their full-width forms where
// they stand in Chinese text ("县(市)妇联:" → "县（市）妇联："), and keeps them
// where both neighbours are narrow ("Windows 10, 11", "3:30",
// "http://a.b/c?d=1").
//
// The decision is made per run: ASCII punctuation marks in a row, with
// nothing but spaces between them, convert together when the character
// before or after the run (spaces skipped) is wide. Parentheses convert in
// pairs, so "发(2014)9号" becomes "发（2014）9号" and not "发（2014)9号"; a
// run that holds one half of a converted pair converts with it. Because the
// neighbours of a run are never punctuation that could convert, converting
// one run never changes the decision for another, which makes the function
// idempotent; spaces are never consulted, so normalizeSpaces does not change
// its decisions either.
func normalizePunct(s string) string {
	if !strings.ContainsAny(s, ",:;()!?") {
		return s
	}
	rs := []rune(s)
	run := make([]int, len(rs)) // run index of each convertible rune, or -1
	var wide []bool             // per run: a wide neighbour, or tied to one
	for i := 0; i < len(rs); i++ {
		run[i] = -1
		if !isASCIIPunct(rs[i]) {
			continue
		}
		start, end := i, i
		for k := i + 1; k < len(rs); k++ {
			if isASCIIPunct(rs[k]) {
				end = k
			} else if !unicode.IsSpace(rs[k]) {
				break
			}
		}
		for k := start; k <= end; k++ {
			run[k] = -1
			if isASCIIPunct(rs[k]) {
				run[k] = len(wide)
			}
		}
		wide = append(wide, isWide(neighbour(rs, start, -1)) || isWide(neighbour(rs, end, +1)))
		i = end
	}
	pairRuns(rs, run, wide)
	for i, r := range rs {
		if run[i] >= 0 && wide[run[i]] {
			rs[i] = fullWidthPunct[r]
		}
	}
	return string(rs)
}

// neighbour returns the first rune that is not a space from rs[i] in
// direction dir (exclusive), or 0.
func neighbour(rs []rune, i, dir int) rune {
	for k := i + dir; k >= 0 && k < len(rs); k += dir {
		if !unicode.IsSpace(rs[k]) {
			return rs[k]
		}
	}
	return 0
}

// pairRuns makes the runs holding the two halves of a pair of parentheses
// convert together: tied runs form groups (union-find), and a group
// converts when any run in it has a wide neighbour or one of its
// parentheses is paired with a full-width one.
func pairRuns(rs []rune, run []int, wide []bool) {
	parent := make([]int, len(wide))
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	var stack []int
	for i, r := range rs {
		switch r {
		case '(', '（':
			stack = append(stack, i)
		case ')', '）':
			if len(stack) == 0 {
				continue
			}
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			a, b := run[o], run[i]
			switch {
			case a >= 0 && b >= 0:
				ra, rb := find(a), find(b)
				parent[ra] = rb
				wide[rb] = wide[rb] || wide[ra]
			case a >= 0: // （…) or (…）: the ASCII half follows the full-width one
				wide[find(a)] = true
			case b >= 0:
				wide[find(b)] = true
			}
		}
	}
	for i := range wide {
		wide[i] = wide[find(i)]
	}
}
