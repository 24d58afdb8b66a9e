package org

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// Refusals of a change of the tree's shape.
var (
	ErrMoveIntoItself = apperr.New(http.StatusUnprocessableEntity, "move_into_subtree", "不能把单位调整到它自己或它的下级单位之下")
	ErrAlreadyThere   = apperr.New(http.StatusConflict, "already_there", "该单位已在此上级单位之下")
)

// MoveAsOperator puts the unit with code under the unit with code under,
// with its whole subtree, from the server's command line: the tree, every
// record's copy of the paths and what follows from them change in one
// transaction, audited as the operator's.
func (s *Store) MoveAsOperator(ctx context.Context, code, under string) (Org, error) {
	var moved Org
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		unit, err := s.ByCodeUnscoped(ctx, tx, strings.TrimSpace(code))
		if err != nil {
			return fieldNotFound("unit", err)
		}
		parent, err := s.ByCodeUnscoped(ctx, tx, strings.TrimSpace(under))
		if err != nil {
			return fieldNotFound("under", err)
		}
		if err := s.move(ctx, tx, unit, parent); err != nil {
			return err
		}
		moved, err = s.ByID(ctx, tx, unit.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Username: "operator", Action: "org.move", ObjectType: "org", ObjectID: unit.Code,
			OrgID: unit.ID, OrgCode: unit.Code, Outcome: audit.OK, Detail: "from=" + parentCode(ctx, tx, unit) + " to=" + parent.Code})
	})
	return moved, err
}

// move checks and makes one move in tx.
func (s *Store) move(ctx context.Context, tx *db.Tx, unit, parent Org) error {
	switch {
	case strings.HasPrefix(parent.Path, unit.Path):
		return ErrMoveIntoItself
	case unit.ParentID == parent.ID:
		return ErrAlreadyThere
	}
	return reparent(ctx, tx, unit, parent)
}

// parentCode is the code of the unit's parent ("" for a root), read
// before a move for its audit record.
func parentCode(ctx context.Context, q db.Querier, o Org) string {
	if o.ParentID == 0 {
		return ""
	}
	p, err := (&Store{}).ByID(ctx, q, o.ParentID)
	if err != nil {
		return ""
	}
	return p.Code
}

// fieldNotFound names the field whose unit code is unknown.
func fieldNotFound(field string, err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return apperr.Field(field, "没有这个组织代码")
	}
	return err
}
