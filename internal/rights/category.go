package rights

import (
	"context"
	"strings"

	"halfsky/internal/db"
)

// Category is one of the 12338 statistics' categories: a first level
// (Parent empty) or one under it.
type Category struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Parent string `json:"parent"`
	Active bool   `json:"active"`
}

// Top is the first-level category a code counts under.
func Top(code string) string {
	top, _, _ := strings.Cut(code, ".")
	return top
}

// Categories lists every category, retired ones included (a case keeps
// its category when the city retires it), in the city's order.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	return db.All(ctx, s.DB.Q(), func(sc db.Scanner) (Category, error) {
		var c Category
		err := sc.Scan(&c.Code, &c.Label, &c.Parent, &c.Active)
		return c, err
	}, `SELECT code, label, parent, active FROM case_categories ORDER BY sort, code`)
}

// PublicCategories lists the categories a woman may choose on the public
// form: the active ones.
func (s *Service) PublicCategories(ctx context.Context) ([]Category, error) {
	all, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	var out []Category
	for _, c := range all {
		if c.Active {
			out = append(out, c)
		}
	}
	return out, nil
}

// categoryLabel names a code ("婚姻家庭纠纷 · 离婚"), or gives it back.
func categoryLabel(all []Category, code string) string {
	var top, own string
	for _, c := range all {
		if c.Code == Top(code) {
			top = c.Label
		}
		if c.Code == code {
			own = c.Label
		}
	}
	switch {
	case own == "":
		return code
	case top != "" && top != own:
		return top + " · " + own
	}
	return own
}

// activeCategory reports whether code is a category a new case may take.
func activeCategory(all []Category, code string) bool {
	for _, c := range all {
		if c.Code == code {
			return c.Active
		}
	}
	return false
}
