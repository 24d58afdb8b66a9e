package db

import (
	"slices"
	"strings"
)

// Page bounds a list: PerPage 0 (or over 200) is 20; All lifts the bound
// (exports).
type Page struct {
	Page    int
	PerPage int
	All     bool
}

// Bounds is the page's size and offset; size 0 when the page is unbounded.
func (p Page) Bounds() (per, offset int) {
	if p.All {
		return 0, 0
	}
	per = p.PerPage
	if per <= 0 || per > 200 {
		per = 20
	}
	return per, (max(p.Page, 1) - 1) * per
}

// SQL is the page's LIMIT/OFFSET clause with its arguments ("" for All).
func (p Page) SQL() (string, []any) {
	per, offset := p.Bounds()
	if per == 0 {
		return "", nil
	}
	return ` LIMIT ? OFFSET ?`, []any{per, offset}
}

// Where gathers the conditions and arguments of a list query, joined by AND.
type Where struct {
	conds []string
	Args  []any
}

// Add appends a condition with its arguments.
func (w *Where) Add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.Args = append(w.Args, args...)
}

// And is w with one more condition; w itself is left as it was.
func (w Where) And(cond string, args ...any) Where {
	return Where{conds: append(slices.Clip(w.conds), cond), Args: append(slices.Clip(w.Args), args...)}
}

// SQL is " WHERE …" for the conditions, or "" when there are none.
func (w *Where) SQL() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
