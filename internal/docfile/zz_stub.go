// TEMPORARY stub until branch docfile is merged; deleted then.
package docfile

import (
	"context"
	"unicode/utf8"
)

type Kind string

const (
	Text Kind = "txt"
	Docx Kind = "docx"
	PDF  Kind = "pdf"
	OFD  Kind = "ofd"
)

func (k Kind) Label() string { return string(k) }

type Extracted struct {
	Kind  Kind
	Text  string
	Pages int
}

type Error struct{ Code, Message string; Kind Kind }

func (e *Error) Error() string { return e.Code + ": " + e.Message }
func (e *Error) Is(t error) bool { x, ok := t.(*Error); return ok && x.Code == e.Code }

var ErrNoText = &Error{Code: "no_text_layer", Message: "没有文字层"}

func Extract(ctx context.Context, name string, data []byte) (Extracted, error) {
	if !utf8.Valid(data) {
		return Extracted{}, &Error{Code: "unsupported", Message: "无法识别"}
	}
	return Extracted{Kind: Text, Text: string(data)}, nil
}
