package rights

import (
	"context"

	"halfsky/internal/db"
	"halfsky/internal/tally"
)

// The cases' counters (internal/tally; "Counters" in docs/architecture.md):
// per year of intake (the subject) and unit, four families — one for each
// way the statistics cut the cases, every bucket led by the month of
// intake: category and status; channel; danger level; outcome (open for a
// case not closed). Four small families rather than one of every
// combination: a unit's year is a few hundred rows, not tens of thousands.
var (
	categoryFamily = tally.Register(tally.Family{Name: "case", From: "cases x",
		Subject: `'case:' || CAST(x.year AS TEXT)`, Org: "x.org_id", Key: `x.month || '|' || x.category_top || '|' || x.status`})
	channelFamily = tally.Register(tally.Family{Name: "case_channel", From: "cases x",
		Subject: `'case_channel:' || CAST(x.year AS TEXT)`, Org: "x.org_id", Key: `x.month || '|' || x.channel`})
	riskFamily = tally.Register(tally.Family{Name: "case_risk", From: "cases x",
		Subject: `'case_risk:' || CAST(x.year AS TEXT)`, Org: "x.org_id", Key: `x.month || '|' || CASE WHEN x.risk = '' THEN 'none' ELSE x.risk END`})
	outcomeFamily = tally.Register(tally.Family{Name: "case_outcome", From: "cases x",
		Subject: `'case_outcome:' || CAST(x.year AS TEXT)`, Org: "x.org_id", Key: `x.month || '|' || CASE WHEN x.status = 'closed' THEN x.outcome ELSE 'open' END`})
	families = []tally.Family{categoryFamily, channelFamily, riskFamily, outcomeFamily}
)

// track runs change, a change of case id, and moves its counters by it.
func track(ctx context.Context, tx *db.Tx, id int64, change func() error) error {
	return tally.TrackEach(ctx, tx, families, "x.id = ?", []any{id}, change)
}

// added counts a new case.
func added(ctx context.Context, tx *db.Tx, id int64) error {
	return tally.AddedEach(ctx, tx, families, "x.id = ?", id)
}
