package aid

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// DueSoonDays is how far ahead the 待跟踪 list looks: a follow-up due
// within this many days is listed (yellow), one past its date is overdue
// (red).
const DueSoonDays = 14

// DueFilter narrows the 待跟踪 list. Zero values filter nothing.
type DueFilter struct {
	Programme string // code
	Under     string // a unit code in the actor's scope: its subtree only
	Page      Page
}

// DueItem is an approved application whose next follow-up is due within
// DueSoonDays or overdue.
type DueItem struct {
	ApplicationID int64
	ProgrammeCode string
	ProgrammeName string
	Kind          string // follow-up kind
	OrgID         int64
	OrgCode       string
	OrgName       string
	Name          string // masked: 王**
	ApprovedOn    string
	LastDate      string // the latest follow-up's date; "" when none yet
	DueOn         string
	DaysLeft      int // negative: days overdue
}

// Overdue reports whether the follow-up's date has passed.
func (d DueItem) Overdue() bool { return d.DaysLeft < 0 }

// Colour is a 待跟踪 row's colour: red when overdue, yellow when due
// within DueSoonDays (every listed row that is not overdue).
func (d DueItem) Colour() string {
	if d.Overdue() {
		return "red"
	}
	return "yellow"
}

// KindLabel is the follow-up kind's Chinese name.
func (d DueItem) KindLabel() string { return vocab.Label(FollowupKinds, d.Kind) }

// firstDue is when an application approved on approvedOn is first due for
// a follow-up of its kind: 90 or 180 days after approval for visits and
// checks; for a scholarship, the first 1 September after approval (the
// approval itself verified the school year it was granted in).
func firstDue(kind, approvedOn string) string {
	switch kind {
	case Visit:
		return addDays(approvedOn, VisitEveryDays)
	case Check:
		return addDays(approvedOn, CheckEveryDays)
	}
	y := approvedOn[:4]
	if approvedOn >= y+"-09-01" {
		var n int
		fmt.Sscan(y, &n)
		y = fmt.Sprint(n + 1)
	}
	return y + "-09-01"
}

// approvedBefore is the instant (ms) before which an application must
// have been approved for its first follow-up of kind to be due by horizon:
// the inverse of firstDue, so the database can pick the rows.
func approvedBefore(kind, horizon string) int64 {
	t, _ := time.ParseInLocation("2006-01-02", horizon, db.Shanghai)
	switch kind {
	case Visit:
		t = t.AddDate(0, 0, 1-VisitEveryDays)
	case Check:
		t = t.AddDate(0, 0, 1-CheckEveryDays)
	default: // approved before the last 1 September on or before horizon
		y := t.Year()
		if t.Month() < time.September {
			y--
		}
		t = time.Date(y, time.September, 1, 0, 0, 0, 0, db.Shanghai)
	}
	return db.Millis(t)
}

// Due lists the approved applications in the actor's scope (ViewAid)
// whose next follow-up is due within DueSoonDays or overdue — 爱心妈妈 a
// visit at least every 90 days, 慈善助孤 a check every 180, 春蕾圆梦 one
// per school year from 1 September, until a follow-up says she is no
// longer in school — most overdue first, with the total.
func (s *Service) Due(ctx context.Context, a access.Actor, f DueFilter) ([]DueItem, int, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return nil, 0, err
	}
	if s.Vault == nil {
		return nil, 0, errNoVault
	}
	node, err := s.Orgs.Node(ctx, a, strings.TrimSpace(f.Under))
	if err != nil {
		return nil, 0, err
	}
	var w db.Where
	cond, args := access.Scope{Path: node.Path}.Where("x.org_path")
	w.Add(cond, args...)
	w.Add(`x.status = 'approved' AND x.purged_at IS NULL AND p.kind IN ('pairing', 'periodic', 'scholarship')`)
	w.Add(`NOT EXISTS (SELECT 1 FROM aid_followups e WHERE e.application_id = x.id AND e.kind = 'school' AND e.in_school = 0)`)
	if code := strings.TrimSpace(f.Programme); code != "" {
		w.Add("p.code = ?", code)
	}
	today := s.Today()
	horizon := addDays(today, DueSoonDays)
	inner := `SELECT x.id, p.code, p.name AS programme_name, p.kind, x.org_id, o.code AS org_code, o.name AS org_name,
		x.name AS sealed_name, COALESCE(x.closed_at, x.updated_at) AS closed_at,
		(SELECT MAX(f.done_on) FROM aid_followups f WHERE f.application_id = x.id) AS last_on,
		(SELECT MAX(f.next_due) FROM aid_followups f WHERE f.application_id = x.id) AS last_due
		FROM aid_applications x JOIN aid_programmes p ON p.id = x.programme_id JOIN orgs o ON o.id = x.org_id` + w.SQL()
	q := `SELECT * FROM (` + inner + `) t WHERE (t.last_due IS NOT NULL AND t.last_due <= ?)
		OR (t.last_due IS NULL AND t.closed_at < CASE t.kind WHEN 'pairing' THEN CAST(? AS BIGINT)
		WHEN 'periodic' THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END)`
	qargs := append(w.Args, horizon, approvedBefore(Visit, horizon), approvedBefore(Check, horizon), approvedBefore(School, horizon))
	rows, err := s.DB.Query(ctx, q, qargs...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []DueItem
	for rows.Next() {
		it, err := s.scanDue(rows, today)
		if err != nil {
			return nil, 0, err
		}
		if it.DueOn <= horizon {
			out = append(out, it)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].DueOn != out[j].DueOn {
			return out[i].DueOn < out[j].DueOn
		}
		return out[i].ApplicationID < out[j].ApplicationID
	})
	total := len(out)
	per, off := f.Page.Bounds()
	if per > 0 {
		out = out[min(off, total):min(off+per, total)]
	}
	return out, total, nil
}

func (s *Service) scanDue(rows scanner, today string) (DueItem, error) {
	var it DueItem
	var pkind, name string
	var closed int64
	var lastOn, lastDue *string
	if err := rows.Scan(&it.ApplicationID, &it.ProgrammeCode, &it.ProgrammeName, &pkind, &it.OrgID, &it.OrgCode, &it.OrgName,
		&name, &closed, &lastOn, &lastDue); err != nil {
		return it, err
	}
	it.Kind = FollowupKindOf(pkind)
	it.ApprovedOn = db.FromMillis(closed).In(db.Shanghai).Format("2006-01-02")
	if lastOn != nil {
		it.LastDate = *lastOn
	}
	if lastDue != nil {
		it.DueOn = *lastDue
	} else {
		it.DueOn = firstDue(it.Kind, it.ApprovedOn)
	}
	plain, err := s.Vault.Open(sealedName.Purpose(), name)
	if err != nil {
		return it, fmt.Errorf("aid application %d name: %w", it.ApplicationID, err)
	}
	it.Name = vault.MaskName(plain)
	d, _ := time.Parse("2006-01-02", it.DueOn)
	t, _ := time.Parse("2006-01-02", today)
	it.DaysLeft = int(d.Sub(t).Hours() / 24)
	return it, nil
}

// purgeFollowups blanks the sealed school, grade and notes of the
// follow-ups of applications the retention purge has just purged, inside
// its transaction; dates, kinds and school years stay for statistics. It
// returns how many follow-ups it blanked.
func (s *Service) purgeFollowups(ctx context.Context, tx *db.Tx, ids []int64, now int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	in, args := inList(ids)
	r, err := tx.Exec(ctx, `UPDATE aid_followups SET school = '', grade = '', notes = '', updated_at = ?, version = version + 1
		WHERE (school <> '' OR grade <> '' OR notes <> '') AND application_id IN `+in, append([]any{now}, args...)...)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}
