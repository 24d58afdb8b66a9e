package docimport

import (
	"regexp"
	"strings"
	"unicode"
)

// line is one non-blank printed line of the input.
type line struct {
	raw         string // white space collapsed to single ASCII spaces, trimmed
	norm        string // raw with PDF spaces next to Chinese characters removed
	indented    bool   // the line began with white space (a paragraph indent, or a PDF artifact)
	blankBefore bool   // one or more blank lines came before it
	pageBreak   bool   // a form feed or a page number came before it
}

// splitLines cleans the text and cuts it into non-blank lines. It drops what
// belongs to the page rather than the document: page numbers ("— 2 —",
// "-3-", "第 2 页"), form feeds, and rule lines ("──────"), remembering where
// they were because a line after a page break may be the middle of a
// sentence.
func splitLines(text string) []line {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")

	var out []line
	blank, pageBreak := false, false
	for _, physical := range strings.Split(text, "\n") {
		// pdftotext separates pages with a form feed glued to the next line.
		for i, seg := range strings.Split(physical, "\f") {
			if i > 0 {
				pageBreak = true
			}
			seg = cleanControls(seg)
			raw := strings.Join(strings.Fields(seg), " ")
			switch {
			case raw == "":
				blank = true
				continue
			case isPageNumber(raw):
				pageBreak = true
				continue
			case isRule(raw):
				continue
			}
			first, _ := firstRune(seg)
			out = append(out, line{
				raw:         raw,
				norm:        normalizeSpaces(raw),
				indented:    unicode.IsSpace(first),
				blankBefore: blank,
				pageBreak:   pageBreak,
			})
			blank, pageBreak = false, false
		}
	}
	return out
}

// cleanControls turns tabs and other spacing into spaces and drops control
// and format characters (zero-width spaces, byte order marks, stray escape
// codes) that are invisible on the page.
func cleanControls(s string) string {
	if !strings.ContainsFunc(s, isInvisible) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\v':
			return ' '
		case unicode.IsSpace(r):
			return r
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
}

func isInvisible(r rune) bool {
	return r == '\t' || r == '\v' || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

func firstRune(s string) (rune, bool) {
	for _, r := range s {
		return r, true
	}
	return 0, false
}

// pageNumberRe matches a line that is only a page number as GB/T 9704 prints
// it ("— 2 —", with dashes of any kind) or as extractors and word processors
// render it ("-3-", "- 3 -", "3", "第 3 页", "第3页 共5页"). A bare number
// is taken as a page number only up to three digits: 份号 is six.
var pageNumberRe = regexp.MustCompile(
	`^(?:[-—–－―‒~～]+ ?\d{1,4} ?[-—–－―‒~～]+|\d{1,3}|第 ?\d{1,4} ?页(?: ?[，,]? ?共 ?\d{1,4} ?页)?)$`)

func isPageNumber(raw string) bool {
	return len(raw) <= 40 && pageNumberRe.MatchString(asciiDigits(raw))
}

// isRule reports a line drawn with dashes or box-drawing characters: the red
// separator under the 版头 and the rules around the 版记, as text.
func isRule(raw string) bool {
	n := 0
	for _, r := range raw {
		switch {
		case r == ' ':
		case strings.ContainsRune("-—–－―‒_＿=＝~～*＊", r), r >= 0x2500 && r <= 0x257F:
			n++
		default:
			return false
		}
	}
	return n >= 3
}
