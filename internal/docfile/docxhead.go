package docfile

import (
	"path"
	"strings"
)

// The 版头 of a .docx
//
// In a notice typed in Word the 发文机关标志 is a red, large paragraph at
// the top (or a text box or a table cell there), followed by the 发文字号
// and a red rule: a paragraph with a bottom border, or a drawn line. Some
// templates instead put the mark in the first page's header. It is found by
// its position, not its wording:
//
//   - the body's 版头 is everything before the first rule among the first
//     maxHeadBlocks lines, provided the rule is red or something above it is
//     red or large; it is output first, then a blank line;
//   - when the top of the body has nothing red or large, the header part of
//     the first section (its first-page header when it has one) is read, and
//     if it holds red or large text its lines are output first, then a blank
//     line.
//
// Headers are read on a best-effort basis: a header part that is missing or
// does not parse is ignored, since the body is what matters.

// maxHeadBlocks bounds the 版头: 份号, 密级, 紧急程度, a mark of a few lines
// for a joint issue, the number and 签发人.
const maxHeadBlocks = 10

// relOfficeDocument is the type of the package's relationship to its main
// part (the last segment of the type URI).
const relOfficeDocument = "officeDocument"

// extractDocx reads an opened .docx package.
func extractDocx(p *pkg) (Extracted, error) {
	x := Extracted{Kind: Docx, Pages: docxPages(p)}
	main := p.mainPart()
	f := p.find(main)
	if f == nil {
		if main == "" {
			main = "word/document.xml"
		}
		return x, broken(Docx, "Word 文档不完整：缺少正文部分（%s），请重新获取文件", main)
	}
	rc, e := p.open(f)
	if e != nil {
		return x, e
	}
	defer rc.Close()
	w := &walker{dec: newDecoder(rc)}
	body, err := w.root()
	if err != nil {
		return x, p.failure(main, err, broken(Docx,
			"Word 文档的正文部分（%s）已损坏，不是完整的 XML，无法读取；请在 Word 或 WPS 中打开后重新保存", main))
	}
	x.Text = layoutDocx(body, headerBlocks(p, main, w.sect))
	if strings.TrimSpace(x.Text) == "" {
		return x, noText(Docx)
	}
	return x, nil
}

// layoutDocx writes the blocks as lines, the 版头 first.
func layoutDocx(body, header []block) string {
	var lines []string
	top := body[:min(len(body), maxHeadBlocks)]
	if !anyMark(top) && anyMark(header) {
		lines = append(append(lines, texts(header)...), "")
	}
	head, rest := splitHead(body)
	if len(head) > 0 {
		lines = append(append(lines, texts(head)...), "")
	}
	for _, b := range rest {
		lines = append(lines, b.text)
	}
	return joinOutput(lines)
}

// splitHead cuts the body's 版头 off at its rule.
func splitHead(bs []block) (head, rest []block) {
	end, red, n := -1, false, 0
	for i, b := range bs {
		if b.ruleAbove && i > 0 {
			end, red = i, b.redRule
			break
		}
		if b.ruleBelow {
			end, red = i+1, b.redRule
			break
		}
		if strings.TrimSpace(b.text) != "" {
			if n++; n >= maxHeadBlocks {
				break
			}
		}
	}
	if end < 0 || !red && !anyMark(bs[:end]) {
		return nil, bs
	}
	return bs[:end], bs[end:]
}

func anyMark(bs []block) bool {
	for _, b := range bs {
		if b.markLike() {
			return true
		}
	}
	return false
}

// texts returns the non-blank blocks' text.
func texts(bs []block) []string {
	var out []string
	for _, b := range bs {
		if strings.TrimSpace(b.text) != "" {
			out = append(out, b.text)
		}
	}
	return out
}

// joinOutput joins lines with newlines, without leading blank lines or runs
// of them.
func joinOutput(lines []string) string {
	var b strings.Builder
	blank := true
	for _, l := range lines {
		isBlank := strings.Trim(l, " \t\u3000") == ""
		if isBlank && blank {
			continue
		}
		blank = isBlank
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// headerBlocks reads the first section's header: its first-page header when
// the section has a distinct first page, else its default one.
func headerBlocks(p *pkg, main string, s *section) []block {
	if s == nil {
		return nil
	}
	typ := "default"
	if s.titlePg {
		typ = "first"
	}
	id := s.headers[typ]
	if id == "" {
		return nil
	}
	f := p.find(relTarget(p.rels(main), id, ""))
	if f == nil {
		return nil
	}
	rc, e := p.open(f)
	if e != nil {
		return nil
	}
	defer rc.Close()
	bs, err := (&walker{dec: newDecoder(rc)}).root()
	if err != nil {
		return nil
	}
	return bs
}

// relationships is an OPC .rels part.
type relationships struct {
	Rel []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
		Mode   string `xml:"TargetMode,attr"`
	} `xml:"Relationship"`
}

// rel is one internal relationship: its id, its type (the last segment of
// the type URI, e.g. "header") and its target part's clean name.
type rel struct{ id, typ, target string }

// rels returns the internal relationships of part (of the package itself
// for ""). A missing or broken .rels part has none.
func (p *pkg) rels(part string) []rel {
	dir, base := path.Split(part)
	f := p.find(path.Join(dir, "_rels", base+".rels"))
	var r relationships
	if f == nil || p.decode(f, &r, ErrBroken) != nil {
		return nil
	}
	var out []rel
	for _, x := range r.Rel {
		if !strings.EqualFold(x.Mode, "External") {
			out = append(out, rel{x.ID, path.Base(x.Type), resolve(dir, x.Target)})
		}
	}
	return out
}

// relTarget returns the target of the first relationship matching id (if
// not "") and typ (if not "").
func relTarget(rs []rel, id, typ string) string {
	for _, r := range rs {
		if (id == "" || r.id == id) && (typ == "" || r.typ == typ) {
			return r.target
		}
	}
	return ""
}

// mainPart names the package's main part: the target of its
// officeDocument relationship, else word/document.xml if there is one. It
// is read once and remembered.
func (p *pkg) mainPart() string {
	if p.main == nil {
		m := relTarget(p.rels(""), "", relOfficeDocument)
		if m == "" && p.find("word/document.xml") != nil {
			m = "word/document.xml"
		}
		p.main = &m
	}
	return *p.main
}

// docxPages reads the page count Word or WPS stored in docProps/app.xml
// when it last saved the file; 0 when there is none.
func docxPages(p *pkg) int {
	f := p.find("docProps/app.xml")
	var app struct {
		Pages int `xml:"Pages"`
	}
	if f == nil || p.decode(f, &app, ErrBroken) != nil || app.Pages < 0 || app.Pages > 100_000 {
		return 0
	}
	return app.Pages
}
