package docimport

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// line is one non-blank printed line of the input.
type line struct {
	raw         string // white space collapsed to single ASCII spaces, trimmed
	norm        string // raw with PDF spaces next to Chinese characters removed
	indented    bool   // the line began with white space (a paragraph indent, or a PDF artifact)
	blankBefore bool   // one or more blank lines came before it
	pageBreak   bool   // a form feed or a page number came before it
	ruleBefore  bool   // a rule line came before it (the red line under the 版头)
}

// splitLines cleans the text and cuts it into non-blank lines. It drops what
// belongs to the page rather than the document: page numbers ("— 2 —",
// "-3-", "第 2 页", "3/5"), form feeds, and rule lines ("──────"),
// remembering where they were because a line after a page break may be the
// middle of a sentence. It also drops what a web page adds or garbles: lines
// of placeholders and lone punctuation, which count as blank lines, and the
// site's chrome (打印本页, 来源：… 浏览次数：…), see isChrome.
func splitLines(text string) []line {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")

	var out []line
	blank, pageBreak, rule := false, false, false
	for _, physical := range strings.Split(text, "\n") {
		// pdftotext separates pages with a form feed glued to the next line.
		for i, seg := range strings.Split(physical, "\f") {
			if i > 0 {
				pageBreak = true
			}
			seg = cleanControls(seg)
			text := strings.TrimLeftFunc(seg, isLeadingJunk)
			raw := strings.Join(strings.Fields(text), " ")
			switch {
			case raw == "":
				blank = true
				continue
			case isPageNumber(raw):
				pageBreak = true
				continue
			case isRule(raw):
				rule = true
				continue
			case isWrappedPunct(raw) && len(out) > 0 && !blank && !pageBreak && !rule && !endsInPunct(out[len(out)-1].raw):
				// pdftotext wraps a sentence's last 。 onto a line of its own.
				prev := &out[len(out)-1]
				prev.raw += raw
				prev.norm = normalize(prev.raw)
				continue
			case isJunk(raw) || isChrome(raw):
				blank = true
				continue
			}
			out = append(out, line{
				raw:         raw,
				norm:        normalize(raw),
				indented:    len(text) < len(seg), // spaces, or placeholders for them
				blankBefore: blank,
				pageBreak:   pageBreak,
				ruleBefore:  rule,
			})
			blank, pageBreak, rule = false, false, false
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

// isLeadingJunk reports what may be stripped from the start of a line:
// white space, and the question marks and replacement characters a web page
// shows for characters its encoding lacked. Those stood for full-width
// spaces, an indent or a logo ("? ?关于开展…的通知"); a real line never
// starts with a question mark, since Chinese typesetting keeps punctuation
// off the start of a line.
func isLeadingJunk(r rune) bool {
	return unicode.IsSpace(r) || r == '?' || r == '？' || r == '\uFFFD'
}

// isWrappedPunct reports a line of nothing but punctuation that closes a
// sentence or clause, which an extractor may wrap onto a line of its own
// when the page kept it at the margin. A lone question mark is not one: on
// web pages it is a placeholder.
func isWrappedPunct(raw string) bool {
	return raw != "" && strings.Trim(raw, "。，、；：！）」』”’》.,;:!)") == ""
}

func endsInPunct(s string) bool {
	r := lastRune(s)
	return unicode.IsPunct(r) || unicode.IsSymbol(r)
}

// isJunk reports a line without a single letter or digit: placeholders
// ("? ?", "□", "■", U+FFFD) and lone punctuation ("。", "·", "*") that a web
// page leaves where it dropped an image or a list bullet. Such a line holds
// nothing of the document.
func isJunk(raw string) bool {
	return !strings.ContainsFunc(raw, func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsNumber(r) || isHanRune(r)
	})
}

// pageNumberRe matches a line that is only a page number as GB/T 9704 prints
// it ("— 2 —", with dashes of any kind) or as extractors, word processors
// and web pages render it ("-3-", "- 3 -", "3", "3/5", "第 3 页",
// "第3页 共5页", "第 3 页/共 5 页", "共5页 第3页", "Page 3 of 5"). A bare
// number is taken as a page number only up to three digits: 份号 is six.
var pageNumberRe = regexp.MustCompile(
	`^(?:[-—–－―‒~～]+ ?\d{1,4} ?[-—–－―‒~～]+|\d{1,3}|\d{1,3} ?[/／] ?\d{1,3}` +
		`|第 ?\d{1,4} ?页(?: ?[，,/／]? ?共 ?\d{1,4} ?页)?|共 ?\d{1,4} ?页 ?[，,/／]? ?第 ?\d{1,4} ?页` +
		`|(?i:page) ?\d{1,4}(?: ?(?i:of) ?\d{1,4})?)$`)

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

// chromeRe matches, in a spaceless line, the buttons a web page prints around
// an article: 打印本页, 关闭窗口, 【字体：大 中 小】, [返回顶部] ….
var chromeRe = regexp.MustCompile(
	`^(?:[【\[［(（]?(?:打印本页|打印此页|打印本文|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|返回首页|返回列表|返回|` +
		`收藏本页|加入收藏|收藏|我要纠错|纠错|分享到|(?:字体|字号)[：:]?(?:【?[大中小]】?)+|(?:【?[大中小]】?){3})` +
		`[】\]］)）]?[|｜/／·•]?)+$`)

// metaRe matches the label that starts a line of an article's web metadata
// (来源：… 发布时间：… 浏览次数：…) or navigation (当前位置：首页 > …,
// 上一篇：…). Labels that a 公文 might use inside a sentence (资金来源：)
// do not match: the label must start the line.
var metaRe = regexp.MustCompile(
	`^(?:(?:信息|文章|稿件)?来源|发布(?:时间|日期|者|人|机构)|更新时间|浏览(?:次数|量)|点击(?:数|量|率|次数)|访问(?:量|次数)|` +
		`阅读(?:次数|量)|作者|(?:责任)?编辑|录入|(?:当前|您现在的|您的)位置|上一篇|下一篇|分享到)[：:]`)

// webMetaRe finds the labels that only web metadata has, anywhere in a line
// ("2014-05-06 10:32 来源：株洲日报 浏览次数：123").
var webMetaRe = regexp.MustCompile(`(?:发布(?:时间|日期)|浏览(?:次数|量)|点击(?:数|量|率|次数)|访问(?:量|次数)|阅读(?:次数|量))[：:]`)

// isChrome reports a line that belongs to the web page around a notice, not
// to the notice: buttons, the article's metadata and the breadcrumbs. Only
// short lines without a full stop qualify, so a sentence of the 正文 that
// happens to start with 来源： stays.
func isChrome(raw string) bool {
	c := compact(raw)
	if utf8.RuneCountInString(c) > 120 || strings.Contains(c, "。") {
		return false
	}
	c = stampRe.ReplaceAllString(c, "")
	return chromeRe.MatchString(c) || metaRe.MatchString(c) || webMetaRe.MatchString(c)
}

// stampRe matches the date and time a web page puts before an article's
// metadata ("2014-05-06 10:32 来源：…"), in a spaceless line.
var stampRe = regexp.MustCompile(`^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\d{1,2}:\d{2}(?::\d{2})?)?`)
