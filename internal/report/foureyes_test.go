package report_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/duty"
	"halfsky/internal/report"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// TestReportFourEyes: the issuing unit's decisions — accepting or
// returning a report, granting or refusing an extension — are taken by
// an account independent of the one that submitted the report or asked
// for the extension: not the same account, not one tied to it either
// way, not one made after the request. Every refusal is audited with its
// code and changes nothing; an independent cadre decides.
func TestReportFourEyes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := testfx.Seed(t, d)
		docs := doc.NewService(d, f.Orgs)
		reps := report.NewService(d, f.Orgs, docs)
		report.Wire(docs, reps)
		staff, office, leader := f.Actor("city.staff"), f.Actor("city.office"), f.Actor("city.leader")

		dd, err := docs.Create(ctx, staff, notice())
		if err != nil {
			t.Fatal(err)
		}
		due := time.Now().In(db.Shanghai).AddDate(0, 0, 30).Format("2006-01-02")
		if _, err := reps.AddRequirement(ctx, staff, dd.ID, report.RequirementInput{Title: "学习贯彻情况", Department: "市妇联宣传部",
			DueDate: due, Fields: []report.Field{{Key: "sessions", Label: "专题学习场次", Unit: "场"}}}); err != nil {
			t.Fatal(err)
		}
		for _, step := range []func() error{
			func() error { return docs.Submit(ctx, staff, dd.ID) },
			func() error { return docs.Review(ctx, office, dd.ID, true, "") },
			func() error { return docs.Sign(ctx, leader, dd.ID, "同意") },
			func() error { _, err := docs.Issue(ctx, staff, dd.ID); return err },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		reportOf := func(a access.Actor) int64 {
			t.Helper()
			rs, err := reps.ForDocument(ctx, a, dd.ID)
			if err != nil || len(rs) != 1 {
				t.Fatalf("%s's report: %v %v", a.Username, rs, err)
			}
			return rs[0].ID
		}
		in := report.Input{Body: "已组织专题学习。", Numbers: map[string]float64{"sessions": 2}}
		asked := func(a access.Actor) int64 {
			t.Helper()
			id := reportOf(a)
			until := time.Now().In(db.Shanghai).AddDate(0, 0, 40).Format("2006-01-02")
			if err := reps.RequestExtension(ctx, a, id, until, "班子调整，学习安排顺延"); err != nil {
				t.Fatal(err)
			}
			return id
		}
		row := func(id int64) string {
			var status, ext string
			var version, dueAt, updated int64
			if err := d.QueryRow(ctx, `SELECT status, extension_status, version, due_at, updated_at FROM reports WHERE id = ?`, id).
				Scan(&status, &ext, &version, &dueAt, &updated); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(status, ext, version, dueAt, updated)
		}
		refused := func(id int64, code string, decisions map[string]func() error) {
			t.Helper()
			before := row(id)
			for action, decide := range decisions {
				n := f.Refusals(action, "report", id, code)
				testfx.FourEyes(t, decide(), code)
				if got := f.Refusals(action, "report", id, code); got != n+1 {
					t.Fatalf("%s: %d refusals audited, want %d", action, got, n+1)
				}
			}
			if row(id) != before {
				t.Fatalf("a refused decision changed the report: %s → %s", before, row(id))
			}
		}
		decide := func(a access.Actor, id int64) map[string]func() error {
			return map[string]func() error{
				"report.accept": func() error { return reps.Accept(ctx, a, id) },
				"report.return": func() error { return reps.Return(ctx, a, id, "请补充") },
			}
		}
		extension := func(a access.Actor, id int64) map[string]func() error {
			return map[string]func() error{
				"report.extension_grant":  func() error { return reps.DecideExtension(ctx, a, id, true, "") },
				"report.extension_refuse": func() error { return reps.DecideExtension(ctx, a, id, false, "不同意") },
			}
		}
		move := func(a access.Actor, code string) access.Actor {
			t.Helper()
			if _, err := d.Exec(ctx, `UPDATE users SET org_id = ? WHERE id = ?`, f.Unit(code).ID, a.UserID); err != nil {
				t.Fatal(err)
			}
			return f.Actor(a.Username)
		}

		// The puppet: the city's leader makes an account at 道里, which
		// asks for an extension and then reports; he may decide neither.
		puppet := f.Newcomer("daoli.puppet", "傀儡", "230102", access.Staff)
		f.Tie(leader, puppet, duty.Created)
		p := asked(puppet)
		refused(p, duty.CodeLinked, extension(leader, p))
		if err := reps.Submit(ctx, puppet, p, in); err != nil {
			t.Fatal(err)
		}
		refused(p, duty.CodeLinked, decide(leader, p))

		// Whichever way the tie goes: 南岗's leader enabled a city
		// account, which may not decide her report or her extension.
		nangang := f.Actor("nangang.leader")
		clerk := f.Colleague("city.clerk", "文书", "2301", access.Staff)
		f.Tie(nangang, clerk, duty.Enabled)
		n := asked(nangang)
		refused(n, duty.CodeLinked, extension(clerk, n))
		// A city account made after the request.
		late := f.Newcomer("city.late", "新同志", "2301", access.Staff)
		refused(n, duty.CodeNewer, extension(late, n))
		if err := reps.Submit(ctx, nangang, n, in); err != nil {
			t.Fatal(err)
		}
		refused(n, duty.CodeLinked, decide(clerk, n))
		newer := f.Newcomer("city.newer", "更新的同志", "2301", access.Staff)
		refused(n, duty.CodeNewer, decide(newer, n))

		// The same account: 道外's cadre asks and reports, then moves to
		// the city federation, where she may not decide her own.
		daowai := f.Colleague("daowai.staff", "赵红", "230104", access.Staff)
		w := asked(daowai)
		daowai = move(daowai, "2301")
		refused(w, duty.CodeSame, extension(daowai, w))
		daowai = move(daowai, "230104")
		if err := reps.Submit(ctx, daowai, w, in); err != nil {
			t.Fatal(err)
		}
		daowai = move(daowai, "2301")
		refused(w, duty.CodeSame, decide(daowai, w))

		// The city's staff, tied to nobody, decides them all.
		if err := reps.Accept(ctx, staff, p); err != nil {
			t.Fatal(err)
		}
		if err := reps.Return(ctx, staff, n, "请补充参加人员范围"); err != nil {
			t.Fatal(err)
		}
		if err := reps.Accept(ctx, staff, w); err != nil {
			t.Fatal(err)
		}
		x := asked(f.Colleague("pingfang.staff", "刘敏", "230108", access.Staff))
		if err := reps.DecideExtension(ctx, staff, x, true, "同意"); err != nil {
			t.Fatal(err)
		}
	})
}
