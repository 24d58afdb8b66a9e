package docfile

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// storedZip is a zip of an existing one's parts without compression, so
// that the fuzzer's mutations land in the XML rather than in deflate data.
func storedZip(t testing.TB, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		w.Write(b.Bytes())
	}
	zw.Close()
	return buf.Bytes()
}

// FuzzExtract feeds .docx and .ofd packages, whole and mutated, to
// Extract under several names. It must not panic, must answer in bounded
// time and memory (the package limits), and must return either UTF-8 text
// or an *Error with a code and a Chinese message. PDFs are left out: they
// go to Poppler, which is not ours to fuzz.
func FuzzExtract(f *testing.F) {
	docx := noticeDocx(f)
	header := docxFile(f, wp(nNumber)+wpRule+noticeBody()+sectPr, wpRed(nMark))
	ofd := noticeOFD(f)
	for _, seed := range [][]byte{
		docx, header, ofd,
		storedZip(f, docx), storedZip(f, header), storedZip(f, ofd),
		docx[:len(docx)/2],
		buildZip(f, ofdParts([]string{ofdPage("", []ofdObj{{x: 20, y: 30, size: 4, text: "正文"}})}, nil)...),
		[]byte(nMark + "\n" + nNumber + "\n"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if hasPDFHeader(data) {
			t.Skip("PDFs go to Poppler")
		}
		for _, name := range []string{"a.docx", "a.ofd", "a.txt", "a"} {
			x, err := Extract(context.Background(), name, data)
			checkResult(t, name, x, err)
		}
	})
}

func checkResult(t *testing.T, name string, x Extracted, err error) {
	t.Helper()
	if err == nil {
		if !utf8.ValidString(x.Text) || strings.TrimSpace(x.Text) == "" {
			t.Fatalf("%s: text %q", name, x.Text)
		}
		if x.Kind != Docx && x.Kind != OFD && x.Kind != Text {
			t.Fatalf("%s: kind %q", name, x.Kind)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Code == "" || !strings.ContainsFunc(e.Message, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		t.Fatalf("%s: error %#v", name, err)
	}
}
