package files_test

import (
	"bytes"
	"encoding/binary"
	"flag"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"halfsky/internal/apperr"
	"halfsky/internal/files"
	"halfsky/internal/testfx"
)

var update = flag.Bool("update", false, "rewrite the golden outputs in testdata/photos")

// revealing are strings of the corpus's metadata (testdata/photos/README.md)
// none of which may be left in a scrubbed photo.
var revealing = []string{
	"HUAWEI", "ELS-AN00", "HS123456", "2026:11:30", "Xiaomi", "23127PN0CC", "vivo",
	"http://ns.adobe.com", "Photoshop", "道里区", "香坊区", "tEXt", "iTXt", "eXIf", "tIME", "GPS", "shelter", "Harbin",
}

// TestScrubCorpus: each photo of the corpus comes out as its golden
// output, with exactly the uploaded pixels, the orientation kept, none
// of its metadata left (no EXIF but the orientation alone, no comment,
// nothing after the image), and scrubbing again changes nothing.
func TestScrubCorpus(t *testing.T) {
	for _, c := range []struct {
		name        string
		orientation int
	}{
		{"phone-gps.jpg", 6},
		{"progressive-gps.jpg", 8},
		{"screenshot.png", 0},
		{"plain.jpg", 0},
		{"restart.jpg", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := read(t, c.name)
			out, err := files.Scrub("photos", c.name, in)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "photos", strings.Replace(c.name, ".", ".scrubbed.", 1))
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want, err := os.ReadFile(golden); err != nil || !bytes.Equal(out, want) {
				t.Errorf("output differs from %s (%v): %d bytes, want %d", golden, err, len(out), len(want))
			}
			samePixels(t, in, out)
			for _, s := range revealing {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("%q is still in the scrubbed photo", s)
				}
			}
			if strings.HasSuffix(c.name, ".jpg") {
				jpegLeftovers(t, out, c.orientation)
			}
			if c.name == "plain.jpg" && !bytes.Equal(out, in) {
				t.Error("a JPEG without metadata changed")
			}
			if again, err := files.Scrub("photos", c.name, out); err != nil || !bytes.Equal(again, out) {
				t.Errorf("scrubbing twice changed it (%v)", err)
			}
		})
	}
}

// TestScrubRefuses: what is not a photo Scrub can read is refused with a
// message beside the field, naming the file.
func TestScrubRefuses(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"cut-short.jpg", read(t, "cut-short.jpg"), "不是能打开的照片"},
		{"cut-scan.jpg", read(t, "cut-scan.jpg"), "不是能打开的照片"},
		{"伤情.jpg", []byte("\xFF\xD8\xFF\xE0 not a picture at all"), "不是能打开的照片"},
		{"伤情.png", read(t, "plain.jpg"), "内容与扩展名不符"},
		{"伤情.pdf", []byte("%PDF-1.4\n"), "不是照片"},
		{"伤情.jpg", []byte("%PDF-1.4\n"), "内容与扩展名不符"},
		{"", read(t, "plain.jpg"), "文件名为空"},
	}
	for _, c := range cases {
		_, err := files.Scrub("photos", c.name, c.data)
		testfx.WantField(t, err, "photos")
		if msg := err.(*apperr.Error).Fields["photos"]; !strings.Contains(msg, c.want) || (c.name != "" && !strings.Contains(msg, c.name)) {
			t.Errorf("%s: %q, want it to say %q and name the file", c.name, msg, c.want)
		}
	}
}

// TestScrubKeepsColour: a colour profile (APP2 ICC_PROFILE) and Adobe's
// APP14 stay, as the picture would look different without them; other
// APP2 blocks (MPF, which points at the pictures after the image) go.
func TestScrubKeepsColour(t *testing.T) {
	plain := read(t, "plain.jpg")
	icc := segment(0xE2, append([]byte("ICC_PROFILE\x00\x01\x01"), bytes.Repeat([]byte{7}, 40)...))
	adobe := segment(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01"))
	mpf := segment(0xE2, []byte("MPF\x00II*\x00\x08\x00\x00\x00"))
	in := append(append(append(append(append([]byte{}, plain[:2]...), icc...), mpf...), adobe...), plain[2:]...)
	out, err := files.Scrub("photos", "a.jpg", in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, icc) || !bytes.Contains(out, adobe) || bytes.Contains(out, []byte("MPF\x00")) {
		t.Errorf("colour blocks: ICC %v, Adobe %v, MPF %v; want kept, kept, gone",
			bytes.Contains(out, icc), bytes.Contains(out, adobe), bytes.Contains(out, []byte("MPF\x00")))
	}
	samePixels(t, in, out)
}

// FuzzScrub: whatever the bytes, Scrub does not panic, and what it
// accepts decodes and is left as it is by a second pass.
func FuzzScrub(f *testing.F) {
	for _, n := range []string{"phone-gps.jpg", "progressive-gps.jpg", "screenshot.png", "plain.jpg", "restart.jpg", "cut-scan.jpg"} {
		b, err := os.ReadFile(filepath.Join("testdata", "photos", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Ext(n), b)
	}
	f.Fuzz(func(t *testing.T, ext string, data []byte) {
		out, err := files.Scrub("photos", "x"+ext, data)
		if err != nil {
			return
		}
		if _, _, err := image.DecodeConfig(bytes.NewReader(out)); err != nil {
			t.Fatalf("accepted, but the output does not decode: %v", err)
		}
		if again, err := files.Scrub("photos", "x"+ext, out); err != nil || !bytes.Equal(again, out) {
			t.Fatalf("a second pass changed it (%v)", err)
		}
	})
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "photos", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func segment(marker byte, payload []byte) []byte {
	s := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// samePixels decodes both and compares every pixel.
func samePixels(t *testing.T, in, out []byte) {
	t.Helper()
	a, _, err := image.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := image.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("the scrubbed photo does not decode: %v", err)
	}
	if a.Bounds() != b.Bounds() {
		t.Fatalf("size %v, want %v", b.Bounds(), a.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				t.Fatalf("pixel (%d,%d) is %v, want %v", x, y, b.At(x, y), a.At(x, y))
			}
		}
	}
}

// jpegLeftovers walks a scrubbed JPEG's segments: the only APP1 is the
// 34-byte orientation block with the expected value (none for upright),
// no comment, no APP3–APP13 or APP15, and the file ends at its EOI.
func jpegLeftovers(t *testing.T, b []byte, orientation int) {
	t.Helper()
	found := 0
	for p := 2; p+4 <= len(b); {
		m, n := b[p+1], int(binary.BigEndian.Uint16(b[p+2:]))
		switch {
		case m == 0xE1:
			if n != 34 || !bytes.HasPrefix(b[p+4:], []byte("Exif\x00\x00MM")) {
				t.Errorf("an APP1 of %d bytes is left", n)
			}
			found = int(b[p+4+6+8+2+8+1])
		case m == 0xFE, m >= 0xE3 && m <= 0xED, m == 0xEF:
			t.Errorf("segment FF%02X is left", m)
		case m == 0xDA:
			if !bytes.HasSuffix(b, []byte{0xFF, 0xD9}) {
				t.Error("something follows the image's EOI")
			}
			if found != orientation {
				t.Errorf("orientation %d, want %d", found, orientation)
			}
			return
		}
		p += 2 + n
	}
	t.Error("no scan found")
}
