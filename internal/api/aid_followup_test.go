package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
)

// followupApp enters a child's application at village.staff through the
// domain and, unless draft, marks it approved daysAgo days ago: the review
// chain has tests of its own.
func (f *fixture) followupApp(programme, id string, draft bool, daysAgo int) int64 {
	f.t.Helper()
	ctx := context.Background()
	svc := f.app.Server.Deps.Aid
	actor := func(name string) access.Actor {
		u, err := f.svc().UserByUsername(ctx, name)
		if err != nil {
			f.t.Fatal(err)
		}
		return u.Actor("127.0.0.1")
	}
	year := svc.Year()
	if _, err := svc.SaveCycle(ctx, actor("city.leader"), aid.CycleInput{Programme: programme, Year: year,
		OpensOn: strconv.Itoa(year) + "-01-01", ClosesOn: strconv.Itoa(year) + "-12-31"}); err != nil {
		f.t.Fatal(err)
	}
	in := aid.Input{Programme: programme, Name: "松花江小雨", IDNumber: id, Household: "dibao", GuardianName: "松花江监护",
		GuardianConsent: true, Facts: map[string]string{"mother": "李爱心"}}
	if programme == "spring_bud" {
		in.Facts = map[string]string{"school": "道里区第一中学", "grade": "初一"}
	}
	x, err := svc.Create(ctx, actor("village.staff"), in)
	if err != nil {
		f.t.Fatal(err)
	}
	if !draft {
		at := db.Millis(time.Now().AddDate(0, 0, -daysAgo))
		if _, err := f.app.DB.Exec(ctx, `UPDATE aid_applications SET status = 'approved', level = 'city', submitted_at = ?, closed_at = ?
			WHERE id = ?`, at, at, x.ID); err != nil {
			f.t.Fatal(err)
		}
	}
	return x.ID
}

// TestAidFollowupAPI: follow-ups through /api/v1/aid — refused on a
// draft and for the wrong kind, notes required, one per school year and
// none after she left school; the overdue pairing is on …/followups/due
// for 道里 and not for 南岗, who gets 404; contents hidden until a
// leader's reveal with a reason; administrators refused.
func TestAidFollowupAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		const base = "/api/v1/aid"
		draft := f.followupApp("love_mother", aidID("23010220150505006"), true, 0)
		pair := f.followupApp("love_mother", aidID("23010220140601002"), false, 120)
		bud := f.followupApp("spring_bud", aidID("23010220130301004"), false, 5)
		fp := func(id int64) string { return base + "/applications/" + strconv.FormatInt(id, 10) + "/followups" }
		today := f.app.Server.Deps.Aid.Today()
		notes := "松花江走访：孩子身体健康"
		var bodies []string
		do := func(as, method, path string, body any, status int, code string, fields ...string) map[string]any {
			t.Helper()
			r := f.as(as).Do(method, path, body)
			expect(t, r, status, code, fields...)
			if !strings.HasSuffix(path, "/reveal") {
				bodies = append(bodies, r.Body)
			}
			return r.JSON(t)
		}

		do("village.staff", "POST", fp(draft), map[string]any{"notes": notes}, http.StatusConflict, "state")
		do("village.staff", "POST", fp(pair), map[string]any{"kind": "school", "notes": notes}, http.StatusUnprocessableEntity, "invalid", "kind")
		do("village.staff", "POST", fp(pair), map[string]any{"date": today}, http.StatusUnprocessableEntity, "invalid", "notes")
		do("nangang.leader", "POST", fp(pair), map[string]any{"notes": notes}, http.StatusNotFound, "")
		do("nangang.leader", "GET", fp(pair), nil, http.StatusNotFound, "")
		do("admin", "GET", fp(pair), nil, http.StatusForbidden, "")
		if n := f.count(`SELECT COUNT(*) FROM aid_followups`); n != 0 {
			t.Fatalf("%d follow-ups after refusals", n)
		}

		due := do("daoli.leader", "GET", base+"/followups/due", nil, http.StatusOK, "")
		items, _ := due["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["application_id"] != float64(pair) ||
			items[0].(map[string]any)["overdue"] != true || items[0].(map[string]any)["days_left"] != float64(-30) {
			t.Fatalf("due: %v", due)
		}
		if got := do("nangang.leader", "GET", base+"/followups/due", nil, http.StatusOK, ""); got["total"] != float64(0) {
			t.Fatalf("南岗 due: %v", got)
		}

		v := do("street.staff", "POST", fp(pair), map[string]any{"date": today, "notes": notes}, http.StatusCreated, "")["followup"].(map[string]any)
		if v["kind"] != "visit" || v["date"] != today || v["revealed"] != false {
			t.Fatalf("visit: %v", v)
		}
		if got := do("daoli.leader", "GET", base+"/followups/due", nil, http.StatusOK, ""); got["total"] != float64(0) {
			t.Fatalf("due after the visit: %v", got)
		}
		list := do("daoli.staff", "GET", fp(pair), nil, http.StatusOK, "")
		if list["total"] != float64(1) {
			t.Fatalf("list: %v", list)
		}

		// 春蕾圆梦: one per school year; none after she left school.
		sy := aid.SchoolYearOf(today)
		school := map[string]any{"date": today, "school_year": sy, "in_school": true, "school": "道里区第一中学", "grade": "初二", "notes": "在校"}
		do("village.staff", "POST", fp(bud), map[string]any{"date": today, "notes": "在校"}, http.StatusUnprocessableEntity, "invalid", "in_school")
		do("village.staff", "POST", fp(bud), school, http.StatusCreated, "")
		do("village.staff", "POST", fp(bud), school, http.StatusUnprocessableEntity, "invalid", "school_year")
		bud2 := f.followupApp("spring_bud", aidID("23010220130808000"), false, 5)
		last := do("village.staff", "POST", fp(bud2), map[string]any{"date": today, "in_school": false, "notes": "随家人迁往外省"},
			http.StatusCreated, "")["followup"].(map[string]any)
		if last["last"] != true || last["next_due"] != "" {
			t.Fatalf("last: %v", last)
		}
		do("village.staff", "POST", fp(bud2), school, http.StatusConflict, "ended")

		// Reveal: leader with a reason only; never cached.
		do("daoli.staff", "POST", fp(pair)+"/reveal", map[string]any{"reason": "核实走访情况"}, http.StatusForbidden, "")
		do("daoli.leader", "POST", fp(pair)+"/reveal", map[string]any{"reason": "看"}, http.StatusUnprocessableEntity, "invalid", "reason")
		do("nangang.leader", "POST", fp(pair)+"/reveal", map[string]any{"reason": "核实走访情况"}, http.StatusNotFound, "")
		r := f.as("daoli.leader").Do("POST", fp(pair)+"/reveal", map[string]any{"reason": "核实走访是否落实"})
		if r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" || !strings.Contains(r.Body, notes) {
			t.Fatalf("reveal: %d %q %s", r.Status, r.Header.Get("Cache-Control"), r.Body)
		}
		for _, b := range bodies {
			if strings.Contains(b, notes) || strings.Contains(b, "松花江小雨") || strings.Contains(b, "道里区第一中学") {
				t.Fatalf("personal data in a response: %s", b)
			}
		}
		if n := f.count(`SELECT COUNT(*) FROM aid_followups WHERE notes LIKE ?`, "%松花江%"); n != 0 {
			t.Fatal("notes stored in the clear")
		}
	})
}
