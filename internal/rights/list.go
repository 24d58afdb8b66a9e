package rights

import (
	"context"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/vocab"
)

// Filter selects cases for a list.
type Filter struct {
	Under    string // a unit in scope ("" = her own unit's subtree)
	Box      string // "inbox": her unit's cases no one has taken; "mine": hers; "" every case in scope
	Status   string
	Category string // a first-level category
	Channel  string
	Risk     string
	db.Page
}

// Boxes are the lists a cadre opens.
var Boxes = []vocab.Option{{Key: "inbox", Label: "待接案"}, {Key: "mine", Label: "我承办的"}, {Key: "", Label: "全部"}}

// List returns the cases in the actor's scope as lines (no names: a list
// shows number, category, channel, risk, status, unit, handler and
// dates), newest first, and how many match. Each line carries the sight
// she has of it, so the page links it or offers to break the glass.
func (s *Service) List(ctx context.Context, a access.Actor, f Filter) ([]Case, int, error) {
	if !a.Can(access.ViewCases) {
		return nil, 0, s.deny(ctx, a, "case.list", "")
	}
	node, err := s.Orgs.Node(ctx, a, strings.TrimSpace(f.Under))
	if err != nil {
		return nil, 0, err
	}
	var w db.Where
	cond, args := access.Scope{Path: node.Path}.Where("c.org_path")
	w.Add(cond, args...)
	switch f.Box {
	case "inbox":
		w.Add("c.org_id = ? AND c.handler_id IS NULL AND c.status <> 'closed'", a.OrgID)
	case "mine":
		w.Add("c.handler_id = ?", a.UserID)
	}
	for _, c := range []struct {
		col, val string
		ok       bool
	}{
		{"c.status", f.Status, vocab.Known(Statuses, f.Status)},
		{"c.category_top", f.Category, f.Category != "" && !strings.Contains(f.Category, ".")},
		{"c.channel", f.Channel, vocab.Known(Channels, f.Channel)},
		{"c.risk", f.Risk, vocab.Known(Risks, f.Risk)},
	} {
		if c.ok {
			w.Add(c.col+" = ?", c.val)
		}
	}
	q := s.DB.Q()
	var total int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM cases c`+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	page, pargs := f.Page.SQL()
	rows, err := db.All(ctx, q, func(sc db.Scanner) (Case, error) {
		c, _, err := scanCase(sc)
		return c, err
	}, `SELECT `+caseColumns+caseFrom+w.SQL()+` ORDER BY c.received_at DESC, c.id DESC`+page, append(w.Args, pargs...)...)
	if err != nil {
		return nil, 0, err
	}
	cats, err := s.Categories(ctx)
	if err != nil {
		return nil, 0, err
	}
	for i := range rows {
		rows[i].CategoryName = categoryLabel(cats, rows[i].Category)
		rows[i].Sight = lineSight(a, rows[i])
	}
	return rows, total, nil
}

// lineSight is sight without the moves and glass a list does not read:
// full where it is plainly hers, a line otherwise (the case's page
// decides for good).
func lineSight(a access.Actor, c Case) Sight {
	// Its handler; her unit's leader; and, while no one has taken it,
	// everyone at the unit that received it: someone must read it to
	// take it.
	if (c.HandlerID != 0 && c.HandlerID == a.UserID) || (a.OrgID == c.OrgID && (a.Role == access.Leader || c.HandlerID == 0)) {
		return SightFull
	}
	return SightLine
}

// Incoming lists the escalations and transfers waiting for the actor's
// unit to accept or refuse: for its leader, who reads them in full.
func (s *Service) Incoming(ctx context.Context, a access.Actor) ([]Case, error) {
	if !a.Can(access.ViewCases) || a.Role != access.Leader {
		return nil, nil
	}
	return db.All(ctx, s.DB.Q(), func(sc db.Scanner) (Case, error) {
		c, _, err := scanCase(sc)
		c.Sight = SightFull
		return c, err
	}, `SELECT `+caseColumns+caseFrom+` WHERE c.id IN (SELECT case_id FROM case_moves WHERE to_org_id = ? AND status = 'pending')
		ORDER BY c.received_at DESC`, a.OrgID)
}
