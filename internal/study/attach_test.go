package study_test

import (
	"context"
	"errors"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/report"
	"halfsky/internal/study"
	"halfsky/internal/testdb"
)

// TestAttachToReport: 道里区 links activities to the issued notice,
// attaches those of the period to its report, and the report's sessions,
// participants and trainings are filled from them; another district, an
// activity of another unit or from before the notice, and a report already
// sent are refused.
func TestAttachToReport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.clock = f.clock.AddDate(0, 0, -20) // the notice is issued on 2026-10-13
		dd := f.issue()
		f.clock = f.clock.AddDate(0, 0, 20)
		daoli, street, nangang := f.Actor("daoli.staff"), f.Actor("street.staff"), f.Actor("nangang.leader")

		// The street studies the notice sent to its district.
		linkable, err := f.svc.LinkableDocs(ctx, street)
		if err != nil || len(linkable) != 1 || linkable[0].ID != dd.ID {
			t.Fatalf("linkable: %+v %v", linkable, err)
		}
		in := valid()
		in.DocID = dd.ID
		sx := f.create(street, in)
		if sx.DocNumber != dd.Number {
			t.Fatalf("linked %q", sx.DocNumber)
		}
		// A document the unit never received cannot be linked.
		in.DocID = dd.ID + 1000
		_, err = f.svc.Create(ctx, street, in, nil)
		fields(t, err, "doc_id")

		mk := func(k study.Kind, day string, n int) study.Activity {
			in := valid()
			in.Kind, in.HeldOn, in.Participants = k, day, n
			return f.create(daoli, in)
		}
		a1 := mk(study.KindStudy, "2026-10-15", 60)
		a2 := mk(study.KindTraining, "2026-10-28", 150)
		old := mk(study.KindSeminar, "2026-10-01", 30)

		rs, err := f.reps.ForDocument(ctx, daoli, dd.ID)
		if err != nil || len(rs) != 1 {
			t.Fatal(rs, err)
		}
		rid := rs[0].ID
		_, err = f.svc.AttachToReport(ctx, daoli, rid, []int64{a1.ID, old.ID})
		fields(t, err, "activities") // held before the notice
		_, err = f.svc.AttachToReport(ctx, daoli, rid, []int64{sx.ID})
		fields(t, err, "activities") // the street's, not the district's
		if _, err := f.svc.AttachToReport(ctx, nangang, rid, []int64{a1.ID}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 attaches to 道里's report: %v", err)
		}
		if _, err := f.svc.AttachToReport(ctx, f.Actor("city.staff"), rid, []int64{a1.ID}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("the city attaches to 道里's report: %v", err)
		}

		got, err := f.svc.AttachToReport(ctx, daoli, rid, []int64{a1.ID, a2.ID, a2.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got.Sessions != 2 || got.Participants != 210 || !got.Attached[a2.ID] || len(got.Activities) != 2 || len(got.Filled) != 3 {
			t.Fatalf("attached %+v", got)
		}
		rep, err := f.reps.Get(ctx, daoli, rid)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Numbers["sessions"] != 2 || rep.Numbers["people"] != 210 || rep.Numbers["trainings"] != 1 || rep.Status != report.DraftS {
			t.Fatalf("report numbers %v %s", rep.Numbers, rep.Status)
		}
		// The issuing side sees what was attached.
		seen, err := f.svc.ForReport(ctx, f.Actor("city.staff"), rid)
		if err != nil || len(seen.Activities) != 2 || seen.CanAttach {
			t.Fatalf("city view: %+v %v", seen, err)
		}

		rep.Numbers["other"] = 0 // not filled from activities
		if err := f.reps.Submit(ctx, daoli, rid, report.Input{Body: "已组织专题学习和专题培训。", Numbers: rep.Numbers}); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AttachToReport(ctx, daoli, rid, []int64{a1.ID})
		code(t, err, "already_submitted")
	})
}
