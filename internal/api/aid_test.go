package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/idcard"
)

// Canary personal data: no response but a reveal may contain any of it.
var (
	aidCanaryID       = aidID("23010219750312002") // a woman born 1975-03-12
	aidCanaryName     = "金丝雀桂芝"
	aidCanaryPhone    = "13912345678"
	aidCanaryAddress  = "金丝雀街CANARY号"
	aidCanaryHospital = "CANARY肿瘤医院"
	aidCanaries       = []string{aidCanaryID, aidCanaryName, aidCanaryPhone, aidCanaryAddress, aidCanaryHospital, "CANARY"}
)

// aidID completes 17 digits with their GB 11643 check character.
func aidID(first17 string) string { return first17 + string(idcard.CheckChar(first17)) }

func aidCancer(id string) map[string]any {
	return map[string]any{"programme": "cancer", "name": aidCanaryName, "id_number": id, "phone": aidCanaryPhone,
		"address": aidCanaryAddress, "household": "dibao", "medical_consent": true,
		"facts": map[string]string{"diagnosis": "cervical_iib", "stage": "IIIB", "hospital": aidCanaryHospital}}
}

// aidRun is the API test's state: responses that must not hold personal
// data are collected in bodies and checked at the end.
type aidRun struct {
	t      *testing.T
	f      *fixture
	bodies []string
}

// do sends a request, checks the status (and for errors the code and
// fields) and keeps the body for the canary check.
func (a *aidRun) do(as, method, path string, body any, status int, code string, fields ...string) map[string]any {
	a.t.Helper()
	r := a.f.as(as).Do(method, path, body)
	expect(a.t, r, status, code, fields...)
	a.bodies = append(a.bodies, method+" "+path+" as "+as+": "+r.Body)
	return r.JSON(a.t)
}

// app sends a request answered with {"application": …} and returns it.
func (a *aidRun) app(as, method, path string, body any, status int) map[string]any {
	a.t.Helper()
	x, ok := a.do(as, method, path, body, status, "")["application"].(map[string]any)
	if !ok {
		a.t.Fatalf("%s %s: no application", method, path)
	}
	return x
}

func (a *aidRun) aidRows(table string) int {
	return a.f.count(`SELECT COUNT(*) FROM ` + table)
}

// state counts what a refused request must leave alone.
func (a *aidRun) state() string {
	return fmt.Sprintf("apps=%d steps=%d grants=%d cycles=%d quotas=%d v=%d", a.aidRows("aid_applications"), a.aidRows("aid_steps"),
		a.aidRows("aid_grants"), a.aidRows("aid_cycles"), a.aidRows("aid_quotas"),
		a.f.count(`SELECT COALESCE(SUM(version), 0) FROM aid_applications`)+a.f.count(`SELECT COALESCE(SUM(version), 0) FROM aid_programmes`))
}

// TestAidAPI is the aid API end to end on both databases: a 两癌
// application entered by a village staffer goes up four levels with one
// return; bad input, duplicates, refusals and reveals without a reason
// change nothing; a district outside the subtree sees none of it;
// administrators are refused everywhere; no list, show, step or
// statistics response contains the personal data in the clear.
func TestAidAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		a := &aidRun{t: t, f: f}
		year := time.Now().In(db.Shanghai).Year()

		// The city opens the year and gives 道里区 a quota.
		cyc := a.do("city.leader", "POST", "/api/v1/aid/cycles", map[string]any{"programme": "cancer", "year": year, "budget": 5_000_000,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}, 201, "")["cycle"].(map[string]any)
		cycleID := int64(cyc["id"].(float64))
		cycles := "/api/v1/aid/cycles/" + itoa(cycleID)
		a.do("city.leader", "POST", "/api/v1/aid/cycles", map[string]any{"programme": "cancer", "year": year, "budget": 6_000_000,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}, 200, "")
		a.do("daoli.leader", "POST", "/api/v1/aid/cycles", map[string]any{"programme": "cancer", "year": year, "budget": 1,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}, 403, "forbidden")
		q := a.do("city.leader", "PUT", cycles+"/quotas/230102", map[string]any{"quota": 2}, 200, "")["quota"].(map[string]any)
		if q["org_code"] != "230102" || q["quota"] != 2.0 {
			t.Fatalf("quota: %v", q)
		}
		a.do("city.leader", "PUT", cycles+"/quotas/230102001", map[string]any{"quota": 2}, 422, "invalid", "district")
		a.do("daoli.leader", "PUT", cycles+"/quotas/230102", map[string]any{"quota": 9}, 403, "forbidden")
		if got := a.do("daoli.staff", "GET", cycles, nil, 200, ""); len(got["quotas"].([]any)) != 1 {
			t.Fatalf("道里 sees quotas of other districts: %v", got["quotas"])
		}

		// Entry: a bad check digit, then the real one.
		before := a.state()
		bad := aidCanaryID[:17] + map[bool]string{true: "0", false: "1"}[aidCanaryID[17] != '0']
		a.do("village.staff", "POST", "/api/v1/aid/applications", aidCancer(bad), 422, "invalid", "id_number")
		if a.state() != before {
			t.Fatal("bad input changed the aid tables")
		}
		x := a.app("village.staff", "POST", "/api/v1/aid/applications", aidCancer(aidCanaryID), 201)
		id := itoa(int64(x["id"].(float64)))
		path := "/api/v1/aid/applications/" + id
		if x["status"] != "draft" || x["level"] != "village" || x["name_masked"] != "金**" || x["phone_masked"] != "139****5678" ||
			x["id_number_masked"] != aidCanaryID[:6]+"********"+aidCanaryID[14:] || x["sex"] != "F" || x["amount"] != 1_000_000.0 {
			t.Fatalf("created: %v", x)
		}
		// The same person again, from the street: a duplicate naming no one.
		before = a.state()
		a.do("street.staff", "POST", "/api/v1/aid/applications", aidCancer(aidCanaryID), 409, "duplicate", "id_number")
		if a.state() != before {
			t.Fatal("a refused duplicate changed the aid tables")
		}

		// Up four levels with one return.
		ver := func(x map[string]any) int { return int(x["version"].(float64)) }
		decide := func(as string, x map[string]any, decision, reason string) map[string]any {
			t.Helper()
			return a.app(as, "POST", path+"/decide", map[string]any{"decision": decision, "reason": reason, "version": ver(x)}, 200)
		}
		a.attach("village.staff", path)
		x = a.app("village.staff", "POST", path+"/submit", map[string]any{"version": ver(x)}, 200)
		if x["status"] != "reviewing" || x["level"] != "street" {
			t.Fatalf("submitted: %v", x)
		}
		a.do("daoli.staff", "POST", path+"/decide", map[string]any{"decision": "pass", "version": ver(x)}, 403, "forbidden")
		x = decide("street.staff", x, "pass", "")
		before = a.state()
		a.do("daoli.staff", "POST", path+"/decide", map[string]any{"decision": "return", "version": ver(x)}, 422, "invalid", "reason")
		a.do("daoli.staff", "POST", path+"/decide", map[string]any{"decision": "maybe", "version": ver(x)}, 422, "invalid", "decision")
		if a.state() != before {
			t.Fatal("a refused decision changed the aid tables")
		}
		x = decide("daoli.staff", x, "return", "诊断证明不清晰，请补充")
		if x["status"] != "returned" || x["level"] != "village" {
			t.Fatalf("returned: %v", x)
		}
		x = a.app("village.staff", "PUT", path, map[string]any{"household": "dibao", "phone": "13812345678", "medical_consent": true,
			"version": ver(x)}, 200)
		if x["phone_masked"] != "138****5678" || x["name_masked"] != "金**" {
			t.Fatalf("updated: %v", x)
		}
		x = a.app("village.staff", "POST", path+"/submit", map[string]any{"version": ver(x)}, 200)
		x = decide("street.staff", x, "pass", "")
		x = decide("daoli.leader", x, "pass", "")
		a.do("city.staff", "POST", path+"/decide", map[string]any{"decision": "pass", "version": ver(x)}, 403, "forbidden")
		x = decide("city.leader", x, "pass", "")
		if x["status"] != "approved" || x["closed_at"] == nil {
			t.Fatalf("approved: %v", x)
		}
		var got []string
		for _, s := range items(t, a.f.as("village.staff").Do("GET", path+"/steps", nil)) {
			got = append(got, fmt.Sprint(s["level"], ":", s["decision"]))
		}
		if want := "village:submit street:pass district:return village:submit street:pass district:pass city:approve"; strings.Join(got, " ") != want {
			t.Fatalf("steps: %v", got)
		}
		a.do("village.staff", "GET", path+"/steps", nil, 200, "")

		// Lists, show and statistics: masked, in scope.
		list := a.do("city.leader", "GET", "/api/v1/aid/applications?programme=cancer&status=approved&year="+itoa(int64(year)), nil, 200, "")
		if list["total"] != 1.0 || list["items"].([]any)[0].(map[string]any)["id_number_masked"] != x["id_number_masked"] {
			t.Fatalf("city list: %v", list)
		}
		a.do("village.staff", "GET", "/api/v1/aid/applications", nil, 200, "")
		a.do("daoli.staff", "GET", "/api/v1/aid/applications?under=230102001&todo=1", nil, 200, "")
		a.do("daoli.staff", "GET", "/api/v1/aid/applications?status=nonsense", nil, 422, "invalid", "status")
		a.do("daoli.staff", "GET", path, nil, 200, "")
		st := a.do("city.staff", "GET", "/api/v1/aid/stats?year="+itoa(int64(year)), nil, 200, "")
		if tot := st["total"].(map[string]any)["all"].(map[string]any); tot["total"] != 1.0 || tot["approved_amount"] != 1_000_000.0 {
			t.Fatalf("stats total: %v", tot)
		}
		a.do("daoli.leader", "GET", "/api/v1/aid/stats?under=230102001", nil, 200, "")
		a.do("village.staff", "GET", "/api/v1/aid/programmes", nil, 200, "")
		a.do("village.staff", "GET", "/api/v1/aid/programmes/cancer", nil, 200, "")
		a.do("village.staff", "GET", "/api/v1/aid/programmes/nothing", nil, 404, "not_found")
		a.do("village.staff", "GET", "/api/v1/aid/cycles?programme=cancer", nil, 200, "")

		// 南岗区 is outside the subtree: nothing at all.
		for _, p := range []string{path, path + "/steps", "/api/v1/aid/applications?under=230102", "/api/v1/aid/stats?under=230102"} {
			a.do("nangang.leader", "GET", p, nil, 404, "not_found")
		}
		a.do("nangang.leader", "POST", path+"/reveal", map[string]any{"reason": "核实身份信息"}, 404, "not_found")
		a.do("nangang.leader", "POST", path+"/decide", map[string]any{"decision": "pass", "version": ver(x)}, 404, "not_found")
		if l := a.do("nangang.leader", "GET", "/api/v1/aid/applications", nil, 200, ""); l["total"] != 0.0 || len(l["items"].([]any)) != 0 {
			t.Fatalf("南岗 lists: %v", l)
		}
		if st := a.do("nangang.leader", "GET", "/api/v1/aid/stats", nil, 200, ""); st["total"].(map[string]any)["all"].(map[string]any)["total"] != 0.0 {
			t.Fatalf("南岗 stats: %v", st["total"])
		}

		// Reveal: staff may not; a leader needs a reason; with one it is
		// opened, uncached and audited.
		a.f.as("daoli.leader") // signed in already: the sign-in is no reveal event
		events := a.f.count(`SELECT COUNT(*) FROM audit_events`)
		a.do("daoli.leader", "POST", path+"/reveal", map[string]any{"reason": " "}, 422, "invalid", "reason")
		a.do("daoli.leader", "POST", path+"/reveal", map[string]any{}, 422, "invalid", "reason")
		if n := a.f.count(`SELECT COUNT(*) FROM audit_events`); n != events {
			t.Fatalf("a reveal without a reason was audited: %d → %d events", events, n)
		}
		a.do("daoli.staff", "POST", path+"/reveal", map[string]any{"reason": "核实身份信息"}, 403, "forbidden")
		if n := a.f.count(`SELECT COUNT(*) FROM audit_events WHERE action = ?`, "aid.reveal"); n != 0 {
			t.Fatalf("refused reveals audited as reveals: %d", n)
		}
		r := a.f.as("daoli.leader").Do("POST", path+"/reveal", map[string]any{"reason": "核实身份信息"})
		expect(t, r, 200, "")
		if p := r.JSON(t)["personal"].(map[string]any); p["id_number"] != aidCanaryID || p["name"] != aidCanaryName ||
			p["phone"] != "13812345678" || p["facts"].(map[string]any)["hospital"] != aidCanaryHospital {
			t.Fatalf("revealed: %s", r.Body)
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Fatalf("reveal Cache-Control %q", cc)
		}
		if n := a.f.count(`SELECT COUNT(*) FROM audit_events WHERE action = ? AND object_id = ?`, "aid.reveal", id); n != 1 {
			t.Fatalf("aid.reveal events: %d", n)
		}

		// Administrators: 403 on every aid endpoint, nothing changed.
		before = a.state()
		for _, admin := range []string{"admin", "secadmin", "auditor"} {
			for _, p := range aidProbes(path, cycles, year, ver(x)) {
				a.do(admin, p.method, p.path, p.body, 403, "forbidden")
			}
		}
		if a.state() != before {
			t.Fatal("administrators changed the aid tables")
		}

		// Canary: no response but the reveal holds personal data in the clear.
		for _, b := range a.bodies {
			for _, c := range aidCanaries {
				if strings.Contains(b, c) {
					t.Errorf("response contains %q: %.300s", c, b)
				}
			}
		}
	})
}

type aidProbe struct {
	method, path string
	body         any
}

// aidProbes is every aid endpoint with a well-formed request.
func aidProbes(app, cycle string, year, version int) []aidProbe {
	return []aidProbe{
		{"GET", "/api/v1/aid/programmes", nil},
		{"GET", "/api/v1/aid/programmes/cancer", nil},
		{"PUT", "/api/v1/aid/programmes/cancer", map[string]any{"name": "两癌救助", "amount": 1, "retention_days": 1825, "version": 1}},
		{"GET", "/api/v1/aid/cycles", nil},
		{"POST", "/api/v1/aid/cycles", map[string]any{"programme": "cancer", "year": year, "budget": 1,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}},
		{"GET", cycle, nil},
		{"GET", cycle + "/quotas", nil},
		{"PUT", cycle + "/quotas/230102", map[string]any{"quota": 9}},
		{"GET", "/api/v1/aid/applications", nil},
		{"POST", "/api/v1/aid/applications", aidCancer(aidID("23010219680705004"))},
		{"GET", app, nil},
		{"PUT", app, map[string]any{"household": "dibao", "medical_consent": true, "version": version}},
		{"POST", app + "/submit", map[string]any{"version": version}},
		{"POST", app + "/decide", map[string]any{"decision": "pass", "version": version}},
		{"GET", app + "/steps", nil},
		{"POST", app + "/reveal", map[string]any{"reason": "核实身份信息"}},
		{"GET", app + "/documents", nil},
		{"GET", app + "/documents/1", nil},
		{"DELETE", app + "/documents/1", nil},
		{"GET", "/api/v1/aid/stats", nil},
	}
}

// TestAidProgrammeAPI: only the city leader configures a programme; bad
// input and stale versions change nothing; the settings round-trip.
func TestAidProgrammeAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		a := &aidRun{t: t, f: f}
		const path = "/api/v1/aid/programmes/cancer"
		got := a.do("city.staff", "GET", "/api/v1/aid/programmes", nil, 200, "")
		if n := len(got["items"].([]any)); n != 5 || len(got["households"].([]any)) == 0 {
			t.Fatalf("programmes: %d %v", n, got)
		}
		p := a.do("city.leader", "GET", path, nil, 200, "")["programme"].(map[string]any)
		body := func(amount, retention any, version any) map[string]any {
			return map[string]any{"name": p["name"], "amount": amount, "once_per_life": p["once_per_life"], "rules": p["rules"],
				"documents": p["documents"], "retention_days": retention, "active": true, "version": version}
		}
		before := a.state()
		a.do("daoli.leader", "PUT", path, body(2_000_000, 1825, p["version"]), 403, "forbidden")
		a.do("city.staff", "PUT", path, body(2_000_000, 1825, p["version"]), 403, "forbidden")
		a.do("city.leader", "PUT", path, body(2_000_000, 1, p["version"]), 422, "invalid", "retention_days")
		a.do("city.leader", "PUT", path, body(2_000_000, 1825, 99), 409, "stale")
		a.do("city.leader", "PUT", "/api/v1/aid/programmes/nothing", body(2_000_000, 1825, 1), 404, "not_found")
		a.do("city.leader", "PUT", path, `{"name": "两癌救助", "colour": "red"}`, 400, "invalid_json")
		if a.state() != before {
			t.Fatal("refused programme changes changed the aid tables")
		}
		q := a.do("city.leader", "PUT", path, body(2_000_000, 3650, p["version"]), 200, "")["programme"].(map[string]any)
		if q["amount"] != 2_000_000.0 || q["amount_yuan"] != "20000.00" || q["retention_days"] != 3650.0 ||
			q["version"] != p["version"].(float64)+1 || fmt.Sprint(q["rules"]) != fmt.Sprint(p["rules"]) {
			t.Fatalf("updated: %v", q)
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_events WHERE action = ?`, "aid.programme.update"); n != 1 {
			t.Fatalf("aid.programme.update events: %d", n)
		}
		a.do("city.leader", "DELETE", path, nil, 405, "method_not_allowed")
		a.do("city.leader", "GET", "/api/v1/aid/applications?year=1999", nil, 422, "invalid", "year")
	})
}
