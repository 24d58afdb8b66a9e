package docfile

import (
	"fmt"
	"strings"
	"testing"
)

// An OFD is built as a producer writes one: OFD.xml, Doc_0/Document.xml,
// a template page and one Content.xml per page, text placed in millimetres
// on an A4 page with the GB/T 9704 margins (left 28 mm, type area 156 mm,
// 三号 type of 5.57 mm, 28 characters a line).

const (
	nsOFD    = `xmlns:ofd="http://www.ofdspec.org/2016"`
	ofdLeft  = 28.0
	ofdSize  = 5.57
	ofdWidth = 28 * ofdSize
	ofdPitch = 10.2
)

// ofdObj is one TextObject with one TextCode; y is the baseline.
type ofdObj struct {
	x, y, size float64
	text       string
	noDeltaX   bool // leave the advances to the reader's estimate
}

func advance(r rune, size float64) float64 {
	if isWideRune(r) {
		return size
	}
	return size / 2
}

func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		w += advance(r, size)
	}
	return w
}

func (o ofdObj) xml(id int) string {
	var dx []string
	rs := []rune(o.text)
	for _, r := range rs[:len(rs)-1] {
		dx = append(dx, fmt.Sprintf("%.2f", advance(r, o.size)))
	}
	delta := ""
	if !o.noDeltaX && len(dx) > 0 {
		delta = ` DeltaX="` + compressDeltas(dx) + `"`
	}
	// The Boundary's origin is the box's top left; the baseline is Size
	// below it, as producers write it.
	return fmt.Sprintf(`<ofd:TextObject ID="%d" Boundary="%.2f %.2f %.2f %.2f" Font="3" Size="%.2f">`+
		`<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="%.2f"%s>%s</ofd:TextCode></ofd:TextObject>`,
		id, o.x, o.y-o.size, textWidth(o.text, o.size)+1, o.size*1.3, o.size, o.size, delta, o.text)
}

// compressDeltas writes runs of one value as "g count value".
func compressDeltas(dx []string) string {
	var out []string
	for i := 0; i < len(dx); {
		j := i
		for j < len(dx) && dx[j] == dx[i] {
			j++
		}
		if j-i > 2 {
			out = append(out, "g", fmt.Sprint(j-i), dx[i])
		} else {
			out = append(out, dx[i:j]...)
		}
		i = j
	}
	return strings.Join(out, " ")
}

// wrap breaks a paragraph into lines of the type area, the first indented
// by two characters.
func wrap(text string, indent bool) []ofdObj {
	var lines []ofdObj
	x0, line, w := ofdLeft, "", 0.0
	if indent {
		x0 += 2 * ofdSize
	}
	start := x0
	for _, r := range text {
		if a := advance(r, ofdSize); start+w+a > ofdLeft+ofdWidth+0.01 {
			lines = append(lines, ofdObj{x: start, size: ofdSize, text: line})
			start, line, w = ofdLeft, "", 0
		}
		line += string(r)
		w += advance(r, ofdSize)
	}
	return append(lines, ofdObj{x: start, size: ofdSize, text: line})
}

func centred(text string, size float64) ofdObj {
	return ofdObj{x: ofdLeft + (ofdWidth-textWidth(text, size))/2, size: size, text: text}
}

// rightAligned ends the text `chars` characters from the type area's right
// edge, as GB/T 9704 sets the 成文日期.
func rightAligned(text string, chars float64) ofdObj {
	return ofdObj{x: ofdLeft + ofdWidth - chars*ofdSize - textWidth(text, ofdSize), size: ofdSize, text: text}
}

// ofdPage writes a page's Content.xml from objects placed from top, one
// line apart, in an order of the caller's choosing.
func ofdPage(template string, objs []ofdObj) string {
	var b strings.Builder
	b.WriteString(xmlDecl + `<ofd:Page ` + nsOFD + `>`)
	if template != "" {
		b.WriteString(`<ofd:Template TemplateID="` + template + `" ZOrder="Background"/>`)
	}
	b.WriteString(`<ofd:Content><ofd:Layer ID="2" Type="Body"><ofd:PageBlock ID="3">`)
	for i, o := range objs {
		b.WriteString(o.xml(100 + i))
	}
	// The red rule is a path, not text.
	b.WriteString(`<ofd:PathObject ID="9" Boundary="28 85 156 1" LineWidth="0.5"><ofd:StrokeColor Value="255 0 0"/>` +
		`<ofd:AbbreviatedData>M 0 0 L 156 0</ofd:AbbreviatedData></ofd:PathObject>`)
	b.WriteString(`</ofd:PageBlock></ofd:Layer></ofd:Content></ofd:Page>`)
	return b.String()
}

// ofdParts packages pages (Content.xml bodies) and templates (id → body).
func ofdParts(pages []string, templates map[string]string) []part {
	var refs, tpls strings.Builder
	parts := []part{{"OFD.xml", xmlDecl + `<ofd:OFD ` + nsOFD + ` Version="1.0" DocType="OFD"><ofd:DocBody>` +
		`<ofd:DocInfo><ofd:DocID>b7d8e4</ofd:DocID><ofd:Creator>test</ofd:Creator></ofd:DocInfo>` +
		`<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`}}
	for id, body := range templates {
		loc := "Tpls/Tpl_" + id + "/Content.xml"
		fmt.Fprintf(&tpls, `<ofd:TemplatePage ID="%s" BaseLoc="%s"/>`, id, loc)
		parts = append(parts, part{"Doc_0/" + loc, body})
	}
	for i, body := range pages {
		loc := fmt.Sprintf("Pages/Page_%d/Content.xml", i)
		ref := loc
		if i == 1 {
			ref = "/Doc_0/" + loc // absolute: from the package root
		}
		fmt.Fprintf(&refs, `<ofd:Page ID="%d" BaseLoc="%s"/>`, 10+i, ref)
		parts = append(parts, part{"Doc_0/" + loc, body})
	}
	doc := xmlDecl + `<ofd:Document ` + nsOFD + `><ofd:CommonData><ofd:MaxUnitID>200</ofd:MaxUnitID>` +
		`<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>` +
		`<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>` + tpls.String() + `</ofd:CommonData>` +
		`<ofd:Pages>` + refs.String() + `</ofd:Pages></ofd:Document>`
	return append(parts, part{"Doc_0/Document.xml", doc})
}

// noticeOFD lays the notice out on two pages; the 发文机关标志 is in a
// template. Each page's objects are written bottom to top, one body line is
// split in two objects written right half first, and another is one object
// per character.
func noticeOFD(t testing.TB) []byte {
	t.Helper()
	var body []ofdObj
	for _, p := range nBody {
		body = append(body, wrap(p, true)...)
	}
	var p1, p2 []ofdObj
	y := 80.0
	place := func(page *[]ofdObj, o ofdObj) {
		o.y = y
		*page = append(*page, o)
		y += ofdPitch
	}
	place(&p1, centred(nNumber, ofdSize))
	y += 12
	titleSize := 7.8
	place(&p1, centred(nTitle[:strings.Index(nTitle, "2016")], titleSize))
	y += 2
	place(&p1, centred(nTitle[strings.Index(nTitle, "2016"):], titleSize))
	y += 6
	place(&p1, ofdObj{x: ofdLeft, size: ofdSize, text: nRecipients})
	for _, o := range body[:2] {
		place(&p1, o)
	}
	p1 = append(p1, ofdObj{x: ofdLeft + (ofdWidth-textWidth("- 1 -", 4.9))/2, y: 280, size: 4.9, text: "- 1 -", noDeltaX: true})

	y = 37 + ofdSize
	for _, o := range body[2:] {
		place(&p2, o)
	}
	y += ofdPitch
	place(&p2, ofdObj{x: ofdLeft + 2*ofdSize, size: ofdSize, text: "附件：1．" + nAttachments[0]})
	place(&p2, ofdObj{x: ofdLeft + 5*ofdSize, size: ofdSize, text: "2．" + nAttachments[1]})
	y += 2 * ofdPitch
	place(&p2, rightAligned(nSignature, 4))
	place(&p2, rightAligned(nDate, 4))
	y += 3 * ofdPitch
	place(&p2, ofdObj{x: ofdLeft + ofdSize, size: 4.9, text: nCC})
	left := ofdObj{x: ofdLeft + ofdSize, size: 4.9, text: "哈尔滨市妇女联合会办公室"}
	right := ofdObj{size: 4.9, text: "2016年5月10日印发", noDeltaX: true}
	right.x = ofdLeft + ofdWidth - ofdSize - textWidth(right.text, 4.9)
	place(&p2, left)
	right.y = p2[len(p2)-1].y
	p2 = append(p2, right)
	p2 = append(p2, ofdObj{x: ofdLeft + (ofdWidth-textWidth("- 2 -", 4.9))/2, y: 280, size: 4.9, text: "- 2 -"})

	// Page 1's third line (the body's first) in two objects, right half
	// first; page 2's first line one object per character.
	first := p1[4]
	rs := []rune(first.text)
	lh := ofdObj{x: first.x, y: first.y, size: ofdSize, text: string(rs[:10])}
	rh := ofdObj{x: first.x + textWidth(lh.text, ofdSize), y: first.y, size: ofdSize, text: string(rs[10:])}
	p1 = append(append(p1[:4:4], rh, lh), p1[5:]...)
	var chars []ofdObj
	x := p2[0].x
	for _, r := range p2[0].text {
		chars = append(chars, ofdObj{x: x, y: p2[0].y, size: ofdSize, text: string(r)})
		x += advance(r, ofdSize)
	}
	p2 = append(chars, p2[1:]...)

	mark := centred(nMark, 12)
	mark.y = 57
	bold := mark // fake bold: drawn twice, a hair apart
	bold.x += 0.2
	template := ofdPage("", []ofdObj{mark, bold})
	return buildZip(t, ofdParts([]string{ofdPage("50", reversed(p1)), ofdPage("", reversed(p2))},
		map[string]string{"50": template})...)
}

func reversed(objs []ofdObj) []ofdObj {
	out := make([]ofdObj, len(objs))
	for i, o := range objs {
		out[len(objs)-1-i] = o
	}
	return out
}

func TestOFDNotice(t *testing.T) {
	x := extract(t, "通知.ofd", noticeOFD(t))
	if x.Kind != OFD || x.Pages != 2 {
		t.Errorf("got %v, want ofd with 2 pages", x)
	}
	pages := strings.Split(x.Text, "\f")
	if len(pages) != 2 {
		t.Fatalf("%d pages in the text, want 2:\n%s", len(pages), x.Text)
	}
	lines := strings.Split(pages[0], "\n")
	if got := strings.TrimSpace(lines[0]); got != nMark {
		t.Errorf("first line %q, want the mark %q (from the template, drawn twice)", got, nMark)
	}
	for _, l := range strings.Split(x.Text, "\n") {
		if strings.TrimSpace(l) == nDate {
			if lead := len(l) - len(strings.TrimLeft(l, " ")); lead < 20 {
				t.Errorf("date line %q has %d leading spaces, want a right-aligned line", l, lead)
			}
		}
		if strings.HasPrefix(strings.TrimSpace(l), "哈尔滨市妇女联合会办公室") && !strings.Contains(l, "办公室    ") {
			t.Errorf("印发 line %q: the gap before the date is not kept", l)
		}
	}
	if !strings.Contains(x.Text, "\n    "+string([]rune(nBody[0])[:10])) {
		t.Errorf("the indented first body line is not in order or not indented:\n%s", x.Text)
	}
	wantNotice(t, x.Text)
}

// A template that is missing is skipped; the page is read.
func TestOFDMissingTemplate(t *testing.T) {
	o := ofdObj{x: ofdLeft, y: 50, size: ofdSize, text: "正文"}
	parts := ofdParts([]string{ofdPage("77", []ofdObj{o})}, nil)
	x := extract(t, "a.ofd", buildZip(t, parts...))
	if x.Text != "正文\n" {
		t.Errorf("got %q", x.Text)
	}
}

// Glyph placement: CTM, the "g" shorthand, DeltaY, TextCodes without X.
func TestOFDPlacement(t *testing.T) {
	page := xmlDecl + `<ofd:Page ` + nsOFD + `><ofd:Content><ofd:Layer ID="1">` +
		// Scaled by 2 and moved: the line sits at y = 2×10+40 = 60.
		`<ofd:TextObject ID="2" Boundary="0 0 200 50" Size="3" CTM="2 0 0 2 20 40"><ofd:TextCode X="10" Y="10" DeltaX="g 2 3">乙丙丁</ofd:TextCode></ofd:TextObject>` +
		// Above it, vertical text: one character a line.
		`<ofd:TextObject ID="3" Boundary="40 10 10 40" Size="6"><ofd:TextCode X="0" Y="6" DeltaY="g 2 8">上中下</ofd:TextCode></ofd:TextObject>` +
		// Left of the scaled line on its baseline; the second TextCode
		// has no X, so it starts where the first did.
		`<ofd:TextObject ID="4" Boundary="0 54 30 10" Size="6"><ofd:TextCode X="0" Y="6">甲</ofd:TextCode>` +
		`<ofd:TextCode Y="6" DeltaX="1">  </ofd:TextCode></ofd:TextObject>` +
		`</ofd:Layer></ofd:Content></ofd:Page>`
	x := extract(t, "a.ofd", buildZip(t, ofdParts([]string{page}, nil)...))
	// The left margin is x = 40, where three lines start; 甲's line starts
	// left of it. The 39 mm gap after the space is 13 half-ems of 3 mm.
	want := "上\n中\n下\n\n甲 " + strings.Repeat(" ", 13) + "乙丙丁\n"
	if x.Text != want {
		t.Errorf("got:\n%s\nwant:\n%s", x.Text, want)
	}
}

func TestOFDScan(t *testing.T) {
	page := xmlDecl + `<ofd:Page ` + nsOFD + `><ofd:Content><ofd:Layer ID="1">` +
		`<ofd:ImageObject ID="2" Boundary="0 0 210 297" CTM="210 0 0 297 0 0" ResourceID="5"/>` +
		`</ofd:Layer></ofd:Content></ofd:Page>`
	x, _ := wantError(t, "扫描件.ofd", buildZip(t, ofdParts([]string{page}, nil)...), CodeNoText, "没有文字层", "手工登记")
	if x.Kind != OFD || x.Pages != 1 {
		t.Errorf("got %v, want ofd, 1 page", x)
	}
}
