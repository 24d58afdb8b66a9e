package doc

import (
	"context"
	"strings"

	"halfsky/internal/docimport"
	"halfsky/internal/org"
)

// FromImport fills draft fields from a parsed text 公文, starting from base
// (the unit's defaults): every element the text has replaces the default,
// and the printed 主送/抄送 lines are mapped to units where they can be.
// unknown lists the recipient parts no unit of the issuer matched.
func (s *Service) FromImport(ctx context.Context, issuer org.Org, base Fields, p docimport.Document) (f Fields, unknown []string) {
	f = base
	f.CopyNo, f.Urgency = p.CopyNo, p.Urgency
	if p.Secret != "" {
		f.Secret, f.SecretTerm, _ = strings.Cut(p.Secret, "★")
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&f.IssuerMark, p.IssuerMark)
	set(&f.Title, p.Title)
	set(&f.Signature, p.Signature)
	set(&f.DocDate, p.Date)
	set(&f.Note, p.Note)
	set(&f.PrintedBy, p.PrintedBy)
	set(&f.PrintedDate, p.PrintedDate)
	f.Body, f.AttachmentNote, f.Signers = p.Body, p.Attachments, p.Signers
	if abbr, _, _, ok := ParseNumber(p.Number); ok {
		f.Abbr = abbr
	}
	for _, t := range Types {
		if strings.HasSuffix(f.Title, t) {
			f.Type = t
		}
	}
	var more []string
	f.Recipients = p.Recipients
	f.RecipientSpec, unknown = s.ParseRecipients(ctx, issuer, p.Recipients)
	f.CC = p.CC
	f.CCSpec, more = s.ParseRecipients(ctx, issuer, p.CC)
	return f, append(unknown, more...)
}
