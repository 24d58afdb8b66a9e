package rights

import (
	"context"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/tally"
)

// Desk is 巾帼维权 on the work desk (工作台): this year's cases of the
// actor's scope from the counters — by month, category and danger, no
// name anywhere — and how many wait in her unit's inbox.
type Desk struct {
	Year    int
	Waiting int   // in her unit's inbox, not yet taken
	High    int64 // rated 高 or 极高 this year
	Stats         // Total, Closed, ByMonth, ByCategory, ByRisk (no roll-up)
}

// Desk reads the actor's 巾帼维权 numbers for the work desk: the
// counters of her own unit's subtree (as Stats, without the roll-up by
// the units below) and her inbox's count.
func (s *Service) Desk(ctx context.Context, a access.Actor) (Desk, error) {
	if !a.Can(access.ViewCases) {
		return Desk{}, access.ErrDenied
	}
	node, err := s.Orgs.Node(ctx, a, "")
	if err != nil {
		return Desk{}, err
	}
	year := s.Now().In(db.Shanghai).Year()
	y := strconv.Itoa(year)
	subjects := []string{"case:" + y, "case_channel:" + y, "case_risk:" + y, "case_outcome:" + y}
	own, err := tally.GetEach(ctx, s.DB.Q(), node.ID, subjects...)
	if err != nil {
		return Desk{}, err
	}
	cats, err := s.Categories(ctx)
	if err != nil {
		return Desk{}, err
	}
	st, err := s.fold(ctx, node, year, "", cats, own, nil, subjects)
	if err != nil {
		return Desk{}, err
	}
	d := Desk{Year: year, Stats: st}
	for _, l := range st.ByRisk {
		if Risk(l.Key).AtLeastHigh() {
			d.High += l.N
		}
	}
	_, d.Waiting, err = s.List(ctx, a, Filter{Box: "inbox", Page: db.Page{Page: 1, PerPage: 1}})
	return d, err
}
