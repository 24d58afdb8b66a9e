// Package docprint lays a 公文 out as GB/T 9704-2012 党政机关公文格式 asks:
// a standalone HTML print view (HTML, with its style sheet CSS) and a PDF of
// the same page made by headless Chromium (Printer.PDF).
//
// The HTML is served under the app's Content-Security-Policy (style-src
// 'self'), so it carries no inline styles: it links the style sheet at
// CSSPath, which the web layer serves from CSS(). Per-document geometry
// (the width of the 发文机关标志) is given as SVG attributes, which CSP does
// not govern. The PDF is made from the same page with the style sheet
// inlined, in a browser tab that loads nothing from the network.
//
// The measurements implemented, and where they deviate from the standard,
// are described in print.css.
package docprint

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"halfsky/internal/doc"
)

// CSSPath is where the print view expects its style sheet; the web layer
// routes GET CSSPath to CSS().
const CSSPath = "/docs/print.css"

//go:embed print.css
var css []byte

//go:embed print.html.tmpl
var pageSrc string

var pageTmpl = template.Must(template.New("print").Parse(pageSrc))

// CSS is the print view's style sheet (text/css; charset=utf-8).
func CSS() []byte { return css }

// HTML is the print view of d: a standalone page (no app layout) that links
// the style sheet at CSSPath. Every text is HTML-escaped.
func HTML(d doc.Document) ([]byte, error) {
	return render(d, false)
}

// htmlInline is HTML with the style sheet in the page, for the PDF tab.
func htmlInline(d doc.Document) ([]byte, error) {
	return render(d, true)
}

func render(d doc.Document, inline bool) ([]byte, error) {
	v := build(d)
	if inline {
		v.InlineCSS = template.CSS(css)
	} else {
		v.CSSHref = CSSPath
	}
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("docprint: %w", err)
	}
	return b.Bytes(), nil
}

// view is what the template shows; every string is plain text.
type view struct {
	CSSHref   string
	InlineCSS template.CSS

	HasHead      bool
	CopyNo       string
	SecretLine   string
	Urgency      string
	Mark         string
	MarkSize     string // font size in mm (SVG user units)
	MarkBaseline string
	MarkSqueeze  string // textLength in mm when the mark is squeezed
	Number       string
	Signers      []string

	TitleText  string
	Title      []string // lines
	Recipients string
	Body       []para
	Attach     []attachment

	Signature string
	Date      string
	Seal      bool // the 署名 and date laid out for a seal (7.3.5.1)
	SealMark  bool // the seal itself drawn: issued documents only
	SealText  string
	SealSize  string
	Note      string

	HasBanji    bool
	BanjiCopies []string
	CC          string
	PrintedBy   string
	PrintedDate string
}

type para struct {
	Class string
	Head  string // the heading sentence in its level's font
	Rest  string
}

type attachment struct {
	Num  string
	Name string
}

// Mark geometry, in mm: the characters of the 发文机关标志 are at most
// markSize tall (GB/T 9704-1999 capped them at 15 mm × 22 mm; the 2012
// edition leaves the size to "醒目、美观、庄重" and the 版心 width), and the
// whole mark is squeezed to markMaxWidth when longer.
const (
	markSize     = 15.0
	markMaxWidth = 154.0
	// markAscent is the top of the ideographic em box above the baseline,
	// in em, in the CJK faces named (Noto CJK, SimSun, FangSong: 0.88).
	markAscent = 0.88
)

func build(d doc.Document) view {
	f := d.Fields
	v := view{
		CopyNo:     strings.TrimSpace(f.CopyNo),
		Urgency:    strings.TrimSpace(f.Urgency),
		Mark:       strings.TrimSpace(f.IssuerMark),
		Number:     strings.TrimSpace(d.Number),
		Recipients: strings.TrimRight(strings.TrimSpace(f.Recipients), "：:"),
		Signature:  strings.TrimSpace(f.Signature),
		Date:       chineseDate(f.DocDate),
		Seal:       f.Seal,
		SealMark:   f.Seal && d.Status == doc.Issued,
		Note:       strings.TrimSpace(f.Note),
	}
	if s := strings.TrimSpace(f.Secret); s != "" {
		v.SecretLine = s
		if t := strings.TrimSpace(f.SecretTerm); t != "" {
			if isDigits(t) {
				t += "年"
			}
			v.SecretLine += "★" + t
		}
	}
	for _, s := range f.Signers {
		if s = strings.TrimSpace(s); s != "" {
			v.Signers = append(v.Signers, s)
		}
	}
	v.HasHead = v.Mark != ""
	if v.Mark != "" {
		v.MarkSize = fmtMM(markSize)
		v.MarkBaseline = fmtMM(markAscent * markSize)
		if w := textWidth(v.Mark) * markSize; w > markMaxWidth {
			v.MarkSqueeze = fmtMM(markMaxWidth)
		}
	}
	if !v.HasHead {
		v.Signers = nil // 签发人 belongs to the 版头
	}

	title := strings.TrimSpace(f.Title)
	v.TitleText = strings.Join(strings.Fields(title), "")
	v.Title = titleLines(title)

	for _, p := range f.Body {
		if p = strings.TrimSpace(p); p != "" {
			v.Body = append(v.Body, classify(p))
		}
	}

	var items []string
	for _, a := range f.AttachmentNote {
		if a = strings.TrimSpace(a); a != "" {
			items = append(items, a)
		}
	}
	for i, a := range items {
		a = strings.TrimPrefix(a, "附件：")
		a = strings.TrimPrefix(a, "附件:")
		a = attachNumRE.ReplaceAllString(a, "")
		a = strings.TrimRight(a, "。.；;，,") // 附件名称后不加标点符号
		at := attachment{Name: a}
		if len(items) > 1 {
			at.Num = strconv.Itoa(i+1) + "."
		}
		v.Attach = append(v.Attach, at)
	}

	if v.Seal {
		v.SealText = v.Signature
		if v.SealText == "" {
			v.SealText = strings.TrimSpace(d.OrgName)
		}
		// The name runs along the top of an 11.5 mm circle inside the ring,
		// in at most 40 mm (half of it) of 3–4 mm characters.
		size := 40.0 / max(1, textWidth(v.SealText))
		v.SealSize = fmtMM(min(4, max(3, size)))
	}

	v.CC = strings.TrimRight(strings.TrimSpace(f.CC), "。.")
	v.PrintedBy = strings.TrimSpace(f.PrintedBy)
	if v.PrintedBy == "" {
		v.PrintedBy = v.Signature
	}
	if v.PrintedBy == "" {
		v.PrintedBy = strings.TrimSpace(d.OrgName)
	}
	v.PrintedDate = chineseDate(f.PrintedDate)
	if v.PrintedDate == "" {
		v.PrintedDate = v.Date
	}
	v.HasBanji = v.CC != "" || v.PrintedBy != "" || v.PrintedDate != ""
	if v.HasBanji {
		v.BanjiCopies = []string{"ghost", "real"}
	}
	return v
}

var (
	h1RE        = regexp.MustCompile(`^[一二三四五六七八九十百零〇]+、`)
	h2RE        = regexp.MustCompile(`^[（(][一二三四五六七八九十百零〇]+[）)]`)
	h3RE        = regexp.MustCompile(`^[0-9０-９]+[.．]`)
	h4RE        = regexp.MustCompile(`^[（(][0-9０-９]+[）)]`)
	attachNumRE = regexp.MustCompile(`^[0-9０-９]+[.．、]\s*`)
)

// classify finds a paragraph's heading level (GB/T 9704 7.3.3: 一、 in 黑体,
// （一） in 楷体, 1. and （1） in 仿宋). A heading that runs on into text
// keeps the level's font for its first sentence only.
func classify(p string) para {
	level := ""
	switch {
	case h1RE.MatchString(p):
		level = "h1"
	case h2RE.MatchString(p):
		level = "h2"
	case h4RE.MatchString(p):
		level = "h4"
	case h3RE.MatchString(p):
		level = "h3"
	}
	if level == "" {
		return para{Rest: p}
	}
	if level == "h3" || level == "h4" {
		return para{Class: level, Rest: p}
	}
	if i := strings.Index(p, "。"); i >= 0 && i+len("。") < len(p) {
		return para{Class: level + " go", Head: p[:i+len("。")], Rest: p[i+len("。"):]}
	}
	return para{Class: level, Head: p}
}

// chineseDate is doc.ChineseDate for a valid date and "" for none.
func chineseDate(iso string) string {
	iso = strings.TrimSpace(iso)
	if iso == "" {
		return ""
	}
	return doc.ChineseDate(iso)
}

// textWidth is a text's width in em: ideographs and full-width forms are
// one, everything else half.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x30FF) || (r >= 0xFF01 && r <= 0xFF60) {
			w++
		} else {
			w += 0.5
		}
	}
	return w
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func fmtMM(x float64) string {
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// titleChars is how many 2号 (22pt) characters fit in the 156 mm 版心.
const titleChars = 20

// titleLines breaks a title into lines (GB/T 9704 7.3.1: "回行时，要做到
// 词意完整，排列对称，长短适宜，间距恰当，标题排列应当使用梯形或菱形"). Line
// breaks the drafter typed are kept. Otherwise the lines are made as even as
// possible, breaking where a phrase ends (after 关于, 的, 和, punctuation,
// a common verb of 公文 titles) rather than inside a word, shorter lines on
// top (a trapezoid) or in the middle of three (a diamond).
func titleLines(title string) []string {
	var lines []string
	if strings.Contains(title, "\n") {
		for _, l := range strings.Split(title, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		return lines
	}
	t := []rune(strings.TrimSpace(title))
	total := textWidth(string(t))
	if total <= titleChars || len(t) < 4 {
		return []string{string(t)}
	}
	// width[i] is the width of t[:i].
	width := make([]float64, len(t)+1)
	for i, r := range t {
		width[i+1] = width[i] + textWidth(string(r))
	}
	best, bestCost := []int(nil), 0.0
	fewest := int(total/titleChars) + 1
	for n := fewest; n <= fewest+1 && n <= len(t); n++ {
		breaks, cost := splitTitle(t, width, n)
		cost += 12 * float64(n-fewest) // a line more only for a much better shape
		if breaks != nil && (best == nil || cost < bestCost) {
			best, bestCost = breaks, cost
		}
	}
	if best == nil {
		return []string{string(t)} // the browser wraps it
	}
	prev := 0
	for _, b := range append(best, len(t)) {
		lines = append(lines, string(t[prev:b]))
		prev = b
	}
	return lines
}

// splitTitle finds the n−1 break positions of least cost by dynamic
// programming; nil when no split has every line within titleChars.
func splitTitle(t []rune, width []float64, n int) ([]int, float64) {
	const inf = 1e18
	target := width[len(t)] / float64(n)
	// cost[k][i]: best cost of k lines ending at rune i; from[k][i]: the
	// previous break.
	cost := make([][]float64, n+1)
	from := make([][]int, n+1)
	for k := range cost {
		cost[k] = make([]float64, len(t)+1)
		from[k] = make([]int, len(t)+1)
		for i := range cost[k] {
			cost[k][i] = inf
		}
	}
	cost[0][0] = 0
	for k := 1; k <= n; k++ {
		for i := 1; i <= len(t); i++ {
			if k == n && i != len(t) {
				continue
			}
			for j := k - 1; j < i; j++ {
				if cost[k-1][j] >= inf {
					continue
				}
				w := width[i] - width[j]
				if w > titleChars {
					continue
				}
				c := cost[k-1][j] + (w-target)*(w-target)
				if i < len(t) {
					c += breakPenalty(t, i)
				}
				if k > 1 {
					// Shape: each line no longer than the next, except
					// that the last of three may be shorter (a diamond).
					prevW := width[j] - width[from[k-1][j]]
					if prevW > w+0.01 && !(n == 3 && k == 3) {
						c += 1
					}
				}
				if c < cost[k][i] {
					cost[k][i], from[k][i] = c, j
				}
			}
		}
	}
	if cost[n][len(t)] >= inf {
		return nil, 0
	}
	breaks := make([]int, n-1)
	i := len(t)
	for k := n; k > 1; k-- {
		i = from[k][i]
		breaks[k-2] = i
	}
	return breaks, cost[n][len(t)]
}

// Where a title line may end: after these, a phrase is complete.
var (
	titleBreakAfter = []string{
		"关于", "的", "和", "与", "及", "暨", "、", "，", "：", "》", "”", "）",
		"贯彻", "落实", "学习", "开展", "做好", "加强", "推进", "推动", "印发", "转发",
		"表彰", "召开", "举办", "组织", "实施", "进一步", "深入", "全面", "切实",
		"申请", "请求", "报送", "调整", "成立", "建立", "命名", "授予", "批准", "同意",
		// the end of an organ's name
		"联合会", "委员会", "妇联", "政府", "办公室", "办公厅", "协会", "学会",
	}
	titleBreakBefore = []string{"关于", "《", "“", "（"}
	// Never at a line's start.
	titleNoStart = "，。、；：？！）》”’"
	// Never at a line's end.
	titleNoEnd = "（《“‘"
)

// breakPenalty is the cost of ending a title line before t[i].
func breakPenalty(t []rune, i int) float64 {
	if strings.ContainsRune(titleNoStart, t[i]) || strings.ContainsRune(titleNoEnd, t[i-1]) {
		return 1000
	}
	head, tail := string(t[:i]), string(t[i:])
	for _, s := range titleBreakBefore {
		if strings.HasPrefix(tail, s) {
			return 0
		}
	}
	for _, s := range titleBreakAfter {
		if strings.HasSuffix(head, s) {
			return 0
		}
	}
	// Between two Latin letters or digits: inside a word or number.
	if t[i-1] < 0x80 && t[i] < 0x80 {
		return 1000
	}
	return 6
}
