package study_test

import (
	"context"
	"errors"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/study"
	"halfsky/internal/testdb"
)

func valid() study.Input {
	return study.Input{Kind: study.KindStudy, HeldOn: "2026-10-20", Topic: "学习中央党的群团工作会议精神", Place: "街道妇联会议室",
		Speaker: "张秀英", Participants: 36, Summary: "传达学习习近平总书记重要讲话精神，交流学习体会。"}
}

// TestRecordAndScope: a street records an activity with a photo; bad input
// (no topic, a future date, no participants, a text file named .png) is
// refused beside its fields and changes nothing; the city and the district
// see it, a sibling district and the administrators do not; only its own
// unit edits it, and a stale edit is refused.
func TestRecordAndScope(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		street, daoli, city := f.Actor("street.staff"), f.Actor("daoli.staff"), f.Actor("city.staff")
		nangang, admin := f.Actor("nangang.leader"), f.Actor("admin")

		bad := valid()
		bad.Topic, bad.HeldOn, bad.Participants = " ", "2026-11-03", 0
		_, err := f.svc.Create(ctx, street, bad, nil)
		fields(t, err, "topic", "held_on", "participants")
		_, err = f.svc.Create(ctx, street, valid(), []study.Upload{{Name: "合影.png", Data: []byte("not a picture")}})
		fields(t, err, "photos")
		_, err = f.svc.Create(ctx, street, valid(), []study.Upload{{Name: "记录.txt", Data: []byte("text")}})
		fields(t, err, "photos")
		if n := f.count("study_activities") + f.count("files"); n != 0 {
			t.Fatalf("refused input stored %d rows", n)
		}
		if _, err := f.svc.Create(ctx, admin, valid(), nil); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("admin records: %v", err)
		}

		x := f.create(street, valid(), study.Upload{Name: "合影.png", Data: png})
		if x.OrgCode != "230102001" || x.PhotoCount != 1 || x.FirstPhoto == 0 || x.Version != 1 {
			t.Fatalf("created %+v", x)
		}
		for _, a := range []access.Actor{street, daoli, city} {
			if _, err := f.svc.Get(ctx, a, x.ID); err != nil {
				t.Fatalf("%s: %v", a.Username, err)
			}
		}
		if _, err := f.svc.Get(ctx, nangang, x.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 reads 道里's activity: %v", err)
		}
		if _, _, err := f.svc.Photo(ctx, nangang, x.ID, x.FirstPhoto); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 reads the photo: %v", err)
		}
		if _, err := f.svc.Get(ctx, admin, x.ID); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("admin reads: %v", err)
		}

		// Only the unit edits; a stale version is refused.
		in := valid()
		in.Participants = 40
		if _, err := f.svc.Update(ctx, daoli, x.ID, 1, in); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("the district edits the street's record: %v", err)
		}
		up, err := f.svc.Update(ctx, street, x.ID, 1, in)
		if err != nil || up.Participants != 40 || up.Version != 2 {
			t.Fatalf("update: %+v %v", up, err)
		}
		_, err = f.svc.Update(ctx, street, x.ID, 1, valid())
		code(t, err, "changed")

		// At most nine photos.
		var eight []study.Upload
		for range 8 {
			eight = append(eight, study.Upload{Name: "p.png", Data: png})
		}
		if err := f.svc.AddPhotos(ctx, street, x.ID, eight); err != nil {
			t.Fatal(err)
		}
		fields(t, f.svc.AddPhotos(ctx, street, x.ID, eight[:1]), "photos")
		if err := f.svc.RemovePhoto(ctx, daoli, x.ID, x.FirstPhoto); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("the district removes a photo: %v", err)
		}
		if err := f.svc.RemovePhoto(ctx, street, x.ID, x.FirstPhoto); err != nil {
			t.Fatal(err)
		}
		photos, err := f.svc.Photos(ctx, city, x.ID)
		if err != nil || len(photos) != 8 {
			t.Fatalf("photos: %d %v", len(photos), err)
		}

		// Every change left an audit event.
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action LIKE 'study.%' AND outcome = 'ok'`).Scan(&n); err != nil || n != 4 {
			t.Fatalf("audit events: %d %v", n, err)
		}
	})
}

// TestFeedAndStats: the feed filters by kind, unit, month and topic within
// the scope; statistics roll the year up per child unit, by kind and month.
func TestFeedAndStats(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		street, daoli, nangang, city := f.Actor("street.staff"), f.Actor("daoli.staff"), f.Actor("nangang.leader"), f.Actor("city.staff")
		add := func(a access.Actor, k study.Kind, day, topic string, n int) {
			in := valid()
			in.Kind, in.HeldOn, in.Topic, in.Participants = k, day, topic, n
			f.create(a, in)
		}
		add(street, study.KindStudy, "2026-10-20", "学习群团工作会议精神", 30)
		add(daoli, study.KindSeminar, "2026-10-25", "专题研讨：保持和增强政治性先进性群众性", 45)
		add(daoli, study.KindTraining, "2026-09-10", "基层妇联干部专题培训", 120)
		add(nangang, study.KindLecture, "2026-10-05", "巾帼宣讲进社区", 80)
		add(city, study.KindStudy, "2025-12-01", "党组中心组学习", 20)

		list, total, err := f.svc.List(ctx, city, study.Filter{PerPage: 20})
		if err != nil || total != 5 || list[0].HeldOn != "2026-10-25" {
			t.Fatalf("feed: %d %v", total, err)
		}
		for _, c := range []struct {
			a    access.Actor
			f    study.Filter
			want int
		}{
			{daoli, study.Filter{}, 3},
			{street, study.Filter{}, 1},
			{city, study.Filter{Under: "230102"}, 3},
			{city, study.Filter{Kind: study.KindStudy}, 2},
			{city, study.Filter{Month: "2026-10"}, 3},
			{city, study.Filter{From: "2026-09-01", To: "2026-09-30"}, 1},
			{city, study.Filter{Q: "宣讲"}, 1},
			{city, study.Filter{Q: "100%"}, 0},
		} {
			if _, n, err := f.svc.List(ctx, c.a, c.f); err != nil || n != c.want {
				t.Fatalf("%s %+v: %d, want %d (%v)", c.a.Username, c.f, n, c.want, err)
			}
		}
		if _, _, err := f.svc.List(ctx, daoli, study.Filter{Under: "230103"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("道里 lists 南岗: %v", err)
		}
		_, _, err = f.svc.List(ctx, city, study.Filter{Month: "2026-13"})
		fields(t, err, "month")

		st, err := f.svc.Stats(ctx, city, "", 2026)
		if err != nil {
			t.Fatal(err)
		}
		if st.Total.Activities != 4 || st.Total.Participants != 275 || len(st.Rows) < 18 {
			t.Fatalf("totals %+v rows %d", st.Total, len(st.Rows))
		}
		var dl study.StatRow
		for _, r := range st.Rows {
			if r.Org.Code == "230102" {
				dl = r
			}
		}
		if dl.Activities != 3 || dl.Participants != 195 || dl.ByKind[0] != 1 || dl.ByKind[1] != 1 || dl.ByKind[2] != 1 {
			t.Fatalf("道里 row %+v", dl)
		}
		if st.Months[9].Activities != 3 || st.Months[8].Participants != 120 {
			t.Fatalf("months %+v", st.Months)
		}
		// Drilling into 道里区: its own records and the street's.
		st, err = f.svc.Stats(ctx, city, "230102", 2026)
		if err != nil || st.Total.Activities != 3 || !st.Rows[0].Self || st.Rows[0].Activities != 2 || len(st.Crumbs) != 1 {
			t.Fatalf("道里 stats %+v %v", st.Total, err)
		}
		if _, err := f.svc.Stats(ctx, daoli, "230103", 2026); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("道里 reads 南岗's stats: %v", err)
		}
		if _, err := f.svc.Stats(ctx, f.Actor("auditor"), "", 2026); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("auditor reads stats: %v", err)
		}
	})
}
