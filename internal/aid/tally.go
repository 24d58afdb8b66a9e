package aid

import (
	"context"
	"strconv"
	"strings"

	"halfsky/internal/db"
	"halfsky/internal/tally"
)

// The statistics' counters (internal/tally; "Counters" in
// docs/architecture.md): every application counted by year, programme and
// status at its unit and every unit above, and the approved amounts
// summed the same way, so the statistics read the same few rows for a
// village and for the city, one year or all.
var (
	// CountFamily counts applications: subject aid:apps, bucket
	// "year|programme id|status".
	CountFamily = tally.Register(tally.Family{Name: "aid", From: "aid_applications x",
		Subject: `'aid:apps'`, Org: "x.org_id",
		Key: `CAST(x.year AS TEXT) || '|' || CAST(x.programme_id AS TEXT) || '|' || x.status`})
	// AmountFamily sums the approved applications' amounts (fen): subject
	// aidamt:apps, bucket "year|programme id".
	AmountFamily = tally.Register(tally.Family{Name: "aidamt", From: "aid_applications x",
		Subject: `'aidamt:apps'`, Org: "x.org_id",
		Key:    `CAST(x.year AS TEXT) || '|' || CAST(x.programme_id AS TEXT)`,
		Weight: `CASE WHEN x.status = 'approved' THEN x.amount ELSE 0 END`})
)

// The subjects the families above count into.
const (
	countSubject  = "aid:apps"
	amountSubject = "aidamt:apps"
)

// families are the two families above, tracked together.
var families = []tally.Family{CountFamily, AmountFamily}

// track runs change, a change of the application id's status (or of what
// else the families count), and bumps both families' counters by it.
func track(ctx context.Context, tx *db.Tx, id int64, change func() error) error {
	return tally.TrackEach(ctx, tx, families, "x.id = ?", []any{id}, change)
}

// added counts a new application (inserted in tx) into both families.
func added(ctx context.Context, tx *db.Tx, id int64) error {
	return tally.AddedEach(ctx, tx, families, "x.id = ?", id)
}

// cellIndex places a bucket in a statistics row: the column of its
// programme and status (or of its programme's amount), or false for
// another year, an unknown programme or status.
type cellIndex struct {
	year int
	prog map[int64]int
	stat map[string]int
	per  int
}

func (ix cellIndex) count(k string) (int, bool) {
	y, p, st, ok := splitKey(k, 3)
	if !ok || (ix.year != 0 && y != ix.year) {
		return 0, false
	}
	pi, ok1 := ix.prog[p]
	si, ok2 := ix.stat[st]
	return pi*ix.per + si, ok1 && ok2
}

func (ix cellIndex) amount(k string) (int, bool) {
	y, p, _, ok := splitKey(k, 2)
	if !ok || (ix.year != 0 && y != ix.year) {
		return 0, false
	}
	pi, found := ix.prog[p]
	return pi*ix.per + ix.per - 1, found
}

// splitKey reads "year|programme[|status]".
func splitKey(k string, parts int) (year int, prog int64, status string, ok bool) {
	f := strings.SplitN(k, "|", parts)
	if len(f) != parts {
		return 0, 0, "", false
	}
	y, err1 := strconv.Atoi(f[0])
	p, err2 := strconv.ParseInt(f[1], 10, 64)
	if parts == 3 {
		status = f[2]
	}
	return y, p, status, err1 == nil && err2 == nil
}

// row adds a unit's counters into a statistics row.
func (ix cellIndex) row(dst []int64, counts, amounts tally.Counts) {
	for k, n := range counts {
		if i, ok := ix.count(k); ok {
			dst[i] += n
		}
	}
	for k, n := range amounts {
		if i, ok := ix.amount(k); ok {
			dst[i] += n
		}
	}
}
