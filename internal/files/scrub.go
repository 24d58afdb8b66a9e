package files

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of photos
	_ "image/png"
	"path/filepath"
	"strings"

	"halfsky/internal/apperr"
)

// MaxPixels bounds a photo's size in pixels: a phone's 200-megapixel
// sensor is the largest there is; more is a decompression bomb aimed at
// whoever opens it.
const MaxPixels = 200_000_000

// errBadImage is a photo whose structure Scrub cannot follow.
var errBadImage = errors.New("files: malformed image")

// Scrub returns a photo (JPG or PNG) with everything but the picture
// taken out: EXIF (GPS position, time, camera and its serial number, the
// thumbnail, which shows the picture as first taken even after it was
// cropped), XMP, IPTC, comments, text chunks and whatever follows the
// image (the second pictures and depth maps phones append). A photo's
// position can lead an abuser to a shelter, so for a rights case this is
// done on upload, before anything is stored.
//
// It is lossless: the compressed picture is copied as it is, so the
// pixels are exactly the uploaded ones; only the orientation is kept,
// in a minimal EXIF block of its own, so a photo taken on its side
// still shows upright. A file that is not a photo it can read (not JPG
// or PNG, cut short, malformed, or of more than MaxPixels) is refused
// with a message for field.
func Scrub(field, name string, data []byte) ([]byte, error) {
	base := strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	if _, err := CheckImage(field, name, data); err != nil {
		return nil, err
	}
	bad := apperr.Field(field, "“"+base+"”不是能打开的照片（文件已损坏或不是图片），请重新拍摄或选择")
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, bad
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, apperr.Field(field, fmt.Sprintf("照片“%s”的尺寸（%d×%d）超出范围", base, cfg.Width, cfg.Height))
	}
	var out []byte
	switch format {
	case "jpeg":
		out, err = scrubJPEG(data)
	case "png":
		out, err = scrubPNG(data)
	default:
		err = errBadImage
	}
	if err != nil {
		return nil, bad
	}
	return out, nil
}

// JPEG markers (ITU T.81 B.1.1.3).
const (
	mSOI  = 0xD8
	mEOI  = 0xD9
	mSOS  = 0xDA
	mAPP0 = 0xE0
	mAPP1 = 0xE1
	mAPP2 = 0xE2
	mAP14 = 0xEE
	mAP15 = 0xEF
	mCOM  = 0xFE
)

// keepJPEG says which segments stay: all that decoding needs, JFIF
// (APP0), the colour profile (APP2 ICC_PROFILE) and Adobe's colour
// transform (APP14). The rest of APP1–APP15 (EXIF, XMP, MPF, Photoshop
// and IPTC, makers' own) and comments go.
func keepJPEG(marker byte, payload []byte) bool {
	switch {
	case marker == mCOM:
		return false
	case marker == mAPP0, marker == mAP14:
		return true
	case marker == mAPP2:
		return bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00"))
	case marker >= mAPP1 && marker <= mAP15:
		return false
	}
	return true
}

// scrubJPEG walks the segments from SOI to EOI, copying those kept and
// every scan's entropy-coded data, reading the orientation from the EXIF
// block it drops and writing it back alone after SOI (and JFIF).
func scrubJPEG(data []byte) ([]byte, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != mSOI {
		return nil, errBadImage
	}
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, mSOI)
	orientation, placed := 0, false
	place := func() { // the orientation block, once, after JFIF if any
		if !placed {
			placed = true
			out = append(out, orientationEXIF(orientation)...)
		}
	}
	p := 2
	for {
		// Fill bytes (0xFF) may precede a marker.
		for p < len(data) && data[p] == 0xFF && p+1 < len(data) && data[p+1] == 0xFF {
			p++
		}
		if p+2 > len(data) || data[p] != 0xFF {
			return nil, errBadImage
		}
		marker := data[p+1]
		switch {
		case marker == mEOI:
			place()
			return append(out, 0xFF, mEOI), nil // what follows EOI is not kept
		case marker == mSOI || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			return nil, errBadImage // no length; not valid between segments
		}
		if p+4 > len(data) {
			return nil, errBadImage
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return nil, errBadImage
		}
		seg, payload := data[p:p+2+n], data[p+4:p+2+n]
		p += 2 + n
		if marker == mAPP1 && orientation == 0 && bytes.HasPrefix(payload, []byte("Exif\x00\x00")) {
			orientation = exifOrientation(payload[6:])
		}
		if marker != mAPP0 {
			place()
		}
		if keepJPEG(marker, payload) {
			out = append(out, seg...)
		}
		if marker == mSOS {
			end, err := scanEnd(data, p)
			if err != nil {
				return nil, err
			}
			out = append(out, data[p:end]...)
			p = end
		}
	}
}

// scanEnd finds where a scan's entropy-coded data, starting at p, ends:
// at the first marker that is not a stuffed zero, a restart marker or
// fill.
func scanEnd(data []byte, p int) (int, error) {
	for ; p+1 < len(data); p++ {
		if data[p] != 0xFF {
			continue
		}
		switch next := data[p+1]; {
		case next == 0x00, next >= 0xD0 && next <= 0xD7:
			p++
		case next == 0xFF:
		default:
			return p, nil
		}
	}
	return 0, errBadImage // cut short: no EOI
}

// exifOrientation reads tag 0x0112 from IFD0 of a TIFF structure (EXIF
// without its "Exif\0\0"); 0 when absent or unreadable.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0
	}
	count := int(bo.Uint16(t[ifd:]))
	for i := 0; i < count; i++ {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 0
		}
	}
	return 0
}

// orientationEXIF is an APP1 segment holding only the orientation (none
// for 0 or 1, upright): a big-endian TIFF header and an IFD0 of one entry.
func orientationEXIF(o int) []byte {
	if o <= 1 {
		return nil
	}
	b := []byte{0xFF, mAPP1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, 42, 0, 0, 0, 8, // TIFF header, IFD0 at 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, // Orientation SHORT ×1
		0, 0, 0, 0} // no next IFD
	return b
}

// keptPNG are the chunks that stay: the critical ones and those that
// change how the picture looks (transparency, gamma, colour, physical
// size). Text (tEXt, zTXt, iTXt, which carry XMP), eXIf, tIME and any
// private chunk go.
var keptPNG = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true,
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true,
	"sBIT": true, "pHYs": true, "bKGD": true,
}

// scrubPNG copies the signature and the kept chunks up to IEND.
func scrubPNG(data []byte) ([]byte, error) {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(data, []byte(sig)) {
		return nil, errBadImage
	}
	out := append(make([]byte, 0, len(data)), sig...)
	for p := len(sig); p+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[p:]))
		if n > len(data)-p-12 {
			return nil, errBadImage
		}
		kind := string(data[p+4 : p+8])
		chunk := data[p : p+12+n] // length, type, data, CRC
		p += 12 + n
		if keptPNG[kind] {
			out = append(out, chunk...)
		}
		if kind == "IEND" {
			return out, nil
		}
	}
	return nil, errBadImage
}
