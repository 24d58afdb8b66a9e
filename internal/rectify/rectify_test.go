package rectify_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/rectify"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

func init() { auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1} }

type fx struct {
	t *testing.T
	d *db.DB
	*testfx.Demo
	svc   *rectify.Service
	clock time.Time
}

func setup(t *testing.T, d *db.DB) *fx {
	f := &fx{Demo: testfx.Seed(t, d), t: t, d: d, clock: time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)}
	f.svc = rectify.NewService(d, f.Orgs)
	f.svc.Vault = testfx.Keys
	f.svc.Now = func() time.Time { return f.clock }
	return f
}

func deadlineInput() rectify.Input {
	return rectify.Input{Category: "organ", Source: "public", Description: "街道妇联办公室坐班多、入户少，群众反映找不到人",
		Measures: "建立干部包片联系社区制度，每周两天下沉社区", Responsible: "王丽华", Mode: rectify.ModeDeadline,
		Plan: "11月建立包片台账，12月起每月通报入户情况", FoundOn: "2026-10-20", DueOn: "2026-12-31"}
}

func (f *fx) status(id int64) rectify.Status {
	var s rectify.Status
	if err := f.d.QueryRow(context.Background(), `SELECT status FROM problems WHERE id = ?`, id).Scan(&s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// TestIssueScenario: a district records a problem, applies to close it,
// the city returns it, then closes it — and the district can never close
// its own problem.
func TestIssueScenario(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		daoli, daoliLeader, city := f.Actor("daoli.staff"), f.Actor("daoli.leader"), f.Actor("city.staff")
		nangang := f.Actor("nangang.leader")

		id, err := f.svc.Create(ctx, daoli, deadlineInput())
		if err != nil {
			t.Fatal(err)
		}
		png := []byte("\x89PNG\r\n\x1a\n0000000000000000")
		if err := f.svc.AddProgress(ctx, daoli, id, rectify.Progress{Note: "已建立包片台账", Files: []rectify.Upload{{"台账.png", png}}}); err != nil {
			t.Fatal(err)
		}
		// The city cannot add progress to a district's item.
		if err := f.svc.AddProgress(ctx, city, id, rectify.Progress{Note: "x"}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("city progress: %v", err)
		}
		// Another district does not even see it.
		if _, err := f.svc.Get(ctx, nangang, id); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("nangang sees it: %v", err)
		}
		// Closing before an application is refused.
		testfx.WantCode(t, f.svc.Close(ctx, city, id, ""), "not_applied")

		if err := f.svc.Apply(ctx, daoli, id, "已完成包片，入户率提高"); err != nil {
			t.Fatal(err)
		}
		if f.status(id) != rectify.Applied {
			t.Fatal("not applied")
		}
		// The district cannot close (or return) its own, not even its leader.
		testfx.WantCode(t, f.svc.Close(ctx, daoliLeader, id, ""), "own_problem")
		testfx.WantCode(t, f.svc.Return(ctx, daoli, id, "不行"), "own_problem")
		if f.status(id) != rectify.Applied {
			t.Fatal("own close changed the status")
		}
		// The city's queue has it; the district's has not.
		q, n, err := f.svc.List(ctx, city, rectify.Filter{Verify: true})
		if err != nil || n != 1 || q[0].ID != id {
			t.Fatalf("city queue: %d %v", n, err)
		}
		if _, n, _ := f.svc.List(ctx, daoliLeader, rectify.Filter{Verify: true}); n != 0 {
			t.Fatalf("daoli queue: %d", n)
		}

		// Return without a reason changes nothing.
		testfx.WantField(t, f.svc.Return(ctx, city, id, "  "), "reason")
		if f.status(id) != rectify.Applied {
			t.Fatal("empty return changed the status")
		}
		if err := f.svc.Return(ctx, city, id, "缺少入户记录佐证"); err != nil {
			t.Fatal(err)
		}
		p, _ := f.svc.Get(ctx, daoli, id)
		if p.Status != rectify.Returned || p.ReturnReason != "缺少入户记录佐证" {
			t.Fatalf("returned: %+v", p)
		}
		if err := f.svc.AddProgress(ctx, daoli, id, rectify.Progress{Note: "补充入户记录", Files: []rectify.Upload{{"记录.png", png}}}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Apply(ctx, daoli, id, "已补充入户记录"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Close(ctx, city, id, "同意销号"); err != nil {
			t.Fatal(err)
		}
		p, _ = f.svc.Get(ctx, daoli, id)
		if p.Status != rectify.Closed || p.ClosedByOrg != "哈尔滨市妇联" || p.ColourAt("2027-06-01") != "" {
			t.Fatalf("closed: %+v", p)
		}
		// Closed items take no more changes.
		testfx.WantCode(t, f.svc.AddProgress(ctx, daoli, id, rectify.Progress{Note: "再改"}), "closed")

		tl, err := f.svc.Timeline(ctx, daoli, id)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		files := 0
		for _, u := range tl {
			kinds = append(kinds, u.Kind)
			files += len(u.Files)
		}
		want := []string{"progress", "apply", "return", "progress", "apply", "close"}
		if len(kinds) != len(want) || files != 2 {
			t.Fatalf("timeline %v, %d files", kinds, files)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Fatalf("timeline %v", kinds)
			}
		}
		// Every change is audited; the notifications reached both sides.
		var audits, notes int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE object_type = 'problem' AND outcome = 'ok'`).Scan(&audits)
		d.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE kind LIKE 'problem.%'`).Scan(&notes)
		if audits != 7 || notes != 4 {
			t.Fatalf("%d audit events, %d notifications", audits, notes)
		}
	})
}

// TestBadInputChangesNothing: each refused input leaves the ledger as it was.
func TestBadInputChangesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		daoli, city, admin := f.Actor("daoli.staff"), f.Actor("city.leader"), f.Actor("admin")

		bad := func(field string, change func(*rectify.Input)) {
			t.Helper()
			in := deadlineInput()
			change(&in)
			_, err := f.svc.Create(ctx, daoli, in)
			testfx.WantField(t, err, field)
		}
		bad("due_on", func(in *rectify.Input) { in.DueOn = "2026-10-01" })
		bad("plan", func(in *rectify.Input) { in.Plan = "" })
		bad("due_on", func(in *rectify.Input) { in.DueOn = "" })
		bad("reviews", func(in *rectify.Input) { in.Mode = rectify.ModeOngoing })
		bad("category", func(in *rectify.Input) { in.Category = "x" })
		bad("found_on", func(in *rectify.Input) { in.FoundOn = "2026-13-01" })
		bad("found_on", func(in *rectify.Input) { in.FoundOn = "2026-12-01" })
		bad("description", func(in *rectify.Input) { in.Description = " " })
		if _, err := f.svc.Create(ctx, admin, deadlineInput()); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("admin created: %v", err)
		}
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM problems`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d problems after bad input", n)
		}

		// 立行立改 gets a 30-day deadline.
		now := deadlineInput()
		now.Mode, now.Plan, now.DueOn = rectify.ModeNow, "", ""
		id, err := f.svc.Create(ctx, daoli, now)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := f.svc.Get(ctx, daoli, id)
		if p.DueOn != "2026-11-19" {
			t.Fatalf("due %s", p.DueOn)
		}
		// Evidence of a wrong type is refused, and the note is not kept.
		err = f.svc.AddProgress(ctx, daoli, id, rectify.Progress{Note: "进展", Files: []rectify.Upload{{"x.exe", []byte("MZ\x90\x00")}}})
		testfx.WantField(t, err, "files")
		d.QueryRow(ctx, `SELECT COUNT(*) FROM problem_updates`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d updates after a bad file", n)
		}
		// The city's own problem: it has nobody above, and cannot close it.
		cid, err := f.svc.Create(ctx, city, deadlineInput())
		if err != nil {
			t.Fatal(err)
		}
		testfx.WantCode(t, f.svc.Apply(ctx, city, cid, "完成"), "no_parent")
		d.Exec(ctx, `UPDATE problems SET status = 'applied' WHERE id = ?`, cid)
		testfx.WantCode(t, f.svc.Close(ctx, city, cid, ""), "own_problem")
		if f.status(cid) != rectify.Applied {
			t.Fatal("the city closed its own")
		}
		// Admins see no ledger.
		if _, _, err := f.svc.List(ctx, admin, rectify.Filter{}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("admin list: %v", err)
		}
	})
}

// TestColoursReviewsAndStats: the three colours, a 长期坚持 item's reviews,
// the filters and the roll-up by child unit.
func TestColoursReviewsAndStats(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		daoli, street, city := f.Actor("daoli.staff"), f.Actor("street.staff"), f.Actor("city.staff")

		mk := func(a access.Actor, change func(*rectify.Input)) int64 {
			t.Helper()
			in := deadlineInput()
			change(&in)
			id, err := f.svc.Create(ctx, a, in)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		red := mk(daoli, func(in *rectify.Input) { in.DueOn = "2026-10-30" })     // today is 2026-11-02
		yellow := mk(street, func(in *rectify.Input) { in.DueOn = "2026-11-09" }) // within 7 days
		green := mk(street, func(in *rectify.Input) { in.Category = "elite" })    // 2026-12-31
		ongoing := mk(daoli, func(in *rectify.Input) {
			in.Mode, in.Plan, in.DueOn, in.Category = rectify.ModeOngoing, "", "", "style"
			in.Reviews = []string{"2026-11-20", "2026-11-01"}
		})
		want := map[int64]string{red: "red", yellow: "yellow", green: "green", ongoing: "red"}
		for id, c := range want {
			p, err := f.svc.Get(ctx, city, id)
			if err != nil || p.ColourAt("2026-11-02") != c {
				t.Fatalf("%d: colour %s, want %s (%v)", id, p.ColourAt("2026-11-02"), c, err)
			}
		}
		// Recording the review makes the next one (20 Nov) count: green.
		if err := f.svc.AddProgress(ctx, daoli, ongoing, rectify.Progress{Note: "11月复查：包片制度运行正常", Review: true}); err != nil {
			t.Fatal(err)
		}
		p, _ := f.svc.Get(ctx, daoli, ongoing)
		if p.NextReview != "2026-11-20" || p.ColourAt("2026-11-02") != "green" || !p.Reviews[0].Done() {
			t.Fatalf("after review: %+v", p)
		}
		// A deadline item has no review to record.
		testfx.WantField(t, f.svc.AddProgress(ctx, daoli, red, rectify.Progress{Note: "x", Review: true}), "review")

		count := func(a access.Actor, fl rectify.Filter) int {
			t.Helper()
			_, n, err := f.svc.List(ctx, a, fl)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(city, rectify.Filter{Colour: "red"}); n != 1 {
			t.Fatalf("red: %d", n)
		}
		if n := count(city, rectify.Filter{Colour: "yellow"}); n != 1 {
			t.Fatalf("yellow: %d", n)
		}
		if n := count(city, rectify.Filter{Colour: "green"}); n != 2 {
			t.Fatalf("green: %d", n)
		}
		if n := count(city, rectify.Filter{Category: "elite"}); n != 1 {
			t.Fatalf("elite: %d", n)
		}
		if n := count(street, rectify.Filter{}); n != 2 {
			t.Fatalf("street sees %d", n)
		}
		if n := count(city, rectify.Filter{Under: "230102001"}); n != 2 {
			t.Fatalf("under street: %d", n)
		}
		if _, _, err := f.svc.List(ctx, street, rectify.Filter{Under: "230102"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("street looked above: %v", err)
		}
		// The district's own items come first.
		list, _, _ := f.svc.List(ctx, daoli, rectify.Filter{})
		if list[0].OrgCode != "230102" || list[len(list)-1].OrgCode != "230102001" {
			t.Fatalf("order: %s … %s", list[0].OrgCode, list[len(list)-1].OrgCode)
		}

		st, err := f.svc.Stats(ctx, city, "")
		if err != nil {
			t.Fatal(err)
		}
		if st.Totals[rectify.StatTotal] != 4 || st.Totals[rectify.StatRed] != 1 || st.Totals[rectify.StatYellow] != 1 ||
			st.Totals[rectify.StatCategory+2] != 1 {
			t.Fatalf("city totals %v", st.Totals)
		}
		var daoliRow []int64
		for _, r := range st.Rows {
			if r.Org.Code == "230102" {
				daoliRow = r.N
			} else if r.N[rectify.StatTotal] != 0 {
				t.Fatalf("%s has %v", r.Org.Code, r.N)
			}
		}
		if daoliRow == nil || daoliRow[rectify.StatTotal] != 4 {
			t.Fatalf("daoli row %v", daoliRow)
		}
		st, err = f.svc.Stats(ctx, city, "230102")
		if err != nil {
			t.Fatal(err)
		}
		if !st.Rows[0].Self || st.Rows[0].N[rectify.StatTotal] != 2 || st.Totals[rectify.StatTotal] != 4 || len(st.Crumbs) != 1 {
			t.Fatalf("daoli stats %+v", st.Rows[0])
		}
	})
}
