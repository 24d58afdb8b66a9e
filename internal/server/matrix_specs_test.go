package server_test

import (
	"net/url"
	"strings"

	"halfsky/internal/access"
)

// probe is one request the matrix makes of a route, as every actor, and
// who must be refused how.
type probe struct {
	method, path string
	// on names the fixture record the route acts on (w.recs): actors who
	// may not see it are answered outside (404 by default), and writes by
	// actors who may see it but not change it are refused (403).
	on string
	// roles may use the route at all; nil is anyone signed in. public
	// routes need no session.
	roles  []access.Role
	public bool
	// body is sent with writes: a map as JSON, url.Values as a form; file
	// names a multipart upload's field (with form fields from body).
	body any
	file string
	// want pins a status for an actor key ("staff@street"), a role
	// ("staff"), a level ("@village") or "admins"; it overrides the rule.
	want map[string]int
	// outside is the status for actors who may not see the record.
	outside int
	// ok is the status of an allowed request (200 by default); allowed
	// writes, and reads that change state (mutates), are not sent.
	ok      int
	mutates bool
	// form is the page of a write (an edit form): refused like the write.
	form bool
	// flashed are the actors (keys, roles, "@level") a page refuses with a
	// message on the page they came from (303 and an error flash): a rule
	// of the record's, not of who may see it.
	flashed []string
	// code pins the JSON error code of an API refusal.
	code string
	// door marks a route of the public door: its answer must hold no
	// marker of any record and be the same for every actor.
	door bool
	// send makes the matrix send an allowed write too: its body is one the
	// route refuses without a change (a wrong password, a bad field), and
	// ok is that refusal's status.
	send bool
}

var (
	biz         = []access.Role{access.Leader, access.Staff}
	leaders     = []access.Role{access.Leader}
	viewUsers   = []access.Role{access.Sysadmin, access.Secadmin, access.Leader}
	manageUsers = []access.Role{access.Sysadmin, access.Leader}
	secure      = []access.Role{access.Secadmin}
	endSessions = []access.Role{access.Sysadmin, access.Secadmin}
	auditors    = []access.Role{access.Auditor}
)

// form is url.Values from pairs.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

type obj = map[string]any

// specs is the expectation for every route of the route table, by its
// pattern. A route without an entry fails the test, so a new route cannot
// escape the matrix.
func (w *world) specs() map[string][]probe {
	id := w.id
	day := w.today
	doc, draft := "/docs/"+id("doc.issued"), "/docs/"+id("doc.draft")
	adoc, adraft := "/api/v1"+doc, "/api/v1"+draft
	req := doc + "/requirements/" + id("req")
	areq := "/api/v1" + req
	rep, arep := "/reports/"+id("report"), "/api/v1/reports/"+id("report")
	inc := "/incoming/" + id("incoming")
	app, aapp := "/aid/"+id("aid"), "/api/v1/aid/applications/"+id("aid")
	pair, apair := "/aid/"+id("aid.pair"), "/api/v1/aid/applications/"+id("aid.pair")
	noticeBody := obj{"type": "通知", "abbr": "甲街妇发", "title": "越权公文", "recipient_spec": []obj{{"unit": w.id("unit.street")}},
		"body": []string{"越权正文。"}}
	visitBody := obj{"visited_on": day, "households": 1, "women": 500, "place": "越权", "version": 1}
	problemBody := obj{"category": "style", "source": "self", "description": "越权修改", "measures": "改", "responsible": "某",
		"mode": "now", "found_on": day}
	aidBody := obj{"programme": "cancer", "name": "越权录入", "id_number": idNumber("23010219800101002"), "household": "dibao",
		"medical_consent": true, "facts": obj{"diagnosis": "cervical_iib", "stage": "IIIB", "hospital": "某医院"}}

	// help is a help route's status once internal/rights is wired; until
	// then those routes answer 503 (and the JSON ones "unavailable").
	wired := w.helpWired()
	help := func(st int) int {
		if !wired {
			return 503
		}
		return st
	}
	helpCode := func(code string) string {
		if !wired {
			return "unavailable"
		}
		return code
	}
	s := map[string][]probe{
		// Public.
		"GET /healthz":        {{method: "GET", path: "/healthz", public: true}},
		"GET /readyz":         {{method: "GET", path: "/readyz", public: true}},
		"GET /static/":        {{method: "GET", path: w.staticAsset(), public: true}},
		"GET /favicon.ico":    {{method: "GET", path: "/favicon.ico", public: true, ok: 301}},
		"GET /docs/print.css": {{method: "GET", path: "/docs/print.css", public: true}},

		// The public door (internal/publicweb): anyone, signed in or not,
		// gets the one public answer, with no marker of any record (door).
		// Its help routes answer 503 until internal/rights is wired, then
		// refuse these bodies (422, a wrong code's 404) without a change.
		"GET /help":                       {{method: "GET", path: "/help", public: true, door: true, ok: help(200)}},
		"POST /help":                      {{method: "POST", path: "/help", public: true, door: true, body: form("text", "越权求助"), send: true, ok: help(422)}, {method: "POST", path: "/help", public: true, door: true, body: form("step", "place", "district", "230102"), send: true, ok: help(200)}},
		"GET /help/status":                {{method: "GET", path: "/help/status", public: true, door: true, ok: help(200)}},
		"POST /help/status":               {{method: "POST", path: "/help/status", public: true, door: true, body: form("code", "WRONGCODE0"), send: true, ok: help(404)}},
		"GET /n":                          {{method: "GET", path: "/n", public: true, door: true}},
		"GET /public/{file}":              {{method: "GET", path: "/public/public.css", public: true, door: true}},
		"GET /captcha/{file}":             {{method: "GET", path: "/captcha/nosuch.png", public: true, door: true, ok: 404}},
		"GET /api/public/v1/categories":   {{method: "GET", path: "/api/public/v1/categories", public: true, door: true, ok: help(200), code: helpCode("")}},
		"GET /api/public/v1/orgs":         {{method: "GET", path: "/api/public/v1/orgs?parent=230102", public: true, door: true}, {method: "GET", path: "/api/public/v1/orgs?parent=" + id("unit.sibling"), public: true, door: true}},
		"POST /api/public/v1/help":        {{method: "POST", path: "/api/public/v1/help", public: true, door: true, body: obj{"text": "越权求助", "consent": false}, send: true, ok: help(422), code: helpCode("invalid")}},
		"GET /api/public/v1/openapi.json": {{method: "GET", path: "/api/public/v1/openapi.json", public: true, door: true}},
		"GET /api/public/v1/help/{code}":  {{method: "GET", path: "/api/public/v1/help/WRONGCODE0", public: true, door: true, ok: help(404), code: helpCode("not_found")}},

		// Signing in and out.
		"GET /login":       {{method: "GET", path: "/login", public: true, want: map[string]int{"signed": 303}}},
		"POST /login":      {{method: "POST", path: "/login", public: true, body: form("username", "mx.nobody", "password", "wrong-password-1"), send: true, ok: 401}},
		"GET /login/otp":   {{method: "GET", path: "/login/otp", public: true, ok: 303}},
		"POST /login/otp":  {{method: "POST", path: "/login/otp", public: true, body: form("otp", "000000"), send: true, ok: 303}},
		"POST /logout":     {{method: "POST", path: "/logout"}},
		"POST /logout/all": {{method: "POST", path: "/logout/all"}},
		"GET /totp/setup":  {{method: "GET", path: "/totp/setup", mutates: true}},
		"POST /totp/setup": {{method: "POST", path: "/totp/setup", body: form("otp", "000000")}},

		"GET /{$}":        {{method: "GET", path: "/"}},
		"GET /org":        {{method: "GET", path: "/org"}},
		"GET /org/search": {{method: "GET", path: "/org/search?q=" + url.QueryEscape("街道")}},
		"GET /org/{code}": {{method: "GET", path: "/org/" + id("unit.street"), on: "unit.street"}, {method: "GET", path: "/org/" + id("unit.sibling"), on: "unit.sibling"}},

		// Accounts.
		"GET /users":                {{method: "GET", path: "/users", roles: viewUsers}},
		"GET /users/new":            {{method: "GET", path: "/users/new", roles: manageUsers}},
		"POST /users":               {{method: "POST", path: "/users", roles: manageUsers, body: form("username", "mx.new", "display_name", "越权", "password", "a-long-password-1", "org", id("unit.street"), "role", "staff")}},
		"GET /users/{id}":           w.userReads("/users/"),
		"POST /users/{id}/{action}": w.userActions("/users/", true),
		"GET /profile":              {{method: "GET", path: "/profile"}},
		"POST /profile/password":    {{method: "POST", path: "/profile/password", body: form("current", "not-my-password", "password", "a-new-password-77", "confirm", "a-new-password-77"), send: true, ok: 422}},
		"POST /profile/email":       {{method: "POST", path: "/profile/email", body: form("email", "me@example.org")}},
		// Administrators and leaders must keep their second factor.
		"POST /profile/totp/disable": {{method: "POST", path: "/profile/totp/disable", body: form("current", "not-my-password"), send: true, ok: 422,
			flashed: []string{"sysadmin", "secadmin", "auditor", "leader"}}},
		"GET /audit": {{method: "GET", path: "/audit", roles: auditors}},
		// Only who has a second factor has recovery codes to renew.
		"POST /profile/recovery-codes": {{method: "POST", path: "/profile/recovery-codes", body: form("current", "not-my-password", "otp", "000000"), send: true, ok: 422,
			flashed: []string{"leader", "staff"}}},

		// Administrator roles: one administrator asks, another decides.
		"GET /role-requests": {{method: "GET", path: "/role-requests", roles: adminRoleReq}},
		"POST /role-requests/{id}/{action}": {
			{method: "POST", path: "/role-requests/" + id("role.request") + "/approve", on: "role.request", roles: adminRoleReq, flashed: []string{"sysadmin"}},
			{method: "POST", path: "/role-requests/" + id("role.request") + "/reject", on: "role.request", roles: adminRoleReq},
		},
		"POST /api/v1/users/{id}/role-requests": w.roleRequests(),
		"GET /api/v1/role-requests":             {{method: "GET", path: "/api/v1/role-requests", roles: adminRoleReq}},
		"GET /api/v1/role-requests/{id}":        {{method: "GET", path: "/api/v1/role-requests/" + id("role.request"), on: "role.request", roles: adminRoleReq}},
		"POST /api/v1/role-requests/{id}/approve": {{method: "POST", path: "/api/v1/role-requests/" + id("role.request") + "/approve", on: "role.request",
			roles: adminRoleReq, want: map[string]int{"sysadmin": 403}}},
		// The requester may withdraw her own request (reject it).
		"POST /api/v1/role-requests/{id}/reject": {{method: "POST", path: "/api/v1/role-requests/" + id("role.request") + "/reject", on: "role.request",
			roles: adminRoleReq}},

		// 公文.
		"GET /docs":            {{method: "GET", path: "/docs", roles: biz}},
		"GET /docs/new":        {{method: "GET", path: "/docs/new", roles: biz}},
		"POST /docs":           {{method: "POST", path: "/docs", roles: biz, body: form("title", "越权公文")}},
		"GET /docs/import":     {{method: "GET", path: "/docs/import", roles: biz}},
		"POST /docs/import":    {{method: "POST", path: "/docs/import", roles: biz, body: form("text", "越权导入")}},
		"GET /docs/{id}":       {{method: "GET", path: doc, on: "doc.issued", roles: biz}, {method: "GET", path: draft, on: "doc.draft", roles: biz}},
		"GET /docs/{id}/print": {{method: "GET", path: doc + "/print", on: "doc.issued", roles: biz}},
		"GET /docs/{id}/edit":  {{method: "GET", path: draft + "/edit", on: "doc.draft", roles: biz, ok: 303}},
		"POST /docs/{id}/edit": {{method: "POST", path: draft + "/edit", on: "doc.draft", roles: biz, body: form("title", "越权修改")}},
		"POST /docs/{id}/{action}": {
			{method: "POST", path: draft + "/submit", on: "doc.draft", roles: biz},
			{method: "POST", path: draft + "/review", on: "doc.draft", roles: biz, body: form("decision", "return", "note", "越权退回")},
			{method: "POST", path: draft + "/sign", on: "doc.draft", roles: leaders, body: form("opinion", "越权签发")},
			{method: "POST", path: draft + "/issue", on: "doc.draft", roles: biz},
			{method: "POST", path: doc + "/receive", on: "doc.receive", roles: biz, flashed: []string{"@street", "@district", "@city"}},
			{method: "POST", path: doc + "/correct", on: "doc.issued", roles: biz},
		},
		// 收文登记: the unit's own register, nobody else's.
		"GET /incoming":                                 {{method: "GET", path: "/incoming", roles: biz}},
		"GET /incoming/new":                             {{method: "GET", path: "/incoming/new", roles: biz}},
		"POST /incoming":                                {{method: "POST", path: "/incoming", roles: biz, body: form("from_unit", "越权单位", "title", "越权收文")}},
		"GET /incoming/{id}":                            {{method: "GET", path: inc, on: "incoming", roles: biz}, {method: "GET", path: "/incoming/" + id("incoming.sibling"), on: "incoming.sibling", roles: biz}},
		"GET /incoming/{id}/edit":                       {{method: "GET", path: inc + "/edit", on: "incoming", roles: biz, form: true}},
		"POST /incoming/{id}/edit":                      {{method: "POST", path: inc + "/edit", on: "incoming", roles: biz, body: form("version", "1", "from_unit", "越权单位", "title", "越权修改", "received_on", day)}},
		"POST /incoming/{id}/void":                      {{method: "POST", path: inc + "/void", on: "incoming", roles: biz, body: form("reason", "越权作废")}},
		"GET /incoming/{id}/files/{fid}":                {{method: "GET", path: inc + "/files/" + id("incoming.file"), on: "incoming", roles: biz}},
		"GET /api/v1/incoming":                          {{method: "GET", path: "/api/v1/incoming", roles: biz}},
		"POST /api/v1/incoming":                         {{method: "POST", path: "/api/v1/incoming", roles: biz, body: obj{"from_unit": "越权单位", "title": "越权收文"}}},
		"GET /api/v1/incoming/{id}":                     {{method: "GET", path: "/api/v1" + inc, on: "incoming", roles: biz}},
		"PUT /api/v1/incoming/{id}":                     {{method: "PUT", path: "/api/v1" + inc, on: "incoming", roles: biz, body: obj{"version": 1, "from_unit": "越权单位", "title": "越权修改", "received_on": day}}},
		"POST /api/v1/incoming/{id}/void":               {{method: "POST", path: "/api/v1" + inc + "/void", on: "incoming", roles: biz, body: obj{"reason": "越权作废"}}},
		"GET /api/v1/incoming/{id}/files":               {{method: "GET", path: "/api/v1" + inc + "/files", on: "incoming", roles: biz}},
		"GET /api/v1/incoming/{id}/files/{fid}":         {{method: "GET", path: "/api/v1" + inc + "/files/" + id("incoming.file"), on: "incoming", roles: biz}},
		"POST /docs/{id}/files":                         {{method: "POST", path: draft + "/files", on: "doc.draft", roles: biz, file: "file"}},
		"GET /docs/{id}/files/{fid}":                    {{method: "GET", path: doc + "/files/" + id("doc.file"), on: "doc.issued", roles: biz}},
		"POST /docs/{id}/files/{fid}/delete":            {{method: "POST", path: doc + "/files/" + id("doc.file") + "/delete", on: "doc.issued", roles: biz}},
		"POST /docs/{id}/requirements":                  {{method: "POST", path: draft + "/requirements", on: "doc.draft", roles: biz, body: form("title", "越权要求", "due_date", day)}},
		"POST /docs/{id}/requirements/{rid}/delete":     {{method: "POST", path: req + "/delete", on: "req", roles: biz}},
		"GET /docs/{id}/requirements/{rid}":             {{method: "GET", path: req, on: "req.dashboard", roles: biz}},
		"GET /docs/{id}/requirements/{rid}/export.xlsx": {{method: "GET", path: req + "/export.xlsx", on: "req.dashboard", roles: biz}},
		"POST /docs/{id}/requirements/{rid}/urge":       {{method: "POST", path: req + "/urge", on: "req.dashboard", roles: biz}},
		"POST /docs/{id}/requirements/{rid}/reports/{rpid}/{action}": {
			{method: "POST", path: req + "/reports/" + id("report") + "/return", on: "report.decide", roles: biz, body: form("reason", "越权退回")},
			{method: "POST", path: req + "/reports/" + id("report") + "/accept", on: "report.decide", roles: biz},
		},

		// 报送.
		"GET /reports/todo":                     {{method: "GET", path: "/reports/todo", roles: biz}},
		"GET /reports/{id}":                     {{method: "GET", path: rep, on: "report", roles: biz}},
		"POST /reports/{id}":                    {{method: "POST", path: rep, on: "report", roles: biz, body: form("body", "越权改写")}},
		"POST /reports/{id}/extension":          {{method: "POST", path: rep + "/extension", on: "report", roles: biz, body: form("until", day, "reason", "越权延期")}},
		"POST /reports/{id}/files":              {{method: "POST", path: rep + "/files", on: "report", roles: biz, file: "file"}},
		"GET /reports/{id}/files/{fid}":         {{method: "GET", path: rep + "/files/" + id("report.file"), on: "report", roles: biz}},
		"POST /reports/{id}/files/{fid}/delete": {{method: "POST", path: rep + "/files/" + id("report.file") + "/delete", on: "report", roles: biz}},
		"POST /reports/{id}/{action}": {
			{method: "POST", path: rep + "/accept", on: "report.decide", roles: biz},
			{method: "POST", path: rep + "/return", on: "report.decide", roles: biz, body: form("reason", "越权退回")},
		},
		"POST /reports/{id}/study": {{method: "POST", path: rep + "/study", on: "report", roles: biz, body: form("activity", id("study"))}},

		"GET /notices":       {{method: "GET", path: "/notices", roles: biz, mutates: true}},
		"POST /notices/read": {{method: "POST", path: "/notices/read", roles: biz}},

		// 学习.
		"GET /study":                           {{method: "GET", path: "/study", roles: biz}},
		"GET /study/export.xlsx":               {{method: "GET", path: "/study/export.xlsx", roles: biz}},
		"GET /study/stats":                     {{method: "GET", path: "/study/stats", roles: biz}},
		"GET /study/stats.xlsx":                {{method: "GET", path: "/study/stats.xlsx", roles: biz}},
		"GET /study/new":                       {{method: "GET", path: "/study/new", roles: biz}},
		"POST /study":                          {{method: "POST", path: "/study", roles: biz, body: form("topic", "越权学习")}},
		"GET /study/{id}":                      {{method: "GET", path: "/study/" + id("study"), on: "study", roles: biz}},
		"GET /study/{id}/edit":                 {{method: "GET", path: "/study/" + id("study") + "/edit", on: "study", roles: biz, form: true}},
		"POST /study/{id}/edit":                {{method: "POST", path: "/study/" + id("study") + "/edit", on: "study", roles: biz, body: form("topic", "越权修改")}},
		"POST /study/{id}/photos":              {{method: "POST", path: "/study/" + id("study") + "/photos", on: "study", roles: biz, file: "photos"}},
		"GET /study/{id}/photos/{fid}":         {{method: "GET", path: "/study/" + id("study") + "/photos/" + id("study.photo"), on: "study", roles: biz}},
		"POST /study/{id}/photos/{fid}/delete": {{method: "POST", path: "/study/" + id("study") + "/photos/" + id("study.photo") + "/delete", on: "study", roles: biz}},

		// 下基层访妇情办实事.
		"GET /visits":             {{method: "GET", path: "/visits", roles: biz}},
		"GET /visits/export.xlsx": {{method: "GET", path: "/visits/export.xlsx", roles: biz}},
		"GET /visits/new":         {{method: "GET", path: "/visits/new", roles: biz}},
		"POST /visits":            {{method: "POST", path: "/visits", roles: biz, body: form("place", "越权")}},
		"GET /visits/{id}": {{method: "GET", path: "/visits/" + id("visit"), on: "visit", roles: biz},
			{method: "GET", path: "/visits/" + id("visit.village"), on: "visit.village", roles: biz}},
		"GET /visits/edit/{id}":          {{method: "GET", path: "/visits/edit/" + id("visit.village"), on: "visit.village", roles: biz, form: true}},
		"POST /visits/edit/{id}":         {{method: "POST", path: "/visits/edit/" + id("visit.village"), on: "visit.village", roles: biz, body: form("visited_on", day, "households", "1", "women", "500", "place", "越权")}},
		"GET /visits/{id}/photos/{fid}":  {{method: "GET", path: "/visits/" + id("visit.village") + "/photos/" + id("visit.photo"), on: "visit.village", roles: biz}},
		"GET /visits/quotas":             {{method: "GET", path: "/visits/quotas", roles: biz}},
		"POST /visits/quotas":            {{method: "POST", path: "/visits/quotas", roles: biz, on: "unit.street.below", outside: 422, body: form("org_code", id("unit.street"), "metric", "women", "target", "10", "starts_on", day, "ends_on", day)}},
		"GET /visits/quotas/{id}":        {{method: "GET", path: "/visits/quotas/" + id("quota"), on: "quota", roles: biz}},
		"GET /visits/quotas/export/{id}": {{method: "GET", path: "/visits/quotas/export/" + id("quota"), on: "quota", roles: biz}},
		"GET /visits/stats":              {{method: "GET", path: "/visits/stats", roles: biz}},
		"GET /visits/stats/export.xlsx":  {{method: "GET", path: "/visits/stats/export.xlsx", roles: biz}},
		"GET /needs":                     {{method: "GET", path: "/needs", roles: biz}},
		"GET /needs/export.xlsx":         {{method: "GET", path: "/needs/export.xlsx", roles: biz}},
		"GET /needs/new":                 {{method: "GET", path: "/needs/new", roles: biz}},
		"POST /needs":                    {{method: "POST", path: "/needs", roles: biz, body: form("summary", "越权")}},
		"GET /needs/{id}":                {{method: "GET", path: "/needs/" + id("need.village"), on: "need.village", roles: biz}, {method: "GET", path: "/needs/" + id("need"), on: "need", roles: biz}},
		"POST /needs/{id}/handover":      {{method: "POST", path: "/needs/" + id("need.village") + "/handover", on: "need.village", roles: biz, body: form("to", id("district"), "reason", "越权移交")}},
		"POST /needs/{id}/accept":        {{method: "POST", path: "/needs/" + id("need") + "/accept", on: "need.handover", roles: biz}},
		"POST /needs/{id}/refuse":        {{method: "POST", path: "/needs/" + id("need") + "/refuse", on: "need.handover", roles: biz, body: form("reply", "越权拒收")}},
		"POST /needs/{id}/task":          {{method: "POST", path: "/needs/" + id("need.village") + "/task", on: "need.village", roles: biz, body: form("title", "越权实事", "owner_name", "某", "starts_on", day, "due_on", day)}},
		"GET /tasks":                     {{method: "GET", path: "/tasks", roles: biz}},
		"GET /tasks/export.xlsx":         {{method: "GET", path: "/tasks/export.xlsx", roles: biz}},
		"GET /tasks/new":                 {{method: "GET", path: "/tasks/new", roles: biz}},
		"POST /tasks":                    {{method: "POST", path: "/tasks", roles: biz, body: form("title", "越权")}},
		"GET /tasks/{id}":                {{method: "GET", path: "/tasks/" + id("task"), on: "task", roles: biz}},
		"POST /tasks/{id}/start":         {{method: "POST", path: "/tasks/" + id("task") + "/start", on: "task", roles: biz}},
		"POST /tasks/{id}/close":         {{method: "POST", path: "/tasks/" + id("task") + "/close", on: "task", roles: biz, body: form("outcome", "done", "result", "越权办结", "feedback", "satisfied")}},

		// 问题整改台账.
		"GET /problems":                  {{method: "GET", path: "/problems", roles: biz}},
		"GET /problems/export.xlsx":      {{method: "GET", path: "/problems/export.xlsx", roles: biz}},
		"GET /problems/verify":           {{method: "GET", path: "/problems/verify", roles: biz}},
		"GET /problems/stats":            {{method: "GET", path: "/problems/stats", roles: biz}},
		"GET /problems/stats.xlsx":       {{method: "GET", path: "/problems/stats.xlsx", roles: biz}},
		"GET /problems/new":              {{method: "GET", path: "/problems/new", roles: biz}},
		"POST /problems":                 {{method: "POST", path: "/problems", roles: biz, body: form("description", "越权")}},
		"GET /problems/{id}":             {{method: "GET", path: "/problems/" + id("problem"), on: "problem", roles: biz}},
		"GET /problems/{id}/edit":        {{method: "GET", path: "/problems/" + id("problem") + "/edit", on: "problem", roles: biz, ok: 303}},
		"POST /problems/{id}/edit":       {{method: "POST", path: "/problems/" + id("problem") + "/edit", on: "problem", roles: biz, body: form("description", "越权修改")}},
		"POST /problems/{id}/progress":   {{method: "POST", path: "/problems/" + id("problem") + "/progress", on: "problem", roles: biz, body: form("note", "越权进展")}},
		"GET /problems/{id}/files/{fid}": {{method: "GET", path: "/problems/" + id("problem") + "/files/" + id("problem.file"), on: "problem", roles: biz}},
		"POST /problems/{id}/{action}": {
			{method: "POST", path: "/problems/" + id("problem") + "/close", on: "problem.verify", roles: biz, body: form("note", "越权销号"), flashed: []string{"@street"}},
			{method: "POST", path: "/problems/" + id("problem") + "/return", on: "problem.verify", roles: biz, body: form("reason", "越权退回"), flashed: []string{"@street"}},
			{method: "POST", path: "/problems/" + id("problem") + "/apply", on: "problem", roles: biz, body: form("note", "越权申请")},
		},

		// 巾帼维权: the units above read a case as a line (200, no
		// narrative: its marker is the village's); acting on it is the
		// village's; breaking the glass is a leader's above it.
		"GET /cases":            {{method: "GET", path: "/cases", roles: biz}},
		"GET /cases/new":        {{method: "GET", path: "/cases/new", roles: biz}},
		"GET /cases/stats":      {{method: "GET", path: "/cases/stats", roles: biz}},
		"GET /cases/categories": {{method: "GET", path: "/cases/categories", roles: biz}},
		// The categories and the time limits are the top unit's (the city's) leaders' to set.
		"POST /cases/categories": {{method: "POST", path: "/cases/categories", roles: biz, body: form("action", "add", "label", "越权类别"),
			ok: 303, want: map[string]int{"leader@city": 303, "@district": 403, "@street": 403, "@village": 403, "@sibling": 403, "staff": 403}},
			{method: "POST", path: "/cases/categories", roles: biz, body: form("action", "limits", "first_contact_hours", "72", "route_days", "30", "referral_days", "60"),
				ok: 303, want: map[string]int{"leader@city": 303, "@district": 403, "@street": 403, "@village": 403, "@sibling": 403, "staff": 403}}},
		"GET /cases/stats.xlsx": {{method: "GET", path: "/cases/stats.xlsx", roles: biz}},
		"POST /cases":           {{method: "POST", path: "/cases", roles: biz, body: form("channel", "hotline", "category", "dv", "narrative", "越权登记")}},
		"GET /cases/{id}": {{method: "GET", path: "/cases/" + id("case"), on: "case", roles: biz},
			{method: "GET", path: "/cases/" + id("case.moved"), on: "case.moved", roles: biz}},
		"POST /cases/{id}/{action}": {
			{method: "POST", path: "/cases/" + id("case") + "/take", on: "case", roles: biz, body: form("version", "0")},
			{method: "POST", path: "/cases/" + id("case") + "/note", on: "case", roles: biz, body: form("kind", "note", "note", "越权记录")},
			{method: "POST", path: "/cases/" + id("case") + "/close", on: "case", roles: biz, body: form("outcome", "resolved", "satisfaction", "satisfied")},
			{method: "POST", path: "/cases/" + id("case") + "/report", on: "case", roles: biz, body: form("agency", "police", "reported_on", day)},
			{method: "POST", path: "/cases/" + id("case") + "/order", on: "case", roles: biz, body: form("kind", "warning", "issued_on", day)},
			{method: "POST", path: "/cases/" + id("case") + "/remove-file", on: "case", roles: biz, body: form("file", id("case.file"), "reason", "越权移除")},
			{method: "POST", path: "/cases/" + id("case") + "/glass", on: "case", roles: biz, body: form("reason", "越权破窗查看理由"), ok: 303,
				want: map[string]int{"leader@city": 303, "leader@district": 303, "leader@street": 303, "staff": 403}, flashed: []string{"leader@village"}},
		},
		"POST /cases/{id}/files": {{method: "POST", path: "/cases/" + id("case") + "/files", on: "case", roles: biz, file: "files", body: form("version", "0")}},
		// A line above is refused the photo; a broken glass would open it.
		"GET /cases/{id}/files/{fid}": {{method: "GET", path: "/cases/" + id("case") + "/files/" + id("case.file"), on: "case", roles: biz,
			want: map[string]int{"@street": 403, "@district": 403, "@city": 403}}},
		"POST /cases/{id}/referrals/{fid}": {{method: "POST", path: "/cases/" + id("case") + "/referrals/" + id("case.referral"), on: "case", roles: biz,
			body: form("status", "received", "version", "0")}},
		"POST /cases/{id}/moves/{fid}": {{method: "POST", path: "/cases/" + id("case.moved") + "/moves/" + id("case.move"), on: "case.moved", roles: biz,
			body: form("decision", "accept"), ok: 303, want: map[string]int{"@village": 403, "leader@street": 303}}},
		"POST /needs/{id}/case": {{method: "POST", path: "/needs/" + id("need.village") + "/case", on: "need.village", roles: biz, body: form("category", "dv"),
			flashed: []string{"@city", "@district", "@street", "@village"}}},

		// 关爱救助.
		"GET /aid":                                {{method: "GET", path: "/aid", roles: biz}},
		"GET /aid/export.xlsx":                    {{method: "GET", path: "/aid/export.xlsx", roles: biz}},
		"GET /aid/stats":                          {{method: "GET", path: "/aid/stats", roles: biz}},
		"GET /aid/new":                            {{method: "GET", path: "/aid/new", roles: biz, want: map[string]int{"@city": 303, "@district": 303}}},
		"POST /aid":                               {{method: "POST", path: "/aid", roles: biz, body: form("programme", "cancer", "name", "越权")}},
		"GET /aid/programmes":                     {{method: "GET", path: "/aid/programmes", roles: biz}},
		"POST /aid/programmes/{code}/settings":    {{method: "POST", path: "/aid/programmes/cancer/settings", on: "aid.city", roles: leaders, body: form("amount", "1")}},
		"GET /aid/cycles":                         {{method: "GET", path: "/aid/cycles", roles: biz}},
		"POST /aid/cycles":                        {{method: "POST", path: "/aid/cycles", on: "aid.city", roles: leaders, body: form("programme", "cancer")}},
		"GET /aid/cycles/{id}/quotas":             {{method: "GET", path: "/aid/cycles/" + id("cycle") + "/quotas", roles: biz}},
		"POST /aid/cycles/{id}/quotas":            {{method: "POST", path: "/aid/cycles/" + id("cycle") + "/quotas", on: "aid.city", roles: leaders, body: form("quota_230102", "1")}},
		"GET /aid/{id}":                           {{method: "GET", path: app, on: "aid", roles: biz}},
		"GET /aid/{id}/edit":                      {{method: "GET", path: app + "/edit", on: "aid", roles: biz, ok: 303}},
		"POST /aid/{id}/edit":                     {{method: "POST", path: app + "/edit", on: "aid", roles: biz, body: form("household", "dibao")}},
		"POST /aid/{id}/submit":                   {{method: "POST", path: app + "/submit", on: "aid", roles: biz}},
		"POST /aid/{id}/decide":                   {{method: "POST", path: app + "/decide", on: "aid", roles: biz, body: form("decision", "return", "reason", "越权退回")}},
		"POST /aid/{id}/reveal":                   {{method: "POST", path: app + "/reveal", on: "aid", roles: leaders, body: form("reason", "越权查看")}},
		"POST /aid/{id}/documents":                {{method: "POST", path: app + "/documents", on: "aid", roles: biz, file: "file", body: form("doc_key", "diagnosis")}},
		"GET /aid/{id}/documents/{file}/download": {{method: "GET", path: app + "/documents/" + id("aid.file") + "/download", on: "aid", roles: biz}},
		"POST /aid/{id}/documents/{file}/delete":  {{method: "POST", path: app + "/documents/" + id("aid.file") + "/delete", on: "aid", roles: biz}},
		"GET /aid/pay":                            {{method: "GET", path: "/aid/pay", roles: biz}},
		"GET /aid/pay/new":                        {{method: "GET", path: "/aid/pay/new?cycle=" + id("cycle"), on: "aid.city", roles: leaders, want: map[string]int{"leader": 403, "leader@city": 200}}},
		"POST /aid/pay":                           {{method: "POST", path: "/aid/pay", on: "aid.city", roles: leaders, body: form("cycle", id("cycle"))}},
		"GET /aid/pay/batches/{id}":               {{method: "GET", path: "/aid/pay/batches/" + id("batch"), on: "batch", roles: biz}},
		"POST /aid/pay/batches/{id}/lines/{line}": {{method: "POST", path: "/aid/pay/batches/" + id("batch") + "/lines/" + id("batch.line"), on: "aid.city", roles: leaders, body: form("result", "paid")}},
		"GET /aid/pay/ledger":                     {{method: "GET", path: "/aid/pay/ledger", roles: biz}},
		"GET /aid/pay/ledger.xlsx":                {{method: "GET", path: "/aid/pay/ledger.xlsx", roles: biz}},
		"GET /aid/{id}/account":                   {{method: "GET", path: app + "/account", on: "aid", roles: biz}},
		"POST /aid/{id}/account":                  {{method: "POST", path: app + "/account", on: "aid", roles: biz, body: form("bank_name", "中国银行", "account", "6217001234123412")}},
		"GET /aid/followups":                      {{method: "GET", path: "/aid/followups", roles: biz}},
		"GET /aid/followups.xlsx":                 {{method: "GET", path: "/aid/followups.xlsx", roles: biz}},
		"GET /aid/{id}/followups":                 {{method: "GET", path: pair + "/followups", on: "aid.pair", roles: biz}},
		"POST /aid/{id}/followups":                {{method: "POST", path: pair + "/followups", on: "aid.pair", roles: biz, body: form("date", day, "notes", "越权走访")}},
		"POST /aid/{id}/followups/reveal":         {{method: "POST", path: pair + "/followups/reveal", on: "aid.pair", roles: leaders, body: form("reason", "越权查看")}},
		"GET /aid/exports":                        {{method: "GET", path: "/aid/exports", roles: biz}},
		"GET /aid/exports/new":                    {{method: "GET", path: "/aid/exports/new", roles: biz}},
		"POST /aid/exports":                       {{method: "POST", path: "/aid/exports", roles: biz, body: form("kind", "applications", "reason", "越权导出")}},
		"POST /aid/exports/{id}/decide":           {{method: "POST", path: "/aid/exports/" + id("export") + "/decide", on: "export.decide", roles: leaders, body: form("decision", "approve", "note", "越权批准")}},
		"GET /aid/exports/{id}/download.xlsx":     {{method: "GET", path: "/aid/exports/" + id("export") + "/download.xlsx", on: "export.own", roles: biz, mutates: true, want: exportSeen(403)}},

		// The JSON API.
		"POST /api/v1/session":          {{method: "POST", path: "/api/v1/session", public: true, body: obj{"username": "mx.nobody", "password": "wrong-password-1"}, send: true, ok: 401, code: "bad_credentials"}},
		"DELETE /api/v1/session":        {{method: "DELETE", path: "/api/v1/session"}},
		"GET /api/v1/session":           {{method: "GET", path: "/api/v1/session"}},
		"GET /api/v1/openapi.json":      {{method: "GET", path: "/api/v1/openapi.json", public: true}}, // what integrators start from: no data
		"POST /api/v1/session/password": {{method: "POST", path: "/api/v1/session/password", body: obj{"current": "not-my-password", "password": "a-new-password-77"}, send: true, ok: 422}},
		"GET /api/v1/orgs":              {{method: "GET", path: "/api/v1/orgs"}},
		"GET /api/v1/orgs/{code}":       {{method: "GET", path: "/api/v1/orgs/" + id("unit.street"), on: "unit.street"}, {method: "GET", path: "/api/v1/orgs/" + id("unit.sibling"), on: "unit.sibling"}},
		"GET /api/v1/users":             {{method: "GET", path: "/api/v1/users", roles: viewUsers}},
		"POST /api/v1/users": {{method: "POST", path: "/api/v1/users", roles: manageUsers, body: obj{"username": "mx.new", "display_name": "越权",
			"password": "a-long-password-1", "org_code": id("unit.sibling"), "role": "staff"}, on: "unit.sibling", outside: 422}},
		"GET /api/v1/users/{id}": w.userReads("/api/v1/users/"),
		"GET /api/v1/audit":      {{method: "GET", path: "/api/v1/audit", roles: auditors}},

		"GET /api/v1/docs":                                {{method: "GET", path: "/api/v1/docs", roles: biz}},
		"POST /api/v1/docs":                               {{method: "POST", path: "/api/v1/docs", roles: biz, body: noticeBody}},
		"GET /api/v1/docs/{id}":                           {{method: "GET", path: adoc, on: "doc.issued", roles: biz}, {method: "GET", path: adraft, on: "doc.draft", roles: biz}},
		"PUT /api/v1/docs/{id}":                           {{method: "PUT", path: adraft, on: "doc.draft", roles: biz, body: obj{"version": 1, "fields": noticeBody}}},
		"GET /api/v1/docs/{id}/versions":                  {{method: "GET", path: adraft + "/versions", on: "doc.draft", roles: biz}},
		"POST /api/v1/docs/{id}/submit":                   {{method: "POST", path: adraft + "/submit", on: "doc.draft", roles: biz}},
		"POST /api/v1/docs/{id}/review":                   {{method: "POST", path: adraft + "/review", on: "doc.draft", roles: biz, body: obj{"pass": false, "note": "越权退回"}}},
		"POST /api/v1/docs/{id}/sign":                     {{method: "POST", path: adraft + "/sign", on: "doc.draft", roles: leaders, body: obj{"opinion": "越权签发"}}},
		"POST /api/v1/docs/{id}/withdraw":                 {{method: "POST", path: adraft + "/withdraw", on: "doc.draft", roles: leaders, body: obj{"reason": "越权退回"}}},
		"POST /api/v1/docs/{id}/issue":                    {{method: "POST", path: adraft + "/issue", on: "doc.draft", roles: biz}},
		"POST /api/v1/docs/{id}/correct":                  {{method: "POST", path: adoc + "/correct", on: "doc.issued", roles: biz}},
		"GET /api/v1/docs/{id}/receipts":                  {{method: "GET", path: adoc + "/receipts", on: "doc.issued", roles: biz}},
		"POST /api/v1/docs/{id}/receipts":                 {{method: "POST", path: adoc + "/receipts", on: "doc.receive", roles: biz}},
		"GET /api/v1/docs/{id}/files":                     {{method: "GET", path: adoc + "/files", on: "doc.issued", roles: biz}},
		"POST /api/v1/docs/{id}/files":                    {{method: "POST", path: adraft + "/files", on: "doc.draft", roles: biz, file: "file"}},
		"GET /api/v1/docs/{id}/files/{fid}":               {{method: "GET", path: adoc + "/files/" + id("doc.file"), on: "doc.issued", roles: biz}},
		"DELETE /api/v1/docs/{id}/files/{fid}":            {{method: "DELETE", path: adoc + "/files/" + id("doc.file"), on: "doc.issued", roles: biz}},
		"GET /api/v1/docs/{id}/pdf":                       {{method: "GET", path: adoc + "/pdf", on: "doc.issued", roles: biz, mutates: true}},
		"GET /api/v1/docs/{id}/requirements":              {{method: "GET", path: adoc + "/requirements", on: "doc.issued", roles: biz}},
		"POST /api/v1/docs/{id}/requirements":             {{method: "POST", path: adraft + "/requirements", on: "doc.draft", roles: biz, body: obj{"title": "越权要求", "due_date": day}}},
		"GET /api/v1/docs/{id}/requirements/{rid}":        {{method: "GET", path: areq, on: "req", roles: biz}},
		"DELETE /api/v1/docs/{id}/requirements/{rid}":     {{method: "DELETE", path: areq, on: "req", roles: biz}},
		"GET /api/v1/docs/{id}/requirements/{rid}/status": {{method: "GET", path: areq + "/status", on: "req.dashboard", roles: biz}},
		"POST /api/v1/docs/{id}/requirements/{rid}/urge":  {{method: "POST", path: areq + "/urge", on: "req.dashboard", roles: biz}},

		"GET /api/v1/reports/todo":                   {{method: "GET", path: "/api/v1/reports/todo", roles: biz}},
		"GET /api/v1/reports/{id}":                   {{method: "GET", path: arep, on: "report", roles: biz}},
		"PUT /api/v1/reports/{id}":                   {{method: "PUT", path: arep, on: "report", roles: biz, body: obj{"body": "越权改写"}}},
		"POST /api/v1/reports/{id}/submit":           {{method: "POST", path: arep + "/submit", on: "report", roles: biz, body: obj{"body": "越权报送"}}},
		"POST /api/v1/reports/{id}/accept":           {{method: "POST", path: arep + "/accept", on: "report.decide", roles: biz}},
		"POST /api/v1/reports/{id}/return":           {{method: "POST", path: arep + "/return", on: "report.decide", roles: biz, body: obj{"reason": "越权退回"}}},
		"POST /api/v1/reports/{id}/extension":        {{method: "POST", path: arep + "/extension", on: "report", roles: biz, body: obj{"until": day, "reason": "越权延期"}}},
		"POST /api/v1/reports/{id}/extension/decide": {{method: "POST", path: arep + "/extension/decide", on: "report.decide", roles: biz, body: obj{"grant": true, "reply": "越权同意"}}},
		"GET /api/v1/reports/{id}/files":             {{method: "GET", path: arep + "/files", on: "report", roles: biz}},
		"POST /api/v1/reports/{id}/files":            {{method: "POST", path: arep + "/files", on: "report", roles: biz, file: "file"}},
		"GET /api/v1/reports/{id}/files/{fid}":       {{method: "GET", path: arep + "/files/" + id("report.file"), on: "report", roles: biz}},
		"DELETE /api/v1/reports/{id}/files/{fid}":    {{method: "DELETE", path: arep + "/files/" + id("report.file"), on: "report", roles: biz}},
		"GET /api/v1/reports/{id}/study":             {{method: "GET", path: arep + "/study", on: "report", roles: biz}},
		"POST /api/v1/reports/{id}/study":            {{method: "POST", path: arep + "/study", on: "report", roles: biz, body: obj{"activity_ids": []any{}}}},

		"GET /api/v1/notifications":           {{method: "GET", path: "/api/v1/notifications", roles: biz}},
		"POST /api/v1/notifications/read-all": {{method: "POST", path: "/api/v1/notifications/read-all", roles: biz}},

		"GET /api/v1/study":       {{method: "GET", path: "/api/v1/study", roles: biz}},
		"POST /api/v1/study":      {{method: "POST", path: "/api/v1/study", roles: biz, body: obj{"kind": "study", "held_on": day, "topic": "越权", "participants": 1}}},
		"GET /api/v1/study/stats": {{method: "GET", path: "/api/v1/study/stats", roles: biz}},
		"GET /api/v1/study/docs":  {{method: "GET", path: "/api/v1/study/docs", roles: biz}},
		"GET /api/v1/study/{id}":  {{method: "GET", path: "/api/v1/study/" + id("study"), on: "study", roles: biz}},
		"PUT /api/v1/study/{id}": {{method: "PUT", path: "/api/v1/study/" + id("study"), on: "study", roles: biz,
			body: obj{"kind": "study", "held_on": day, "topic": "越权修改", "participants": 1, "version": 1}}},

		"GET /api/v1/visits":  {{method: "GET", path: "/api/v1/visits", roles: biz}},
		"POST /api/v1/visits": {{method: "POST", path: "/api/v1/visits", roles: biz, on: "unit.street", outside: 422, body: obj{"org_code": id("unit.street"), "visited_on": day, "households": 1, "women": 1}}},
		"GET /api/v1/visits/{id}": {{method: "GET", path: "/api/v1/visits/" + id("visit"), on: "visit", roles: biz},
			{method: "GET", path: "/api/v1/visits/" + id("visit.village"), on: "visit.village", roles: biz}},
		"PUT /api/v1/visits/{id}":         {{method: "PUT", path: "/api/v1/visits/" + id("visit.village"), on: "visit.village", roles: biz, body: visitBody}},
		"GET /api/v1/visits/quotas":       {{method: "GET", path: "/api/v1/visits/quotas", roles: biz}},
		"POST /api/v1/visits/quotas":      {{method: "POST", path: "/api/v1/visits/quotas", roles: biz, on: "unit.street.below", outside: 422, body: obj{"org_code": id("unit.street"), "metric": "women", "target": 10, "starts_on": day, "ends_on": day}}},
		"GET /api/v1/visits/quotas/{id}":  {{method: "GET", path: "/api/v1/visits/quotas/" + id("quota"), on: "quota", roles: biz}},
		"GET /api/v1/visits/stats":        {{method: "GET", path: "/api/v1/visits/stats", roles: biz}},
		"GET /api/v1/problems/stats":      {{method: "GET", path: "/api/v1/problems/stats", roles: biz}},
		"GET /api/v1/needs":               {{method: "GET", path: "/api/v1/needs", roles: biz}},
		"POST /api/v1/needs":              {{method: "POST", path: "/api/v1/needs", roles: biz, on: "unit.street", outside: 422, body: obj{"org_code": id("unit.street"), "category": "employment", "urgency": "normal", "summary": "越权"}}},
		"GET /api/v1/needs/{id}":          {{method: "GET", path: "/api/v1/needs/" + id("need.village"), on: "need.village", roles: biz}},
		"GET /api/v1/needs/{id}/handover": {{method: "GET", path: "/api/v1/needs/" + id("need"), on: "need", roles: biz}},
		"POST /api/v1/needs/{id}/handover": {{method: "POST", path: "/api/v1/needs/" + id("need.village") + "/handover", on: "need.village", roles: biz,
			body: obj{"to_org_code": id("district"), "reason": "越权移交"}}},
		"POST /api/v1/needs/{id}/handover/accept": {{method: "POST", path: "/api/v1/needs/" + id("need") + "/handover/accept", on: "need.handover", roles: biz}},
		"POST /api/v1/needs/{id}/handover/refuse": {{method: "POST", path: "/api/v1/needs/" + id("need") + "/handover/refuse", on: "need.handover", roles: biz, body: obj{"reply": "越权拒收"}}},
		"POST /api/v1/needs/{id}/task": {{method: "POST", path: "/api/v1/needs/" + id("need.village") + "/task", on: "need.village", roles: biz,
			body: obj{"title": "越权实事", "owner_name": "某", "starts_on": day, "due_on": day}}},
		"GET /api/v1/tasks":             {{method: "GET", path: "/api/v1/tasks", roles: biz}},
		"POST /api/v1/tasks":            {{method: "POST", path: "/api/v1/tasks", roles: biz, on: "unit.street", outside: 422, body: obj{"org_code": id("unit.street"), "title": "越权", "owner_name": "某", "starts_on": day, "due_on": day}}},
		"GET /api/v1/tasks/{id}":        {{method: "GET", path: "/api/v1/tasks/" + id("task"), on: "task", roles: biz}},
		"POST /api/v1/tasks/{id}/start": {{method: "POST", path: "/api/v1/tasks/" + id("task") + "/start", on: "task", roles: biz}},
		"POST /api/v1/tasks/{id}/close": {{method: "POST", path: "/api/v1/tasks/" + id("task") + "/close", on: "task", roles: biz,
			body: obj{"outcome": "done", "result": "越权办结", "feedback": "satisfied"}}},

		"GET /api/v1/problems":                  {{method: "GET", path: "/api/v1/problems", roles: biz}},
		"POST /api/v1/problems":                 {{method: "POST", path: "/api/v1/problems", roles: biz, body: problemBody}},
		"GET /api/v1/problems/{id}":             {{method: "GET", path: "/api/v1/problems/" + id("problem"), on: "problem", roles: biz}},
		"PUT /api/v1/problems/{id}":             {{method: "PUT", path: "/api/v1/problems/" + id("problem"), on: "problem", roles: biz, body: problemBody}},
		"POST /api/v1/problems/{id}/progress":   {{method: "POST", path: "/api/v1/problems/" + id("problem") + "/progress", on: "problem", roles: biz, body: obj{"note": "越权进展"}}},
		"GET /api/v1/problems/{id}/files/{fid}": {{method: "GET", path: "/api/v1/problems/" + id("problem") + "/files/" + id("problem.file"), on: "problem", roles: biz}},
		"POST /api/v1/problems/{id}/apply":      {{method: "POST", path: "/api/v1/problems/" + id("problem") + "/apply", on: "problem", roles: biz, body: obj{"note": "越权申请"}}},
		"POST /api/v1/problems/{id}/close":      {{method: "POST", path: "/api/v1/problems/" + id("problem") + "/close", on: "problem.verify", roles: biz, body: obj{"note": "越权销号"}}},
		"POST /api/v1/problems/{id}/return":     {{method: "POST", path: "/api/v1/problems/" + id("problem") + "/return", on: "problem.verify", roles: biz, body: obj{"reason": "越权退回"}}},

		// 巾帼维权, as on the pages.
		"GET /api/v1/cases":                {{method: "GET", path: "/api/v1/cases", roles: biz}},
		"POST /api/v1/cases":               {{method: "POST", path: "/api/v1/cases", roles: biz, body: obj{"channel": "hotline", "category": "dv", "narrative": "越权登记"}}},
		"GET /api/v1/cases/stats":          {{method: "GET", path: "/api/v1/cases/stats", roles: biz}},
		"GET /api/v1/cases/{id}":           {{method: "GET", path: "/api/v1/cases/" + id("case"), on: "case", roles: biz}},
		"POST /api/v1/cases/{id}/take":     {{method: "POST", path: "/api/v1/cases/" + id("case") + "/take", on: "case", roles: biz, body: obj{}}},
		"POST /api/v1/cases/{id}/assign":   {{method: "POST", path: "/api/v1/cases/" + id("case") + "/assign", on: "case", roles: biz, body: obj{"handler": 1}}},
		"POST /api/v1/cases/{id}/note":     {{method: "POST", path: "/api/v1/cases/" + id("case") + "/note", on: "case", roles: biz, body: obj{"kind": "note", "note": "越权记录"}}},
		"POST /api/v1/cases/{id}/assess":   {{method: "POST", path: "/api/v1/cases/" + id("case") + "/assess", on: "case", roles: biz, body: obj{"items": []string{"strangle"}}}},
		"POST /api/v1/cases/{id}/consent":  {{method: "POST", path: "/api/v1/cases/" + id("case") + "/consent", on: "case", roles: biz, body: obj{"services": true}}},
		"POST /api/v1/cases/{id}/refer":    {{method: "POST", path: "/api/v1/cases/" + id("case") + "/refer", on: "case", roles: biz, body: obj{"agency": "court"}}},
		"POST /api/v1/cases/{id}/escalate": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/escalate", on: "case", roles: biz, body: obj{"reason": "越权上报"}}},
		"POST /api/v1/cases/{id}/transfer": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/transfer", on: "case", roles: biz, body: obj{"to": "230102001002", "reason": "越权转办"}}},
		"POST /api/v1/cases/{id}/close":    {{method: "POST", path: "/api/v1/cases/" + id("case") + "/close", on: "case", roles: biz, body: obj{"outcome": "resolved", "satisfaction": "satisfied"}}},
		"POST /api/v1/cases/{id}/reopen":   {{method: "POST", path: "/api/v1/cases/" + id("case") + "/reopen", on: "case", roles: biz, body: obj{"reason": "越权重开"}}},
		"POST /api/v1/cases/{id}/break-glass": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/break-glass", on: "case", roles: biz,
			body: obj{"reason": "越权破窗查看理由"}, ok: 204, want: map[string]int{"leader@city": 204, "leader@district": 204, "leader@street": 204, "staff": 403, "leader@village": 409},
			code: ""}},
		"POST /api/v1/cases/{id}/order": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/order", on: "case", roles: biz,
			body: obj{"order": obj{"kind": "warning", "issued_on": day}}}},
		"POST /api/v1/cases/{id}/order-decision": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/order-decision", on: "case", roles: biz,
			body: obj{"order_id": 1, "issued": false, "issued_on": day}}},
		"POST /api/v1/cases/{id}/violation": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/violation", on: "case", roles: biz,
			body: obj{"order_id": 1, "note": "越权记录违反"}}},
		"POST /api/v1/cases/{id}/follow-up": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/follow-up", on: "case", roles: biz,
			body: obj{"follow_up": 1, "note": "越权回访"}}},
		"POST /api/v1/cases/{id}/report": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/report", on: "case", roles: biz,
			body: obj{"agency": "police", "reported_on": day}}},
		"POST /api/v1/cases/{id}/safety": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/safety", on: "case", roles: biz,
			body: obj{"items": []string{"contacts"}}}},
		"POST /api/v1/cases/{id}/files": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/files", on: "case", roles: biz, file: "files", body: form("version", "0")}},
		"GET /api/v1/cases/{id}/files/{fid}": {{method: "GET", path: "/api/v1/cases/" + id("case") + "/files/" + id("case.file"), on: "case", roles: biz,
			want: map[string]int{"@street": 403, "@district": 403, "@city": 403}}},
		"POST /api/v1/cases/{id}/remove-file": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/remove-file", on: "case", roles: biz,
			body: obj{"file": 1, "reason": "越权移除"}}},
		"POST /api/v1/cases/{id}/referrals/{fid}": {{method: "POST", path: "/api/v1/cases/" + id("case") + "/referrals/" + id("case.referral"), on: "case", roles: biz,
			body: obj{"status": "received"}}},
		"POST /api/v1/cases/{id}/moves/{fid}": {{method: "POST", path: "/api/v1/cases/" + id("case.moved") + "/moves/" + id("case.move"), on: "case.moved", roles: biz,
			body: obj{"accept": true}, ok: 204, want: map[string]int{"@village": 403, "leader@street": 204}}},

		"GET /api/v1/aid/programmes":                            {{method: "GET", path: "/api/v1/aid/programmes", roles: biz}},
		"GET /api/v1/aid/programmes/{code}":                     {{method: "GET", path: "/api/v1/aid/programmes/cancer", roles: biz}},
		"PUT /api/v1/aid/programmes/{code}":                     {{method: "PUT", path: "/api/v1/aid/programmes/cancer", on: "aid.city", roles: leaders, body: obj{"amount": 1}}},
		"GET /api/v1/aid/cycles":                                {{method: "GET", path: "/api/v1/aid/cycles", roles: biz}},
		"POST /api/v1/aid/cycles":                               {{method: "POST", path: "/api/v1/aid/cycles", on: "aid.city", roles: leaders, body: obj{"programme": "cancer", "year": w.aidYear + 1, "budget": 1}}},
		"GET /api/v1/aid/cycles/{id}":                           {{method: "GET", path: "/api/v1/aid/cycles/" + id("cycle"), roles: biz}},
		"GET /api/v1/aid/cycles/{id}/quotas":                    {{method: "GET", path: "/api/v1/aid/cycles/" + id("cycle") + "/quotas", roles: biz}},
		"PUT /api/v1/aid/cycles/{id}/quotas/{district}":         {{method: "PUT", path: "/api/v1/aid/cycles/" + id("cycle") + "/quotas/" + id("district"), on: "aid.city", roles: leaders, body: obj{"quota": 1}}},
		"POST /api/v1/aid/applications":                         {{method: "POST", path: "/api/v1/aid/applications", roles: biz, body: aidBody}},
		"GET /api/v1/aid/applications":                          {{method: "GET", path: "/api/v1/aid/applications", roles: biz}},
		"GET /api/v1/aid/applications/{id}":                     {{method: "GET", path: aapp, on: "aid", roles: biz}},
		"PUT /api/v1/aid/applications/{id}":                     {{method: "PUT", path: aapp, on: "aid", roles: biz, body: obj{"household": "dibao", "medical_consent": true, "version": 1}}},
		"POST /api/v1/aid/applications/{id}/submit":             {{method: "POST", path: aapp + "/submit", on: "aid", roles: biz, body: obj{"version": 1}}},
		"POST /api/v1/aid/applications/{id}/decide":             {{method: "POST", path: aapp + "/decide", on: "aid", roles: biz, body: obj{"decision": "return", "reason": "越权退回", "version": 1}}},
		"GET /api/v1/aid/applications/{id}/steps":               {{method: "GET", path: aapp + "/steps", on: "aid", roles: biz}},
		"POST /api/v1/aid/applications/{id}/reveal":             {{method: "POST", path: aapp + "/reveal", on: "aid", roles: leaders, body: obj{"reason": "越权查看身份信息"}}},
		"POST /api/v1/aid/applications/{id}/documents":          {{method: "POST", path: aapp + "/documents", on: "aid", roles: biz, file: "file", body: form("doc_key", "diagnosis")}},
		"GET /api/v1/aid/applications/{id}/documents":           {{method: "GET", path: aapp + "/documents", on: "aid", roles: biz}},
		"GET /api/v1/aid/applications/{id}/documents/{file}":    {{method: "GET", path: aapp + "/documents/" + id("aid.file"), on: "aid", roles: biz}},
		"DELETE /api/v1/aid/applications/{id}/documents/{file}": {{method: "DELETE", path: aapp + "/documents/" + id("aid.file"), on: "aid", roles: biz}},
		"GET /api/v1/aid/stats":                                 {{method: "GET", path: "/api/v1/aid/stats", roles: biz}},
		"GET /api/v1/aid/exports":                               {{method: "GET", path: "/api/v1/aid/exports", roles: biz}},
		"POST /api/v1/aid/exports":                              {{method: "POST", path: "/api/v1/aid/exports", roles: biz, body: obj{"kind": "applications", "params": obj{"under": id("unit.street")}, "reason": "越权导出"}, on: "unit.street", outside: 404}},
		"GET /api/v1/aid/exports/{id}":                          {{method: "GET", path: "/api/v1/aid/exports/" + id("export"), on: "export", roles: biz, want: map[string]int{"staff": 404}}},
		"POST /api/v1/aid/exports/{id}/decide":                  {{method: "POST", path: "/api/v1/aid/exports/" + id("export") + "/decide", on: "export.decide", roles: leaders, body: obj{"decision": "approve", "note": "越权批准"}}},
		"GET /api/v1/aid/exports/{id}/download":                 {{method: "GET", path: "/api/v1/aid/exports/" + id("export") + "/download", on: "export.own", roles: biz, mutates: true, want: exportSeen(403)}},
		"GET /api/v1/aid/applications/{id}/account":             {{method: "GET", path: aapp + "/account", on: "aid", roles: biz}},
		"PUT /api/v1/aid/applications/{id}/account":             {{method: "PUT", path: aapp + "/account", on: "aid", roles: biz, body: obj{"bank_name": "中国银行", "account": "6217001234123412"}}},
		"GET /api/v1/aid/cycles/{id}/payable":                   {{method: "GET", path: "/api/v1/aid/cycles/" + id("cycle") + "/payable", roles: biz}},
		"GET /api/v1/aid/batches":                               {{method: "GET", path: "/api/v1/aid/batches", roles: biz}},
		"POST /api/v1/aid/batches":                              {{method: "POST", path: "/api/v1/aid/batches", on: "aid.city", roles: leaders, body: obj{"cycle_id": 1, "application_ids": []any{}}}},
		"GET /api/v1/aid/batches/{id}":                          {{method: "GET", path: "/api/v1/aid/batches/" + id("batch"), on: "batch", roles: biz}},
		"POST /api/v1/aid/batches/{id}/lines/{line}":            {{method: "POST", path: "/api/v1/aid/batches/" + id("batch") + "/lines/" + id("batch.line"), on: "aid.city", roles: leaders, body: obj{"result": "paid"}}},
		"GET /api/v1/aid/ledger":                                {{method: "GET", path: "/api/v1/aid/ledger", roles: biz}},
		"POST /api/v1/aid/applications/{id}/followups":          {{method: "POST", path: apair + "/followups", on: "aid.pair", roles: biz, body: obj{"date": day, "notes": "越权走访"}}},
		"GET /api/v1/aid/applications/{id}/followups":           {{method: "GET", path: apair + "/followups", on: "aid.pair", roles: biz}},
		"POST /api/v1/aid/applications/{id}/followups/reveal":   {{method: "POST", path: apair + "/followups/reveal", on: "aid.pair", roles: leaders, body: obj{"reason": "越权查看走访记录"}}},
		"GET /api/v1/aid/followups/due":                         {{method: "GET", path: "/api/v1/aid/followups/due", roles: biz}},
	}
	for _, a := range apiUserActions {
		s["POST /api/v1/users/{id}/"+a] = w.userActions("/api/v1/users/", false, a)
	}
	w.reshapeSpecs(s) // 区划调整
	// Paths registered beside a parameter with every method refused.
	for _, p := range []string{"/api/v1/reports/todo", "/api/v1/study/stats", "/api/v1/study/docs", "/api/v1/visits/quotas", "/api/v1/visits/stats", "/api/v1/problems/stats", "/api/v1/cases/stats"} {
		for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			if _, ok := s[m+" "+p]; !ok {
				s[m+" "+p] = []probe{{method: m, path: p, public: true, ok: 405, send: true}}
			}
		}
	}
	return s
}

// exportSeen: the leaders who see the street's export request (to
// decide it) get status from what only its requester may do.
func exportSeen(status int) map[string]int {
	return map[string]int{"leader@street": status, "leader@district": status, "leader@city": status, "staff": 404}
}

// apiUserActions are the API's account actions, one route each.
var apiUserActions = []string{"disable", "enable", "reset-password", "role", "unlock", "reset-totp", "revoke-sessions"}

var (
	grantRoles   = []access.Role{access.Secadmin, access.Leader}
	adminRoleReq = []access.Role{access.Sysadmin, access.Secadmin}
)

// userTargets are the accounts the user routes act on: in the street's
// reach and out of it, a leader only her superiors manage, one disabled,
// one in another city. Those out of reach are live, locked and have a
// second factor, so a refused change would show.
var userTargets = []string{"user.street", "user.village", "user.sibling", "user.district", "user.disabled", "user.nangang", "user.qqhr"}

// userReads reads each of them.
func (w *world) userReads(base string) []probe {
	var out []probe
	for _, k := range userTargets {
		out = append(out, probe{method: "GET", path: base + w.id(k), on: k, roles: viewUsers})
	}
	return out
}

// userActions tries every account action on each of them. Who may take an
// action is its role's first (the same answer for any id), then whether
// the account is in reach, then whether she manages it.
func (w *world) userActions(base string, html bool, only ...string) []probe {
	type act struct {
		name  string
		roles []access.Role
		body  map[string]string
	}
	acts := []act{
		{"disable", manageUsers, nil}, {"enable", manageUsers, nil}, {"reset-password", manageUsers, nil},
		{"role", grantRoles, map[string]string{"role": "staff"}}, {"unlock", secure, nil}, {"reset-totp", secure, nil},
		{"revoke-sessions", endSessions, nil},
	}
	if html {
		acts = append(acts, act{"email", manageUsers, map[string]string{"email": "matrix@example.org"}},
			act{"role-request", adminRoleReq, map[string]string{"role": "auditor"}})
	}
	var out []probe
	for _, a := range acts {
		if len(only) > 0 && a.name != only[0] {
			continue
		}
		var body any
		if html {
			v := url.Values{}
			for k, x := range a.body {
				v.Set(k, x)
			}
			body = v
		} else if a.body != nil {
			m := obj{}
			for k, x := range a.body {
				m[k] = x
			}
			body = m
		}
		for _, k := range userTargets {
			out = append(out, probe{method: "POST", path: base + w.id(k) + "/" + a.name, on: k, roles: a.roles, body: body})
		}
	}
	return out
}

// roleRequests asks for an administrator role for each target account.
func (w *world) roleRequests() []probe {
	var out []probe
	for _, k := range userTargets {
		out = append(out, probe{method: "POST", path: "/api/v1/users/" + w.id(k) + "/role-requests", on: k, roles: adminRoleReq, body: obj{"role": "auditor"}})
	}
	return out
}

// staticAsset is a stylesheet the login page links.
func (w *world) staticAsset() string {
	r := w.app.Client(w.t).Do("GET", "/login", nil)
	i := strings.Index(r.Body, "/static/")
	if i < 0 {
		w.t.Fatalf("login page links no static file")
	}
	end := strings.IndexAny(r.Body[i:], `"'`)
	return r.Body[i : i+end]
}
