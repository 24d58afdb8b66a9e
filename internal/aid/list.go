package aid

import (
	"context"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/vocab"
)

// Filter narrows the application list. Zero values filter nothing.
type Filter struct {
	Programme string // code
	Status    Status
	Level     string // where it waits
	Year      int
	Under     string // a unit code in the actor's scope: its subtree only
	// Todo keeps what waits for the actor's own unit: drafts and returned
	// applications it collected, and those at its level below it.
	Todo bool
	Page Page
}

// Applications lists applications in the actor's scope, masked, newest
// activity first, with the total matching.
func (s *Service) Applications(ctx context.Context, a access.Actor, f Filter) ([]Application, int, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return nil, 0, err
	}
	w, err := s.filter(ctx, a, f)
	if err != nil {
		return nil, 0, err
	}
	total, err := s.count(ctx, w)
	if err != nil {
		return nil, 0, err
	}
	lim, largs := f.Page.SQL()
	out, err := db.All(ctx, s.DB.Q(), func(row db.Scanner) (Application, error) {
		x, v, err := scanApp(row)
		if err != nil {
			return x, err
		}
		return x, s.mask(&x, v)
	}, `SELECT `+appCols+appFrom+w.SQL()+` ORDER BY x.updated_at DESC, x.id DESC`+lim, append(w.Args, largs...)...)
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Count is how many applications in the actor's scope match f: the
// number on a tab, without reading a page of them.
func (s *Service) Count(ctx context.Context, a access.Actor, f Filter) (int, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return 0, err
	}
	w, err := s.filter(ctx, a, f)
	if err != nil {
		return 0, err
	}
	return s.count(ctx, w)
}

func (s *Service) count(ctx context.Context, w db.Where) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM aid_applications x JOIN aid_programmes p ON p.id = x.programme_id`+w.SQL(),
		w.Args...).Scan(&n)
	return n, err
}

func (s *Service) filter(ctx context.Context, a access.Actor, f Filter) (db.Where, error) {
	var w db.Where
	node, err := s.Orgs.Node(ctx, a, strings.TrimSpace(f.Under))
	if err != nil {
		return w, err
	}
	cond, args := access.Scope{Path: node.Path}.Where("x.org_path")
	w.Add(cond, args...)
	if f.Programme = strings.TrimSpace(f.Programme); f.Programme != "" {
		w.Add("p.code = ?", f.Programme)
	}
	if f.Status != "" {
		if !vocab.Known(Statuses, string(f.Status)) {
			return w, apperr.Field("status", "状态不对")
		}
		w.Add("x.status = ?", f.Status)
	}
	if f.Level != "" {
		if !vocab.Known(Levels, f.Level) {
			return w, apperr.Field("level", "层级不对")
		}
		w.Add("x.level = ?", f.Level)
	}
	if f.Year != 0 {
		w.Add("x.year = ?", f.Year)
	}
	if f.Todo {
		own, err := s.Orgs.ByID(ctx, s.DB.Q(), a.OrgID)
		if err != nil {
			return w, err
		}
		// The unit's own records by their path, not org_id: both branches
		// of the OR then walk an index instead of the whole table.
		// What waits at the owner's level is the owner's, whatever its
		// kind; below an owner, a unit's level is its kind's.
		w.Add(`((x.org_path = ? AND x.status IN ('draft', 'returned')) OR (x.status = 'reviewing' AND x.org_path <> ?
			AND ((x.level = 'city' AND p.owner_id = ?) OR (x.level = ? AND p.owner_id <> ?))))`,
			own.Path, own.Path, own.ID, KindLevel(own), own.ID)
	}
	return w, nil
}
