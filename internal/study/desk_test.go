package study_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/study"
	"halfsky/internal/tally"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// deskFx is the demo tree and accounts with a study service on a fixed
// clock: 2 November 2026, 10:00 in Beijing.
type deskFx struct {
	*testfx.Demo
	t   *testing.T
	d   *db.DB
	svc *study.Service
}

func deskSetup(t *testing.T, d *db.DB) *deskFx {
	f := &deskFx{Demo: testfx.Seed(t, d), t: t, d: d}
	f.svc = study.NewService(d, f.Orgs)
	f.svc.Vault = testfx.Keys
	f.svc.Now = func() time.Time { return time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC) }
	return f
}

func (f *deskFx) activity(code, kind, on, topic string, people int) {
	o, by := f.Unit(code), f.Actor("city.staff")
	if _, err := f.d.Exec(context.Background(), `INSERT INTO study_activities (org_id, org_path, kind, held_on, topic,
		participants, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)`,
		o.ID, o.Path, kind, on, topic, people, by.UserID); err != nil {
		f.t.Fatal(err)
	}
	// Written past the service: the counters are counted again.
	if _, err := tally.Rebuild(context.Background(), f.d); err != nil {
		f.t.Fatal(err)
	}
}

// TestDesk: each unit's desk counts its subtree only — this month, this
// year, the 12-month trend and the 5 latest; admins get nothing; the
// city's roll-up has a row per district.
func TestDesk(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := deskSetup(t, d)
		f.activity("230102", "study", "2026-11-01", "道里区专题学习", 30)
		f.activity("230102001001", "seminar", "2026-10-15", "村妇联专题研讨", 10)
		f.activity("230103", "training", "2026-11-02", "南岗区专题培训", 50)
		f.activity("230102", "lecture", "2025-10-20", "去年的宣讲", 5)
		f.activity("230102", "other", "2025-12-05", "十二个月前", 7)

		daoli, err := f.svc.Desk(ctx, f.Actor("daoli.staff"))
		if err != nil {
			t.Fatal(err)
		}
		if daoli.MonthActivities != 1 || daoli.MonthParticipants != 30 || daoli.YearActivities != 2 {
			t.Errorf("daoli month %d/%d year %d", daoli.MonthActivities, daoli.MonthParticipants, daoli.YearActivities)
		}
		if len(daoli.Months) != 12 || daoli.Months[0].Month != "2025-12" || daoli.Months[0].Activities != 1 ||
			daoli.Months[10] != (study.DeskMonth{Month: "2026-10", Activities: 1, Participants: 10}) ||
			daoli.Months[11] != (study.DeskMonth{Month: "2026-11", Activities: 1, Participants: 30}) {
			t.Errorf("daoli months %+v", daoli.Months)
		}
		var topics []string
		for _, x := range daoli.Latest {
			topics = append(topics, x.Topic)
		}
		if len(topics) != 4 || topics[0] != "道里区专题学习" || topics[1] != "村妇联专题研讨" || topics[3] != "去年的宣讲" {
			t.Errorf("daoli latest %v", topics)
		}
		if l := daoli.Latest[1]; l.KindLabel != "专题研讨" || l.Participants != 10 || l.OrgName == "" || l.HeldOn != "2026-10-15" {
			t.Errorf("latest row %+v", l)
		}

		city, err := f.svc.Desk(ctx, f.Actor("city.leader"))
		if err != nil {
			t.Fatal(err)
		}
		if city.MonthActivities != 2 || city.MonthParticipants != 80 || city.Latest[0].Topic != "南岗区专题培训" {
			t.Errorf("city %+v", city)
		}
		village, err := f.svc.Desk(ctx, f.Actor("village.staff"))
		if err != nil {
			t.Fatal(err)
		}
		if village.MonthActivities != 0 || len(village.Latest) != 1 || village.Latest[0].Topic != "村妇联专题研讨" {
			t.Errorf("village %+v", village)
		}
		if _, err := f.svc.Desk(ctx, f.Actor("admin")); !errors.Is(err, access.ErrDenied) {
			t.Errorf("admin: %v", err)
		}

		node := f.Unit("2301")
		by, err := f.svc.DeskByChild(ctx, f.Actor("city.leader"), node)
		if err != nil {
			t.Fatal(err)
		}
		rows, total, err := f.Orgs.Rollup(ctx, node, 1, by)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, r := range rows {
			got[r.Org.Code] = r.N[0]
		}
		if total[0] != 3 || got["230102"] != 2 || got["230103"] != 1 || len(rows) < 18 {
			t.Errorf("roll-up %v total %v (%d rows)", got, total, len(rows))
		}
		if _, err := f.svc.DeskByChild(ctx, f.Actor("daoli.staff"), node); !errors.Is(err, access.ErrDenied) {
			t.Errorf("district rolls up the city: %v", err)
		}
	})
}
