package rectify

import (
	"context"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/vocab"
)

// Filter selects items of a ledger.
type Filter struct {
	Under    string // code of a unit in scope; "" = the actor's unit
	Category string
	Source   string
	Mode     string
	Status   Status
	Colour   string // red, yellow, green
	Page     int    // 1-based; with PerPage 0 every row
	PerPage  int
	// Verify keeps the verifier's queue: applied items of the units below
	// the actor's own.
	Verify bool
	// Full opens the measures, the person responsible, the plan and the
	// return reason too, which the list page does not show (exports and
	// the API show them).
	Full bool
}

// PerPageDefault is the ledger's page size.
const PerPageDefault = 30

// where builds the filter's condition for actor a.
func (s *Service) where(ctx context.Context, a access.Actor, f Filter) (string, []any, error) {
	node, err := s.Orgs.Node(ctx, a, strings.TrimSpace(f.Under))
	if err != nil {
		return "", nil, err
	}
	cond, args := access.Scope{Path: node.Path}.Where("p.org_path")
	conds := []string{cond}
	for _, c := range []struct {
		col, val string
		list     []Choice
	}{{"p.category", f.Category, Categories}, {"p.source", f.Source, Sources}, {"p.mode", f.Mode, Modes}, {"p.status", string(f.Status), Statuses}} {
		if vocab.Known(c.list, c.val) {
			conds = append(conds, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	if c, cargs, ok := ColourSQL(f.Colour, s.today()); ok {
		conds = append(conds, c)
		args = append(args, cargs...)
	}
	if f.Verify {
		conds = append(conds, `p.status = 'applied' AND p.org_id <> ?`)
		args = append(args, a.OrgID)
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// List returns the items in the actor's subtree (or a unit's under it)
// matching the filter, the actor's own unit's first, and how many there are.
func (s *Service) List(ctx context.Context, a access.Actor, f Filter) ([]Problem, int, error) {
	if !a.Can(access.ViewWork) {
		return nil, 0, s.deny(ctx, a, "problem.list", "")
	}
	if f.Verify && !a.Can(access.ManageWork) {
		return nil, 0, s.deny(ctx, a, "problem.verify_list", "")
	}
	where, args, err := s.where(ctx, a, f)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM problems p`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order := ` ORDER BY CASE WHEN p.org_id = ? THEN 0 ELSE 1 END, CASE WHEN p.status = 'closed' THEN 1 ELSE 0 END, o.code, p.found_on DESC, p.id DESC`
	if f.Verify {
		order = ` ORDER BY p.applied_at, p.id`
	} else {
		args = append(args, a.OrgID)
	}
	cols := problemListCols
	if f.Full {
		cols = problemColumns
	}
	q := `SELECT ` + cols + problemFrom + where + order
	if f.PerPage > 0 {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, f.PerPage, (max(f.Page, 1)-1)*f.PerPage)
	}
	out, err := db.All(ctx, s.DB.Q(), s.scanProblem, q, args...)
	if err != nil {
		return nil, 0, err
	}
	if out == nil {
		out = []Problem{} // none is an empty list, not null
	}
	return out, total, nil
}

// VerifyCount is the length of the actor's verifier queue (0 without
// ManageWork), for the home page and the ledger's tab.
func (s *Service) VerifyCount(ctx context.Context, a access.Actor) (int, error) {
	if !a.Can(access.ManageWork) {
		return 0, nil
	}
	cond, args := a.Scope().Where("p.org_path")
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM problems p WHERE `+cond+` AND p.status = 'applied' AND p.org_id <> ?`,
		append(args, a.OrgID)...).Scan(&n)
	return n, err
}

// Today is the service's date in Beijing, for colouring lists.
func (s *Service) Today() string { return s.today() }
