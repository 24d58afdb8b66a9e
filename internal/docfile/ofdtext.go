package docfile

import (
	"encoding/xml"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Putting an OFD page's text in reading order
//
// Every character is placed where it is drawn: a TextCode's X, Y (the
// baseline, in millimetres, y growing downwards) are relative to its
// TextObject's Boundary origin, transformed by the object's CTM if it has
// one; DeltaX gives the advance from each character to the next (with the
// "g count value" shorthand for repeats), DeltaY the same downwards for
// vertical text. Characters with no DeltaX left advance by an estimate: a
// full em for Chinese, half an em for Latin; none in vertical text (DeltaY
// without DeltaX).
//
// Then, like pdftotext -layout:
//
//   - characters whose baselines are within 40% of the font size of a
//     line's first baseline form a line; lines go top to bottom, each left
//     to right (so objects written in any order read in order);
//   - a gap of two ems or more between characters becomes spaces, one per
//     half em (the width of a Latin column), and a smaller gap of at least
//     0.3 em one space; the text left margin, the smallest line start that
//     recurs in the document, is column 0, so an indented first line, a
//     centred title and a right-aligned signature or date keep leading
//     spaces;
//   - a vertical gap of more than 2.2 ems between lines becomes a blank
//     line, and pages are separated by a form feed.

// glyph is one character as drawn on a page.
type glyph struct {
	x, y float64 // baseline origin on the page, mm
	size float64 // font size, mm
	adv  float64 // advance to the next character, mm
	r    rune
}

const (
	// defaultFontSize is used when a TextObject has no Size: 五号, 10.5 pt.
	defaultFontSize = 3.7
	// maxCoord bounds coordinates, so that absurd ones cannot ask for
	// billions of spaces (an A0 page is 1189 mm).
	maxCoord = 10_000
	// maxSpaces bounds the spaces written for one gap.
	maxSpaces = 200
)

// textObject holds what a TextObject says about its TextCodes' placement.
type textObject struct {
	bx, by       float64    // Boundary origin
	size         float64    // font size, scaled by the CTM
	ctm          [6]float64 // a b c d e f
	scale        float64    // how much the CTM scales lengths
	lastX, lastY float64    // the previous TextCode's X, Y
}

func newTextObject(se xml.StartElement) *textObject {
	o := &textObject{size: defaultFontSize, ctm: [6]float64{1, 0, 0, 1, 0, 0}, scale: 1}
	if b := numbers(attr(se, "Boundary"), 4); len(b) >= 2 {
		o.bx, o.by = b[0], b[1]
	}
	if s, ok := number(attr(se, "Size")); ok && s > 0 {
		o.size = s
	}
	if m := numbers(attr(se, "CTM"), 6); len(m) == 6 {
		copy(o.ctm[:], m)
		if o.scale = math.Sqrt(math.Abs(m[0]*m[3] - m[1]*m[2])); o.scale < 1e-3 {
			o.scale = 1
		}
	}
	o.size *= o.scale
	return o
}

// place appends the glyphs of one TextCode with text s, at most limit. A
// TextCode without X or Y takes the previous one's.
func (o *textObject) place(se xml.StartElement, s string, out []glyph, limit int) []glyph {
	x, ok := number(attr(se, "X"))
	if !ok {
		x = o.lastX
	}
	y, ok := number(attr(se, "Y"))
	if !ok {
		y = o.lastY
	}
	o.lastX, o.lastY = x, y
	n := min(utf8.RuneCountInString(s), limit+1) // one more, to be seen over the limit
	dx := deltas(attr(se, "DeltaX"), n-1)
	dy := deltas(attr(se, "DeltaY"), n-1)
	vertical := attr(se, "DeltaX") == "" && len(dy) > 0
	unscaled := o.size / o.scale
	i := 0
	for _, r := range s {
		if i == n {
			break
		}
		adv := estimatedAdvance(r, unscaled)
		if vertical {
			adv = 0
		}
		if i < len(dx) {
			adv = dx[i]
		}
		if !unicode.IsControl(r) {
			c := o.ctm
			px := clamp(o.bx + c[0]*x + c[2]*y + c[4])
			py := clamp(o.by + c[1]*x + c[3]*y + c[5])
			out = append(out, glyph{x: px, y: py, size: o.size, adv: adv * o.scale, r: r})
		}
		x = clamp(x + adv)
		if i < len(dy) {
			y = clamp(y + dy[i])
		}
		i++
	}
	return out
}

func estimatedAdvance(r rune, size float64) float64 {
	if isWideRune(r) {
		return size
	}
	return size / 2
}

// isWideRune reports a character set at full width: Han, CJK punctuation
// and full-width forms.
func isWideRune(r rune) bool {
	return r >= 0x2E80 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF ||
		r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFF60 || r >= 0x20000
}

// deltas reads a DeltaX or DeltaY list, at most n values: numbers, or
// "g count value" for count repeats of value.
func deltas(s string, n int) []float64 {
	f := strings.Fields(s)
	var out []float64
	for i := 0; i < len(f) && len(out) < n; i++ {
		if f[i] == "g" && i+2 < len(f) {
			count, err := strconv.Atoi(f[i+1])
			v, ok := number(f[i+2])
			if err != nil || !ok {
				break
			}
			for k := 0; k < count && len(out) < n; k++ {
				out = append(out, v)
			}
			i += 2
			continue
		}
		v, ok := number(f[i])
		if !ok {
			break
		}
		out = append(out, v)
	}
	return out
}

// number parses a finite number within ±maxCoord.
func number(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return clamp(v), true
}

// numbers parses up to n space-separated numbers, stopping at a bad one.
func numbers(s string, n int) []float64 {
	var out []float64
	for _, f := range strings.Fields(s) {
		v, ok := number(f)
		if !ok || len(out) == n {
			break
		}
		out = append(out, v)
	}
	return out
}

func clamp(v float64) float64 { return max(-maxCoord, min(maxCoord, v)) }

// textLine is one line of a page: glyphs on (nearly) one baseline.
type textLine struct {
	y, size float64
	gs      []glyph
}

// layoutPages writes the pages' glyphs as text.
func layoutPages(pages [][]glyph) string {
	lines := make([][]textLine, len(pages))
	for i, gs := range pages {
		lines[i] = pageLines(gs)
	}
	margin, unit := leftMargin(lines), typicalSize(pages)/2
	var b strings.Builder
	for i, ls := range lines {
		if i > 0 {
			b.WriteByte('\f')
		}
		for j, l := range ls {
			if j > 0 && l.y-ls[j-1].y > 2.2*max(l.size, ls[j-1].size) {
				b.WriteByte('\n')
			}
			b.WriteString(l.render(margin, unit))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// pageLines groups a page's glyphs into lines, top to bottom, each sorted
// left to right without doubled glyphs (fake bold draws a glyph twice).
func pageLines(gs []glyph) []textLine {
	slices.SortStableFunc(gs, func(a, b glyph) int { return cmpFloat(a.y, b.y) })
	var lines []textLine
	for _, g := range gs {
		if n := len(lines); n > 0 && g.y-lines[n-1].y <= 0.4*max(lines[n-1].size, g.size) {
			lines[n-1].gs = append(lines[n-1].gs, g)
			lines[n-1].size = max(lines[n-1].size, g.size)
			continue
		}
		lines = append(lines, textLine{y: g.y, size: g.size, gs: []glyph{g}})
	}
	for i := range lines {
		l := &lines[i]
		slices.SortStableFunc(l.gs, func(a, b glyph) int { return cmpFloat(a.x, b.x) })
		l.gs = slices.CompactFunc(l.gs, func(a, b glyph) bool {
			return a.r == b.r && math.Abs(a.x-b.x) < 0.3*a.size
		})
	}
	return lines
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// render writes a line, its position and gaps as spaces of width unit.
func (l textLine) render(margin, unit float64) string {
	var b strings.Builder
	b.WriteString(spaces(l.gs[0].x-margin, unit))
	for i, g := range l.gs {
		if i > 0 {
			prev := l.gs[i-1]
			gap := g.x - (prev.x + prev.adv)
			switch {
			case gap >= 2*prev.size:
				b.WriteString(spaces(gap, unit))
			case gap >= 0.3*prev.size && prev.r != ' ' && g.r != ' ':
				b.WriteByte(' ')
			}
		}
		b.WriteRune(g.r)
	}
	return b.String()
}

func spaces(width, unit float64) string {
	if unit <= 0 || width <= 0 {
		return ""
	}
	return strings.Repeat(" ", min(maxSpaces, int(math.Round(width/unit))))
}

// leftMargin is the text's left edge: the smallest line start (to the
// millimetre) shared by two lines or more, or the smallest of all if none
// recurs, so that one stray mark in the margin does not shift every line.
func leftMargin(pages [][]textLine) float64 {
	seen := map[float64]int{}
	lowest, recurring := math.Inf(1), math.Inf(1)
	for _, ls := range pages {
		for _, l := range ls {
			x := math.Round(l.gs[0].x)
			lowest = min(lowest, x)
			if seen[x]++; seen[x] >= 2 {
				recurring = min(recurring, x)
			}
		}
	}
	switch {
	case !math.IsInf(recurring, 0):
		return recurring
	case !math.IsInf(lowest, 0):
		return lowest
	}
	return 0
}

// typicalSize is the most common font size (to 0.1 mm), the body's.
func typicalSize(pages [][]glyph) float64 {
	count := map[float64]int{}
	best, bestN := defaultFontSize, 0
	for _, gs := range pages {
		for _, g := range gs {
			s := math.Round(g.size*10) / 10
			if count[s]++; count[s] > bestN || count[s] == bestN && s < best {
				best, bestN = s, count[s]
			}
		}
	}
	return best
}
