package doc

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// Receive is the 签收 of a document by the actor's own unit.
func (s *Service) Receive(ctx context.Context, a access.Actor, id int64) error {
	d, err := s.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if !a.Can(access.ReceiveDocs) {
		return s.deny(ctx, a, "doc.receive", strconv.FormatInt(id, 10))
	}
	var signed int64
	err = s.DB.QueryRow(ctx, `SELECT COALESCE(signed_at, 0) FROM document_recipients WHERE doc_id = ? AND org_id = ?`, d.ID, a.OrgID).Scan(&signed)
	if err != nil {
		if db.NoRows(err) == db.ErrNotFound {
			return apperr.New(http.StatusForbidden, "not_recipient", "本单位不是该公文的收文单位，无需签收")
		}
		return err
	}
	if signed != 0 {
		return apperr.New(http.StatusConflict, "already_received", "本单位已于 "+db.FromMillis(signed).In(db.Shanghai).Format("2006年1月2日 15:04")+" 签收，不能重复签收")
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE document_recipients SET signed_at = ?, signed_by = ? WHERE doc_id = ? AND org_id = ? AND signed_at IS NULL`,
			db.Millis(now), a.UserID, d.ID, a.OrgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(http.StatusConflict, "already_received", "本单位已签收")
		}
		if s.OnReceive != nil {
			if err := s.OnReceive(ctx, tx, d.ID, a.OrgID, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "doc.receive", "document", strconv.FormatInt(d.ID, 10), audit.OK, "number="+d.Number))
	})
}

// Receipt is one recipient unit and its 签收.
type Receipt struct {
	OrgID      int64
	OrgCode    string
	OrgName    string
	Kind       string // main or cc
	SignedAt   time.Time
	SignerName string
}

// KindLabel is how the unit received the document: 主送 or 抄送.
func (r Receipt) KindLabel() string {
	if r.Kind == "cc" {
		return "抄送"
	}
	return "主送"
}

// Receipts lists who has and who has not signed for a document: for the
// issuing side (units whose scope holds the issuer), every recipient; for a
// recipient side, only the recipients in its own scope.
func (s *Service) Receipts(ctx context.Context, a access.Actor, id int64) ([]Receipt, error) {
	d, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	q := `SELECT o.id, o.code, COALESCE(NULLIF(r.org_name, ''), o.name), r.kind, COALESCE(r.signed_at, 0), COALESCE(u.display_name, '')
		FROM document_recipients r JOIN orgs o ON o.id = r.org_id LEFT JOIN users u ON u.id = r.signed_by
		WHERE r.doc_id = ?`
	args := []any{d.ID}
	if !a.Scope().Contains(d.OrgPath) {
		w, sa := a.Scope().Where("o.path")
		q += " AND " + w
		args = append(args, sa...)
	}
	return db.All(ctx, s.DB.Q(), func(row db.Scanner) (r Receipt, err error) {
		var at int64
		err = row.Scan(&r.OrgID, &r.OrgCode, &r.OrgName, &r.Kind, &at, &r.SignerName)
		r.SignedAt = optTime(at)
		return r, err
	}, q+` ORDER BY r.kind DESC, o.path`, args...)
}

// MyReceipt is the actor's own unit's receipt of a document, if it is a
// recipient.
func (s *Service) MyReceipt(ctx context.Context, a access.Actor, id int64) (Receipt, bool, error) {
	var r Receipt
	var at int64
	err := s.DB.QueryRow(ctx, `SELECT r.kind, COALESCE(r.signed_at, 0), COALESCE(u.display_name, ''), r.org_name
		FROM document_recipients r LEFT JOIN users u ON u.id = r.signed_by WHERE r.doc_id = ? AND r.org_id = ?`, id, a.OrgID).
		Scan(&r.Kind, &at, &r.SignerName, &r.OrgName)
	if err != nil {
		if db.NoRows(err) == db.ErrNotFound {
			return Receipt{}, false, nil
		}
		return Receipt{}, false, err
	}
	if r.OrgName == "" {
		r.OrgName = a.OrgName
	}
	r.OrgID, r.OrgCode, r.SignedAt = a.OrgID, a.OrgCode, optTime(at)
	return r, true, nil
}
