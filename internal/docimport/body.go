package docimport

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Putting paragraphs back together
//
// A PDF's text has one line per printed line. GB/T 9704 prints 28 characters
// a line (the seed's extraction shows 28–30 with punctuation squeezed), and a
// paragraph's first line is indented by two characters. An extractor loses
// most of that: the indent becomes one space or nothing, and the first line on
// a new page also gets a leading space although it continues the sentence
// ("…党的群团" / " 工作的纲领性文献"). Typed text instead has one paragraph
// per line, of any length.
//
// What survives reliably is the line width. On a page, a paragraph never
// stops short mid-line except at its end, so:
//
//   - a line clearly shorter than a full line that ends a sentence (。！？；：
//     or a closing quote after one) ends its paragraph;
//   - a line that does not end a sentence never ends a paragraph, whatever
//     the next line looks like: page-break fragments and lost indents
//     join up;
//   - a full line that happens to end a sentence ends the paragraph only if
//     the next line shows it: it is a heading (一、（一）1.（1）), or it is
//     indented and narrower than a full line, as an indented first line is;
//     a page-break fragment is as wide as a full line;
//   - a short heading line (一、总体要求) is a paragraph of its own.
//
// The full width is measured from the text itself (see fullWidth). Typed
// text has none: its lines do not share a width, or those that do all end
// sentences. Then every line that ends a sentence ends its paragraph, and a
// line that does not is joined to the next.

// slack is how much narrower than the full width (in half-em units) a line
// may be and still count as full: Chinese line breaking may leave a line one
// character short to keep punctuation off the next line's start.
const slack = 3

// clusterRadius is how far (in half-em units) widths may spread around the
// full width and still be counted as full lines when measuring it: one
// character either way, for squeezed punctuation and kept-back characters.
const clusterRadius = 2

// indentWidth is the two-character paragraph indent, in half-em units.
const indentWidth = 4

// paragraphs joins the body's printed lines into paragraphs.
func paragraphs(ls []line) []string {
	if len(ls) == 0 {
		return nil
	}
	full := fullWidth(ls)
	blankSeps := blanksSeparate(ls)

	var out []string
	start := 0
	for i := 1; i <= len(ls); i++ {
		if i < len(ls) && !breaksBefore(ls, start, i, full, blankSeps) {
			continue
		}
		if p := joinLines(rawTexts(ls[start:i])); p != "" {
			out = append(out, p)
		}
		start = i
	}
	return out
}

// breaksBefore decides whether line i starts a new paragraph, given that the
// current paragraph started at line start. The rules are explained above.
func breaksBefore(ls []line, start, i, full int, blankSeps bool) bool {
	prev, cur := ls[i-1], ls[i]
	if blankSeps && cur.blankBefore && !cur.pageBreak {
		return true
	}
	// Every paragraph's first line is indented on the page, even when the
	// extractor dropped the indent.
	prevWidth := width(prev.raw)
	if prev.indented || i-1 == start {
		prevWidth += indentWidth
	}
	prevShort := full == 0 || prevWidth < full-slack

	if prevShort && isHeading(ls[start].norm) && !strings.ContainsAny(prev.norm, "。！？!?") {
		return true // a heading line, or the last line of a wrapped heading
	}
	if !endsSentence(prev.norm) {
		return false
	}
	if prevShort || isHeading(cur.norm) {
		return true
	}
	return cur.indented && width(cur.raw) < full-2
}

// fullWidth finds the width of a full printed line: the width shared, within
// clusterRadius, by the most lines. It returns 0 when the lines do not look
// hard-wrapped:
//   - too few lines share a width (typed text, or too little text to tell);
//   - the shared width is beyond what fits on an A4 page (40 characters);
//   - most lines of that width end a sentence. Wrapped lines break wherever
//     the page ends, mostly mid-sentence; typed paragraphs that happen to be
//     of similar length all end with 。.
func fullWidth(ls []line) int {
	counts := map[int]int{}
	open := map[int]int{} // lines of each width that do not end a sentence
	for _, l := range ls {
		w := width(l.raw)
		if l.indented {
			w += indentWidth
		}
		counts[w]++
		if !endsSentence(l.norm) {
			open[w]++
		}
	}
	best, bestN, bestOpen := 0, 0, 0
	for w := range counts {
		n, o := 0, 0
		for d := -clusterRadius; d <= clusterRadius; d++ {
			n += counts[w+d]
			o += open[w+d]
		}
		if n > bestN || (n == bestN && w > best) {
			best, bestN, bestOpen = w, n, o
		}
	}
	if bestN < 2 || bestN*5 < len(ls)*2 || best < 20 || best > 80 || bestOpen*2 < bestN {
		return 0
	}
	return best
}

// blanksSeparate reports whether blank lines mark paragraphs. Extractors
// often put a blank line after every printed line, which marks nothing; a
// blank line means something only when most lines are not followed by one.
func blanksSeparate(ls []line) bool {
	blanks := 0
	for _, l := range ls[1:] {
		if l.blankBefore && !l.pageBreak {
			blanks++
		}
	}
	return blanks > 0 && blanks*2 < len(ls)-1
}

// endsSentence reports a line ending in sentence-final punctuation, or in a
// closing quote or bracket right after it (…“妇女之家”。 / …。”).
func endsSentence(s string) bool {
	last, size := utf8.DecodeLastRuneInString(s)
	if strings.ContainsRune("”’」』）)】》", last) {
		last, _ = utf8.DecodeLastRuneInString(s[:len(s)-size])
	}
	return isTerminal(last)
}

func isTerminal(r rune) bool {
	return strings.ContainsRune("。！？；：…!?;:", r)
}

// headingRe matches the heading numbers of a 公文's structure (GB/T 9704
// 7.3.3): 一、 （一） 1. （1）, and 第一章/第一条 in rules. "1." must not be
// followed by a digit, which would make it a decimal (1.5倍).
var headingRe = regexp.MustCompile(
	`^(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百]+[）)]|\d{1,2}[.．、](?:[^\d]|$)|[（(]\d{1,2}[）)]|第[一二三四五六七八九十百零〇\d]+[章节条])`)

func isHeading(s string) bool { return headingRe.MatchString(s) }
