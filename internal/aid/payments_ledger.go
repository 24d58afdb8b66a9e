package aid

import (
	"context"
	"sort"

	"halfsky/internal/access"
	"halfsky/internal/org"
)

// Figures is the money of a year, in fen, for a programme, a district or
// both. Every approved application is in exactly one of Paid, Pending
// (waiting in a batch), Failed (its latest payment failed and it is not yet
// in a new batch) and Unbatched, so
//
//	Approved = Paid + Pending + Failed + Unbatched
//	Budget   = Approved + Remaining   (programme figures, whole tree only)
type Figures struct {
	Budget         int64 // the cycle's budget; 0 where the actor sees only part of the tree
	Remaining      int64 // budget not yet approved
	Approved       int64
	ApprovedCount  int
	Paid           int64
	PaidCount      int
	Pending        int64
	PendingCount   int
	Failed         int64
	FailedCount    int
	Unbatched      int64
	UnbatchedCount int
	FailedAttempts int // every failed payment line, repaid or not
}

// Balanced reports whether the figures add up (see Figures).
func (f Figures) Balanced(whole bool) bool {
	ok := f.Approved == f.Paid+f.Pending+f.Failed+f.Unbatched &&
		f.ApprovedCount == f.PaidCount+f.PendingCount+f.FailedCount+f.UnbatchedCount
	if whole {
		ok = ok && f.Budget == f.Approved+f.Remaining
	}
	return ok
}

func (f *Figures) add(g Figures) {
	f.Budget += g.Budget
	f.Remaining += g.Remaining
	f.Approved += g.Approved
	f.ApprovedCount += g.ApprovedCount
	f.Paid += g.Paid
	f.PaidCount += g.PaidCount
	f.Pending += g.Pending
	f.PendingCount += g.PendingCount
	f.Failed += g.Failed
	f.FailedCount += g.FailedCount
	f.Unbatched += g.Unbatched
	f.UnbatchedCount += g.UnbatchedCount
	f.FailedAttempts += g.FailedAttempts
}

// LedgerDistrict is one district's figures (no budget: budgets are the
// programme's, quotas are counts).
type LedgerDistrict struct {
	Org org.Org
	Figures
}

// LedgerProgramme is a programme's cycle of the year and its districts.
type LedgerProgramme struct {
	Programme Programme
	CycleID   int64
	Figures
	Districts []LedgerDistrict // in code order; only those with approvals
}

// Ledger is the year's disbursement: per programme and district.
type Ledger struct {
	Year       int
	Whole      bool // the actor sees the whole tree: budgets and remaining apply
	Programmes []LedgerProgramme
	Districts  []LedgerDistrict // every programme summed, per district
	Total      Figures
}

// Ledger sums the year's approved applications in the actor's scope and
// their payments per programme and district, and, for the city federation,
// sets them against each programme's budget.
func (s *Service) Ledger(ctx context.Context, a access.Actor, year int) (Ledger, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return Ledger{}, err
	}
	// The budget is shown where the actor sees the whole programme: at
	// its owner unit or above it.
	out := Ledger{Year: year, Whole: true}
	cycles, err := s.Cycles(ctx, a, "")
	if err != nil {
		return Ledger{}, err
	}
	progs, err := s.programmes(ctx, s.DB.Q())
	if err != nil {
		return Ledger{}, err
	}
	for _, p := range progs {
		out.Whole = out.Whole && p.OwnerPath != "" && a.Scope().Contains(p.OwnerPath)
	}
	byProg := map[int64]*LedgerProgramme{}
	for _, p := range progs {
		for _, c := range cycles {
			if c.ProgrammeID == p.ID && c.Year == year {
				out.Programmes = append(out.Programmes, LedgerProgramme{Programme: p, CycleID: c.ID})
				if out.Whole {
					out.Programmes[len(out.Programmes)-1].Budget = c.Budget
				}
			}
		}
	}
	for i := range out.Programmes {
		byProg[out.Programmes[i].Programme.ID] = &out.Programmes[i]
	}
	cells, err := s.ledgerCells(ctx, a, year)
	if err != nil {
		return Ledger{}, err
	}
	districts := map[int64]*LedgerDistrict{}
	for key, f := range cells {
		p := byProg[key.programme]
		if p == nil {
			continue
		}
		o, err := s.Orgs.ByID(ctx, s.DB.Q(), key.district)
		if err != nil {
			return Ledger{}, err
		}
		p.Districts = append(p.Districts, LedgerDistrict{Org: o, Figures: f})
		p.Figures.add(f)
		d := districts[key.district]
		if d == nil {
			d = &LedgerDistrict{Org: o}
			districts[key.district] = d
		}
		d.add(f)
	}
	for i := range out.Programmes {
		p := &out.Programmes[i]
		sort.Slice(p.Districts, func(i, j int) bool { return p.Districts[i].Org.Code < p.Districts[j].Org.Code })
		if out.Whole {
			p.Remaining = p.Budget - p.Approved
		}
		out.Total.add(p.Figures)
	}
	for _, d := range districts {
		out.Districts = append(out.Districts, *d)
	}
	sort.Slice(out.Districts, func(i, j int) bool { return out.Districts[i].Org.Code < out.Districts[j].Org.Code })
	return out, nil
}

type ledgerKey struct{ programme, district int64 }

// ledgerCells reads the figures per programme and district in three
// grouped queries over the year's approved applications in scope.
func (s *Service) ledgerCells(ctx context.Context, a access.Actor, year int) (map[ledgerKey]Figures, error) {
	cond, args := a.Scope().Where("x.org_path")
	args = append([]any{year}, args...)
	out := map[ledgerKey]Figures{}
	// Each approved application by where its money is: the state of its
	// live line (pending or paid), else failed if it has a failed line,
	// else unbatched.
	rows, err := s.DB.Query(ctx, `SELECT x.programme_id, x.district_id,
		COALESCE((SELECT l.status FROM aid_payment_lines l WHERE l.application_id = x.id AND l.status <> 'failed'),
			CASE WHEN EXISTS (SELECT 1 FROM aid_payment_lines f WHERE f.application_id = x.id) THEN 'failed' ELSE 'none' END) AS state,
		COUNT(*), COALESCE(SUM(x.amount), 0)
		FROM aid_applications x WHERE x.year = ? AND x.status = 'approved' AND `+cond+`
		GROUP BY x.programme_id, x.district_id, state`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k ledgerKey
		var state LineStatus
		var n int
		var amount int64
		if err := rows.Scan(&k.programme, &k.district, &state, &n, &amount); err != nil {
			rows.Close()
			return nil, err
		}
		f := out[k]
		f.Approved += amount
		f.ApprovedCount += n
		switch state {
		case Paid:
			f.Paid, f.PaidCount = f.Paid+amount, f.PaidCount+n
		case Pending:
			f.Pending, f.PendingCount = f.Pending+amount, f.PendingCount+n
		case Failed:
			f.Failed, f.FailedCount = f.Failed+amount, f.FailedCount+n
		default:
			f.Unbatched, f.UnbatchedCount = f.Unbatched+amount, f.UnbatchedCount+n
		}
		out[k] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.DB.Query(ctx, `SELECT x.programme_id, x.district_id, COUNT(*)
		FROM aid_payment_lines l JOIN aid_applications x ON x.id = l.application_id
		WHERE x.year = ? AND l.status = 'failed' AND `+cond+` GROUP BY x.programme_id, x.district_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k ledgerKey
		var n int
		if err := rows.Scan(&k.programme, &k.district, &n); err != nil {
			return nil, err
		}
		f := out[k]
		f.FailedAttempts += n
		out[k] = f
	}
	return out, rows.Err()
}
