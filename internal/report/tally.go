package report

import (
	"context"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/tally"
)

// The dashboard's counts are counters (internal/tally): subject
// "report:<requirement id>", one bucket per state and date, folded up the
// tree. A bucket keeps what the time-dependent counts need — the deadline
// of the open ones, whether a report came in time — so the reader folds
// them against now (countsAt): a requirement has few distinct deadlines
// (its own and the extensions granted).
//
//	unsigned|<due_at ms>   pending or draft, not signed for
//	signed|<due_at ms>     pending or draft, signed for (签收)
//	returned|<due_at ms>   returned, to be resubmitted
//	submitted|ontime|late  submitted by the deadline or after
//	accepted|ontime|late   accepted, submitted by the deadline or after
//
// Writes keep them: issuing fills a requirement's counters in bulk
// (OnIssue: tally.Fill), every change of a report or a unit's receipt
// tracks what it changed (update, OnReceive: tally.Track), and the tree's
// merges and splits hand the reports over with tally.TrackUnits. The
// migration 0023_tallies counts existing reports with the same buckets.

// Family is how reports are counted; Key is the bucket, as above.
var Family = tally.Register(tally.Family{
	Name:    "report",
	From:    "reports rp",
	Subject: `'report:' || CAST(rp.requirement_id AS TEXT)`,
	Org:     "rp.org_id",
	Key: `CASE WHEN rp.status IN ('submitted', 'accepted') THEN rp.status || CASE WHEN rp.submitted_at <= rp.due_at THEN '|ontime' ELSE '|late' END
		WHEN rp.status = 'returned' THEN 'returned|' || CAST(rp.due_at AS TEXT)
		WHEN rp.received_at IS NULL THEN 'unsigned|' || CAST(rp.due_at AS TEXT)
		ELSE 'signed|' || CAST(rp.due_at AS TEXT) END`,
})

// Subject is the counters' subject of a requirement's reports.
func Subject(reqID int64) string { return "report:" + strconv.FormatInt(reqID, 10) }

// countsAt folds a requirement's buckets into the dashboard's counts at
// time now.
func countsAt(b tally.Counts, now time.Time) Counts {
	var c Counts
	nowMs, soonMs := db.Millis(now), db.Millis(now.Add(3*24*time.Hour))
	for k, n64 := range b {
		n := int(n64)
		state, rest, _ := strings.Cut(k, "|")
		c.Total += n
		switch state {
		case "submitted", "accepted":
			if state == "submitted" {
				c.Submitted += n
			} else {
				c.Accepted += n
			}
			if rest == "ontime" {
				c.OnTime += n
			}
			continue
		case "returned":
			c.Returned += n
		}
		due, _ := strconv.ParseInt(rest, 10, 64)
		switch {
		case due < nowMs:
			c.Overdue += n
			continue
		case state == "unsigned":
			c.Unsigned += n
		case state == "signed":
			c.Signed += n
		}
		if due < soonMs {
			c.DueSoon += n
		}
	}
	return c
}

// groupsByCounters is the roll-up from the counters: the node's row (its
// whole subtree) and its children's, whatever the subtree's size; the
// node's own report is what its row holds beyond its children's.
func (s *Service) groupsByCounters(ctx context.Context, node org.Org, reqID int64, now time.Time) ([]Group, Counts, error) {
	q := s.DB.Q()
	subject := Subject(reqID)
	total, err := tally.Get(ctx, q, subject, node.ID)
	if err != nil {
		return nil, Counts{}, err
	}
	kids, err := tally.Children(ctx, q, subject, node.ID)
	if err != nil {
		return nil, Counts{}, err
	}
	own := tally.Counts{}
	for k, n := range total {
		own[k] = n
	}
	ids := []any{node.ID}
	for id, c := range kids {
		ids = append(ids, id)
		for k, n := range c {
			own[k] -= n
		}
	}
	hasOwn := false
	for _, n := range own {
		hasOwn = hasOwn || n != 0
	}
	groups, err := db.All(ctx, q, func(row db.Scanner) (g Group, err error) {
		err = row.Scan(&g.Org.ID, &g.Org.Code, &g.Org.Name, &g.Org.Kind, &g.Org.Path)
		g.Self = g.Org.ID == node.ID
		if g.Self {
			g.Counts = countsAt(own, now)
		} else {
			g.Counts = countsAt(kids[g.Org.ID], now)
		}
		return g, err
	}, `SELECT id, code, name, kind, path FROM orgs WHERE id IN (`+db.Marks(len(ids))+`) ORDER BY sort_key, code`, ids...)
	if err != nil {
		return nil, Counts{}, err
	}
	out := groups[:0]
	for _, g := range groups {
		if g.Counts.Total > 0 || (g.Self && hasOwn) {
			out = append(out, g)
		}
	}
	return out, countsAt(total, now), nil
}

// track runs change in tx and keeps the counters of the reports matching
// where.
func track(ctx context.Context, tx *db.Tx, where string, args []any, change func() error) error {
	return tally.Track(ctx, tx, Family, where, args, change)
}

// unitCount is how many reports under node are in the state (a key of
// UnitStates) at time now, from the node's counters.
func (s *Service) unitCount(ctx context.Context, node org.Org, reqID int64, state string, now time.Time) (int, error) {
	b, err := tally.Get(ctx, s.DB.Q(), Subject(reqID), node.ID)
	if err != nil {
		return 0, err
	}
	return countsAt(b, now).InState(state), nil
}
