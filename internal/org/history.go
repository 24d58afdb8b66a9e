package org

import (
	"context"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
)

// ChangeKind is what happened to a unit.
type ChangeKind string

const (
	ChangeRename     ChangeKind = "rename"      // Old, New: the names
	ChangeRecode     ChangeKind = "recode"      // Old, New: the codes
	ChangeMove       ChangeKind = "move"        // Old, New: the old and new parents' names; Other: the old parent
	ChangeMergedInto ChangeKind = "merged_into" // New: the name of the unit merged into (Other)
	ChangeMergedFrom ChangeKind = "merged_from" // Old: the name of the unit merged in (Other)
	ChangeSplitFrom  ChangeKind = "split_from"  // Old: the name of the unit split (Other); the unit was made by the split
	ChangeSplitTo    ChangeKind = "split_to"    // New: the name of a unit made by splitting this one (Other)
	ChangeDeactivate ChangeKind = "deactivate"
	// The import's changes, following the national division list: kept
	// apart from the local ones, which a later import never undoes.
	ChangeImportRename ChangeKind = "import_rename" // as ChangeRename
	ChangeImportMove   ChangeKind = "import_move"   // as ChangeMove
)

// Change is one entry of a unit's history, values as they were then.
type Change struct {
	ID       int64
	Kind     ChangeKind
	Old, New string
	// Other is the other unit as it is now (the old parent of a move, the
	// unit merged into or from, split from or into); zero when there is
	// none or it lies outside the reader's scope.
	Other  Org
	At     time.Time
	ByName string // who made it; "" for the server's command line
}

// Label is the kind's Chinese name.
func (k ChangeKind) Label() string {
	switch k {
	case ChangeRename:
		return "更名"
	case ChangeRecode:
		return "变更代码"
	case ChangeMove:
		return "调整上级"
	case ChangeMergedInto:
		return "撤并"
	case ChangeMergedFrom:
		return "并入"
	case ChangeSplitFrom:
		return "拆分设立"
	case ChangeSplitTo:
		return "拆分"
	case ChangeDeactivate:
		return "停用"
	case ChangeImportRename:
		return "更名（区划导入）"
	case ChangeImportMove:
		return "调整上级（区划导入）"
	}
	return string(k)
}

// Text describes the change in Chinese, as the unit's page shows it.
func (c Change) Text() string {
	q := func(s string) string { return "“" + s + "”" }
	switch c.Kind {
	case ChangeRename, ChangeImportRename:
		return "由" + q(c.Old) + "更名为" + q(c.New)
	case ChangeRecode:
		return "组织代码由 " + c.Old + " 变更为 " + c.New
	case ChangeMove, ChangeImportMove:
		if c.Old == "" {
			return "调整到" + q(c.New) + "之下"
		}
		return "由" + q(c.Old) + "之下调整到" + q(c.New) + "之下"
	case ChangeMergedInto:
		return "撤并入" + q(c.New) + "（已撤并）"
	case ChangeMergedFrom:
		return q(c.Old) + "并入本单位"
	case ChangeSplitFrom:
		return "由" + q(c.Old) + "拆分设立"
	case ChangeSplitTo:
		return "拆分出" + q(c.New)
	case ChangeDeactivate:
		return "停用"
	}
	return string(c.Kind)
}

// remember writes one entry of a unit's history in tx.
func (s *Store) remember(ctx context.Context, tx *db.Tx, a access.Actor, orgID int64, kind ChangeKind, old, new string, other int64) error {
	var by, oth any
	if a.UserID != 0 {
		by = a.UserID
	}
	if other != 0 {
		oth = other
	}
	_, err := tx.Exec(ctx, `INSERT INTO org_changes (org_id, kind, old_value, new_value, other_org_id, at, by_user)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, orgID, string(kind), old, new, oth, db.Millis(db.Now()), by)
	return err
}

// History is the unit's history, newest first: what it was renamed or
// recoded from, moved from, merged into or from, split from.
func (s *Store) History(ctx context.Context, a access.Actor, code string) ([]Change, error) {
	o, err := s.ByCode(ctx, a, code)
	if err != nil {
		return nil, err
	}
	return s.HistoryOf(ctx, a, o)
}

// HistoryOf is History of a unit already in hand (and in the actor's
// scope).
func (s *Store) HistoryOf(ctx context.Context, a access.Actor, o Org) ([]Change, error) {
	if !a.CanAt(access.ViewOrgs, o.Path) {
		return nil, db.ErrNotFound
	}
	out, err := db.All(ctx, s.DB.Q(), func(row db.Scanner) (c Change, err error) {
		var at int64
		err = row.Scan(&c.ID, &c.Kind, &c.Old, &c.New, &c.Other.ID, &at, &c.ByName)
		c.At = db.FromMillis(at)
		return c, err
	}, `SELECT c.id, c.kind, c.old_value, c.new_value, COALESCE(c.other_org_id, 0), c.at, COALESCE(u.display_name, '')
		FROM org_changes c LEFT JOIN users u ON u.id = c.by_user
		WHERE c.org_id = ? ORDER BY c.at DESC, c.id DESC`, o.ID)
	if err != nil {
		return nil, err
	}
	var others []int64
	for _, c := range out {
		if c.Other.ID != 0 {
			others = append(others, c.Other.ID)
		}
	}
	if len(others) == 0 {
		return out, nil
	}
	list, err := db.All(ctx, s.DB.Q(), scanOrg, `SELECT `+columns+` FROM orgs WHERE id IN (`+db.Marks(len(others))+`)`, db.Args(others)...)
	if err != nil {
		return nil, err
	}
	byID := map[int64]Org{}
	for _, x := range list {
		if a.Scope().Contains(x.Path) {
			byID[x.ID] = x
		}
	}
	for i := range out {
		out[i].Other = byID[out[i].Other.ID]
	}
	return out, nil
}
