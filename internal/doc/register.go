package doc

import (
	"context"
	"errors"
	"net/http"

	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/org"
)

// A 机关代字's register (doc_numbers, one row a year) belongs to the unit
// that issues under it: the first to issue claims it, and another unit
// is refused — else 道里区 could take the city's next 哈妇发 number. A
// merged unit hands its registers to the unit it is merged into.

// claimRegister makes issuer the owner of abbr's register when nobody is,
// and refuses when another unit is.
func claimRegister(ctx context.Context, tx *db.Tx, abbr string, issuer org.Org) error {
	if _, err := tx.Exec(ctx, `INSERT INTO doc_registers (abbr, owner_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (abbr) DO NOTHING`, abbr, issuer.ID, db.Millis(db.Now())); err != nil {
		return err
	}
	owner, err := registerOwner(ctx, tx, abbr)
	if err != nil {
		return err
	}
	if owner.ID != issuer.ID {
		return &apperr.Error{Status: http.StatusConflict, Code: "abbr_taken",
			Message: "机关代字“" + abbr + "”由" + owner.Name + "编号使用，本单位不能用它印发",
			Fields:  map[string]string{"abbr": "该机关代字属于" + owner.Name + "，请使用本单位的机关代字"}}
	}
	return nil
}

// registerOwner is the unit that owns abbr's register (the zero Org when
// nobody does yet): a draft under another unit's 代字 is refused beside
// the field, before it goes the whole way to 印发.
func registerOwner(ctx context.Context, q db.Querier, abbr string) (org.Org, error) {
	var o org.Org
	err := q.QueryRow(ctx, `SELECT o.id, o.name FROM doc_registers r JOIN orgs o ON o.id = r.owner_id WHERE r.abbr = ?`, abbr).Scan(&o.ID, &o.Name)
	if err = db.NoRows(err); errors.Is(err, db.ErrNotFound) {
		return org.Org{}, nil
	}
	return o, err
}

func init() { org.RegisterOwnerColumn("doc_registers", "owner_id") }
