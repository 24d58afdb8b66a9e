package api_test

import (
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/testapp"
	"halfsky/internal/testfx"
)

var apiPNG = testfx.Photo

func activity(topic, day string, participants int, docID any) map[string]any {
	return map[string]any{"kind": "study", "held_on": day, "topic": topic, "doc_id": docID, "place": "妇联会议室",
		"speaker": "主讲人", "participants": participants, "summary": "传达学习会议精神。"}
}

// studyState fingerprints the study tables a refused request must leave
// alone.
func (f *fixture) studyState() [3]int {
	return [3]int{f.count(`SELECT COUNT(*) FROM study_activities`), f.count(`SELECT COUNT(*) FROM study_photos`),
		f.count(`SELECT COUNT(*) FROM report_study`)}
}

// TestStudyAPI: recording (bad input refused field by field, nothing
// stored), reading in scope (a foreign district gets 404, the
// administrators 403), editing with the version guard, the feed's
// filters, statistics, and counting activities in a 督办 report.
func TestStudyAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user("city.reviewer", "赵敏（办公室）", "2301", access.Staff)
		now := time.Now()
		docID, _ := issueNotice(t, f, now)
		doc := int64(0)
		for _, c := range docID {
			doc = doc*10 + int64(c-'0')
		}
		today := now.In(shanghaiTZ).Format(time.DateOnly)
		future := now.In(shanghaiTZ).AddDate(0, 0, 2).Format(time.DateOnly)
		withPhoto := func(m map[string]any, data []byte) map[string]any {
			return with(m, "photos", []map[string]any{{"name": "合影.png", "data": data}})
		}
		var id, own string
		unchanged := func(t *testing.T, f *fixture, r testapp.Response) {
			if s := f.studyState(); s != [3]int{} {
				t.Errorf("refused request stored %v", s)
			}
		}
		f.run(t, []scenario{
			{name: "bad input", as: "street.staff", method: "POST", path: "/api/v1/study", body: activity(" ", future, 0, nil),
				status: 422, code: "invalid", fields: []string{"topic", "held_on", "participants"}, check: unchanged},
			{name: "not a photo", as: "street.staff", method: "POST", path: "/api/v1/study",
				body: withPhoto(activity("学习群团工作会议精神", today, 36, nil), []byte("text")), status: 422, fields: []string{"photos"}, check: unchanged},
			{name: "a document never received", as: "street.staff", method: "POST", path: "/api/v1/study",
				body: activity("学习群团工作会议精神", today, 36, 99999), status: 422, fields: []string{"doc_id"}, check: unchanged},
			{name: "participants as text", as: "street.staff", method: "POST", path: "/api/v1/study",
				body: with(activity("学习", today, 1, nil), "participants", "三十"), status: 422, fields: []string{"participants"}, check: unchanged},
			{name: "admin records", as: "admin", method: "POST", path: "/api/v1/study", body: activity("学习", today, 10, nil),
				status: 403, code: "forbidden", check: unchanged},
			{name: "street records", as: "street.staff", method: "POST", path: "/api/v1/study",
				body: withPhoto(activity("学习群团工作会议精神", today, 36, doc), apiPNG), status: 201,
				has:   []string{`"photo_count":1`, `"org_code":"230102001"`, `"kind_label":"专题学习"`, `"doc_number":"哈妇发〔`},
				check: func(t *testing.T, f *fixture, r testapp.Response) { id = itoa(int64(r.JSON(t)["id"].(float64))) }},
		})
		one := "/api/v1/study/" + id
		f.run(t, []scenario{
			{name: "district reads", as: "daoli.staff", method: "GET", path: one, status: 200, has: []string{`"photos":[{`, `"url":"/study/` + id}},
			{name: "foreign district", as: "nangang.leader", method: "GET", path: one, status: 404, code: "not_found"},
			{name: "auditor", as: "auditor", method: "GET", path: one, status: 403, code: "forbidden"},
			{name: "feed", as: "city.staff", method: "GET", path: "/api/v1/study?under=230102&kind=study&q=群团", status: 200,
				has: []string{`"total":1`, "学习群团工作会议精神"}},
			{name: "feed of another kind", as: "city.staff", method: "GET", path: "/api/v1/study?kind=seminar", status: 200, has: []string{`"total":0`}},
			{name: "feed of a foreign unit", as: "nangang.leader", method: "GET", path: "/api/v1/study?under=230102", status: 404},
			{name: "feed bad month", as: "city.staff", method: "GET", path: "/api/v1/study?month=2015-13", status: 422, fields: []string{"month"}},
			{name: "admin feed", as: "admin", method: "GET", path: "/api/v1/study", status: 403},
			{name: "district edits the street's", as: "daoli.staff", method: "PUT", path: one,
				body: with(activity("改", today, 40, nil), "version", 1), status: 403},
			{name: "street edits", as: "street.staff", method: "PUT", path: one,
				body: with(activity("学习群团工作会议精神（修订）", today, 40, doc), "version", 1), status: 200, has: []string{`"version":2`, `"participants":40`}},
			{name: "stale edit", as: "street.staff", method: "PUT", path: one,
				body: with(activity("旧稿", today, 40, doc), "version", 1), status: 409, code: "changed"},
			{name: "stats", as: "city.staff", method: "GET", path: "/api/v1/study/stats", status: 200,
				has: []string{`"org_code":"230102","org_name":"道里区妇联","self":false,"activities":1,"participants":40`}},
			{name: "stats of a foreign unit", as: "nangang.leader", method: "GET", path: "/api/v1/study/stats?under=230102", status: 404},
			{name: "stats bad year", as: "city.staff", method: "GET", path: "/api/v1/study/stats?year=1900", status: 422, fields: []string{"year"}},
			{name: "linkable documents", as: "village.staff", method: "GET", path: "/api/v1/study/docs", status: 200, has: []string{`"id":` + docID}},
			{name: "district records", as: "daoli.staff", method: "POST", path: "/api/v1/study", body: activity("区妇联党组专题学习", today, 52, doc),
				status: 201, check: func(t *testing.T, f *fixture, r testapp.Response) { own = itoa(int64(r.JSON(t)["id"].(float64))) }},
		})

		var rid string
		for _, it := range items(t, f.as("daoli.staff").Do("GET", "/api/v1/reports/todo", nil)) {
			if itoa(int64(it["doc_id"].(float64))) == docID {
				rid = itoa(int64(it["id"].(float64)))
			}
		}
		attach := "/api/v1/reports/" + rid + "/study"
		ids := func(s ...string) map[string]any {
			out := []int64{}
			for _, x := range s {
				var n int64
				for _, c := range x {
					n = n*10 + int64(c-'0')
				}
				out = append(out, n)
			}
			return map[string]any{"activity_ids": out}
		}
		f.run(t, []scenario{
			{name: "another unit's activity", as: "daoli.staff", method: "POST", path: attach, body: ids(id), status: 422, fields: []string{"activities"}},
			{name: "foreign district attaches", as: "nangang.leader", method: "POST", path: attach, body: ids(own), status: 404},
			{name: "admin attaches", as: "admin", method: "POST", path: attach, body: ids(own), status: 403},
			{name: "attach", as: "daoli.staff", method: "POST", path: attach, body: ids(own), status: 200,
				has: []string{`"sessions":1`, `"participants":52`, `"attached":[` + own + `]`, `"people":52`}},
			{name: "report numbers", as: "daoli.staff", method: "GET", path: "/api/v1/reports/" + rid, status: 200,
				has: []string{`"sessions":1`, `"people":52`}},
			{name: "issuer sees what was counted", as: "city.staff", method: "GET", path: attach, status: 200,
				has: []string{`"can_attach":false`, "区妇联党组专题学习"}},
		})
	})
}
