package org

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
)

// NewUnit is a unit a split makes, beside the unit split (under its
// parent).
type NewUnit struct {
	Code string
	Name string
	Kind Kind
}

// SplitPlan is how a unit is split: the new units, where each of the
// unit's children goes, and which unit takes the unit's own records.
// The unit's accounts stay with it.
type SplitPlan struct {
	New []NewUnit
	// Children maps the code of every child of the unit (each one, active
	// or not) to the code of the unit it will be under: the split unit's
	// own (it stays) or a new unit's.
	Children map[string]string
	// Records is the code of the unit that takes the split unit's own
	// records: its own (or "") to keep them, or a new unit's.
	Records string
}

// ChildMove is where one child of a split unit goes.
type ChildMove struct {
	Child Org
	To    string // the code of its parent after the split
}

// SplitResult is what a split does (or, from PreviewSplit, would do).
type SplitResult struct {
	Unit Org
	// New are the new units; in a preview not made yet (ID 0, no path).
	New      []Org
	Children []ChildMove // every child, in order, and where it goes
	// RecordsTo is the code of the unit that takes the unit's own
	// records; Records what moves to it (none when it keeps them), Kept
	// what stays because a unique rule keeps it.
	RecordsTo string
	Records   []TableCount
	Kept      []TableCount
}

// PreviewSplit checks a plan and says what Split would do, changing
// nothing (audited like the split itself when refused).
func (s *Store) PreviewSplit(ctx context.Context, a access.Actor, code string, plan SplitPlan) (SplitResult, error) {
	return s.split(ctx, a, code, plan, true)
}

// Split makes the plan's new units beside the unit (under its parent),
// moves each child under the unit the plan gives it, and hands the unit's
// own records to the unit the plan names — in one transaction. A plan
// that misses a child, names a unit that is not a child, reuses a code in
// use or maps a child to a unit not in the plan is refused beside the
// field, and nothing changes.
func (s *Store) Split(ctx context.Context, a access.Actor, code string, plan SplitPlan) (SplitResult, error) {
	return s.split(ctx, a, code, plan, false)
}

// errPreview rolls a preview's transaction back.
var errPreview = fmt.Errorf("preview")

func (s *Store) split(ctx context.Context, a access.Actor, code string, plan SplitPlan, preview bool) (SplitResult, error) {
	var res SplitResult
	action := "org.split"
	if preview {
		action = "org.split_preview"
	}
	err := s.reshape(ctx, a, action, code, func(tx *db.Tx, unit Org) (string, error) {
		if !unit.Active {
			return "", ErrInactive
		}
		if unit.ParentID == 0 {
			return "", ErrNoParent
		}
		parent, err := s.ByID(ctx, tx, unit.ParentID)
		if err != nil {
			return "", err
		}
		if !a.Scope().Contains(parent.Path) {
			return "", ErrNotAbove // the new units would be made above the actor's scope
		}
		kids, err := db.All(ctx, tx, scanOrg, `SELECT `+columns+` FROM orgs WHERE parent_id = ? ORDER BY sort_key, code`, unit.ID)
		if err != nil {
			return "", err
		}
		plan, err := checkPlan(ctx, tx, unit, kids, plan)
		if err != nil {
			return "", err
		}
		res = SplitResult{Unit: unit, RecordsTo: plan.Records}
		for _, k := range kids {
			res.Children = append(res.Children, ChildMove{Child: k, To: plan.Children[k.Code]})
		}
		if preview {
			for _, n := range plan.New {
				res.New = append(res.New, Org{Code: n.Code, Name: n.Name, Kind: n.Kind, ParentID: parent.ID, Depth: unit.Depth, Active: true})
			}
			if plan.Records != unit.Code {
				res.Records, res.Kept, err = countHandOver(ctx, tx, unit, Org{}, false)
			}
			if err != nil {
				return "", err
			}
			return "", errPreview
		}
		byCode := map[string]Org{unit.Code: unit}
		for _, n := range plan.New {
			o, err := s.Create(ctx, tx, parent, n.Code, n.Name, n.Kind, "")
			if err != nil {
				return "", err
			}
			byCode[n.Code] = o
			res.New = append(res.New, o)
			if err := s.remember(ctx, tx, a, o.ID, ChangeSplitFrom, unit.Name, "", unit.ID); err != nil {
				return "", err
			}
			if err := s.remember(ctx, tx, a, unit.ID, ChangeSplitTo, "", o.Name, o.ID); err != nil {
				return "", err
			}
		}
		moved := 0
		for _, k := range kids {
			to := byCode[plan.Children[k.Code]]
			if to.ID == unit.ID {
				continue
			}
			// Paths changed as earlier children moved: read each afresh.
			cur, err := s.ByID(ctx, tx, k.ID)
			if err != nil {
				return "", err
			}
			if err := s.moveUnder(ctx, tx, a, cur, unit, to); err != nil {
				return "", err
			}
			moved++
		}
		if to := byCode[plan.Records]; to.ID != unit.ID {
			if res.Records, res.Kept, err = handOver(ctx, tx, unit, to, false); err != nil {
				return "", err
			}
			if err := follow(ctx, tx, to.Path); err != nil {
				return "", err
			}
		}
		if res.Unit, err = s.ByID(ctx, tx, unit.ID); err != nil {
			return "", err
		}
		codes := make([]string, len(plan.New))
		for i, n := range plan.New {
			codes[i] = n.Code
		}
		return fmt.Sprintf("new=%s children_moved=%d records_to=%s records=%s kept=%s", strings.Join(codes, ","), moved,
			plan.Records, formatCounts(res.Records), formatCounts(res.Kept)), nil
	})
	if err == errPreview {
		err = nil
	}
	return res, err
}

// checkPlan validates a split plan against the unit and its children and
// returns it cleaned (codes trimmed, Records defaulted to the unit's own
// code). Field names: new.N.code, new.N.name, new.N.kind, new (none
// given), children.CODE, records.
func checkPlan(ctx context.Context, q db.Querier, unit Org, kids []Org, in SplitPlan) (SplitPlan, error) {
	e := map[string]string{}
	plan := SplitPlan{Children: map[string]string{}, Records: strings.TrimSpace(in.Records)}
	targets := map[string]bool{unit.Code: true}
	for i, n := range in.New {
		n.Code, n.Name = strings.TrimSpace(n.Code), strings.TrimSpace(n.Name)
		f := "new." + strconv.Itoa(i) + "."
		if msg := checkCode(n.Code); msg != "" {
			e[f+"code"] = msg
		} else if targets[n.Code] {
			e[f+"code"] = "组织代码重复"
		} else if taken, err := codeTaken(ctx, q, n.Code); err != nil {
			return plan, err
		} else if taken {
			e[f+"code"] = "该组织代码已被使用"
		}
		if msg := checkName(n.Name); msg != "" {
			e[f+"name"] = msg
		}
		if !n.Kind.Valid() {
			e[f+"kind"] = "请选择单位类型"
		}
		if n.Code != "" {
			targets[n.Code] = true
		}
		plan.New = append(plan.New, n)
	}
	if len(plan.New) == 0 {
		e["new"] = "请至少填写一个拆分出的新单位"
	}
	isChild := map[string]bool{}
	for _, k := range kids {
		isChild[k.Code] = true
		to, ok := in.Children[k.Code]
		to = strings.TrimSpace(to)
		switch {
		case !ok || to == "":
			e["children."+k.Code] = "请选择该下级单位的去向"
		case !targets[to]:
			e["children."+k.Code] = "去向须是本单位或本次拆分出的新单位"
		default:
			plan.Children[k.Code] = to
		}
	}
	for c := range in.Children {
		if !isChild[c] {
			e["children."+c] = "不是该单位的直接下级单位"
		}
	}
	switch {
	case plan.Records == "":
		plan.Records = unit.Code
	case !targets[plan.Records]:
		e["records"] = "本单位的记录只能留在本单位或交给本次拆分出的新单位"
	}
	if len(e) > 0 {
		return plan, apperr.Invalid(e)
	}
	return plan, nil
}
