package visit_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
	"halfsky/internal/visit"
)

// fingerprint is the visit tables' rows, for "nothing changed".
func (f *fx) fingerprint() string {
	f.t.Helper()
	return testdb.Fingerprint(f.t, f.d,
		`SELECT id, org_id, recorder_org_id, women, households, place, notes, updated_at, version FROM visits`,
		`SELECT id, org_id, owner_org_id, status, updated_at, version FROM needs`,
		`SELECT id, org_id, status, result, feedback, updated_at, version FROM tasks`,
		`SELECT id, need_id, to_org_id, status FROM need_handovers`)
}

// notOwner checks err is the owner refusal: errors.Is ErrNotOwner, 403
// not_owner with its Chinese reason, one more audited denial naming the
// action, and nothing changed.
func (f *fx) notOwner(action string, call func() error) {
	f.t.Helper()
	before, denials := f.fingerprint(), f.audited("access.denied")
	err := call()
	if !errors.Is(err, access.ErrNotOwner) || !errors.Is(err, access.ErrDenied) {
		f.t.Fatalf("%s: want ErrNotOwner, got %v", action, err)
	}
	if e := apperr.From(err); e.Status != http.StatusForbidden || e.Code != "not_owner" || e.Message != access.NotOwnerMessage {
		f.t.Fatalf("%s: refusal %+v", action, e)
	}
	var detail string
	if err := f.d.QueryRow(context.Background(), `SELECT detail FROM audit_events WHERE action = 'access.denied' ORDER BY seq DESC LIMIT 1`).
		Scan(&detail); err != nil || f.audited("access.denied") != denials+1 || detail != action+" not_owner" {
		f.t.Fatalf("%s: denial not audited: %q %v", action, detail, err)
	}
	if f.fingerprint() != before {
		f.t.Fatalf("%s: a refused change changed the tables", action)
	}
}

// TestWritesFollowOwner is the attack 3 and its variants at domain
// level: 兆麟街道 (street.staff) records a visit to the village below it,
// a need and tasks; the village (village.staff) may read them — they are
// about it — but neither edit the visit (women 3 → 500), nor hand over or
// task the need, nor start or close the tasks; the street and the
// district above may. A need handed down and accepted becomes the
// village's, and a task naming a village cadre as owner is hers to work.
func TestWritesFollowOwner(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		street, village, daoli := f.Actor("street.staff"), f.Actor("village.staff"), f.Actor("daoli.staff")

		v, err := f.svc.CreateVisit(ctx, street, visit.VisitInput{OrgCode: "230102001001", VisitedOn: "2026-11-01", Place: "村委会",
			Households: 2, Women: 3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v.RecorderPath != street.OrgPath {
			t.Fatalf("recorder path %q, want %q", v.RecorderPath, street.OrgPath)
		}
		// The village reads the visit about it, and may not change it.
		got, err := f.svc.Visit(ctx, village, v.ID)
		if err != nil || visit.MayEditVisit(village, got) == nil {
			t.Fatalf("village read %v; may edit %v", err, visit.MayEditVisit(village, got))
		}
		f.notOwner("visit.update", func() error {
			_, err := f.svc.UpdateVisit(ctx, village, v.ID, visit.VisitInput{OrgCode: "230102001001", VisitedOn: "2026-11-01",
				Place: "村委会", Households: 2, Women: 500}, nil)
			return err
		})
		// The recorder's unit and the district above may.
		for _, u := range []access.Actor{street, daoli} {
			if _, err := f.svc.UpdateVisit(ctx, u, v.ID, visit.VisitInput{OrgCode: "230102001001", VisitedOn: "2026-11-01",
				Place: "村委会", Households: 2, Women: 4}, nil); err != nil {
				t.Fatalf("%s: %v", u.Username, err)
			}
		}
		// Per-cadre quotas count the recorder's visit, for the recorder.
		if _, err := f.svc.CreateQuota(ctx, daoli, visit.QuotaInput{OrgCode: "230102", Metric: "women", Target: 10,
			StartsOn: "2026-11-01", EndsOn: "2026-11-30"}); err != nil {
			t.Fatal(err)
		}
		for who, want := range map[string]int{"street.staff": 4, "village.staff": 0} {
			qs, err := f.svc.MyQuotas(ctx, f.Actor(who))
			if err != nil || len(qs) != 1 || qs[0].Value != want {
				t.Fatalf("%s quota: %+v %v", who, qs, err)
			}
		}

		// A need on the visit: about the village, the street's record.
		n, err := f.svc.CreateNeed(ctx, street, visit.NeedInput{VisitID: v.ID, Category: "hardship", Summary: "家庭困难"})
		if err != nil {
			t.Fatal(err)
		}
		if n.OrgCode != "230102001001" || n.OwnerPath != street.OrgPath {
			t.Fatalf("need: %s %s", n.OrgCode, n.OwnerPath)
		}
		if got, err := f.svc.Need(ctx, village, n.ID); err != nil || visit.MayActOn(village, access.ManageWork, got) == nil {
			t.Fatalf("village read the need: %v", err)
		}
		f.notOwner("need.handover", func() error {
			_, err := f.svc.HandOver(ctx, village, n.ID, visit.HandoverInput{ToCode: "230102", Reason: "越级移交"})
			return err
		})
		f.notOwner("task.create", func() error {
			_, err := f.svc.CreateTask(ctx, village, visit.TaskInput{NeedID: n.ID, Title: "帮扶", OwnerName: "村妇联", DueOn: "2026-11-30"})
			return err
		})

		// Tasks the street sets for the village: one for the unit, one
		// naming the village cadre as owner.
		unitTask, err := f.svc.CreateTask(ctx, street, visit.TaskInput{NeedID: n.ID, Title: "帮扶", OwnerName: "村妇联", DueOn: "2026-11-30"})
		if err != nil {
			t.Fatal(err)
		}
		hers, err := f.svc.CreateTask(ctx, street, visit.TaskInput{OrgCode: "230102001001", Title: "入户回访", OwnerID: village.UserID,
			DueOn: "2026-11-30"})
		if err != nil {
			t.Fatalf("%v %v", err, apperr.From(err).Fields)
		}
		if _, err := f.svc.Task(ctx, village, unitTask.ID); err != nil {
			t.Fatalf("village read the task: %v", err)
		}
		f.notOwner("task.start", func() error { _, err := f.svc.StartTask(ctx, village, unitTask.ID); return err })
		f.notOwner("task.close", func() error {
			_, err := f.svc.CloseTask(ctx, village, unitTask.ID, visit.CloseInput{Outcome: "done", Result: "已办", Feedback: "satisfied"})
			return err
		})
		if visit.MayWork(village, unitTask) || !visit.MayWork(street, unitTask) || !visit.MayWork(daoli, unitTask) {
			t.Fatal("MayWork disagrees with the rule")
		}
		if _, err := f.svc.StartTask(ctx, street, unitTask.ID); err != nil {
			t.Fatal(err)
		}
		// The owner the street named works her task.
		if _, err := f.svc.StartTask(ctx, village, hers.ID); err != nil {
			t.Fatalf("named owner: %v", err)
		}
		if _, err := f.svc.CloseTask(ctx, village, hers.ID, visit.CloseInput{Outcome: "done", Result: "已回访", Feedback: "fair"}); err != nil {
			t.Fatalf("named owner: %v", err)
		}

		// Handed down and accepted, a need is the village's own.
		n2, err := f.svc.CreateNeed(ctx, street, visit.NeedInput{Category: "children", Summary: "放学后无人看护"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.HandOver(ctx, street, n2.ID, visit.HandoverInput{ToCode: "230102001001", Reason: "属地办理"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Decide(ctx, village, n2.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Need(ctx, village, n2.ID); got.OwnerPath != village.OrgPath {
			t.Fatalf("accepted need owner %q", got.OwnerPath)
		}
		if _, err := f.svc.CreateTask(ctx, village, visit.TaskInput{NeedID: n2.ID, Title: "托管", OwnerName: "村妇联", DueOn: "2026-11-30"}); err != nil {
			t.Fatalf("village tasks the need it accepted: %v", err)
		}
	})
}

// TestOwnerBackfill: rows written before migration 0016 get their
// recorder's unit from the recorder (the migration's own statements, run
// again over rows that lack it), and a need handed over and accepted
// belongs to the unit that accepted it; a row that still lacks it is
// judged by its recorder's unit.
func TestOwnerBackfill(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		street, village, daoli := f.Actor("street.staff"), f.Actor("village.staff"), f.Actor("daoli.staff")
		v, err := f.svc.CreateVisit(ctx, street, visit.VisitInput{OrgCode: "230102001001", VisitedOn: "2026-11-01", Place: "村委会", Women: 3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		kept, err := f.svc.CreateNeed(ctx, street, visit.NeedInput{VisitID: v.ID, Category: "hardship", Summary: "困难"})
		if err != nil {
			t.Fatal(err)
		}
		up, err := f.svc.CreateNeed(ctx, village, visit.NeedInput{Category: "rights", Summary: "纠纷"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.HandOver(ctx, village, up.ID, visit.HandoverInput{ToCode: "230102", Reason: "需协调"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Decide(ctx, daoli, up.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		task, err := f.svc.CreateTask(ctx, street, visit.TaskInput{NeedID: kept.ID, Title: "帮扶", OwnerName: "村妇联", DueOn: "2026-11-30"})
		if err != nil {
			t.Fatal(err)
		}
		// As before the migration: no recorder's unit, no owner.
		for _, q := range []string{`UPDATE visits SET recorder_org_id = NULL`, `UPDATE tasks SET recorder_org_id = NULL`,
			`UPDATE needs SET recorder_org_id = NULL, owner_org_id = NULL`} {
			if _, err := d.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		// Still judged by the recorder's unit meanwhile.
		if _, err := f.svc.UpdateVisit(ctx, village, v.ID, visit.VisitInput{OrgCode: "230102001001", VisitedOn: "2026-11-01",
			Place: "村委会", Women: 500}, nil); !errors.Is(err, access.ErrNotOwner) {
			t.Fatalf("legacy visit edited from below: %v", err)
		}
		ms, err := db.Migrations()
		if err != nil {
			t.Fatal(err)
		}
		var backfill []string
		for _, m := range ms {
			if m.Name == "record_owners" {
				for _, st := range strings.Split(m.SQL, ";") {
					var keep []string
					for _, line := range strings.Split(st, "\n") {
						if !strings.HasPrefix(strings.TrimSpace(line), "--") {
							keep = append(keep, line)
						}
					}
					if st := strings.TrimSpace(strings.Join(keep, "\n")); strings.HasPrefix(st, "UPDATE") {
						backfill = append(backfill, st)
					}
				}
			}
		}
		if len(backfill) != 4 {
			t.Fatalf("back-fill statements: %d", len(backfill))
		}
		for i := 0; i < 2; i++ { // it can run again
			for _, st := range backfill {
				if _, err := d.Exec(ctx, st); err != nil {
					t.Fatal(err)
				}
			}
		}
		var vr, tr, kr, ko, uo int64
		id := func(code string) int64 {
			var n int64
			if err := d.QueryRow(ctx, `SELECT id FROM orgs WHERE code = ?`, code).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if err := d.QueryRow(ctx, `SELECT (SELECT recorder_org_id FROM visits WHERE id = ?), (SELECT recorder_org_id FROM tasks WHERE id = ?),
			(SELECT recorder_org_id FROM needs WHERE id = ?), (SELECT owner_org_id FROM needs WHERE id = ?), (SELECT owner_org_id FROM needs WHERE id = ?)`,
			v.ID, task.ID, kept.ID, kept.ID, up.ID).Scan(&vr, &tr, &kr, &ko, &uo); err != nil {
			t.Fatal(err)
		}
		st, dl := id("230102001"), id("230102")
		if vr != st || tr != st || kr != st || ko != st || uo != dl {
			t.Fatalf("back-filled %d %d %d %d %d, want street %d, district %d", vr, tr, kr, ko, uo, st, dl)
		}
		// The village that handed it up no longer acts on it.
		if _, err := f.svc.CreateTask(ctx, village, visit.TaskInput{NeedID: up.ID, Title: "x", OwnerName: "x", DueOn: "2026-11-30"}); !errors.Is(err, access.ErrNotOwner) {
			t.Fatalf("village tasked the need it handed up: %v", err)
		}
	})
}
