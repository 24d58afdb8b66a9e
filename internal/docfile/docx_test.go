package docfile

import (
	"strings"
	"testing"
)

// A .docx is built from the parts Word writes at least: [Content_Types].xml,
// _rels/.rels, word/document.xml, and for a header word/header1.xml with
// word/_rels/document.xml.rels.

const (
	nsW  = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	nsR  = `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	nsMC = `xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"`
	nsWP = `xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"`
	nsA  = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"`
	nsWS = `xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"`
	nsV  = `xmlns:v="urn:schemas-microsoft-com:vml"`
)

const xmlDecl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const contentTypes = xmlDecl + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>` +
	`</Types>`

const packageRels = xmlDecl + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>` +
	`</Relationships>`

const documentRels = xmlDecl + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>` +
	`</Relationships>`

const appXML = xmlDecl + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Pages>2</Pages><Application>WPS Office</Application></Properties>`

// docxFile packages a body (the children of w:body) and an optional header
// body (the children of w:hdr).
func docxFile(t testing.TB, body, header string) []byte {
	t.Helper()
	doc := xmlDecl + `<w:document ` + strings.Join([]string{nsW, nsR, nsMC, nsWP, nsA, nsWS, nsV}, " ") +
		` mc:Ignorable="w14"><w:body>` + body + `</w:body></w:document>`
	parts := []part{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", packageRels},
		{"docProps/app.xml", appXML},
		{"word/document.xml", doc},
	}
	if header != "" {
		parts = append(parts,
			part{"word/_rels/document.xml.rels", documentRels},
			part{"word/header1.xml", xmlDecl + `<w:hdr ` + nsW + `>` + header + `</w:hdr>`})
	}
	return buildZip(t, parts...)
}

// Paragraph builders.

func wp(text string) string {
	return `<w:p><w:r><w:t xml:space="preserve">` + text + `</w:t></w:r></w:p>`
}

func wpRight(text string) string {
	return `<w:p><w:pPr><w:jc w:val="right"/></w:pPr><w:r><w:t>` + text + `</w:t></w:r></w:p>`
}

// wpRed is the 发文机关标志: red, 36 pt, centred.
func wpRed(text string) string {
	return `<w:p><w:pPr><w:jc w:val="center"/><w:rPr><w:color w:val="FF0000"/></w:rPr></w:pPr>` +
		`<w:r><w:rPr><w:rFonts w:hint="eastAsia"/><w:color w:val="FF0000"/><w:sz w:val="72"/><w:szCs w:val="72"/></w:rPr>` +
		`<w:t>` + text + `</w:t></w:r></w:p>`
}

// wpRule is an empty paragraph whose red bottom border is the rule under
// the 版头.
const wpRule = `<w:p><w:pPr><w:pBdr><w:bottom w:val="single" w:sz="18" w:space="1" w:color="FF0000"/></w:pBdr></w:pPr></w:p>`

func wpTable(rows ...[]string) string {
	var b strings.Builder
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol w:w="1200"/><w:gridCol w:w="7000"/></w:tblGrid>`)
	for _, r := range rows {
		b.WriteString(`<w:tr>`)
		for _, c := range r {
			b.WriteString(`<w:tc><w:tcPr><w:tcW w:w="1200" w:type="dxa"/></w:tcPr>`)
			if c == "" {
				b.WriteString(`<w:p/>`)
			} else {
				b.WriteString(wp(c))
			}
			b.WriteString(`</w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	b.WriteString(`</w:tbl>`)
	return b.String()
}

const sectPr = `<w:sectPr><w:headerReference w:type="default" r:id="rId7"/><w:pgSz w:w="11906" w:h="16838"/>` +
	`<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>`

// noticeBody is the notice after its 版头, as Word writes it, with what a
// real file has beside the text: a deleted and an inserted revision, a
// field, hidden text, a bookmark, a tab, a run split in two, the 附件 as a
// table and a last-rendered page break.
func noticeBody() string {
	return wp(nTitle) +
		wp(nRecipients) +
		`<w:p><w:pPr><w:ind w:firstLineChars="200" w:firstLine="640"/></w:pPr>` +
		`<w:r><w:t>为深入贯彻落实全国妇联、省妇联关于深化“巾帼建功”活动的部署，</w:t></w:r>` +
		`<w:del w:id="1" w:author="a"><w:r><w:delText>删掉的旧句子。</w:delText></w:r></w:del>` +
		`<w:r><w:t>团结带领全市广大妇女在推动哈尔滨全面振兴发展中</w:t></w:r>` +
		`<w:ins w:id="2" w:author="a"><w:r><w:t>建功立业</w:t></w:r></w:ins>` +
		`<w:bookmarkStart w:id="0" w:name="_GoBack"/><w:bookmarkEnd w:id="0"/>` +
		`<w:r><w:t>，市妇联决定在全市开展</w:t></w:r>` +
		`<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> QUOTE 2016 </w:instrText></w:r>` +
		`<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2016</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>` +
		`<w:r><w:t>年度“巾帼文明岗”创建活动。</w:t></w:r>` +
		`<w:r><w:rPr><w:vanish/></w:rPr><w:t>（隐藏的批注）</w:t></w:r>` +
		`<w:r><w:t>现将有关事项通知如下：</w:t></w:r></w:p>` +
		`<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr></w:pPr><w:r><w:t>一、创建范围</w:t></w:r></w:p>` +
		wp(nBody[2]) +
		`<w:p><w:r><w:lastRenderedPageBreak/><w:t>二、</w:t></w:r><w:r><w:t>工作要求</w:t></w:r></w:p>` +
		wp(nBody[4]) +
		`<w:p/>` +
		wpTable([]string{"附件：", "1．" + nAttachments[0]}, []string{"", "2．" + nAttachments[1]}) +
		`<w:p/>` +
		wpRight(nSignature) +
		wpRight(nDate) +
		`<w:p/>` +
		wp(nCC) +
		`<w:p><w:r><w:t>哈尔滨市妇女联合会办公室</w:t></w:r><w:r><w:tab/></w:r><w:r><w:t>2016年5月10日印发</w:t></w:r></w:p>`
}

// wantNoticeText is noticeBody's text.
var wantNoticeText = strings.Join([]string{
	nTitle,
	nRecipients,
	nBody[0],
	nBody[1],
	nBody[2],
	nBody[3],
	nBody[4],
	"",
	"附件：　1．" + nAttachments[0],
	"2．" + nAttachments[1],
	"",
	nSignature,
	nDate,
	"",
	nCC,
	"哈尔滨市妇女联合会办公室 2016年5月10日印发",
}, "\n") + "\n"

func noticeDocx(t testing.TB) []byte {
	return docxFile(t, wpRed(nMark)+wp(nNumber)+wpRule+noticeBody()+sectPr, "")
}

func TestDocxNotice(t *testing.T) {
	x := extract(t, "通知.docx", noticeDocx(t))
	want := nMark + "\n" + nNumber + "\n\n" + wantNoticeText
	if x.Kind != Docx || x.Pages != 2 || x.Text != want {
		t.Errorf("got %v\nwant text:\n%s", x, want)
	}
	wantNotice(t, x.Text)
}

// The 版头 in a floating text box, written by Word as mc:AlternateContent
// with a DrawingML choice and a VML fallback holding the same text, and the
// rule a drawn red line anchored in the number's paragraph.
func TestDocxMarkInTextBox(t *testing.T) {
	box := `<w:p><w:r><mc:AlternateContent>` +
		`<mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:spPr><a:prstGeom prst="rect"/></wps:spPr>` +
		`<wps:txbx><w:txbxContent>` + wpRed(nMark) + `</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>` +
		`<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>` + wpRed(nMark) + `</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>` +
		`</mc:AlternateContent></w:r></w:p>`
	line := `<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:t>` + nNumber + `</w:t></w:r><w:r><mc:AlternateContent>` +
		`<mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:spPr><a:prstGeom prst="line"/>` +
		`<a:ln w="28575"><a:solidFill><a:srgbClr val="FF0000"/></a:solidFill></a:ln></wps:spPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>` +
		`<mc:Fallback><w:pict><v:line from="0,0" to="442pt,0" strokecolor="red" strokeweight="2.25pt"/></w:pict></mc:Fallback>` +
		`</mc:AlternateContent></w:r></w:p>`
	x := extract(t, "通知.docx", docxFile(t, box+line+noticeBody(), ""))
	if want := nMark + "\n" + nNumber + "\n\n" + wantNoticeText; x.Text != want {
		t.Errorf("got:\n%s\nwant:\n%s", x.Text, want)
	}
	wantNotice(t, x.Text)
}

// The 版头 in the first section's header part; the body starts with the
// number and the rule.
func TestDocxMarkInHeader(t *testing.T) {
	header := wpRed(nMark) + `<w:p><w:pPr><w:jc w:val="right"/></w:pPr><w:r><w:fldChar w:fldCharType="begin"/></w:r>` +
		`<w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>`
	body := `<w:p><w:pPr><w:pBdr><w:bottom w:val="thickThinSmallGap" w:sz="24" w:color="C00000"/></w:pBdr></w:pPr>` +
		`<w:r><w:t>` + nNumber + `</w:t></w:r></w:p>` + noticeBody() + sectPr
	x := extract(t, "通知.docx", docxFile(t, body, header))
	if want := nMark + "\n\n" + nNumber + "\n\n" + wantNoticeText; x.Text != want {
		t.Errorf("got:\n%s\nwant:\n%s", x.Text, want)
	}
	wantNotice(t, x.Text)

	// A header without red or large text is not a 版头.
	plain := docxFile(t, body, wp("内部资料"))
	if x := extract(t, "通知.docx", plain); strings.Contains(x.Text, "内部资料") {
		t.Errorf("a plain header was output:\n%s", x.Text)
	}
}

func TestDocxBreaksAndNestedTables(t *testing.T) {
	nested := `<w:tbl><w:tr><w:tc><w:p><w:r><w:t>外</w:t></w:r></w:p>` +
		`<w:tbl><w:tr><w:tc>` + wp("内1") + `</w:tc><w:tc>` + wp("内2") + `</w:tc></w:tr></w:tbl>` +
		`</w:tc><w:tc>` + wp("右") + `</w:tc></w:tr></w:tbl>`
	body := `<w:p><w:r><w:t>第一页</w:t></w:r><w:r><w:br w:type="page"/></w:r><w:r><w:t>第二页</w:t><w:br/><w:t>换行</w:t></w:r></w:p>` +
		`<w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:t>第三页</w:t></w:r></w:p>` + nested
	x := extract(t, "a.docx", docxFile(t, body, ""))
	want := "第一页\f第二页\n换行\n\f第三页\n外　内1　内2　右\n"
	if x.Text != want {
		t.Errorf("got %q, want %q", x.Text, want)
	}
}

// A .docx holding only a pasted scan has no text.
func TestDocxOnlyPicture(t *testing.T) {
	body := `<w:p><w:r><w:drawing><wp:inline><a:graphic><a:graphicData/></a:graphic></wp:inline></w:drawing></w:r></w:p>` + sectPr
	x, _ := wantError(t, "扫描.docx", docxFile(t, body, ""), CodeNoText, "扫描", "手工登记")
	if x.Kind != Docx {
		t.Errorf("Kind = %q, want docx", x.Kind)
	}
}
