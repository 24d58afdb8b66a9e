package rights

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/vocab"
)

// MayConfigure reports whether the actor sets the city's categories: a
// leader of the installation's top unit (the city that runs 12338).
func (s *Service) MayConfigure(a access.Actor) bool {
	return a.Can(access.RecordCases) && a.Role == access.Leader && s.TopUnit != "" && a.OrgCode == s.TopUnit
}

// CategoryEdit is a change of the categories: add (a first-level one, or
// one under Parent), rename, retire or restore (Code).
type CategoryEdit struct {
	Action string `json:"action"` // add, rename, retire, restore
	Code   string `json:"code"`
	Parent string `json:"parent"`
	Label  string `json:"label"`
}

// EditCategory changes the categories. A retired one stays on the cases
// that have it and in the statistics; new cases cannot take it. Codes are
// made here and never change, so the counters keep their buckets.
func (s *Service) EditCategory(ctx context.Context, a access.Actor, in CategoryEdit) error {
	if !s.MayConfigure(a) {
		return s.deny(ctx, a, "case.categories", in.Code)
	}
	in.Label, in.Code, in.Parent = strings.TrimSpace(in.Label), strings.TrimSpace(in.Code), strings.TrimSpace(in.Parent)
	cats, err := s.Categories(ctx)
	if err != nil {
		return err
	}
	find := func(code string) (Category, bool) {
		for _, c := range cats {
			if c.Code == code {
				return c, true
			}
		}
		return Category{}, false
	}
	if in.Action == "add" || in.Action == "rename" {
		switch {
		case in.Label == "":
			return apperr.Field("label", "请填写类别名称")
		case vocab.TooLong(in.Label, 20):
			return apperr.Field("label", "类别名称不能超过 20 字")
		}
		for _, c := range cats {
			if c.Label == in.Label && c.Parent == in.Parent && c.Code != in.Code {
				return apperr.Field("label", "已有同名类别")
			}
		}
	}
	var q string
	var args []any
	switch in.Action {
	case "add":
		if in.Parent != "" {
			if p, ok := find(in.Parent); !ok || p.Parent != "" {
				return apperr.Field("parent", "请选择一级类别")
			}
		}
		prefix := ""
		if in.Parent != "" {
			prefix = in.Parent + "."
		}
		code := prefix + "c" + strconv.Itoa(len(cats)+1)
		for _, taken := find(code); taken; _, taken = find(code) {
			code += "x"
		}
		in.Code = code
		q, args = `INSERT INTO case_categories (code, parent, label, sort) VALUES (?, ?, ?, (SELECT COALESCE(MAX(sort), 0) + 1 FROM case_categories))`,
			[]any{code, in.Parent, in.Label}
	case "rename", "retire", "restore":
		if _, ok := find(in.Code); !ok {
			return db.ErrNotFound
		}
		switch in.Action {
		case "rename":
			q, args = `UPDATE case_categories SET label = ? WHERE code = ?`, []any{in.Label, in.Code}
		case "retire":
			q, args = `UPDATE case_categories SET active = 0 WHERE code = ? OR parent = ?`, []any{in.Code, in.Code}
		default:
			q, args = `UPDATE case_categories SET active = 1 WHERE code = ?`, []any{in.Code}
		}
	default:
		return apperr.New(http.StatusBadRequest, "bad_request", "未知的操作")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "case.categories", "case_category", in.Code, audit.OK, in.Action))
	})
}
