package docfile

import (
	"archive/zip"
	"encoding/xml"
	"io"
	"path"
	"strings"
)

// An OFD (GB/T 33190-2016) is a zip package, like a .docx, but its pages
// are fixed layouts, like a PDF's:
//
//	OFD.xml                      DocBody/DocRoot names the document
//	Doc_0/Document.xml           CommonData/TemplatePage and Pages/Page,
//	                             each with a BaseLoc relative to this file
//	Doc_0/Pages/Page_0/Content.xml
//	                             Content/Layer/TextObject (Boundary, Size)
//	                             holding TextCode (X, Y, DeltaX, DeltaY, text),
//	                             possibly inside nested PageBlocks
//
// A page's text is where its glyphs are drawn, in the order they are
// written, which need not be reading order; see ofdtext.go for how lines are
// put back together. Template pages (a Template element on a page naming a
// CommonData TemplatePage) are read with the page, since some producers
// put the 版头 in a template.
//
// Elements are matched by local name, so the usual ofd: namespace
// (http://www.ofdspec.org/2016), another prefix or none all read the same.
// Only the first DocBody is read. Part names are resolved inside the package
// only: "../" cannot climb out of it, and an absolute name starts at its
// root. A missing or unparsable OFD.xml, Document.xml or page is a broken
// file; a missing template is skipped, as it holds background at most.

// ofdRoot is the entry part of every OFD package.
const ofdRoot = "OFD.xml"

// maxPages bounds an OFD's pages (a 公文 has a handful; a long report a few
// hundred); each page is a part to unpack and lay out.
const maxPages = 2000

// maxGlyphs bounds the characters laid out in one OFD, templates included:
// some 250 pages of dense text.
const maxGlyphs = 500_000

type ofdMain struct {
	DocBody []struct {
		DocRoot     string    `xml:"DocRoot"`
		Encryptions *struct{} `xml:"Encryptions"`
	} `xml:"DocBody"`
	Encryptions *struct{} `xml:"Encryptions"`
}

// ofdRef is a Page or TemplatePage of Document.xml.
type ofdRef struct {
	id, loc string
}

// ofdReader reads one OFD package.
type ofdReader struct {
	p         *pkg
	dir       string             // Document.xml's directory
	templates map[string]string  // TemplatePage ID → part name
	cache     map[string][]glyph // template part name → its glyphs
	glyphs    int                // laid out so far
}

// extractOFD reads an opened OFD package.
func extractOFD(p *pkg) (Extracted, error) {
	x := Extracted{Kind: OFD}
	docPath, e := ofdDocRoot(p)
	if e != nil {
		return x, e
	}
	pages, templates, e := ofdDocument(p, docPath)
	if e != nil {
		return x, e
	}
	x.Pages = len(pages)
	r := &ofdReader{p: p, dir: path.Dir(docPath), templates: map[string]string{}, cache: map[string][]glyph{}}
	for _, t := range templates {
		r.templates[t.id] = resolve(r.dir, t.loc)
	}
	var laid [][]glyph
	for i, pg := range pages {
		gs, e := r.page(i, pg)
		if e != nil {
			return x, e
		}
		laid = append(laid, gs)
	}
	x.Text = layoutPages(laid)
	if strings.TrimSpace(x.Text) == "" {
		return x, noText(OFD)
	}
	return x, nil
}

// ofdDocRoot reads OFD.xml: the first document's Document.xml, or why not.
func ofdDocRoot(p *pkg) (string, *Error) {
	f := p.find(ofdRoot)
	if f == nil {
		return "", broken(OFD, "OFD 文件不完整：缺少入口文件 OFD.xml，请重新获取文件")
	}
	var m ofdMain
	if e := p.decode(f, &m, broken(OFD, "OFD 文件的入口文件 OFD.xml 已损坏，不是完整的 XML，无法读取")); e != nil {
		return "", e
	}
	if m.Encryptions != nil || ofdHasEncryptions(p) {
		return "", encrypted(OFD)
	}
	if len(m.DocBody) == 0 || strings.TrimSpace(m.DocBody[0].DocRoot) == "" {
		return "", broken(OFD, "OFD 文件不完整：入口文件 OFD.xml 没有指明文档（DocRoot），请重新获取文件")
	}
	if m.DocBody[0].Encryptions != nil {
		return "", encrypted(OFD)
	}
	return resolve("", m.DocBody[0].DocRoot), nil
}

// ofdHasEncryptions reports an encryption description part in the package.
func ofdHasEncryptions(p *pkg) bool {
	for _, f := range p.zr.File {
		if strings.EqualFold(path.Base(cleanPath(f.Name)), "Encryptions.xml") {
			return true
		}
	}
	return false
}

// ofdDocument reads Document.xml's pages and template pages, streaming so
// that a file listing a million pages is refused before they are kept.
func ofdDocument(p *pkg, name string) (pages, templates []ofdRef, e *Error) {
	f := p.find(name)
	if f == nil {
		return nil, nil, broken(OFD, "OFD 文件不完整：缺少文档描述文件 %s，请重新获取文件", name)
	}
	rc, e := p.open(f)
	if e != nil {
		return nil, nil, e
	}
	defer rc.Close()
	dec := newDecoder(rc)
	for {
		tok, err := dec.Token()
		if err == io.EOF && len(pages) == 0 {
			return nil, nil, broken(OFD, "OFD 文件不完整：文档描述文件 %s 中没有任何页面", name)
		}
		if err == io.EOF {
			return pages, templates, nil
		}
		if err != nil {
			return nil, nil, p.failure(name, err, broken(OFD, "OFD 文件的文档描述文件 %s 已损坏，无法读取", name))
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "Page":
			if pages = append(pages, ofdRef{attr(se, "ID"), attr(se, "BaseLoc")}); len(pages) > maxPages {
				return nil, nil, zipBomb(OFD)
			}
		case "TemplatePage":
			if templates = append(templates, ofdRef{attr(se, "ID"), attr(se, "BaseLoc")}); len(templates) > maxPages {
				return nil, nil, zipBomb(OFD)
			}
		}
	}
}

// page reads page i's glyphs, those of its templates first.
func (r *ofdReader) page(i int, ref ofdRef) ([]glyph, *Error) {
	name := resolve(r.dir, ref.loc)
	f := r.p.find(name)
	if strings.TrimSpace(ref.loc) == "" || f == nil {
		return nil, broken(OFD, "OFD 文件不完整：缺少第 %d 页的内容（%s），请重新获取文件", i+1, name)
	}
	c, e := r.content(f, broken(OFD, "OFD 文件第 %d 页的内容（%s）已损坏，无法读取", i+1, name))
	if e != nil {
		return nil, e
	}
	var gs []glyph
	for _, id := range c.templates {
		gs = append(gs, r.template(id)...)
	}
	gs = append(gs, c.glyphs...)
	if r.glyphs += len(gs); r.glyphs > maxGlyphs {
		return nil, zipBomb(OFD)
	}
	return gs, nil
}

// template returns a template page's glyphs, read once; none if it is
// missing or broken.
func (r *ofdReader) template(id string) []glyph {
	name, ok := r.templates[id]
	if !ok {
		return nil
	}
	if gs, ok := r.cache[name]; ok {
		return gs
	}
	var gs []glyph
	if f := r.p.find(name); f != nil {
		if c, e := r.content(f, ErrBroken); e == nil {
			gs = c.glyphs
		}
	}
	r.cache[name] = gs
	return gs
}

// pageContent is what a page's Content.xml holds for us.
type pageContent struct {
	glyphs    []glyph
	templates []string // TemplateIDs of the Template elements
}

// content reads a page's or template's Content.xml; bad is the error when
// it does not parse.
func (r *ofdReader) content(f *zip.File, bad *Error) (pageContent, *Error) {
	var c pageContent
	rc, e := r.p.open(f)
	if e != nil {
		return c, e
	}
	defer rc.Close()
	dec := newDecoder(rc)
	var obj *textObject
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return c, nil
		}
		if err != nil {
			return c, r.p.failure(f.Name, err, bad)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "TextObject":
				obj = newTextObject(t)
			case "TextCode":
				if obj == nil {
					continue
				}
				s, err := charData(dec)
				if err != nil {
					return c, r.p.failure(f.Name, err, bad)
				}
				if c.glyphs = obj.place(t, s, c.glyphs, maxGlyphs-r.glyphs-len(c.glyphs)); r.glyphs+len(c.glyphs) > maxGlyphs {
					return c, zipBomb(OFD)
				}
			case "Template":
				c.templates = append(c.templates, attr(t, "TemplateID"))
			}
		case xml.EndElement:
			if t.Name.Local == "TextObject" {
				obj = nil
			}
		}
	}
}

// charData reads an element's text up to its end, skipping any children.
func charData(dec *xml.Decoder) (string, error) {
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			if err := dec.Skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return b.String(), nil
		}
	}
}
