package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// followupApp enters a child's application of the programme at
// village.staff through the domain and, unless draft, marks it approved
// daysAgo days ago. The review chain is tested elsewhere; here only the
// follow-ups matter.
func followupApp(t *testing.T, app *testapp.App, programme, id string, draft bool, daysAgo int) int64 {
	t.Helper()
	ctx := context.Background()
	svc := app.Server.Deps.Aid
	actor := func(name string) access.Actor { return app.Actor(t, name) }
	year := svc.Year()
	if _, err := svc.SaveCycle(ctx, actor("city.leader"), aid.CycleInput{Programme: programme, Year: year,
		OpensOn: strconv.Itoa(year) + "-01-01", ClosesOn: strconv.Itoa(year) + "-12-31"}); err != nil {
		t.Fatal(err)
	}
	in := aid.Input{Programme: programme, Name: "白桦林小雨", IDNumber: id, Household: "dibao", GuardianName: "白桦林监护",
		GuardianConsent: true, Facts: map[string]string{"mother": "李爱心", "school": "道里区第一中学", "grade": "初一"}}
	if programme == "love_mother" {
		delete(in.Facts, "school")
		delete(in.Facts, "grade")
	} else {
		delete(in.Facts, "mother")
	}
	x, err := svc.Create(ctx, actor("village.staff"), in)
	if err != nil {
		t.Fatal(err)
	}
	if !draft {
		at := db.Millis(time.Now().AddDate(0, 0, -daysAgo))
		if _, err := app.DB.Exec(ctx, `UPDATE aid_applications SET status = 'approved', level = 'city', submitted_at = ?, closed_at = ?
			WHERE id = ?`, at, at, x.ID); err != nil {
			t.Fatal(err)
		}
	}
	return x.ID
}

// TestAidFollowupPages: a draft takes no follow-up; an approved 爱心妈妈
// pairing not visited for 100 days is red on 待跟踪 for 道里 and absent
// for 南岗, who gets 404 on its page; a visit without notes is refused
// beside the field; a visit clears it, its notes stay hidden until a
// leader reveals them with a reason; 春蕾圆梦 takes one follow-up per
// school year, and asks whether she is in school.
func TestAidFollowupPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		village, street, leader := signIn(t, app, "village.staff"), signIn(t, app, "street.staff"), signIn(t, app, "daoli.leader")
		nangang := signIn(t, app, "nangang.leader")
		draft := followupApp(t, app, "love_mother", aidID("23010220150505006"), true, 0)
		pair := followupApp(t, app, "love_mother", aidID("23010220140601002"), false, 100)
		bud := followupApp(t, app, "spring_bud", aidID("23010220130301004"), false, 10)
		path := "/aid/" + strconv.FormatInt(pair, 10) + "/followups"

		dp := "/aid/" + strconv.FormatInt(draft, 10) + "/followups"
		mustNot(t, village.get(dp, http.StatusOK), `id="followup-form"`)
		must(t, village.post(dp, url.Values{"notes": {"走访"}}, http.StatusUnprocessableEntity), "只有已批准的申请可以记录跟踪")

		due := leader.get("/aid/followups", http.StatusOK)
		must(t, due, `id="due-`+strconv.FormatInt(pair, 10)+`"`, "row-red", "逾期 10 天", "白**")
		mustNot(t, due, "白桦林小雨", `id="due-`+strconv.FormatInt(bud, 10)+`"`)
		visitPageClean(t, due)
		mustNot(t, nangang.get("/aid/followups", http.StatusOK), `id="due-`+strconv.FormatInt(pair, 10)+`"`)
		nangang.get(path, http.StatusNotFound)
		nangang.post(path, url.Values{"notes": {"走访"}}, http.StatusNotFound)
		rows := xlsxRows(t, leader, "/aid/followups.xlsx?programme=love_mother")
		if len(rows) != 2 || !strings.Contains(strings.Join(rows[1], "|"), "逾期 10 天") {
			t.Fatalf("export: %v", rows)
		}

		page := village.get(path, http.StatusOK)
		must(t, page, `id="followup-form"`, "记录爱心妈妈走访", "尚无跟踪记录")
		mustNot(t, page, `id="f-school_year"`, `id="reveal-form"`)
		visitPageClean(t, page)
		today := app.Server.Deps.Aid.Today()
		must(t, village.post(path, url.Values{"date": {today}, "notes": {" "}}, http.StatusUnprocessableEntity),
			`id="f-notes-error"`, "请填写跟踪情况")
		if n := count(t, d, `SELECT COUNT(*) FROM aid_followups`); n != 0 {
			t.Fatalf("%d follow-ups after bad input", n)
		}
		notes := "白桦林走访：孩子期中考试进步明显"
		page = street.post(path, url.Values{"date": {today}, "notes": {notes}}, http.StatusSeeOther)
		must(t, page, "已记录爱心妈妈走访", `id="followup-list"`, "（已加密，需查看权限）")
		mustNot(t, page, notes)
		mustNot(t, leader.get("/aid/followups", http.StatusOK), `id="due-`+strconv.FormatInt(pair, 10)+`"`)

		// Reveal: staff may not, a reason is required, then unstored.
		street.post(path+"/reveal", url.Values{"reason": {"核实走访情况"}}, http.StatusForbidden)
		must(t, leader.post(path+"/reveal", url.Values{"reason": {"看"}}, http.StatusUnprocessableEntity), `id="f-reveal-reason-error"`)
		r := leader.c.Do("POST", path+"/reveal", url.Values{"reason": {"核实走访是否落实"}})
		if r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("reveal: %d %q", r.Status, r.Header.Get("Cache-Control"))
		}
		must(t, r.Body, notes, `id="revealed-note"`)
		nangang.post(path+"/reveal", url.Values{"reason": {"核实走访是否落实"}}, http.StatusNotFound)

		// 春蕾圆梦: the school year's form.
		bp := "/aid/" + strconv.FormatInt(bud, 10) + "/followups"
		must(t, village.get(bp, http.StatusOK), `id="f-school_year"`, `id="f-in_school"`, aid.SchoolYearOf(today))
		school := url.Values{"date": {today}, "school_year": {aid.SchoolYearOf(today)}, "notes": {"在校，成绩良好"}}
		must(t, village.post(bp, school, http.StatusUnprocessableEntity), `id="f-in_school-error"`, "请选择是否在校")
		school.Set("in_school", "1")
		must(t, village.post(bp, school, http.StatusUnprocessableEntity), `id="f-school-error"`)
		school.Set("school", "道里区第一中学")
		school.Set("grade", "初二")
		must(t, village.post(bp, school, http.StatusSeeOther), "已记录学年跟踪", aid.SchoolYearOf(today))
		must(t, village.post(bp, school, http.StatusUnprocessableEntity), `id="f-school_year-error"`, "学年已有跟踪记录")
		if n := count(t, d, `SELECT COUNT(*) FROM aid_followups`); n != 2 {
			t.Fatalf("%d follow-ups, want 2", n)
		}
	})
}
