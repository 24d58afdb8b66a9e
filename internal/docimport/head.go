package docimport

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// parser walks the lines of one document, top to bottom, filling d.
type parser struct {
	ls []line
	d  *Document
}

func (p *parser) parse() {
	i := p.parseMarkers(0)
	i, titled := p.parseHead(i)
	if titled {
		i = p.parseRecipients(i)
	} else {
		i = p.parseTitle(i)
	}
	p.parseRest(i)
}

// markersRe matches a line of the 版头's top-left markers, in their fixed
// order: 份号 (six digits), 密级 with an optional 保密期限 after ★ (秘密★1年,
// 机密★长期), 紧急程度. GB/T 9704 prints each on its own line; typed
// documents sometimes put them on one, sometimes with their labels. The line
// must be spaceless (compact) with ASCII digits.
var markersRe = regexp.MustCompile(
	`^(?:(?:份号[：:])?(\d{4,8}))?` +
		`(?:(?:密级[：:])?(绝密|机密|秘密)(?:[★☆*＊](\d{1,3}年|\d{1,3}个月|长期|[一二三四五六七八九十]{1,3}年))?)?` +
		`(?:(?:紧急程度[：:])?(特急|加急))?$`)

// parseMarkers reads 份号, 密级 and 紧急程度 from the first lines and returns
// the index of the first line that is none of them.
func (p *parser) parseMarkers(i int) int {
	for ; i < len(p.ls) && i < 3 && len(p.ls[i].raw) <= maxHeadLineBytes; i++ {
		m := markersRe.FindStringSubmatch(asciiDigits(compact(p.ls[i].raw)))
		if m == nil || m[0] == "" {
			break
		}
		setOnce(&p.d.CopyNo, m[1])
		if m[2] != "" && p.d.Secret == "" {
			p.d.Secret = m[2]
			if m[3] != "" {
				p.d.Secret += "★" + m[3]
			}
		}
		setOnce(&p.d.Urgency, m[4])
	}
	return i
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// maxIssuerLines bounds the 发文机关标志: one organ, or a joint issue of a
// few organs stacked above 文件.
const maxIssuerLines = 3

// maxHeadLines bounds how far below the markers the 发文字号 is looked for:
// past a 发文机关标志 and a 标题, since web pages print the number under
// the title.
const maxHeadLines = maxIssuerLines + maxTitleLines

// parseHead reads 发文机关标志, 发文字号 and 签发人 and returns the index of
// the first line after them, and whether the 标题 was among them.
//
// The number line is the anchor. In a 公文 as printed, the lines above it
// are the 发文机关标志 and the 标题 follows it; on web pages the number often
// comes under the title, or first of all, and in the 函 form, whose number
// is set on the right under the organ's name, extraction may put it before
// the name. So the lines above the number are split into a mark and a title
// (splitHead), and a mark is also looked for under a number that comes first.
// Without a number, only a line ending in 文件 is taken as the 发文机关标志,
// since any short first line (a news headline) would otherwise pass.
func (p *parser) parseHead(i int) (int, bool) {
	j, nl, ok := p.findNumber(i)
	if !ok {
		if i < len(p.ls) && strings.HasSuffix(p.ls[i].norm, "文件") && organLike(p.ls[i].norm) {
			p.d.IssuerMark = p.ls[i].norm
			return i + 1, false
		}
		return i, false
	}
	p.d.Number = nl.number
	p.d.Signers = append(p.d.Signers, nl.signers...)
	mark, title := splitHead(p.ls[i:j])
	if len(mark) > 0 {
		p.d.IssuerMark = joinLines(rawTexts(mark))
	}
	k := p.parseSigners(j+1, nl.signerLabel)
	if len(title) > 0 {
		p.d.Title = undouble(joinLines(rawTexts(title)))
		return p.skipTitleRepeat(k), true
	}
	if j == i {
		k = p.parseMarkAfter(k)
	}
	return k, false
}

// findNumber finds the 发文字号 line among the head's lines. It stops at the
// first sentence or line ending in a colon: the 主送机关 or the 正文 has
// begun, and a number there is a reference, not the document's own.
func (p *parser) findNumber(i int) (int, numberLine, bool) {
	for k := i; k < len(p.ls) && k <= i+maxHeadLines; k++ {
		if nl, ok := parseNumberLine(p.ls[k].raw); ok {
			return k, nl, true
		}
		s := p.ls[k].norm
		if strings.ContainsAny(s, "。！？!?") || strings.HasSuffix(s, "：") || strings.HasSuffix(s, ":") {
			break
		}
	}
	return 0, numberLine{}, false
}

// splitHead splits the lines above the number into the 发文机关标志 (up to
// three organ names, or a name and 文件) and a 标题 under it, as web pages
// print it. Lines that are neither are dropped, as before: stray page
// furniture is likelier there than a title without its document type.
func splitHead(ls []line) (mark, title []line) {
	n := 0
	for n < len(ls) && n < maxIssuerLines && markLike(ls[n].norm) {
		n++
	}
	rest := ls[n:]
	if len(rest) > 0 && len(rest) <= maxTitleLines && endsWithDocType(joinLines(rawTexts(rest))) {
		return ls[:n], rest
	}
	return ls[:n], nil
}

// markLike reports a line that can be (part of) a 发文机关标志: an organ's
// name, and not the start or end of a title, which has 关于 or ends with the
// document's type.
func markLike(s string) bool {
	return organLike(s) && !endsWithDocType(s) && !strings.Contains(s, "关于")
}

// parseMarkAfter reads a 发文机关标志 printed under a number that came
// first, as extraction orders a 函's head. A lone organ name right above a
// line starting with 关于 is instead the first line of the title
// ("哈尔滨市妇女联合会" / "关于…的通知"), unless a blank or a rule separates
// them.
func (p *parser) parseMarkAfter(k int) int {
	n := 0
	for n < maxIssuerLines && k+n < len(p.ls) && markLike(p.ls[k+n].norm) && hasOrganEnding(p.ls[k+n].norm) {
		n++
	}
	if n == 0 {
		return k
	}
	mark := joinLines(rawTexts(p.ls[k : k+n]))
	if !strings.HasSuffix(mark, "文件") && k+n < len(p.ls) {
		next := p.ls[k+n]
		if strings.HasPrefix(next.norm, "关于") && !next.blankBefore && !next.ruleBefore {
			return k
		}
	}
	p.d.IssuerMark = mark
	return k + n
}

// organEndings are the last characters of organs' names: 联合会, 妇联,
// 委员会, 教育局, 宣传部, 文明办, 办公室, 人民政府, and 文件 after them.
const organEndings = "会联委局部厅办室院府处团所站队校社馆组署件"

func hasOrganEnding(s string) bool {
	return strings.ContainsRune(organEndings, lastRune(compact(s)))
}

// undouble returns the first half of a title printed twice: a web page's
// headline followed by the document's own title, with nothing between them
// once the page's metadata is dropped.
// The half is normalized again: parentheses may have paired across the
// halves.
func undouble(t string) string {
	if h := len(t) / 2; h > 0 && len(t)%2 == 0 && t[:h] == t[h:] {
		return normalize(t[:h])
	}
	return t
}

// skipTitleRepeat skips the title printed again under the number (a web
// page's headline, then the number, then the document's title).
func (p *parser) skipTitleRepeat(k int) int {
	for n := 1; n <= maxTitleLines && k+n <= len(p.ls); n++ {
		if joinLines(rawTexts(p.ls[k:k+n])) == p.d.Title {
			return k + n
		}
	}
	return k
}

// parseRecipients reads the 主送机关 right under a title that was read with
// the head, and returns the index where the 正文 starts.
func (p *parser) parseRecipients(i int) int {
	if c := p.findRecipientsEnd(i); c >= 0 && c-i < 3 {
		p.d.Recipients = normalize(trimColon(joinLines(rawTexts(p.ls[i : c+1]))))
		return c + 1
	}
	return i
}

// parseSigners reads a 签发人 printed on the lines after the number: the
// label on a line of its own, or further names continuing the list.
func (p *parser) parseSigners(i int, labelSeen bool) int {
	if !labelSeen && i < len(p.ls) {
		if names, ok := parseSignerLine(p.ls[i].raw); ok {
			p.d.Signers = append(p.d.Signers, names...)
			labelSeen = true
			i++
		}
	}
	for labelSeen && i < len(p.ls) && isNamesLine(p.ls[i]) {
		p.d.Signers = append(p.d.Signers, parseSigners(p.ls[i].raw)...)
		i++
	}
	return i
}

// maxTitleLines bounds the 标题: GB/T 9704 sets it in 2号 type, about 20
// characters a line, and a title longer than four lines is not one.
const maxTitleLines = 4

// parseTitle reads the 标题 and the 主送机关 and returns the index where the
// 正文 starts.
//
// The 主送机关 is the line ending in a colon under the title. The title is
// what comes before it, but when the recipients list itself wraps over
// several lines the split is made after the last line that completes a title,
// i.e. ends with a document type (…的通知, …的请示, …的函). Without any
// recipients (公告, 通告, 纪要) the title ends at its first such line.
func (p *parser) parseTitle(i int) int {
	ls := p.ls
	if c := p.findRecipientsEnd(i); c >= 0 {
		t := -1
		for k := i + 1; k <= c && k-i <= maxTitleLines; k++ {
			if endsWithDocType(joinLines(rawTexts(ls[i:k]))) {
				t = k
			}
		}
		if t < 0 && c-i <= maxTitleLines {
			t = c
		}
		if t >= 0 {
			p.d.Title = undouble(joinLines(rawTexts(ls[i:t])))
			p.d.Recipients = normalize(trimColon(joinLines(rawTexts(ls[t : c+1]))))
			return c + 1
		}
	}
	for k := i + 1; k <= len(ls) && k-i <= maxTitleLines; k++ {
		if endsWithDocType(joinLines(rawTexts(ls[i:k]))) {
			p.d.Title = undouble(joinLines(rawTexts(ls[i:k])))
			return k
		}
	}
	// A single short line that is not a sentence may still be a title with an
	// unusual ending; anything longer is the body of a text without one.
	if i < len(ls) && !endsSentence(ls[i].norm) && width(ls[i].norm) <= 80 {
		p.d.Title = ls[i].norm
		return i + 1
	}
	return i
}

// findRecipientsEnd returns the index of the line that ends the 主送机关 (a
// line ending in a colon, close under the title), or -1.
func (p *parser) findRecipientsEnd(i int) int {
	for k := i; k < len(p.ls) && k < i+maxTitleLines+3; k++ {
		s := p.ls[k].norm
		if strings.ContainsAny(s, "。！？!?") || strings.Contains(s, "如下") {
			// A sentence: the body has begun, or "现将有关事项通知如下：".
			return -1
		}
		if strings.HasSuffix(s, "：") || strings.HasSuffix(s, ":") {
			return k
		}
	}
	return -1
}

// docTypes are the endings of a 标题: the 15 document types of the 党政机关
// 公文处理工作条例, of which 复函 is a 函.
var docTypes = []string{
	"决议", "决定", "命令", "令", "公报", "公告", "通告", "意见", "通知",
	"通报", "报告", "请示", "批复", "议案", "函", "纪要",
}

func endsWithDocType(s string) bool {
	for _, t := range docTypes {
		if strings.HasSuffix(s, t) {
			return true
		}
	}
	return false
}

// organLike reports a string that can be an organ's name standing alone (a
// 发文机关标志, 署名 or 印发机关): Chinese, not too long, and no sentence
// punctuation, list marker or 附件 label, which only body text has.
func organLike(s string) bool {
	c := compact(s)
	n := utf8.RuneCountInString(c)
	switch {
	case n < 2 || n > 40 || !containsHan(c):
		return false
	case strings.ContainsAny(c, "。，！？；：、,.!?;:《》“”<>＜＞|｜/／"):
		return false
	case isHeading(c) || listItemRe.MatchString(c):
		return false
	case strings.HasPrefix(c, "附件") || strings.HasPrefix(c, "特此"):
		return false
	}
	return true
}

func rawTexts(ls []line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.raw
	}
	return out
}
