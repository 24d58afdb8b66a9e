package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/xuri/excelize/v2"

	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

var studyPNG = testfx.Photo

func studyForm(topic, day, participants, docID string) url.Values {
	return url.Values{"kind": {"study"}, "held_on": {day}, "topic": {topic}, "doc_id": {docID}, "place": {"妇联会议室"},
		"speaker": {"主讲人"}, "participants": {participants}, "summary": {"传达学习会议精神，交流学习体会。"}}
}

// TestStudyLoop: a street records an activity about the city's notice
// with a photo (bad input is refused beside its fields and stores
// nothing); the city sees it in the feed, the export and the statistics
// under 道里区; another district and the administrators do not; 道里区
// counts its own activities in its report and the numbers are filled.
func TestStudyLoop(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		l := issueNotice(t, app, false)
		today := shanghaiDay(0)
		street := signIn(t, app, "street.staff")

		page := street.get("/study/new", http.StatusOK)
		must(t, page, `name="topic"`, `<option value="`+l.docID+`"`, `name="photos"`)

		bad := studyForm("", shanghaiDay(1), "0", l.docID)
		r := street.upload("/study", "photos", "合影.png", []byte("only text"), bad)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %d\n%s", r.Status, excerpt(r.Body))
		}
		must(t, r.Body, "请填写学习主题", "活动日期不能晚于今天", "参加人数应为大于 0 的整数", `aria-invalid="true"`)
		r = street.upload("/study", "photos", "合影.png", []byte("only text"), studyForm("学习群团工作会议精神", today, "36", l.docID))
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad photo: %d", r.Status)
		}
		must(t, r.Body, "内容与扩展名不符", `id="f-photos-error"`, `value="学习群团工作会议精神"`)
		if n := count(t, d, `SELECT COUNT(*) FROM study_activities`) + count(t, d, `SELECT COUNT(*) FROM files`); n != 0 {
			t.Fatalf("refused forms stored %d rows", n)
		}

		r = street.upload("/study", "photos", "合影.png", studyPNG, studyForm("学习群团工作会议精神", today, "36", l.docID))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create: %d\n%s", r.Status, excerpt(r.Body))
		}
		path := r.Header.Get("Location")
		id := idAfter(t, path, "/study/")
		page = street.get(path, http.StatusOK)
		must(t, page, "学习活动已登记", "学习群团工作会议精神", "36 人", "哈尔滨市妇联关于", `<img src="/study/`+id+`/photos/`)
		photo := regexp.MustCompile(`/study/\d+/photos/\d+`).FindString(page)
		if got := street.c.Do("GET", photo, nil); got.Status != 200 || got.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("photo: %d %s", got.Status, got.Header.Get("Content-Type"))
		}

		city := signIn(t, app, "city.staff")
		page = city.get("/study", http.StatusOK)
		must(t, page, "学习群团工作会议精神", "专题学习", `id="study-`+id+`"`)
		page = city.get("/study?kind=seminar", http.StatusOK)
		mustNot(t, page, `id="study-`+id+`"`)
		city.get("/study?month=2015-13", http.StatusUnprocessableEntity)
		page = city.get("/study/stats", http.StatusOK)
		must(t, page, `id="row-230102"`, `data-chart="`)
		if m := regexp.MustCompile(`id="row-230102">\s*<td><a href="[^"]*">道里区[^<]*</a></td>\s*<td class="num">(\d+)</td>`).FindStringSubmatch(page); m == nil || m[1] != "1" {
			t.Fatalf("道里区 row: %v\n%s", m, excerpt(page))
		}
		x := city.c.Do("GET", "/study/export.xlsx?under=230102", nil)
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("学习动态")
		if len(rows) != 2 || rows[1][4] != "学习群团工作会议精神" {
			t.Fatalf("export rows %v", rows)
		}
		if got := city.c.Do("GET", "/study/stats.xlsx", nil); got.Status != 200 {
			t.Fatalf("stats export: %d", got.Status)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action IN ('study.export', 'study.stats_export')`); n != 2 {
			t.Fatalf("exports audited: %d", n)
		}

		// Another district and the administrators see nothing of it.
		nangang := signIn(t, app, "nangang.leader")
		nangang.get(path, http.StatusNotFound)
		nangang.get(photo, http.StatusNotFound)
		mustNot(t, nangang.get("/study", http.StatusOK), "学习群团工作会议精神")
		must(t, nangang.get("/study?under=230102", http.StatusUnprocessableEntity), "不在本单位范围内")
		nangang.get("/study/stats?under=230102", http.StatusNotFound)
		admin := app.Client(t)
		admin.LoginAdmin("admin")
		refusedPage(t, "admin feed", admin.Do("GET", "/study", nil), http.StatusForbidden, pageDenied)
		// Only the street edits it.
		daoli := signIn(t, app, "daoli.staff")
		daoli.refused("GET", path+"/edit", nil, http.StatusForbidden, "只能修改本单位登记的学习活动")
		edit := studyForm("学习群团工作会议精神（修订）", today, "40", l.docID)
		edit.Set("version", "1")
		must(t, street.post(path+"/edit", edit, http.StatusSeeOther), "已保存", "（修订）", "40 人")
		must(t, street.post(path+"/edit", edit, http.StatusSeeOther), "flash-error", "刚被他人修改")

		// 道里区 counts its own activities in its report.
		r = daoli.upload("/study", "photos", "", nil, studyForm("区妇联党组专题学习", today, "52", l.docID))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("daoli create: %d\n%s", r.Status, excerpt(r.Body))
		}
		own := idAfter(t, r.Header.Get("Location"), "/study/")
		rep := reportOf(t, daoli, l.docID)
		page = daoli.get(rep, http.StatusOK)
		must(t, page, `id="study"`, `name="activity" value="`+own+`"`)
		mustNot(t, page, `name="activity" value="`+id+`"`) // the street's is not 道里区's own
		page = daoli.post(rep+"/study", url.Values{"activity": {own}}, http.StatusSeeOther)
		must(t, page, "已计入 1 项学习活动（52 人次）", `name="activity" value="`+own+`" checked`, `value="52"`)
		page = daoli.post(rep+"/study", url.Values{"activity": {id}}, http.StatusSeeOther)
		must(t, page, "flash-error", "只能选择本单位")
		nangang.post(rep+"/study", url.Values{"activity": {own}}, http.StatusNotFound)
	})
}
