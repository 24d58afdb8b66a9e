package rights

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// load reads a case as stored, its sealed columns still sealed.
func load(ctx context.Context, q db.Querier, id int64) (Case, sealedCase, error) {
	c, sl, err := scanCase(q.QueryRow(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, sl, db.ErrNotFound
	}
	return c, sl, err
}

// read loads a case with the actor's sight of it: db.ErrNotFound outside
// her sight, its sealed columns still sealed.
func (s *Service) read(ctx context.Context, q db.Querier, a access.Actor, id int64) (Case, sealedCase, error) {
	c, sl, err := load(ctx, q, id)
	if err != nil {
		return Case{}, sl, err
	}
	if c.Sight, err = s.sight(ctx, q, a, &c); err == nil && c.Sight == SightNone {
		err = db.ErrNotFound
	}
	return c, sl, err
}

// Get returns a case as the actor may read it: in full (its parties,
// narrative, timeline, assessments, consents, referrals and moves), or as
// a line without names; a case outside her scope is db.ErrNotFound. A
// read in full through a broken glass is audited each time.
func (s *Service) Get(ctx context.Context, a access.Actor, id int64) (Case, error) {
	if !a.Can(access.ViewCases) {
		return Case{}, s.deny(ctx, a, "case.view", strconv.FormatInt(id, 10))
	}
	q := s.DB.Q()
	c, sl, err := s.read(ctx, q, a, id)
	if err != nil {
		return Case{}, err
	}
	if c.Sight == SightLine {
		return c, s.name(ctx, &c)
	}
	if err := s.open(&c, sl); err != nil {
		return Case{}, err
	}
	if err := s.details(ctx, q, &c); err != nil {
		return Case{}, err
	}
	if c.Glass {
		if err := audit.Log(ctx, s.DB, audit.FromActor(a, "case.glass_read", "case", strconv.FormatInt(id, 10), audit.OK, "")); err != nil {
			return Case{}, err
		}
	}
	return c, s.name(ctx, &c)
}

// name fills the category's name.
func (s *Service) name(ctx context.Context, c *Case) error {
	cats, err := s.Categories(ctx)
	c.CategoryName = categoryLabel(cats, c.Category)
	return err
}

// details reads and opens what hangs off a case.
func (s *Service) details(ctx context.Context, q db.Querier, c *Case) error {
	f := s.sealer()
	var err error
	c.Parties, err = db.All(ctx, q, func(sc db.Scanner) (p Party, err error) {
		err = sc.Scan(&p.ID, &p.Role, &p.Name, &p.Phone, &p.Address, &p.Relation, &p.AgeGroup, &p.Disabled, &p.Ill)
		f.Open(sealedPartyName, p.ID, &p.Name)
		f.Open(sealedPartyPhone, p.ID, &p.Phone)
		f.Open(sealedPartyAddr, p.ID, &p.Address)
		f.Open(sealedPartyRel, p.ID, &p.Relation)
		return p, err
	}, `SELECT id, role, name, phone, address, relation, age_group, disabled, ill FROM case_parties WHERE case_id = ? ORDER BY id`, c.ID)
	if err != nil {
		return err
	}
	c.Events, err = db.All(ctx, q, func(sc db.Scanner) (e Event, err error) {
		var id, at int64
		err = sc.Scan(&id, &e.Kind, &e.Note, &e.By, &at)
		f.Open(sealedEventNote, id, &e.Note)
		e.At = db.FromMillis(at)
		return e, err
	}, `SELECT e.id, e.kind, e.note, COALESCE(u.display_name, ''), e.at FROM case_events e LEFT JOIN users u ON u.id = e.by_user
		WHERE e.case_id = ? ORDER BY e.at, e.id`, c.ID)
	if err != nil {
		return err
	}
	c.Assessments, err = db.All(ctx, q, func(sc db.Scanner) (x Assessment, err error) {
		var items string
		var at int64
		err = sc.Scan(&items, &x.Score, &x.Level, &x.By, &at)
		if items != "" {
			x.Items = strings.Split(items, ",")
		}
		x.At = db.FromMillis(at)
		return x, err
	}, `SELECT x.items, x.score, x.level, u.display_name, x.at FROM case_assessments x JOIN users u ON u.id = x.by_user
		WHERE x.case_id = ? ORDER BY x.at DESC, x.id DESC`, c.ID)
	if err != nil {
		return err
	}
	if c.Consents, err = consents(ctx, q, c.ID); err != nil {
		return err
	}
	if c.Referrals, err = s.referrals(ctx, q, f, c.ID); err != nil {
		return err
	}
	if c.Moves, err = s.moves(ctx, q, f, c.ID); err != nil {
		return err
	}
	if c.Orders, err = s.orders(ctx, q, f, c.ID); err != nil {
		return err
	}
	if c.FollowUps, err = s.followUps(ctx, q, f, c.ID); err != nil {
		return err
	}
	if c.Reports, err = s.reports(ctx, q, f, c.ID); err != nil {
		return err
	}
	if c.Safety, err = safetyPlan(ctx, q, c.ID); err != nil {
		return err
	}
	if c.Files, err = caseFiles(ctx, q, s.Vault, c.ID); err != nil {
		return err
	}
	return f.Err
}
