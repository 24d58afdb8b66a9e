package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"halfsky/internal/db"
	"halfsky/internal/idcard"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// aidID completes 17 digits with their GB 11643 check character.
func aidID(first17 string) string { return first17 + string(idcard.CheckChar(first17)) }

// A woman of 道里区 born 1972-05-09; the values are canaries: they must
// never show in a list, an export or a page that was not a reveal.
var (
	aidCanaryID   = aidID("23010219720509004")
	aidCanaryName = "白桦林秀兰"
)

func aidForm(name, id string) url.Values {
	return url.Values{"programme": {"cancer"}, "name": {name}, "id_number": {id}, "phone": {"13912345678"},
		"address": {"道里区安静街 8 号"}, "household": {"dibao"}, "fact_diagnosis": {"breast_invasive"}, "fact_stage": {"II"},
		"fact_hospital": {"哈医大二院"}, "medical_consent": {"1"}}
}

// aidOpenCycle opens this year's 两癌救助 through the city leader's page.
func aidOpenCycle(t *testing.T, city *ui) {
	t.Helper()
	y := thisYear()
	must(t, city.post("/aid/cycles", url.Values{"programme": {"cancer"}, "year": {y}, "budget": {"50000"},
		"opens_on": {y + "-01-01"}, "closes_on": {y + "-12-31"}}, http.StatusSeeOther), "已保存年度预算", "50,000.00")
}

// TestAidPages: through the pages, the city opens the year; a village
// staffer's bad check digit is refused beside the field and changes
// nothing; the application is entered, a duplicate refused beside the ID
// field; lists and exports are masked; a reveal without a reason is
// refused and with one opens the values, unstored; 南岗 gets 404 for all
// of it; the application goes up four levels with one return and is
// approved, and the roll-up counts it.
func TestAidPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		village, street, district := signIn(t, app, "village.staff"), signIn(t, app, "street.staff"), signIn(t, app, "daoli.staff")
		city, nangang := signIn(t, app, "city.leader"), signIn(t, app, "nangang.leader")

		// Only the city leader sets budgets and programmes.
		must(t, district.get("/aid/cycles", http.StatusOK), "年度预算与名额")
		mustNot(t, district.get("/aid/cycles", http.StatusOK), `id="cycle-form"`)
		district.post("/aid/cycles", url.Values{"programme": {"cancer"}}, http.StatusForbidden)
		// Before the year is open, the form says so at its top.
		must(t, village.post("/aid", aidForm(aidCanaryName, aidCanaryID), http.StatusUnprocessableEntity), `id="programme-error"`, "尚未开放申请")
		aidOpenCycle(t, city)
		must(t, city.get("/aid/programmes", http.StatusOK), `id="programme-form-cancer"`, "医院诊断证明")

		// The list offers 新建申请 to the collecting units only.
		must(t, village.get("/aid", http.StatusOK), `id="new-application"`)
		mustNot(t, district.get("/aid", http.StatusOK), `id="new-application"`)
		form := village.get("/aid/new?programme=cancer", http.StatusOK)
		must(t, form, `id="aid-form"`, `id="f-fact_diagnosis"`, "浸润性乳腺癌", `id="f-medical_consent"`, `id="f-guardian_consent"`)
		visitPageClean(t, form)

		bad := aidForm(aidCanaryName, aidCanaryID[:17]+string("0123456789X"[(strings.IndexByte("0123456789X", aidCanaryID[17])+1)%11]))
		body := village.post("/aid", bad, http.StatusUnprocessableEntity)
		must(t, body, `id="f-id_number-error"`, "身份证号码校验位不对")
		noConsent := aidForm(aidCanaryName, aidCanaryID)
		noConsent.Del("medical_consent")
		must(t, village.post("/aid", noConsent, http.StatusUnprocessableEntity), `id="f-medical_consent-error"`)
		// A girl of 14 needs her guardian's consent.
		minor := aidForm("白小雪", aidID("23010220120304002"))
		must(t, village.post("/aid", minor, http.StatusUnprocessableEntity), `id="f-guardian_consent-error"`, "未成年人须有监护人同意",
			`id="f-guardian_name-error"`)
		if n := count(t, d, `SELECT COUNT(*) FROM aid_applications`); n != 0 {
			t.Fatalf("%d applications after bad input", n)
		}

		loc := village.postLocation("/aid", aidForm(aidCanaryName, aidCanaryID))
		id := idAfter(t, loc, "/aid/")
		path := "/aid/" + id
		page := village.get(path, http.StatusOK)
		must(t, page, "待提交", "白**", aidCanaryID[:6]+"********"+aidCanaryID[14:], `id="submit-form"`)
		mustNot(t, page, aidCanaryName, aidCanaryID, "哈医大二院", `id="reveal-form"`)
		visitPageClean(t, page)
		// The same person again: refused beside the ID field.
		must(t, street.post("/aid", aidForm("白桦林", aidCanaryID), http.StatusUnprocessableEntity), `id="f-id_number-error"`, "该身份证号已登记过同类救助，请联系")

		// Lists and the export are masked; 南岗 sees none of it.
		for _, u := range []*ui{village, district, city} {
			list := u.get("/aid", http.StatusOK)
			must(t, list, `id="application-`+id+`"`, "白**")
			mustNot(t, list, aidCanaryName, aidCanaryID)
		}
		rows := xlsxRows(t, city, "/aid/export.xlsx?programme=cancer")
		if len(rows) != 2 || !strings.Contains(strings.Join(rows[1], "|"), "白**") || strings.Contains(strings.Join(rows[1], "|"), aidCanaryID) {
			t.Fatalf("export rows %v", rows)
		}
		mustNot(t, nangang.get("/aid", http.StatusOK), `id="application-`+id+`"`)
		nangang.get(path, http.StatusNotFound)
		nangang.post(path+"/reveal", url.Values{"reason": {"核实申请人身份"}}, http.StatusNotFound)
		nangang.get("/aid/stats?under=230102", http.StatusNotFound)
		if rows := xlsxRows(t, nangang, "/aid/export.xlsx"); len(rows) != 1 {
			t.Fatalf("nangang exported %d rows", len(rows)-1)
		}

		// Reveal: refused without a reason, staff may not, a leader with a reason may.
		reveals := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'aid.reveal'`)
		must(t, city.post(path+"/reveal", url.Values{"reason": {" "}}, http.StatusUnprocessableEntity), `id="f-reveal-reason-error"`, "请填写查看原因")
		district.post(path+"/reveal", url.Values{"reason": {"核实申请人身份"}}, http.StatusForbidden)
		r := city.c.Do("POST", path+"/reveal", url.Values{"reason": {"核实申请人身份证复印件"}})
		if r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("reveal: %d %q", r.Status, r.Header.Get("Cache-Control"))
		}
		must(t, r.Body, aidCanaryName, aidCanaryID, "哈医大二院", "浸润性乳腺癌", `id="revealed-note"`)
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'aid.reveal'`); n != reveals+1 {
			t.Fatalf("reveals audited: %d, want %d", n, reveals+1)
		}

		// Up four levels with one return.
		version := func(u *ui) string {
			return aidFind(t, u.get(path, http.StatusOK), `name="version" value="(\d+)"`)
		}
		aidAttach(t, village, path)
		must(t, village.post(path+"/submit", url.Values{"version": {version(village)}}, http.StatusSeeOther), "已提交上级审核", "街道（乡镇）")
		mustNot(t, district.get(path, http.StatusOK), `id="decide-form"`)
		must(t, street.post(path+"/decide", url.Values{"decision": {"pass"}, "version": {version(street)}}, http.StatusSeeOther), "已审核通过")
		must(t, district.post(path+"/decide", url.Values{"decision": {"return"}, "version": {version(district)}}, http.StatusUnprocessableEntity),
			`id="f-decide-reason-error"`, "请填写理由")
		must(t, district.post(path+"/decide", url.Values{"decision": {"return"}, "reason": {"诊断证明不清晰"}, "version": {version(district)}},
			http.StatusSeeOther), "已退回录入单位")
		must(t, village.get(path, http.StatusOK), "申请被退回：诊断证明不清晰", `id="edit-application"`)
		edit := village.get(path+"/edit", http.StatusOK)
		mustNot(t, edit, aidCanaryName, aidCanaryID)
		v := aidFind(t, edit, `name="version" value="(\d+)"`)
		must(t, village.post(path+"/edit", url.Values{"programme": {"cancer"}, "household": {"dibao"}, "version": {v}}, http.StatusUnprocessableEntity),
			"记录诊断等医疗信息须经申请人本人单独同意")
		must(t, village.post(path+"/edit", url.Values{"programme": {"cancer"}, "household": {"dibao"}, "medical_consent": {"1"}, "version": {v}},
			http.StatusSeeOther), "已保存修改")
		must(t, village.post(path+"/submit", url.Values{"version": {version(village)}}, http.StatusSeeOther), "已提交上级审核")
		must(t, street.post(path+"/decide", url.Values{"decision": {"pass"}, "version": {version(street)}}, http.StatusSeeOther), "已审核通过")
		must(t, district.post(path+"/decide", url.Values{"decision": {"pass"}, "version": {version(district)}}, http.StatusSeeOther), "已审核通过")
		must(t, city.get("/aid?todo=1", http.StatusOK), `id="application-`+id+`"`)
		must(t, city.post(path+"/decide", url.Values{"decision": {"pass"}, "version": {version(city)}}, http.StatusSeeOther), "已批准救助", "已批准")

		stats := city.get("/aid/stats", http.StatusOK)
		wantStats(t, stats, map[string]string{"stat-total": "1", "stat-approved": "1", "stat-amount": "10,000.00"})
		must(t, stats, `data-chart="`, `id="unit-230102"`)
		mustNot(t, nangang.get("/aid/stats", http.StatusOK), `id="stat-total"><span class="stat-value">1<`)
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'aid.export'`); n != 2 {
			t.Fatalf("%d export audit events", n)
		}
	})
}

// TestAidPagesRefuseAdministrators: the applications are the business roles'.
func TestAidPagesRefuseAdministrators(t *testing.T) {
	app := testapp.Start(t, testdb.SQLite(t))
	c := app.Client(t)
	c.LoginAdmin("admin")
	for _, p := range []string{"/aid", "/aid/new", "/aid/stats", "/aid/export.xlsx", "/aid/programmes", "/aid/cycles"} {
		refusedPage(t, "GET "+p, c.Do("GET", p, nil), http.StatusForbidden, pageDenied)
	}
}

// aidFind is the first group of re in body.
func aidFind(t *testing.T, body, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in\n%s", re, excerpt(body))
	}
	return m[1]
}

// TestAidSettingsPages: the city leader changes a programme (bad input
// refused beside the field, changing nothing), opens a year and sets a
// district's quota; the district sees the settings without the forms.
func TestAidSettingsPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		city, district := signIn(t, app, "city.leader"), signIn(t, app, "daoli.leader")
		form := url.Values{"name": {"两癌救助"}, "amount": {"12000"}, "retention_days": {"1825"}, "households": {"dibao", "tekun"},
			"facts": {"diagnosis", "hospital"}, "female_only": {"1"}, "medical": {"1"}, "once_per_life": {"1"}, "active": {"1"},
			"diagnoses": {"cervical_iib｜宫颈癌（IIB期及以上）\nbreast_invasive｜浸润性乳腺癌"}, "documents": {"diagnosis 医院诊断证明"},
			"version": {"1"}}
		must(t, city.post("/aid/programmes/cancer/settings", form, http.StatusUnprocessableEntity), `id="f-cancer-documents-error"`, "代码｜名称")
		if n := count(t, d, `SELECT amount FROM aid_programmes WHERE code = 'cancer'`); n != 1_000_000 {
			t.Fatalf("amount %d after bad input", n)
		}
		form.Set("documents", "diagnosis｜医院诊断证明\npoverty|家庭困难证明")
		must(t, city.post("/aid/programmes/cancer/settings", form, http.StatusSeeOther), "已保存项目设置", `value="12000"`)
		if n := count(t, d, `SELECT amount FROM aid_programmes WHERE code = 'cancer'`); n != 1_200_000 {
			t.Fatalf("amount %d after saving", n)
		}
		page := district.get("/aid/programmes", http.StatusOK)
		must(t, page, "12,000.00 元", "家庭困难证明")
		mustNot(t, page, `id="programme-form-cancer"`)
		district.post("/aid/programmes/cancer/settings", form, http.StatusForbidden)

		aidOpenCycle(t, city)
		var cycle string
		if err := d.QueryRow(context.Background(), `SELECT CAST(id AS TEXT) FROM aid_cycles`).Scan(&cycle); err != nil {
			t.Fatal(err)
		}
		quotas := "/aid/cycles/" + cycle + "/quotas"
		must(t, city.post(quotas, url.Values{"org": {"230102"}, "quota": {"-1"}}, http.StatusUnprocessableEntity), `id="f-quota-230102-error"`)
		must(t, city.post(quotas, url.Values{"org": {"230102"}, "quota": {"3"}}, http.StatusSeeOther), "已保存名额", `id="f-quota-230102"`)
		page = district.get(quotas, http.StatusOK)
		must(t, page, `id="quota-230102"`, ">3<")
		mustNot(t, page, `id="quota-230103"`, `id="f-quota-230102"`)
		district.post(quotas, url.Values{"org": {"230102"}, "quota": {"9"}}, http.StatusForbidden)
		visitPageClean(t, page)
	})
}
