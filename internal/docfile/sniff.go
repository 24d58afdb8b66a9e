package docfile

import (
	"bytes"
	"unicode/utf16"
)

// class is what a file's content is, recognized or not: the readable kinds
// and the common things people upload by mistake. Extensions map to classes
// too, so that a name and a content can be compared.
type class int

const (
	classUnknown class = iota
	classText
	classDocx
	classPDF
	classOFD
	classOLE     // .doc, .wps, .xls: Office 97–2003 and WPS binary files
	classImage   // a photo or scan saved as an image
	classOOXML   // .xlsx, .pptx
	classZip     // any other zip
	classArchive // rar, 7z, gzip
	classRTF
	classExe
)

var classNames = map[class]string{
	classUnknown: "无法识别的内容",
	classText:    Text.Label(),
	classDocx:    Docx.Label(),
	classPDF:     PDF.Label(),
	classOFD:     OFD.Label(),
	classOLE:     "旧版 Word/WPS/Excel 文件（.doc/.wps/.xls）",
	classImage:   "图片",
	classOOXML:   "Excel 表格或 PowerPoint 演示文稿",
	classZip:     "压缩包",
	classArchive: "压缩包",
	classRTF:     "RTF 文档",
	classExe:     "可执行程序",
}

var classKinds = map[class]Kind{classText: Text, classDocx: Docx, classPDF: PDF, classOFD: OFD}

// extClasses is what each known extension promises. A file with any other
// extension (or none) is taken for what its content is.
var extClasses = map[string]class{
	".txt": classText, ".docx": classDocx, ".pdf": classPDF, ".ofd": classOFD,
	".doc": classOLE, ".dot": classOLE, ".wps": classOLE, ".wpt": classOLE, ".xls": classOLE, ".et": classOLE,
	".png": classImage, ".jpg": classImage, ".jpeg": classImage, ".gif": classImage,
	".bmp": classImage, ".tif": classImage, ".tiff": classImage, ".webp": classImage,
	".xlsx": classOOXML, ".pptx": classOOXML,
	".zip": classZip, ".rar": classArchive, ".7z": classArchive, ".gz": classArchive,
	".rtf": classRTF, ".exe": classExe, ".dll": classExe,
}

// Refusals of contents that are recognized but not read.
const (
	msgLegacyWord = "这是旧版 Word/WPS 文档（.doc/.wps），本系统不能直接读取，请在 Word 或 WPS 中另存为 .docx 后再上传"
	msgLegacyXLS  = "这是旧版 Excel 表格（.xls），不是公文；请上传公文的 PDF、OFD、Word（.docx）或文本文件"
	msgImage      = "这是图片文件，图片不能识别文字（无 OCR），请手工登记"
	msgOOXML      = "这是 Excel 表格或 PowerPoint 演示文稿，不是公文；请上传公文的 PDF、OFD、Word（.docx）或文本文件"
	msgZip        = "这是一个压缩包，请解压后上传其中的公文文件"
	msgRTF        = "这是 RTF 文档，请在 Word 或 WPS 中另存为 .docx 后再上传"
	msgExe        = "这是可执行程序，不是公文文件"
)

// sniffed is the verdict on a file's content.
type sniffed struct {
	class   class
	kind    Kind   // set when the content is readable
	refusal string // why not, when it is not
	zip     *pkg   // the opened package of a .docx or .ofd
}

// magic is a content recognized by its first bytes.
type magic struct {
	prefix  string
	binary  bool // the prefix is short: trust it only if the file has a NUL byte
	class   class
	refusal string
}

var magics = []magic{
	{"\x89PNG\r\n\x1a\n", false, classImage, msgImage},
	{"\xFF\xD8\xFF", false, classImage, msgImage},
	{"GIF87a", false, classImage, msgImage},
	{"GIF89a", false, classImage, msgImage},
	{"II*\x00", false, classImage, msgImage},
	{"MM\x00*", false, classImage, msgImage},
	{"BM", true, classImage, msgImage},
	{"{\\rtf", false, classRTF, msgRTF},
	{"\x7FELF", false, classExe, msgExe},
	{"MZ", true, classExe, msgExe},
	{"Rar!\x1A\x07", false, classArchive, msgZip},
	{"7z\xBC\xAF\x27\x1C", false, classArchive, msgZip},
	{"\x1F\x8B", true, classArchive, msgZip},
}

var (
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	zipMagic = [][]byte{[]byte("PK\x03\x04"), []byte("PK\x05\x06"), []byte("PK\x07\x08")}
	pdfMagic = []byte("%PDF-")
)

// pdfHeaderWindow is how far into the file the PDF header may be: readers
// accept junk before it (mail gateways, broken uploads) within 1024 bytes.
const pdfHeaderWindow = 1024

// sniff decides what data is by its content; ext only picks the wording
// when a zip is too broken to tell a .docx from an .ofd.
func sniff(data []byte, ext string) (sniffed, *Error) {
	switch {
	case bomLen(data) > 0:
		return sniffed{class: classText, kind: Text}, nil
	case hasAnyPrefix(data, zipMagic):
		return sniffZip(data, ext)
	case bytes.HasPrefix(data, oleMagic):
		return sniffOLE(data, ext)
	}
	hasNUL := bytes.IndexByte(data, 0) >= 0
	for _, m := range magics {
		if bytes.HasPrefix(data, []byte(m.prefix)) && (!m.binary || hasNUL) {
			return sniffed{class: m.class, refusal: m.refusal}, nil
		}
	}
	if hasPDFHeader(data) {
		return sniffed{class: classPDF, kind: PDF}, nil
	}
	if !hasNUL && looksText(data) {
		return sniffed{class: classText, kind: Text}, nil
	}
	return sniffed{class: classUnknown, refusal: msgUnknown}, nil
}

// hasPDFHeader reports "%PDF-1." or "%PDF-2." within the first
// pdfHeaderWindow bytes.
func hasPDFHeader(data []byte) bool {
	head := data[:min(len(data), pdfHeaderWindow)]
	for {
		i := bytes.Index(head, pdfMagic)
		if i < 0 {
			return false
		}
		if v := head[i+len(pdfMagic):]; len(v) >= 2 && (v[0] == '1' || v[0] == '2') && v[1] == '.' {
			return true
		}
		head = head[i+len(pdfMagic):]
	}
}

// sniffZip opens a zip and tells a .docx from an .ofd by the parts inside.
func sniffZip(data []byte, ext string) (sniffed, *Error) {
	switch extClasses[ext] {
	case classText, classPDF, classImage:
		// A zip, even a broken one, named as something that is never one.
		return sniffed{class: classZip}, checkName(ext, sniffed{class: classZip})
	}
	hint := classKinds[extClasses[ext]]
	p, err := openZip(data, hint)
	if err != nil {
		return sniffed{}, err
	}
	s := sniffed{zip: p}
	switch main := p.mainPart(); {
	case p.find(ofdRoot) != nil:
		s.class = classOFD
	case hasPrefixFold(main, "word/"):
		s.class = classDocx
	case hasPrefixFold(main, "xl/"), hasPrefixFold(main, "ppt/"):
		s.class, s.refusal = classOOXML, msgOOXML
	case hint == Docx || hint == OFD:
		// A package that lost its root part: read it as what its name
		// says, to report which part is missing.
		s.class = extClasses[ext]
	default:
		s.class, s.refusal = classZip, msgZip
	}
	s.kind = classKinds[s.class]
	p.kind = s.kind
	return s, nil
}

// sniffOLE tells the binary Office files apart by their stream names (in
// UTF-16 in the compound file's directory). An encrypted .docx is an OLE
// file too, holding the encrypted package.
func sniffOLE(data []byte, ext string) (sniffed, *Error) {
	s := sniffed{class: classOLE, refusal: msgLegacyWord}
	switch {
	case bytes.Contains(data, utf16le("EncryptedPackage")):
		k := classKinds[extClasses[ext]]
		if k == "" {
			k = Docx
		}
		return s, encrypted(k)
	case bytes.Contains(data, utf16le("WordDocument")):
	case bytes.Contains(data, utf16le("Workbook")), bytes.Contains(data, utf16le("Book\x00")):
		s.refusal = msgLegacyXLS
	}
	return s, nil
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// looksText reports content without the control characters that text
// never has (NUL is checked by the caller): at most 1% of the bytes may be
// C0 controls other than tab, line and page breaks, DOS's end-of-file and
// escape.
func looksText(data []byte) bool {
	n := 0
	for _, c := range data {
		if isControl(c) {
			n++
		}
	}
	return n*100 <= len(data)
}

func isControl(c byte) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', 0x1a, 0x1b:
		return false
	}
	return c < 0x20 || c == 0x7f
}

func hasAnyPrefix(data []byte, prefixes [][]byte) bool {
	for _, p := range prefixes {
		if bytes.HasPrefix(data, p) {
			return true
		}
	}
	return false
}
