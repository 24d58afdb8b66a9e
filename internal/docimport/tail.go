package docimport

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// parseRest reads everything after the 主送机关: 正文, 附件说明, 署名,
// 成文日期, 附注 and the 版记.
//
// It works from the fixed points inwards. The 版记 starts at the first
// 抄送 line or 印发 line; the 成文日期 is the first line before it that is
// nothing but a date; the 署名 is the organ name on the line just above the
// date; the 附件说明 is the block starting with 附件： above that. What is
// left between the 主送机关 and those is the 正文.
func (p *parser) parseRest(b int) {
	ls := p.ls
	v := findBanji(ls, b)
	end := v
	if end < 0 {
		end = len(ls)
	}
	d := -1
	for k := b; k < end; k++ {
		if iso, ok := dateOnly(ls[k].norm); ok {
			d, p.d.Date = k, iso
			break
		}
	}
	if d >= 0 {
		p.d.Note = findNote(ls[d+1 : end])
		end = d
		if sig, n := signature(ls[b:d]); n > 0 {
			p.d.Signature = sig
			end = d - n
		}
	}
	bodyEnd := end
	for k := b; k < end; k++ {
		if attachLabelRe.MatchString(ls[k].norm) {
			bodyEnd = k
			p.d.Attachments = parseAttachments(ls[k:end])
			break
		}
	}
	p.d.Body = append(p.d.Body, paragraphs(ls[b:bodyEnd])...)
	if v >= 0 {
		p.parseBanji(ls[v:])
	}
}

// maxSigners bounds the organs of a joint issue whose names stand above
// the 成文日期.
const maxSigners = 3

// signature reads the 发文机关署名 at the end of ls, just above the date,
// and returns it with the number of lines it took. A joint issue stacks one
// organ per line or sets them side by side; their names are joined with 、.
// Lines above the last are taken only when they end like an organ's name
// (…妇女联合会, …教育局), so that a short closing line of the 正文 (此复,
// 盼复) is not mistaken for a second organ.
func signature(ls []line) (string, int) {
	var names []string
	n := 0
	for k := len(ls) - 1; k >= 0 && n < maxSigners; k-- {
		s := ls[k].norm
		if !organLike(s) || (n > 0 && !stackedOrgan(s)) {
			break
		}
		names = append(organNames(ls[k].raw), names...)
		n++
	}
	return strings.Join(names, "、"), n
}

// stackedOrgan reports a line above the last 署名 line that is another
// organ's name: it ends like one and is short, without digits or a request
// (a line of the 正文 that lost its 。 may end in …宣传部 too).
func stackedOrgan(s string) bool {
	c := compact(s)
	return hasOrganEnding(c) && utf8.RuneCountInString(c) <= 20 &&
		!strings.ContainsFunc(c, func(r rune) bool { return isDigit(r) || isFullWidthDigit(r) }) &&
		!strings.HasPrefix(c, "请")
}

// organNames splits a line holding organs' names set side by side
// ("株洲市妇女联合会    株洲市教育局"): every space-separated part must end
// like an organ's name and have at least three characters, so that a name
// split apart by PDF extraction ("哈尔滨市妇女 联合会") stays one.
func organNames(raw string) []string {
	parts := strings.Fields(raw)
	for i, p := range parts {
		if len(parts) < 2 || utf8.RuneCountInString(p) < 3 || !hasOrganEnding(p) {
			return []string{compact(normalize(raw))}
		}
		parts[i] = normalize(p)
	}
	return parts
}

// findBanji returns the index of the first line of the 版记 at or after b,
// or -1.
func findBanji(ls []line, b int) int {
	for k := b; k < len(ls); k++ {
		if ccLabelRe.MatchString(ls[k].norm) {
			return k
		}
		if _, _, ok := printedLine(ls[k].norm); ok {
			return k
		}
	}
	return -1
}

// ccLabelRe matches the label of 抄送机关 (抄报 in older documents).
var ccLabelRe = regexp.MustCompile(`^抄[送报][：:]`)

// parseBanji reads 抄送机关 and 印发机关和印发日期. The 抄送 list may wrap
// over several lines; it ends with a 。 or where the 印发 line begins.
func (p *parser) parseBanji(ls []line) {
	var cc []string
	inCC := false
	for k, l := range ls {
		if by, date, ok := printedLine(l.norm); ok {
			p.d.PrintedDate = date
			p.d.PrintedBy = by
			if by == "" && k > 0 && !inCC && organLike(ls[k-1].norm) {
				p.d.PrintedBy = compact(ls[k-1].norm) // organ and date on separate lines
			}
			break
		}
		switch {
		case ccLabelRe.MatchString(l.norm):
			cc = append(cc, ccLabelRe.ReplaceAllString(l.norm, ""))
			inCC = true
		case inCC && !strings.HasSuffix(cc[len(cc)-1], "。"):
			cc = append(cc, l.raw)
		default:
			inCC = false
		}
	}
	p.d.CC = normalize(strings.TrimRight(joinLines(cc), "。."))
}

// printedLine reads the 印发 line: the printing organ, the date and 印发
// ("哈尔滨市妇女联合会 2015 年 8 月 11 日印发"). The organ may be missing
// when it was printed on the line above.
func printedLine(s string) (by, date string, ok bool) {
	if !strings.HasSuffix(s, "印发") { // s is normalized: no space before 印发
		return "", "", false
	}
	c := compact(s)
	by, date, ok = trailingDate(strings.TrimSuffix(c, "印发"))
	if !ok || (by != "" && !organLike(by)) {
		return "", "", false
	}
	return by, date, true
}

// findNote returns the 附注: a parenthesized text just under the 成文日期,
// possibly wrapped over a few lines.
func findNote(ls []line) string {
	if len(ls) == 0 || !strings.HasPrefix(ls[0].norm, "（") && !strings.HasPrefix(ls[0].norm, "(") {
		return ""
	}
	for k, l := range ls {
		if strings.HasSuffix(l.norm, "）") || strings.HasSuffix(l.norm, ")") {
			return joinLines(rawTexts(ls[:k+1]))
		}
	}
	return ""
}

// attachLabelRe matches the start of an 附件说明 line: "附件：" for the
// block, or "附件2：" when each attachment carries its own label.
var attachLabelRe = regexp.MustCompile(`^附件(?:[\d０-９]{1,2})?[：:]`)

// listItemRe matches the number before an attachment name or list item:
// 1. 1． 1、 （1） (1). A number followed by anything else (2016年度…) is
// part of the name.
var listItemRe = regexp.MustCompile(`^(?:[\d０-９]{1,2}[.．、]|[（(][\d０-９]{1,2}[）)])`)

// parseAttachments reads the 附件说明 block into attachment names. A line
// that starts with a label or a number starts a new attachment; any other
// line continues the previous name, which was too long for one line.
func parseAttachments(ls []line) []string {
	var items []string
	for _, l := range ls {
		s := l.norm
		labelled := attachLabelRe.MatchString(s)
		s = attachLabelRe.ReplaceAllString(s, "")
		numbered := listItemRe.MatchString(s)
		s = strings.TrimSpace(listItemRe.ReplaceAllString(s, ""))
		switch {
		case s == "":
		case labelled || numbered || len(items) == 0:
			items = append(items, s)
		default:
			items[len(items)-1] = joinLines([]string{items[len(items)-1], s})
		}
	}
	out := []string{}
	for _, it := range items {
		// GB/T 9704 puts no punctuation after an attachment name; typists do.
		if it = strings.TrimRight(it, "；;。.，, "); it != "" {
			out = append(out, it)
		}
	}
	return out
}
