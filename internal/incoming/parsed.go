package incoming

import (
	"strings"

	"halfsky/internal/docimport"
)

// FromParsed fills a registration's fields from a document read by
// docimport. The 来文单位 is the document's 署名, else its 发文机关标志
// without 文件, else its 印发机关: the organ that sent it, in that order of
// reliability (a joint issue's mark names several organs).
func FromParsed(p docimport.Document) Fields {
	f := Fields{
		FromNumber:  p.Number,
		Title:       p.Title,
		DocDate:     p.Date,
		Recipients:  p.Recipients,
		Body:        p.Body,
		Attachments: p.Attachments,
		Urgency:     p.Urgency,
	}
	f.Secret, _, _ = strings.Cut(p.Secret, "★")
	for _, u := range []string{p.Signature, strings.TrimSuffix(p.IssuerMark, "文件"), p.PrintedBy} {
		if u = strings.TrimSpace(u); u != "" {
			f.FromUnit = u
			break
		}
	}
	return f
}

// Overlay sets every field that typed has onto f: what the office typed
// on the form wins over what was read from the file.
func (f *Fields) Overlay(typed Fields) {
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = v
		}
	}
	set(&f.FromUnit, typed.FromUnit)
	set(&f.FromNumber, typed.FromNumber)
	set(&f.Title, typed.Title)
	set(&f.DocDate, typed.DocDate)
	set(&f.ReceivedOn, typed.ReceivedOn)
	set(&f.Secret, typed.Secret)
	set(&f.Urgency, typed.Urgency)
	set(&f.Note, typed.Note)
}
