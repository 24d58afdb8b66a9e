package org

import (
	"context"
	"strings"

	"halfsky/internal/db"
)

// Place is a unit as the public pages show it: where a woman says she
// lives, by its code and the place's name (the unit's without 妇联). Nothing else of the tree (its path, its
// kind of unit beyond the level, its history) leaves the server.
type Place struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level Kind   `json:"level"`
}

// placeKinds are the units a woman can name as where she lives: the
// divisions below a city. Organs, group members and new-sector
// organizations are not places.
var placeKinds = []Kind{KindDistrict, KindStreet, KindCommunity, KindVillage}

// Places lists the active division units directly under the unit with
// code parent, which must be top (the installation's top unit) or a
// division unit under it; anything else — another tree, an organ, a
// merged or deactivated unit, no such code — is db.ErrNotFound. It reads
// without an actor: the public pages have none, and what it returns is
// what a map of the city says.
func (s *Store) Places(ctx context.Context, top, parent string) ([]Place, error) {
	p, err := s.ByCodeUnscoped(ctx, s.DB.Q(), parent)
	if err != nil {
		return nil, err
	}
	root, err := s.ByCodeUnscoped(ctx, s.DB.Q(), top)
	if err != nil {
		return nil, err
	}
	under := p.ID == root.ID || (strings.HasPrefix(p.Path, root.Path) && isPlace(p.Kind))
	if !p.Active || !under {
		return nil, db.ErrNotFound
	}
	return db.All(ctx, s.DB.Q(), func(row db.Scanner) (Place, error) {
		var pl Place
		err := row.Scan(&pl.Code, &pl.Name, &pl.Level)
		pl.Name = placeName(pl.Name)
		return pl, err
	}, `SELECT code, name, kind FROM orgs WHERE parent_id = ? AND active = 1 AND kind IN (`+db.Marks(len(placeKinds))+`) ORDER BY sort_key, code`,
		append([]any{p.ID}, db.Args(placeKinds)...)...)
}

// Place returns the active division unit with the code under top (the
// unit a woman chose), or db.ErrNotFound.
func (s *Store) Place(ctx context.Context, top, code string) (Place, error) {
	o, err := s.ByCodeUnscoped(ctx, s.DB.Q(), code)
	if err != nil {
		return Place{}, err
	}
	root, err := s.ByCodeUnscoped(ctx, s.DB.Q(), top)
	if err != nil {
		return Place{}, err
	}
	if !o.Active || !isPlace(o.Kind) || !strings.HasPrefix(o.Path, root.Path) {
		return Place{}, db.ErrNotFound
	}
	return Place{Code: o.Code, Name: placeName(o.Name), Level: o.Kind}, nil
}

// placeName is a unit's name as a place: 道里区妇联 is 道里区.
func placeName(name string) string {
	if n := strings.TrimSuffix(name, "妇联"); n != "" {
		return n
	}
	return name
}

func isPlace(k Kind) bool {
	for _, x := range placeKinds {
		if k == x {
			return true
		}
	}
	return false
}
