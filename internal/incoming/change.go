package incoming

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// own reads a registration of the actor's unit for a change: not found
// outside the unit, refused (audited) without the 签收 role, and refused
// once voided.
func (s *Service) own(ctx context.Context, a access.Actor, id int64, action string) (Record, error) {
	r, err := s.Get(ctx, a, id)
	if err != nil {
		return Record{}, err
	}
	if !a.Can(access.ReceiveDocs) {
		return Record{}, s.deny(ctx, a, action, strconv.FormatInt(id, 10))
	}
	if r.Voided() {
		return Record{}, apperr.New(http.StatusConflict, "voided", "该收文登记已作废，不能再修改")
	}
	return r, nil
}

// Update corrects a registration's fields (what the reader got wrong, or
// what a manual registration left out). The number, source and file stay;
// version guards against two people correcting it at once.
func (s *Service) Update(ctx context.Context, a access.Actor, id int64, version int, f Fields) (Record, error) {
	r, err := s.own(ctx, a, id, "incoming.update")
	if err != nil {
		return Record{}, err
	}
	f.normalize()
	errs := f.validate(s.today())
	if f.ReceivedOn != "" && f.ReceivedOn[:4] != strconv.Itoa(r.Year) && len(errs) == 0 {
		errs["received_on"] = "收文编号按年编排，收文日期只能改在 " + strconv.Itoa(r.Year) + " 年内"
	}
	if len(errs) > 0 {
		return Record{}, apperr.Invalid(errs)
	}
	if err := s.refuseDuplicate(ctx, s.DB.Q(), a.OrgID, f.FromNumber, id); err != nil {
		return Record{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE incoming_docs SET from_unit = ?, from_number = ?, title = ?, doc_date = ?, received_on = ?,
			secret = ?, urgency = ?, recipients = ?, body = ?, attachments = ?, note = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND org_id = ? AND version = ? AND voided_at IS NULL`,
			f.FromUnit, f.FromNumber, f.Title, f.DocDate, f.ReceivedOn, f.Secret, f.Urgency, f.Recipients,
			strings.Join(f.Body, "\n"), strings.Join(f.Attachments, "\n"), f.Note, db.Millis(s.Now()), id, a.OrgID, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return stale()
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "incoming.update", "incoming_doc", strconv.FormatInt(id, 10), audit.OK,
			"version="+strconv.Itoa(version+1)))
	})
	if db.IsUniqueViolation(err) {
		return Record{}, s.refuseDuplicate(ctx, s.DB.Q(), a.OrgID, f.FromNumber, id)
	}
	if err != nil {
		return Record{}, err
	}
	return s.Get(ctx, a, id)
}

func stale() error {
	return apperr.New(http.StatusConflict, "stale", "该收文登记刚被他人修改，请刷新后重新修改")
}

// Void cancels a registration made in error (the wrong file, a duplicate):
// it keeps its number in the register, marked 作废 with the reason, so the
// register has no gaps and nothing disappears.
func (s *Service) Void(ctx context.Context, a access.Actor, id int64, reason string) error {
	if _, err := s.own(ctx, a, id, "incoming.void"); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return apperr.Field("reason", "请说明作废的原因")
	case utf8.RuneCountInString(reason) > 200:
		return apperr.Field("reason", "原因不能超过 200 个字")
	case unstorable(reason):
		return apperr.Field("reason", "含有无法保存的字符")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE incoming_docs SET voided_at = ?, voided_by = ?, void_reason = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND org_id = ? AND voided_at IS NULL`, db.Millis(s.Now()), a.UserID, reason, db.Millis(s.Now()), id, a.OrgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(http.StatusConflict, "voided", "该收文登记已作废")
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "incoming.void", "incoming_doc", strconv.FormatInt(id, 10), audit.OK, ""))
	})
}
