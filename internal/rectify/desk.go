package rectify

import (
	"context"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/vocab"
)

// The work desk's (工作台) view of the problem ledger: the actor's own
// unit's problems returned, overdue or due soon, the ones below waiting for
// it to verify, and the scope's counts. Everything here is named Desk… or
// desk… so it cannot collide with the rest of the package. The scope's
// counts are counters (tally.go), read afresh like the lists;
// desk_recount.go keeps the counting from the records, as the tests'
// oracle.

// Desk is the problems part of the home page.
type Desk struct {
	// The actor's own unit.
	Returned      []DeskProblem // returned by the unit above: fix and apply again
	ReturnedTotal int
	Overdue       []DeskProblem // open or returned, past due (red)
	OverdueTotal  int
	DueSoon       []DeskProblem // open or returned, due within 7 days (yellow)
	DueSoonTotal  int
	// Applied to close by units below the actor's unit.
	Verify      []DeskProblem
	VerifyTotal int

	// The scope.
	Open, Applied, Closed int64 // open counts returned ones too
	Red, Yellow           int64
	ByCategory            []DeskCategory
}

// DeskProblem is a problem on the desk. Its description is the unit's
// own finding; the responsible person's name is not carried.
type DeskProblem struct {
	ID            int64
	OrgName       string
	Category      string
	CategoryLabel string
	Description   string
	DueOn         string
	Status        Status
	AppliedAt     time.Time
}

// DeskCategory is the scope's problems of one category.
type DeskCategory struct {
	Key, Label          string
	Open, Applied, Done int64
}

// Total is the category's problems in every state.
func (c DeskCategory) Total() int64 { return c.Open + c.Applied + c.Done }

// deskCategories are the module's categories, in their display order.
var deskCategories = Categories

func deskCategoryLabel(key string) string { return vocab.Label(Categories, key) }

// deskDays returns today and today + 7 days in Beijing.
func (s *Service) deskDays() (today, soon string) {
	t := s.Now().In(db.Shanghai)
	return t.Format("2006-01-02"), t.AddDate(0, 0, 7).Format("2006-01-02")
}

// deskColour is the SQL colour of a problem: red past due, yellow due
// within 7 days, only while the unit still has to act on it.
const deskColour = `CASE WHEN t.status IN ('open', 'returned') AND t.due_on IS NOT NULL AND t.due_on < ? THEN 'red'
	WHEN t.status IN ('open', 'returned') AND t.due_on IS NOT NULL AND t.due_on <= ? THEN 'yellow' ELSE '' END`

// Desk gathers the actor's unit's problems to act on, the ones to verify
// and the scope's counts (tally.go), all read afresh.
func (s *Service) Desk(ctx context.Context, a access.Actor) (Desk, error) {
	if !a.Can(access.ViewWork) {
		return Desk{}, access.ErrDenied
	}
	today, soon := s.deskDays()
	var d Desk
	if err := s.deskScope(ctx, a, today, soon, &d); err != nil {
		return Desk{}, err
	}
	if err := s.deskOwn(ctx, a, today, soon, &d); err != nil {
		return Desk{}, err
	}
	if err := s.deskVerify(ctx, a, &d); err != nil {
		return Desk{}, err
	}
	return d, nil
}

// deskOwn sorts the own unit's problems still to act on into returned,
// red and yellow: one seek on (org_path, status).
func (s *Service) deskOwn(ctx context.Context, a access.Actor, today, soon string, d *Desk) error {
	rows, err := s.DB.Query(ctx, `SELECT t.id, t.category, t.description, COALESCE(t.due_on, ''), t.status, `+deskColour+`
		FROM problems t WHERE t.org_path = ? AND t.status IN ('open', 'returned')
		ORDER BY CASE WHEN t.due_on IS NULL THEN 1 ELSE 0 END, t.due_on, t.id`, today, soon, a.OrgPath)
	if err != nil {
		return err
	}
	defer rows.Close()
	var openErr error
	keep := func(list *[]DeskProblem, n *int, p DeskProblem) {
		*n++
		if len(*list) < 10 && openErr == nil { // only what is shown is opened
			sl := s.sealer()
			sl.Open(sealedDescription, p.ID, &p.Description)
			openErr = sl.Err
			*list = append(*list, p)
		}
	}
	for rows.Next() {
		var p DeskProblem
		var colour string
		if err := rows.Scan(&p.ID, &p.Category, &p.Description, &p.DueOn, &p.Status, &colour); err != nil {
			return err
		}
		p.CategoryLabel, p.OrgName = deskCategoryLabel(p.Category), a.OrgName
		switch {
		case p.Status == Returned:
			keep(&d.Returned, &d.ReturnedTotal, p)
		case colour == "red":
			keep(&d.Overdue, &d.OverdueTotal, p)
		case colour == "yellow":
			keep(&d.DueSoon, &d.DueSoonTotal, p)
		}
	}
	if openErr != nil {
		return openErr
	}
	return rows.Err()
}

// deskVerify lists what units below the actor's asked to close, oldest
// application first.
func (s *Service) deskVerify(ctx context.Context, a access.Actor, d *Desk) error {
	where, args := a.Scope().Where("t.org_path")
	where += ` AND t.org_path <> ? AND t.status = 'applied'`
	args = append(args, a.OrgPath)
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM problems t WHERE `+where, args...).Scan(&d.VerifyTotal); err != nil {
		return err
	}
	if d.VerifyTotal == 0 {
		return nil
	}
	var err error
	d.Verify, err = db.All(ctx, s.DB.Q(), func(row db.Scanner) (p DeskProblem, err error) {
		var at int64
		if err := row.Scan(&p.ID, &p.OrgName, &p.Category, &p.Description, &p.DueOn, &p.Status, &at); err != nil {
			return p, err
		}
		p.CategoryLabel, p.AppliedAt = deskCategoryLabel(p.Category), time.UnixMilli(at)
		sl := s.sealer()
		sl.Open(sealedDescription, p.ID, &p.Description)
		return p, sl.Err
	}, `SELECT t.id, o.name, t.category, t.description, COALESCE(t.due_on, ''), t.status,
		COALESCE(t.applied_at, 0) FROM problems t JOIN orgs o ON o.id = t.org_id
		WHERE `+where+` ORDER BY t.applied_at, t.id LIMIT 10`, args...)
	return err
}

// DeskByChild counts, per child of node (or node itself), the problems not
// yet closed and among them the red and the yellow ones: three columns
// keyed by the child's path, for org.Rollup — the children's counters (the
// node's own less theirs) and the colours from the index of the problems
// still to act on.
func (s *Service) DeskByChild(ctx context.Context, a access.Actor, node org.Org) (map[string][]int64, error) {
	if !a.CanAt(access.ViewWork, node.Path) {
		return nil, access.ErrDenied
	}
	today, soon := s.deskDays()
	return s.deskRows(ctx, node.ID, node.Path, today, soon)
}
