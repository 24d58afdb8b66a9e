package demo

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"unicode/utf16"

	"halfsky/internal/access"
	"halfsky/internal/aid"
)

// AttachSamples uploads, as actor (the collecting unit), a sample PDF for
// every required document of the application that has no file yet, so
// demo and test applications can be submitted. The PDFs say plainly that
// they are samples (示例材料) and hold no personal data.
func AttachSamples(ctx context.Context, svc *aid.Service, actor access.Actor, id int64) error {
	docs, err := svc.Documents(ctx, actor, id)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if !d.Missing() {
			continue
		}
		if _, err := svc.AddFile(ctx, actor, id, d.Key, d.Label+"（示例）.pdf", SamplePDF("示例材料："+d.Label)); err != nil {
			return fmt.Errorf("sample %s: %w", d.Key, err)
		}
	}
	return nil
}

// SamplePDF is a one-page A4 PDF showing line in large type, using the
// Adobe-GB1 font every PDF reader provides (STSong-Light), so it needs no
// embedded font; a second line says in ASCII that it is a sample.
func SamplePDF(line string) []byte {
	var hex strings.Builder
	for _, u := range utf16.Encode([]rune(line)) {
		fmt.Fprintf(&hex, "%04X", u)
	}
	content := "BT /F1 28 Tf 72 720 Td <" + hex.String() + "> Tj ET\nBT /F2 14 Tf 72 680 Td (halfsky demo sample - not a real document) Tj ET\n"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R /F2 7 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(content), content),
		"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
		"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> " +
			"/FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 " +
			"/Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >> /DW 1000 >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
