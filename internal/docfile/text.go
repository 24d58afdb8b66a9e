package docfile

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Text files come from Notepad and its kin: UTF-8 with or without a byte
// order mark, UTF-16 with one ("Unicode" in Notepad's save dialog), or the
// system's ANSI code page, which on a Chinese Windows is GBK. GB18030 is a
// superset of GBK and GB2312, so one decoder reads all three.

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

func bomLen(data []byte) int {
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		return 3
	case bytes.HasPrefix(data, bomUTF16LE), bytes.HasPrefix(data, bomUTF16BE):
		return 2
	}
	return 0
}

func extractText(data []byte) (Extracted, error) {
	s, ok := decodeText(data)
	if !ok {
		return Extracted{Kind: Text}, newErr(CodeNotUTF8, Text, msgNotUTF8)
	}
	if strings.TrimSpace(s) == "" {
		return Extracted{Kind: Text}, newErr(CodeEmpty, Text, "文本文件里只有空白，没有文字")
	}
	return Extracted{Kind: Text, Text: s}, nil
}

// decodeText decodes a text file to UTF-8 without its byte order mark.
func decodeText(data []byte) (string, bool) {
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		return string(data[3:]), utf8.Valid(data[3:])
	case bytes.HasPrefix(data, bomUTF16LE):
		return decodeUTF16(data[2:], func(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }), true
	case bytes.HasPrefix(data, bomUTF16BE):
		return decodeUTF16(data[2:], func(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }), true
	case utf8.Valid(data):
		return string(data), true
	}
	return decodeGB18030(data)
}

func decodeUTF16(data []byte, unit func([]byte) uint16) string {
	u := make([]uint16, len(data)/2)
	for i := range u {
		u[i] = unit(data[2*i:])
	}
	return string(utf16.Decode(u))
}

// decodeGB18030 accepts data as GBK/GB18030 text only if every byte
// decodes and the result has Chinese in it: Latin-1 or random bytes also
// decode in GB18030 more often than not, but to gibberish with gaps.
func decodeGB18030(data []byte) (string, bool) {
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return "", false
	}
	s := string(out)
	return s, strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}
