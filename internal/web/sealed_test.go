package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// Canary values: each field and file gets its own, so a value shown in
// the wrong place, or stored in the clear anywhere, is caught by name.
const (
	cDocName      = "金丝雀公文附件CANARYDOCNAME.pdf"
	cDocBytes     = "CANARYDOCBYTES"
	cRepName      = "金丝雀报送附件CANARYREPNAME.txt"
	cRepBytes     = "CANARYREPBYTES"
	cStudyName    = "金丝雀合影CANARYSTUDYNAME.png"
	cStudyBytes   = "CANARYSTUDYBYTES"
	cVisitName    = "金丝雀走访CANARYVISITNAME.png"
	cVisitBytes   = "CANARYVISITBYTES"
	cEvidenceName = "金丝雀佐证CANARYEVIDNAME.pdf"
	cEvidBytes    = "CANARYEVIDBYTES"
	cPlace        = "金丝雀社区CANARYPLACE王大姐家"
	cCompanions   = "CANARYCOMPANIONS李主任"
	cNotes        = "CANARYNOTES丈夫长期酗酒"
	cSummary      = "CANARYSUMMARY独居老人需要帮扶"
	cSummary2     = "CANARYSUMMARYTWO留守儿童无人看护"
	cPerson       = "金丝雀秀兰"
	cContact      = "CANARY13912345678"
	cReason       = "CANARYREASON需区妇联协调"
	cReply        = "CANARYREPLY请街道先行处理"
	cTitle        = "CANARYTITLE推荐家政培训"
	cDetail       = "CANARYDETAIL联系区妇联家政班"
	cOwner        = "CANARYOWNER张秀英"
	cResult       = "CANARYRESULT已上岗"
	cDescription  = "CANARYDESC群众反映赵某某干部态度粗暴"
	cMeasures     = "CANARYMEASURES约谈当事干部"
	cResponsible  = "CANARYRESP王丽华"
	cPlan         = "CANARYPLAN每月回访"
	cProgress     = "CANARYPROGRESS已约谈"
	cApply        = "CANARYAPPLY整改完成"
	cReturn       = "CANARYRETURN缺少回访记录"
)

var canaries = []string{cDocName, cDocBytes, cRepName, cRepBytes, cStudyName, cStudyBytes, cVisitName, cVisitBytes,
	cEvidenceName, cEvidBytes, cPlace, cCompanions, cNotes, cSummary, cSummary2, cPerson, cContact, cReason, cReply, cTitle,
	cDetail, cOwner, cResult, cDescription, cMeasures, cResponsible, cPlan, cProgress, cApply, cReturn,
	"金丝雀", "CANARY"}

// contentDisposition is what a download of name must carry (RFC 6266's
// filename* with every byte outside the unreserved set escaped).
func contentDisposition(name string) string {
	var b strings.Builder
	for _, c := range []byte(name) {
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return "filename*=UTF-8''" + b.String()
}

// download fetches the file the page links with its name and checks the
// bytes, the content type and the name it is saved as (a photo shown
// inline has none).
func download(t *testing.T, u *ui, page, linkRE, name, ctype string, data []byte) string {
	t.Helper()
	m := regexp.MustCompile(linkRE).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no link %s for %s\n%s", linkRE, name, excerpt(page))
	}
	r := u.c.Do("GET", m[1], nil)
	if r.Status != http.StatusOK || r.Body != string(data) || r.Header.Get("Content-Type") != ctype ||
		(!strings.HasPrefix(ctype, "image/") && !strings.Contains(r.Header.Get("Content-Disposition"), contentDisposition(name))) {
		t.Fatalf("GET %s: %d %q %q, %d bytes", m[1], r.Status, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"), len(r.Body))
	}
	return m[1]
}

// TestSealedAtRest enters, through the pages, every sealed field and an
// upload of every kind, each with its own canary; reads each back through
// the pages and the API, exactly; and then finds none of them in any row
// of any table, nor (SQLite) in the database file after a checkpoint,
// while a value kept in the clear is found there.
func TestSealedAtRest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		l := issueNotice(t, app, false)
		street, daoli, city := signIn(t, app, "street.staff"), signIn(t, app, "daoli.staff"), signIn(t, app, "city.staff")
		today := shanghaiDay(0)
		pdf := func(s string) []byte { return []byte("%PDF-1.4\n% " + s + "\n%%EOF\n") }
		png := testfx.PhotoWith

		// A document's attachment.
		docPath := "/docs/" + idAfter(t, l.staff.postLocation("/docs", noticeForm()), "/docs/")
		if r := l.staff.upload(docPath+"/files", "file", cDocName, pdf(cDocBytes), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("document attachment: %d\n%s", r.Status, excerpt(r.Body))
		}
		docFile := download(t, l.staff, l.staff.get(docPath, http.StatusOK), `href="(`+docPath+`/files/\d+)">`+regexp.QuoteMeta(cDocName),
			cDocName, "application/pdf", pdf(cDocBytes))
		api := l.staff.c.Do("GET", "/api/v1"+docPath+"/files", nil)
		sum := sha256.Sum256(pdf(cDocBytes))
		if api.Status != http.StatusOK || !strings.Contains(api.Body, `"name":"`+cDocName+`"`) || !strings.Contains(api.Body, hex.EncodeToString(sum[:])) {
			t.Fatalf("API file list: %d %s", api.Status, api.Body)
		}
		if r := l.staff.c.Do("GET", "/api/v1"+docFile, nil); r.Status != http.StatusOK || r.Body != string(pdf(cDocBytes)) {
			t.Fatalf("API download: %d", r.Status)
		}

		// A report's attachment.
		daoli.post(l.docPath+"/receive", nil, http.StatusSeeOther)
		report := reportOf(t, daoli, l.docID)
		if r := daoli.upload(report+"/files", "file", cRepName, []byte(cRepBytes+" 会议记录"), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("report attachment: %d\n%s", r.Status, excerpt(r.Body))
		}
		download(t, daoli, daoli.get(report, http.StatusOK), `href="(`+report+`/files/\d+)">`+regexp.QuoteMeta(cRepName),
			cRepName, "text/plain; charset=utf-8", []byte(cRepBytes+" 会议记录"))

		// A study activity's photo.
		r := street.upload("/study", "photos", cStudyName, png(cStudyBytes), studyForm("学习群团工作会议精神", today, "36", l.docID))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("study: %d\n%s", r.Status, excerpt(r.Body))
		}
		study := r.Header.Get("Location")
		download(t, street, street.get(study, http.StatusOK), `<img src="(/study/\d+/photos/\d+)"`, cStudyName, "image/png", png(cStudyBytes))

		// A visit with its photo, a need with a woman's details, a second
		// need handed over and refused, a task made and closed.
		r = street.upload("/visits", "photos", cVisitName, png(cVisitBytes), url.Values{"org_code": {"230102001002"}, "visited_on": {today},
			"place": {cPlace}, "companions": {cCompanions}, "households": {"1"}, "women": {"2"}, "notes": {cNotes}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("visit: %d\n%s", r.Status, excerpt(r.Body))
		}
		visit := r.Header.Get("Location")
		vid := idAfter(t, visit, "/visits/")
		page := street.get(visit, http.StatusOK)
		must(t, page, cPlace, cCompanions, cNotes)
		download(t, street, page, `(/visits/\d+/photos/\d+)`, cVisitName, "image/png", png(cVisitBytes))
		list := street.get("/visits", http.StatusOK)
		must(t, list, cPlace, cCompanions)
		mustNot(t, list, cNotes) // the list shows no notes, and opens none
		for _, q := range []string{"CANARYPLACE", "王大姐", "丈夫长期", street.app.Actor(t, "street.staff").Name} {
			must(t, street.get("/visits?q="+url.QueryEscape(q), http.StatusOK), `id="visit-`+vid+`"`)
		}
		mustNot(t, street.get("/visits?q="+url.QueryEscape("王大娘"), http.StatusOK), `id="visit-`+vid+`"`)

		// A need recorded on a visit leads back to the visit, which links it.
		needOf := func(summary string) string {
			t.Helper()
			m := regexp.MustCompile(`<a href="(/needs/\d+)">` + summary + `</a>`).FindStringSubmatch(street.get(visit, http.StatusOK))
			if m == nil {
				t.Fatalf("the visit does not link the need %s", summary)
			}
			return m[1]
		}
		street.post("/needs", url.Values{"visit_id": {vid}, "category": {"hardship"}, "urgency": {"urgent"},
			"summary": {cSummary}, "consent": {"1"}, "person_name": {cPerson}, "contact": {cContact}}, http.StatusSeeOther)
		need := needOf(cSummary)
		must(t, street.get(need, http.StatusOK), cSummary, cPerson, cContact)
		street.post("/needs", url.Values{"visit_id": {vid}, "category": {"children"}, "urgency": {"normal"}, "summary": {cSummary2}}, http.StatusSeeOther)
		need2 := needOf(cSummary2)
		must(t, street.get("/needs", http.StatusOK), cSummary, cSummary2, "金**")
		street.post(need2+"/handover", url.Values{"to_org_code": {"230102"}, "reason": {cReason}}, http.StatusSeeOther)
		daoli.post(need2+"/refuse", url.Values{"reply": {cReply}}, http.StatusSeeOther)
		must(t, street.get(need2, http.StatusOK), cSummary2, cReason, cReply)

		task := street.postLocation(need+"/task", url.Values{"title": {cTitle}, "detail": {cDetail}, "owner_name": {cOwner},
			"starts_on": {today}, "due_on": {shanghaiDay(2)}})
		street.post(task+"/close", url.Values{"outcome": {"done"}, "result": {cResult}, "feedback": {"satisfied"}}, http.StatusSeeOther)
		must(t, street.get(task, http.StatusOK), cTitle, cDetail, cOwner, cResult)
		tid := idAfter(t, task, "/tasks/")
		list = street.get("/tasks", http.StatusOK)
		must(t, list, cTitle, cOwner)
		mustNot(t, list, cDetail, cResult)
		for _, q := range []string{"家政培训", "CANARYOWNER", "张秀英"} {
			must(t, street.get("/tasks?q="+url.QueryEscape(q), http.StatusOK), `/tasks/`+tid+`"`)
		}
		mustNot(t, street.get("/tasks?q="+url.QueryEscape("家政班"), http.StatusOK), `/tasks/`+tid+`"`) // detail is not searched

		// A problem, its progress with evidence, applied and returned.
		form := problemForm(today, shanghaiDay(40))
		form.Set("description", cDescription)
		form.Set("measures", cMeasures)
		form.Set("responsible", cResponsible)
		form.Set("plan", cPlan)
		problem := daoli.postLocation("/problems", form)
		if r := daoli.upload(problem+"/progress", "files", cEvidenceName, pdf(cEvidBytes), url.Values{"note": {cProgress}}); r.Status != http.StatusSeeOther {
			t.Fatalf("progress: %d\n%s", r.Status, excerpt(r.Body))
		}
		daoli.post(problem+"/apply", url.Values{"note": {cApply}}, http.StatusSeeOther)
		city.post(problem+"/return", url.Values{"reason": {cReturn}}, http.StatusSeeOther)
		page = daoli.get(problem, http.StatusOK)
		must(t, page, cDescription, cMeasures, cResponsible, cPlan, cProgress, cApply, cReturn)
		download(t, daoli, page, `href="(`+problem+`/files/\d+)">`+regexp.QuoteMeta(cEvidenceName), cEvidenceName, "application/pdf", pdf(cEvidBytes))
		list = daoli.get("/problems", http.StatusOK)
		must(t, list, "CANARYDESC")
		mustNot(t, list, cMeasures, cPlan)
		must(t, daoli.get("/", http.StatusOK), "CANARYDESC") // the desk lists the returned item

		// The API gives back every field exactly.
		for path, wants := range map[string][]string{
			"/api/v1/visits/" + vid:                      {cPlace, cCompanions, cNotes},
			"/api/v1/visits?q=CANARYPLACE":               {cPlace, cNotes},
			"/api/v1" + need:                             {cSummary, cPerson, cContact},
			"/api/v1" + need2 + "/handover":              {cReason, cReply},
			"/api/v1" + task:                             {cTitle, cDetail, cOwner, cResult},
			"/api/v1/tasks?q=" + url.QueryEscape(cTitle): {cTitle, cDetail, cResult},
			"/api/v1" + problem:                          {cDescription, cMeasures, cResponsible, cPlan, cReturn, cProgress, cApply, cEvidenceName},
			"/api/v1/problems":                           {cDescription, cMeasures, cResponsible, cPlan, cReturn},
		} {
			u := street
			if strings.Contains(path, "problems") {
				u = daoli
			}
			r := u.c.Do("GET", path, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
			}
			must(t, r.Body, wants...)
		}

		// Nothing of it in the clear in the database. The audit details
		// of doc.attach and report.attach still name the file: that is
		// issue 10's item 7, changed on another branch — remove this
		// exemption when it lands.
		tables := []string{}
		for _, table := range testdb.Tables(t, d) {
			if table != "audit_events" {
				tables = append(tables, table)
			}
		}
		testdb.NoneInTables(t, d, tables, nil, canaries...)
		testdb.EachRow(t, d, `SELECT * FROM audit_events WHERE action NOT IN ('doc.attach', 'report.attach')`, func(vals []string) {
			for _, v := range vals {
				for _, c := range canaries {
					if strings.Contains(v, c) {
						t.Fatalf("audit_events holds %q: %v", c, vals)
					}
				}
			}
		})
		if n := count(t, d, `SELECT COUNT(*) FROM files WHERE name NOT LIKE 'hs1.%' OR sha256 NOT LIKE 'hs1.%' OR chunks < 1 OR LENGTH(data) > 0`); n != 0 {
			t.Fatalf("%d files not sealed", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM files`); n != 5 {
			t.Fatalf("%d files", n)
		}
		if d.Dialect == db.SQLite {
			// Only the audit rows named above hold the names; without
			// them, the file is checked for every canary but those names.
			testdb.NoneInFile(t, d, "哈尔滨市妇女联合会", subtract(canaries, cDocName, cRepName, "金丝雀", "CANARY")...)
		}
	})
}

func subtract(list []string, drop ...string) []string {
	var out []string
	for _, x := range list {
		keep := true
		for _, y := range drop {
			keep = keep && x != y
		}
		if keep {
			out = append(out, x)
		}
	}
	return out
}
