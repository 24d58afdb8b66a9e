package docfile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Limits on a zip package (.docx, .ofd). A real notice's package has a few
// dozen entries and unpacks to a few megabytes; anything far beyond is a
// zip bomb or not a notice.
const (
	// maxEntries is the most entries a package may have.
	maxEntries = 10_000
	// maxUnpacked is the most bytes read out of one package, all parts
	// together, counted as they are inflated.
	maxUnpacked = 64 << 20
	// maxRatio is the highest compression ratio allowed for a part larger
	// than ratioFloor: XML compresses 5–20:1, deflated zeros 1000:1.
	maxRatio   = 200
	ratioFloor = 1 << 20
)

// pkg is an opened zip package with a budget of bytes left to unpack.
type pkg struct {
	zr     *zip.Reader
	names  map[string]*zip.File // by clean name
	folded map[string]*zip.File // by lower-case clean name
	budget int64
	kind   Kind    // for errors
	main   *string // the main part's name, once looked up (see mainPart)
}

// errTooBig is what a part's reader returns past its limit.
var errTooBig = errors.New("docfile: part exceeds its unpacking limit")

// openZip opens data as a zip. Before the zip reader builds its table of
// entries, the central directory's record signatures are counted: every
// entry the reader will accept starts with one, so the count bounds the
// entries whatever the directory's end record claims.
func openZip(data []byte, k Kind) (*pkg, *Error) {
	if bytes.Count(data, []byte("PK\x01\x02")) > maxEntries {
		return nil, zipBomb(k)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		what := "压缩包的结构"
		if k != "" {
			what = k.Label() + "的压缩结构"
		}
		return nil, broken(k, "文件不完整或已损坏：无法读取%s（可能下载或复制时中断了），请重新获取文件", what)
	}
	if len(zr.File) > maxEntries {
		return nil, zipBomb(k)
	}
	p := &pkg{zr: zr, names: map[string]*zip.File{}, folded: map[string]*zip.File{}, budget: maxUnpacked, kind: k}
	for _, f := range zr.File {
		n := cleanPath(f.Name)
		if _, dup := p.names[n]; !dup {
			p.names[n] = f
		}
		if _, dup := p.folded[strings.ToLower(n)]; !dup {
			p.folded[strings.ToLower(n)] = f
		}
	}
	return p, nil
}

// cleanPath makes a part name relative to the package root: backslashes
// (some Windows tools) become slashes, and ".." cannot climb above the root.
func cleanPath(name string) string {
	return strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(name, `\`, "/")), "/")
}

// resolve finds ref, a part name in the package relative to dir (or, when
// it starts with "/", to the root), and returns its clean path.
func resolve(dir, ref string) string {
	ref = strings.ReplaceAll(strings.TrimSpace(ref), `\`, "/")
	if strings.HasPrefix(ref, "/") {
		return cleanPath(ref)
	}
	return cleanPath(dir + "/" + ref)
}

// find returns the part named name (clean), matching case only if it must:
// producers are not always consistent with the case of their own names.
func (p *pkg) find(name string) *zip.File {
	if name == "" {
		return nil
	}
	if f := p.names[name]; f != nil {
		return f
	}
	return p.folded[strings.ToLower(name)]
}

// open opens a part for reading within the package's limits: the part's
// declared size is checked first, and the bytes actually read are counted,
// since a zip may declare anything.
func (p *pkg) open(f *zip.File) (io.ReadCloser, *Error) {
	if f.Flags&0x1 != 0 {
		return nil, encrypted(p.kind)
	}
	limit := min(p.budget, max(ratioFloor, maxRatio*int64(min(f.CompressedSize64, 1<<40))))
	if limit <= 0 || f.UncompressedSize64 > uint64(limit) {
		return nil, zipBomb(p.kind)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, p.corrupt(f.Name)
	}
	return &counted{rc: rc, left: limit, p: p}, nil
}

// read reads a whole part.
func (p *pkg) read(f *zip.File) ([]byte, *Error) {
	rc, e := p.open(f)
	if e != nil {
		return nil, e
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, p.failure(f.Name, err, p.corrupt(f.Name))
	}
	return b, nil
}

// decode unmarshals a small XML part into v; bad is the error when the part
// is not well-formed XML.
func (p *pkg) decode(f *zip.File, v any, bad *Error) *Error {
	rc, e := p.open(f)
	if e != nil {
		return e
	}
	defer rc.Close()
	if err := newDecoder(rc).Decode(v); err != nil {
		return p.failure(f.Name, err, bad)
	}
	return nil
}

// failure turns an error met while reading part name, directly or through
// an XML decoder, into an *Error: the unpacking limits, a part whose
// compressed data is corrupt, or else bad (a part that does not parse).
func (p *pkg) failure(name string, err error, bad *Error) *Error {
	var e *Error
	var flateErr flate.CorruptInputError
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, errTooBig):
		return zipBomb(p.kind)
	case errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrFormat),
		errors.Is(err, zip.ErrAlgorithm), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &flateErr):
		return p.corrupt(name)
	}
	return bad
}

func (p *pkg) corrupt(name string) *Error {
	return broken(p.kind, "%s已损坏：其中的 %s 无法解压（数据损坏或使用了不支持的压缩方式，可能下载或复制时出错了），请重新获取文件",
		p.kind.Label(), cleanPath(name))
}

// counted reads a part, counting against its own limit and the package's
// budget.
type counted struct {
	rc   io.ReadCloser
	left int64
	p    *pkg
}

func (c *counted) Read(b []byte) (int, error) {
	if c.left < 0 {
		return 0, errTooBig
	}
	if int64(len(b)) > c.left+1 {
		b = b[:c.left+1]
	}
	n, err := c.rc.Read(b)
	c.left -= int64(n)
	c.p.budget -= int64(n)
	if c.left < 0 {
		return n, errTooBig
	}
	return n, err
}

func (c *counted) Close() error { return c.rc.Close() }

// maxDepth bounds how deeply XML elements nest. encoding/xml keeps a stack
// entry for every open element, so without a bound 64 MiB of "<a><a>…"
// would hold a gigabyte. Word nests 30 to 60 deep (tables in tables, text
// boxes in drawings).
const maxDepth = 512

var errTooDeep = errors.New("docfile: XML nested too deeply")

// newDecoder is an XML decoder of at most maxDepth levels that also reads
// parts declared as GBK, GB2312 or GB18030, as some Chinese OFD producers
// write them.
func newDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "gbk", "gb2312", "gb18030", "cp936":
			return simplifiedchinese.GB18030.NewDecoder().Reader(in), nil
		}
		return nil, errors.New("docfile: unknown XML encoding " + label)
	}
	return xml.NewTokenDecoder(&depthLimit{d: d})
}

// depthLimit passes tokens on until elements nest deeper than maxDepth.
type depthLimit struct {
	d     *xml.Decoder
	depth int
}

func (l *depthLimit) Token() (xml.Token, error) {
	tok, err := l.d.Token()
	switch tok.(type) {
	case xml.StartElement:
		if l.depth++; l.depth > maxDepth {
			return nil, errTooDeep
		}
	case xml.EndElement:
		l.depth--
	}
	return tok, err
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
