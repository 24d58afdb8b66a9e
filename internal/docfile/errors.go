package docfile

import (
	"fmt"
)

// Error is why a file could not be read, in words for the person who
// uploaded it. Code is stable (callers and tests switch on it); Message is
// Chinese and shown beside the upload field; Kind is the file's kind when the
// content was recognized, even though reading it failed.
type Error struct {
	Code    string
	Message string
	Kind    Kind
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is matches by Code, so errors.Is(err, ErrNoText) holds for any
// no_text_layer error whatever its message and kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Error codes.
const (
	CodeTooLarge    = "too_large"
	CodeEmpty       = "empty"
	CodeNoText      = "no_text_layer"
	CodeEncrypted   = "encrypted"
	CodeBroken      = "broken"
	CodeZipBomb     = "zip_bomb"
	CodeMismatch    = "mismatch"
	CodeUnsupported = "unsupported"
	CodeNotUTF8     = "not_utf8"
	CodeUnavailable = "unavailable"
	CodeTimeout     = "timeout"
)

// Sentinels for errors.Is; the errors Extract returns carry messages that
// name the file's problem more precisely.
var (
	ErrTooLarge    = &Error{Code: CodeTooLarge, Message: fmt.Sprintf("文件超过 %d MB 的上限", MaxSize>>20)}
	ErrEmpty       = &Error{Code: CodeEmpty, Message: "文件是空的"}
	ErrNoText      = &Error{Code: CodeNoText, Message: msgNoText}
	ErrEncrypted   = &Error{Code: CodeEncrypted, Message: msgEncrypted}
	ErrBroken      = &Error{Code: CodeBroken, Message: "文件已损坏，无法读取"}
	ErrZipBomb     = zipBomb("")
	ErrMismatch    = &Error{Code: CodeMismatch, Message: "文件的内容与扩展名不符"}
	ErrUnsupported = &Error{Code: CodeUnsupported, Message: msgUnknown}
	ErrNotUTF8     = &Error{Code: CodeNotUTF8, Message: msgNotUTF8}
	ErrUnavailable = &Error{Code: CodeUnavailable, Message: msgNoPoppler}
	ErrTimeout     = &Error{Code: CodeTimeout, Message: msgTimeout}
)

const (
	msgNoText = "文件没有文字层（可能是扫描件），本系统不能识别图片中的文字（无 OCR），" +
		"可以“手工登记”并把文件作为原件保存"
	msgEncrypted = "文件已加密，请向来文单位索取未加密的文件"
	msgZipBomb   = "文件解压后的内容异常庞大（超过 %d MB 或压缩比过高，或包含过多的文件），" +
		"不像是一份公文，已拒绝读取"
	msgUnknown   = "无法识别的文件内容，只能读取 PDF、OFD、Word（.docx）和文本文件"
	msgNotUTF8   = "文本文件的编码无法识别（既不是 UTF-8，也不是 GBK/GB18030），请用记事本“另存为”UTF-8 编码后再上传"
	msgNoPoppler = "服务器未安装 PDF 文字提取工具（poppler-utils），请联系管理员"
	msgTimeout   = "读取 PDF 文件超时（超过 30 秒），文件可能过于复杂或已损坏"
)

func newErr(code string, k Kind, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, Kind: k}
}

func noText(k Kind) *Error {
	msg := msgNoText
	if k == Docx {
		msg = "Word 文档中没有文字（可能只贴了扫描图片），本系统不能识别图片中的文字（无 OCR），" +
			"可以“手工登记”并把文件作为原件保存"
	}
	return &Error{Code: CodeNoText, Message: msg, Kind: k}
}

func broken(k Kind, format string, args ...any) *Error {
	return newErr(CodeBroken, k, format, args...)
}

func zipBomb(k Kind) *Error {
	return newErr(CodeZipBomb, k, msgZipBomb, maxUnpacked>>20)
}

func encrypted(k Kind) *Error { return newErr(CodeEncrypted, k, msgEncrypted) }
