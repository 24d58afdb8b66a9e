package org

import (
	"context"
	"fmt"

	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// The national root: 中华全国妇女联合会, above the provinces when the
// installation spans the country. Its code is "CN" — letters, so that it
// can never be taken by a GB/T 2260 division code (all digits: 2 for a
// province, 4 for a city, 6 for a county, 9 for a street, 12 for a
// village) nor by halfsky's own codes for organs, group members and
// new-sector organizations (a division code followed by JG, TT or XL and a
// number). The widespread "100000" of map data was rejected: it has the
// shape of a county code, and the importer would take it for one.
const (
	NationalCode = "CN"
	NationalName = "中华全国妇女联合会"
)

// EnsureNational returns the national root, creating it when missing;
// every other root unit (a province imported alone, or a city installed
// before its province) is put under it with its subtree and every record's
// copy of the paths, in the same transaction, audited as the operator's.
// It reports whether it created the root and how many units it adopted.
func (s *Store) EnsureNational(ctx context.Context) (Org, bool, int, error) {
	var root Org
	created, adopted := false, 0
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		created, adopted = false, 0
		var err error
		root, err = s.ByCodeUnscoped(ctx, tx, NationalCode)
		switch err {
		case nil:
		case db.ErrNotFound:
			now := db.Millis(db.Now())
			id, err := db.InsertID(ctx, tx, `INSERT INTO orgs (code, name, kind, sector, parent_id, path, depth, sort_key, created_at, updated_at)
				VALUES (?, ?, ?, '', NULL, ?, 0, ?, ?, ?)`, NationalCode, NationalName, string(KindNation), "pending:"+NationalCode,
				sortKey(KindNation, NationalCode), now, now)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE orgs SET path = ? WHERE id = ?`, fmt.Sprintf("/%d/", id), id); err != nil {
				return err
			}
			if root, err = s.ByID(ctx, tx, id); err != nil {
				return err
			}
			created = true
			if err := audit.Record(ctx, tx, audit.Event{Username: "operator", Action: "org.create", ObjectType: "org", ObjectID: root.Code,
				OrgID: root.ID, OrgCode: root.Code, Outcome: audit.OK, Detail: "national root"}); err != nil {
				return err
			}
		default:
			return err
		}
		others, err := db.All(ctx, tx, scanOrg, `SELECT `+columns+` FROM orgs WHERE parent_id IS NULL AND id <> ? ORDER BY code`, root.ID)
		if err != nil {
			return err
		}
		for _, o := range others {
			if err := reparent(ctx, tx, o, root); err != nil {
				return err
			}
			if root, err = s.ByID(ctx, tx, root.ID); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, audit.Event{Username: "operator", Action: "org.move", ObjectType: "org", ObjectID: o.Code,
				OrgID: o.ID, OrgCode: o.Code, Outcome: audit.OK, Detail: "from= to=" + root.Code}); err != nil {
				return err
			}
			adopted++
		}
		return nil
	})
	return root, created, adopted, err
}
