package aid_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

// A girl of 道里区 born 2014 (the 17th digit even: female).
var childID = makeID("23010220140601002")

func childInput(programme, id string) aid.Input {
	in := aid.Input{Programme: programme, Name: "金丝雀小花", IDNumber: id, Household: "dibao",
		GuardianName: "金丝雀监护", GuardianConsent: true}
	switch programme {
	case "love_mother":
		in.Facts = map[string]string{"mother": "李爱心"}
	case "orphan":
		in.Facts = map[string]string{"situation": "父母双亡，由祖母抚养"}
	case "spring_bud":
		in.Facts = map[string]string{"school": "道里区第一中学", "grade": "初一"}
	}
	return in
}

// granted enters an application at village.staff and takes it up to the
// city leader's approval.
func (f *fx) granted(in aid.Input) aid.Application {
	f.t.Helper()
	village := f.Actor("village.staff")
	x, err := f.svc.Create(context.Background(), village, in)
	if err != nil {
		f.t.Fatal(err)
	}
	x = f.submit(village, x)
	x = f.decide(f.Actor("street.staff"), x, aid.Pass, "")
	x = f.decide(f.Actor("daoli.staff"), x, aid.Pass, "")
	return f.decide(f.Actor("city.leader"), x, aid.Pass, "")
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// followPrint is every follow-up row, as text: refusals must not change it.
func (f *fx) followPrint() string {
	var b strings.Builder
	f.eachRow(`SELECT * FROM aid_followups ORDER BY id`, func(vals []string) { b.WriteString(strings.Join(vals, "|") + "\n") })
	return b.String()
}

// TestFollowupRules: follow-ups only on approved applications of a
// programme that takes them, of the programme's kind, dated between the
// approval and today, with notes; 春蕾圆梦 once per school year and never
// after she left school; 南岗 does not see 道里's.
func TestFollowupRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		village, street, nangang := f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("nangang.leader")
		for _, p := range []string{"cancer", "love_mother", "spring_bud"} {
			f.cycle(p, 2026, 10_000_000, nil)
		}
		pair := f.granted(childInput("love_mother", childID))
		bud := f.granted(childInput("spring_bud", makeID("23010220130301004")))
		cancer := f.granted(cancerInput("金丝雀", canaryID))
		draft, err := f.svc.Create(ctx, village, childInput("love_mother", makeID("23010220150505006")))
		if err != nil {
			t.Fatal(err)
		}
		visit := aid.FollowupInput{Date: "2026-03-10", Notes: "孩子身体健康，学习用品已送到"}
		before := f.followPrint()

		_, err = f.svc.AddFollowup(ctx, village, draft.ID, visit)
		code(t, err, "state")
		_, err = f.svc.AddFollowup(ctx, village, cancer.ID, visit)
		code(t, err, "no_followup")
		_, err = f.svc.AddFollowup(ctx, village, pair.ID, aid.FollowupInput{Kind: aid.School, Date: "2026-03-10", Notes: "走访"})
		field(t, err, "kind", "")
		_, err = f.svc.AddFollowup(ctx, village, pair.ID, aid.FollowupInput{Date: "2026-03-11", Notes: "走访"})
		field(t, err, "date", "跟踪日期不能晚于今天")
		_, err = f.svc.AddFollowup(ctx, village, pair.ID, aid.FollowupInput{Date: "2026-03-10", Notes: "  "})
		field(t, err, "notes", "请填写跟踪情况")
		if _, err := f.svc.AddFollowup(ctx, nangang, pair.ID, visit); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 added to 道里's: %v", err)
		}
		if _, err := f.svc.Followups(ctx, nangang, pair.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 listed 道里's: %v", err)
		}
		if _, err := f.svc.AddFollowup(ctx, f.Actor("admin"), pair.ID, visit); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("an administrator added a follow-up: %v", err)
		}
		if f.followPrint() != before {
			t.Fatal("a refused follow-up changed the table")
		}

		// A street cadre who went along records the visit; 90 days to the next.
		v, err := f.svc.AddFollowup(ctx, street, pair.ID, visit)
		if err != nil {
			t.Fatal(err)
		}
		if v.Kind != aid.Visit || v.Date != "2026-03-10" || v.NextDue != "2026-06-08" || v.OrgID != pair.OrgID || v.Notes == visit.Notes {
			t.Fatalf("visit: %+v", v)
		}

		// 春蕾圆梦: the 2026-2027 school year in September.
		f.clock = beijing(2026, 9, 15)
		_, err = f.svc.AddFollowup(ctx, village, bud.ID, aid.FollowupInput{Date: "2026-09-10", Notes: "在校"})
		field(t, err, "in_school", "请选择是否在校")
		_, err = f.svc.AddFollowup(ctx, village, bud.ID, aid.FollowupInput{Date: "2026-09-10", InSchool: yes(), Notes: "在校"})
		field(t, err, "school", "请填写学校")
		_, err = f.svc.AddFollowup(ctx, village, bud.ID, aid.FollowupInput{Date: "2026-09-10", SchoolYear: "2024-2025", InSchool: yes(),
			School: "道里区第一中学", Grade: "初二", Notes: "在校"})
		field(t, err, "school_year", "")
		y1 := aid.FollowupInput{Date: "2026-09-10", InSchool: yes(), School: "道里区第一中学", Grade: "初二", Notes: "成绩中上，学费已免"}
		s1, err := f.svc.AddFollowup(ctx, village, bud.ID, y1)
		if err != nil {
			t.Fatal(err)
		}
		if s1.Kind != aid.School || s1.SchoolYear != "2026-2027" || !s1.InSchool || s1.NextDue != "2027-09-01" {
			t.Fatalf("school: %+v", s1)
		}
		before = f.followPrint()
		y1.Date = "2026-09-14"
		_, err = f.svc.AddFollowup(ctx, street, bud.ID, y1)
		field(t, err, "school_year", "2026-2027 学年已有跟踪记录")
		if f.followPrint() != before {
			t.Fatal("a second follow-up for the school year changed the table")
		}

		// She leaves school: the last follow-up; none after it.
		f.clock = beijing(2027, 9, 20)
		last, err := f.svc.AddFollowup(ctx, village, bud.ID, aid.FollowupInput{Date: "2027-09-18", InSchool: no(), Notes: "随家人迁往外省"})
		if err != nil {
			t.Fatal(err)
		}
		if !last.Last() || last.NextDue != "" || last.SchoolYear != "2027-2028" {
			t.Fatalf("last: %+v", last)
		}
		f.clock = beijing(2028, 9, 20)
		_, err = f.svc.AddFollowup(ctx, village, bud.ID, aid.FollowupInput{Date: "2028-09-18", InSchool: yes(), School: "外省中学",
			Grade: "高一", Notes: "回来了"})
		code(t, err, "ended")

		fs, err := f.svc.Followups(ctx, f.Actor("daoli.leader"), bud.ID)
		if err != nil || len(fs) != 2 || fs[0].ID != last.ID || fs[1].Notes == y1.Notes || fs[1].School == y1.School {
			t.Fatalf("list: %+v %v", fs, err)
		}
		if n := f.audited("aid.followup.create"); n != 3 {
			t.Fatalf("%d follow-ups audited, want 3", n)
		}
	})
}

// TestFollowupDue: the 待跟踪 list shows an overdue 爱心妈妈 pairing, a
// visit clears it until 14 days before the next is due; 春蕾圆梦 is due
// from 1 September and 慈善助孤 180 days after approval; 南岗 sees none.
func TestFollowupDue(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		leader, village, nangang := f.Actor("daoli.leader"), f.Actor("village.staff"), f.Actor("nangang.leader")
		for _, p := range []string{"love_mother", "spring_bud", "orphan"} {
			f.cycle(p, 2026, 0, nil)
		}
		pair := f.granted(childInput("love_mother", childID))                   // approved 2026-03-10
		bud := f.granted(childInput("spring_bud", makeID("23010220130301004"))) // first due 2026-09-01
		orphan := f.granted(childInput("orphan", makeID("23010220160707008")))  // first due 2026-09-06
		due := func(a access.Actor, programme string) map[int64]aid.DueItem {
			t.Helper()
			items, total, err := f.svc.Due(ctx, a, aid.DueFilter{Programme: programme})
			if err != nil || total != len(items) {
				t.Fatalf("due: %v (%d of %d)", err, len(items), total)
			}
			m := map[int64]aid.DueItem{}
			for _, it := range items {
				m[it.ApplicationID] = it
			}
			return m
		}

		f.clock = beijing(2026, 6, 20)
		got := due(leader, "")
		if len(got) != 1 || !got[pair.ID].Overdue() || got[pair.ID].DueOn != "2026-06-08" || got[pair.ID].DaysLeft != -12 ||
			got[pair.ID].Name != "金**" || got[pair.ID].Kind != aid.Visit {
			t.Fatalf("June: %+v", got)
		}
		if len(due(nangang, "")) != 0 {
			t.Fatal("南岗 sees 道里's pairing")
		}
		if _, err := f.svc.AddFollowup(ctx, village, pair.ID, aid.FollowupInput{Date: "2026-06-20", Notes: "走访，孩子很好"}); err != nil {
			t.Fatal(err)
		}
		if len(due(leader, "")) != 0 {
			t.Fatal("a visited pairing is still due")
		}

		f.clock = beijing(2026, 9, 10)
		got = due(leader, "")
		if len(got) != 3 || got[pair.ID].DueOn != "2026-09-18" || got[pair.ID].Overdue() || got[pair.ID].LastDate != "2026-06-20" ||
			!got[bud.ID].Overdue() || got[bud.ID].Kind != aid.School || got[orphan.ID].DueOn != "2026-09-06" || !got[orphan.ID].Overdue() {
			t.Fatalf("September: %+v", got)
		}
		if got := due(leader, "spring_bud"); len(got) != 1 || got[bud.ID].DueOn != "2026-09-01" {
			t.Fatalf("filtered: %+v", got)
		}
		items, _, err := f.svc.Due(ctx, leader, aid.DueFilter{})
		if err != nil || items[0].ApplicationID != bud.ID {
			t.Fatalf("most overdue first: %+v %v", items, err)
		}
		// She left school: never due again.
		if _, err := f.svc.AddFollowup(ctx, village, bud.ID, aid.FollowupInput{Date: "2026-09-08", InSchool: no(), Notes: "辍学"}); err != nil {
			t.Fatal(err)
		}
		f.clock = beijing(2027, 9, 10)
		if _, ok := due(leader, "")[bud.ID]; ok {
			t.Fatal("an ended scholarship is due")
		}
	})
}

// TestFollowupSealed: a follow-up's school, grade and notes are nowhere in
// the clear — not in the table, the audit log or the SQLite file — are
// registered for key rotation, and only a leader with a reason opens them.
func TestFollowupSealed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		village, leader := f.Actor("village.staff"), f.Actor("daoli.leader")
		f.cycle("spring_bud", 2026, 0, nil)
		bud := f.granted(childInput("spring_bud", makeID("23010220130301004")))
		f.clock = beijing(2026, 9, 15)
		in := aid.FollowupInput{Date: "2026-09-10", InSchool: yes(), School: "CANARY学校", Grade: "CANARY年级", Notes: "CANARY跟踪情况：家中困难"}
		if _, err := f.svc.AddFollowup(ctx, village, bud.ID, in); err != nil {
			t.Fatal(err)
		}
		canaries := []string{"CANARY学校", "CANARY年级", "CANARY跟踪"}
		f.noneInTables([]string{"aid_followups", "audit_events"}, canaries...)
		f.noneInFile("aid.followup.create", canaries...)
		registered := map[string]bool{}
		for _, c := range vault.Columns() {
			if c.Table == "aid_followups" {
				registered[c.Name] = true
			}
		}
		if !registered["school"] || !registered["grade"] || !registered["notes"] {
			t.Fatalf("aid_followups not registered for rotation: %v", registered)
		}

		before := f.audited("aid.followup.reveal")
		if _, err := f.svc.RevealFollowups(ctx, village, bud.ID, "核实在校情况"); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("staff revealed: %v", err)
		}
		_, err := f.svc.RevealFollowups(ctx, leader, bud.ID, "看看")
		field(t, err, "reason", aid.ErrReason)
		if _, err := f.svc.RevealFollowups(ctx, f.Actor("nangang.leader"), bud.ID, "核实在校情况"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 revealed: %v", err)
		}
		if f.audited("aid.followup.reveal") != before {
			t.Fatal("a refused reveal was recorded")
		}
		fs, err := f.svc.RevealFollowups(ctx, leader, bud.ID, "核实在校情况")
		if err != nil || len(fs) != 1 || fs[0].Notes != in.Notes || fs[0].School != in.School || fs[0].Grade != in.Grade || !fs[0].Revealed {
			t.Fatalf("revealed: %+v %v", fs, err)
		}
		var detail string
		if err := d.QueryRow(ctx, `SELECT detail FROM audit_events WHERE action = 'aid.followup.reveal' AND object_id = ?`,
			strconv.FormatInt(bud.ID, 10)).Scan(&detail); err != nil || !strings.Contains(detail, "核实在校情况") {
			t.Fatalf("reveal audit: %q %v", detail, err)
		}

		// The retention purge blanks them with the application.
		n, err := f.svc.PurgeFollowups(ctx, []int64{bud.ID})
		if err != nil || n != 1 {
			t.Fatalf("purged %d: %v", n, err)
		}
		f.eachRow(`SELECT school, grade, notes FROM aid_followups`, func(vals []string) {
			if strings.Join(vals, "") != "" {
				t.Fatalf("after the purge: %q", vals)
			}
		})
	})
}
