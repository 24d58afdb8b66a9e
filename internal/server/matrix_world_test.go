package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/auth"
	"halfsky/internal/config"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/division"
	"halfsky/internal/idcard"
	"halfsky/internal/rectify"
	"halfsky/internal/rights"
	"halfsky/internal/study"
	"halfsky/internal/testapp"
	"halfsky/internal/testfx"
	"halfsky/internal/vault"
	"halfsky/internal/visit"
)

// The matrix's world: the demo tree, its documents and work, and one of
// every record that a route takes an id of, owned by a street (甲街道,
// 230102001) — some of them about a village below it (230102001001) —
// plus records of the street next door (230102002), of another district
// (南岗, 230103) and of another city (齐齐哈尔, 2302) whose markers no one
// outside them may ever see.

// Levels of the tree the actors sit at, with their unit codes.
var levelCodes = map[string]string{
	"city":     "2301",
	"district": "230102",
	"street":   "230102001",
	"village":  "230102001001",
	"sibling":  "230102002",
}

// businessLevels are the levels with a leader and a staff actor, in order.
var businessLevels = []string{"city", "district", "street", "village", "sibling"}

// above are the levels that reach a unit's records: the unit's own and
// those over it.
var above = map[string][]string{
	"street":   {"city", "district", "street"},
	"village":  {"city", "district", "street", "village"},
	"sibling":  {"city", "district", "sibling"},
	"nangang":  {"city"},
	"district": {"city", "district"},
	"city":     {"city"},
	"qqhr":     {},
}

// actor is one identity the matrix tries every route as.
type actor struct {
	key   string      // anon, sysadmin, secadmin, auditor, leader@street …
	role  access.Role // "" for anon
	level string      // a businessLevels entry; "city" for administrators; "" for anon
	user  auth.User
	c     *testapp.Client
}

func (a *actor) admin() bool { return a.role.Admin() }

// record is a fixture record with a marker that appears in what it shows.
type record struct {
	marker string
	// seen are the levels whose actors may read it; written the levels
	// that may change it (its owner and the units above).
	seen, written []string
	// accounts are records administrators see too (units, accounts).
	accounts bool
}

// world is everything the matrix needs.
type world struct {
	t       *testing.T
	app     *testapp.App
	ctx     context.Context
	ids     map[string]string // fixture ids by name
	recs    map[string]*record
	actors  []*actor
	byKey   map[string]*actor
	today   string
	aidYear int
	// last is the database's fingerprint as the last probe left it, or
	// nil when unknown.
	last map[string]string
	// doorAnswers are the public door's first answers by request
	// (checkDoor): every actor must get the same.
	doorAnswers map[string]string
}

func (w *world) id(name string) string {
	w.t.Helper()
	v, ok := w.ids[name]
	if !ok {
		w.t.Fatalf("no fixture id %q", name)
	}
	return v
}

// exec runs SQL for setup.
func (w *world) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.app.DB.Exec(w.ctx, q, args...); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) user(username, name, code string, role access.Role) auth.User {
	w.t.Helper()
	u, err := w.app.Server.Deps.Auth.CreateUserAsOperator(w.ctx, auth.NewUser{Username: username, DisplayName: name,
		Password: testapp.Password, OrgCode: code, Role: role})
	if err != nil {
		w.t.Fatalf("user %s: %v", username, err)
	}
	return u
}

func (w *world) actorOf(username string) access.Actor { return w.app.Actor(w.t, username) }

// signIn signs username in on a new client.
func (w *world) signIn(username string, admin bool) *testapp.Client {
	w.t.Helper()
	w.exec(`DELETE FROM login_attempts`) // many sign-ins from one address
	c := w.app.Client(w.t)
	if admin {
		c.LoginAdmin(username)
	} else {
		c.Login(username)
	}
	return c
}

// api sends a JSON request as c and returns the id in the answer (at
// the top or in its one object), failing the test unless it succeeded.
func (w *world) api(c *testapp.Client, method, path string, body any) string {
	w.t.Helper()
	r := c.Do(method, path, body)
	if r.Status != 200 && r.Status != 201 {
		w.t.Fatalf("setup %s %s: %d %s", method, path, r.Status, r.Body)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		w.t.Fatalf("setup %s %s: %v", method, path, err)
	}
	if v, ok := m["id"].(float64); ok {
		return strconv.FormatInt(int64(v), 10)
	}
	for _, x := range m {
		if inner, ok := x.(map[string]any); ok {
			if v, ok := inner["id"].(float64); ok {
				return strconv.FormatInt(int64(v), 10)
			}
		}
	}
	return ""
}

// upload posts one file as multipart/form-data with extra fields.
func upload(c *testapp.Client, url, field, name string, data []byte, extra map[string]string) testapp.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range extra {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(data)
	mw.Close()
	return send(c, "POST", url, mw.FormDataContentType(), body.Bytes())
}

// send posts a raw body as a same-origin browser would.
func send(c *testapp.Client, method, url, ctype string, body []byte) testapp.Response {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return testapp.Response{Status: -1, Body: err.Error()}
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return testapp.Response{Status: res.StatusCode, Header: res.Header, Body: b.String()}
}

// A PNG and a PDF that pass the content checks.
var (
	pngBytes = testfx.Photo
	pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
)

func idNumber(first17 string) string { return first17 + string(idcard.CheckChar(first17)) }

// buildWorld starts halfsky on d and makes the fixture.
func buildWorld(t *testing.T, d *db.DB) *world {
	ctx := context.Background()
	// Every actor asks from 127.0.0.1: the public door's limits would ask
	// the later ones for a CAPTCHA (its own tests try them).
	cfg := testapp.Config()
	cfg.Public = config.PublicLimits{SubmitsPerHour: 10000, LookupsPerHour: 10000, CodeLookupsPerHour: 10000}
	app := testapp.StartConfig(t, d, cfg)
	w := &world{t: t, app: app, ctx: ctx, ids: map[string]string{}, recs: map[string]*record{}, byKey: map[string]*actor{}}
	w.today = time.Now().In(db.Shanghai).Format(time.DateOnly)
	svc := app.Server.Deps.Auth

	// The demo's documents and work, so lists are not empty.
	if err := demo.SeedDocuments(ctx, svc, testapp.Password, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedWork(ctx, svc, app.Server.Deps.Vault, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Another city as a root of its own: the city level's outside.
	im, err := svc.Orgs.NewImporter(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Add(ctx, division.Division{Code: "2302", Name: "齐齐哈尔市"}); err != nil {
		t.Fatal(err)
	}
	if err := im.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	w.makeActors()
	w.makeAccounts()
	w.makeDocs()
	w.makeWork()
	w.makeAid()
	w.makeOthers()
	w.makeCases()
	return w
}

// makeActors creates and signs in everyone the matrix acts as.
func (w *world) makeActors() {
	add := func(a *actor) {
		w.actors = append(w.actors, a)
		w.byKey[a.key] = a
	}
	add(&actor{key: "anon", c: w.app.Client(w.t)})
	for _, r := range []access.Role{access.Sysadmin, access.Secadmin, access.Auditor} {
		name := "mx." + string(r)
		u := w.user(name, "矩阵"+r.Label(), "2301", r)
		add(&actor{key: string(r), role: r, level: "city", user: u})
	}
	for _, lv := range businessLevels {
		for _, r := range []access.Role{access.Leader, access.Staff} {
			name := "mx." + string(r) + "." + lv
			u := w.user(name, "矩阵"+lv+r.Label(), levelCodes[lv], r)
			add(&actor{key: string(r) + "@" + lv, role: r, level: lv, user: u})
		}
	}
	for _, a := range w.actors[1:] {
		a.c = w.signIn(a.user.Username, a.admin())
	}
}

// rec registers a marker record: seen by the levels over about, written
// by the levels over owner.
func (w *world) rec(name, marker, about, owner string) {
	w.recs[name] = &record{marker: marker, seen: above[about], written: above[owner]}
}

// makeAccounts makes the accounts the user routes act on. Those outside
// a level's reach are live (signed in), with a second factor, locked, and
// one disabled, so that a refused unlock, enable, reset or revocation
// would show.
func (w *world) makeAccounts() {
	mk := func(key, username, name, code string, role access.Role, about string) auth.User {
		u := w.user(username, name, code, role)
		w.ids[key] = strconv.FormatInt(u.ID, 10)
		w.rec(key, name, about, about)
		w.recs[key].accounts = true
		return u
	}
	mk("user.street", "mx.t.street", "甲街道对象甲", levelCodes["street"], access.Staff, "street")
	mk("user.village", "mx.t.village", "村对象乙", levelCodes["village"], access.Staff, "village")
	mk("user.sibling", "mx.t.sibling", "邻街道对象丙", levelCodes["sibling"], access.Staff, "sibling")
	mk("user.district", "mx.t.district", "区对象丁", levelCodes["district"], access.Leader, "district")
	// A leader is managed from above only: never by a peer leader.
	w.recs["user.district"].written = []string{"city"}
	mk("user.nangang", "mx.t.nangang", "南岗对象戊", "230103", access.Staff, "nangang")
	mk("user.qqhr", "mx.t.qqhr", "齐市对象己", "2302", access.Staff, "qqhr")
	mk("user.disabled", "mx.t.disabled", "邻街道停用庚", levelCodes["sibling"], access.Staff, "sibling")
	for _, name := range []string{"mx.t.sibling", "mx.t.district", "mx.t.nangang", "mx.t.qqhr"} {
		w.signIn(name, false) // a live session a revocation would end
	}
	sealed, err := w.app.Server.Deps.Vault.Seal("users.totp_secret", "JBSWY3DPEHPK3PXP")
	if err != nil {
		w.t.Fatal(err)
	}
	lock := db.Millis(time.Now().Add(time.Hour))
	w.exec(`UPDATE users SET totp_secret = ?, totp_enabled = 1, locked_until = ?, failed_logins = 3
		WHERE username IN ('mx.t.sibling', 'mx.t.district', 'mx.t.nangang', 'mx.t.qqhr', 'mx.t.disabled')`, sealed, lock)
	w.exec(`UPDATE users SET disabled = 1 WHERE username = 'mx.t.disabled'`)

	// A request by the system administrator to make the street's account
	// an auditor, waiting for the other administrator.
	rr, err := w.app.Server.Deps.Auth.RequestRole(w.ctx, w.actorOf("mx.sysadmin"), w.byKey["staff@street"].user.ID, access.Auditor)
	if err != nil {
		w.t.Fatal(err)
	}
	w.ids["role.request"] = strconv.FormatInt(rr.ID, 10)
	w.recs["role.request"] = &record{seen: []string{"city"}, written: []string{"city"}, accounts: true}
}

// makeDocs: the street drafts one document (in review) and issues another
// to its village with an attachment and a reporting requirement, which
// the village answers with a report and a file; the sibling street
// issues one to its own village.
func (w *world) makeDocs() {
	st, lead, rec := w.byKey["staff@street"].c, w.byKey["leader@street"].c, w.signIn(w.recorder("street"), false)
	// Each street numbers under its own 机关代字.
	notice := func(abbr, title, to string) map[string]any {
		return map[string]any{"type": "通知", "abbr": abbr, "title": title, "recipient_spec": []map[string]any{{"unit": to}},
			"body": []string{"请各社区妇联认真组织学习。", "请将学习情况报街道妇联。"}}
	}
	issue := func(c, reviewer, signer *testapp.Client, title, to string) string {
		id := w.api(c, "POST", "/api/v1/docs", notice("乙街妇发", title, to))
		w.api(c, "POST", "/api/v1/docs/"+id+"/submit", nil)
		w.api(reviewer, "POST", "/api/v1/docs/"+id+"/review", map[string]any{"pass": true})
		w.api(signer, "POST", "/api/v1/docs/"+id+"/sign", map[string]any{"opinion": "同意"})
		w.api(c, "POST", "/api/v1/docs/"+id+"/issue", nil)
		return id
	}
	// The draft, waiting for review.
	w.ids["doc.draft"] = w.api(rec, "POST", "/api/v1/docs", notice("甲街妇发", "矩阵甲街道草稿公文", levelCodes["village"]))
	w.api(rec, "POST", "/api/v1/docs/"+w.ids["doc.draft"]+"/submit", nil)
	w.rec("doc.draft", "矩阵甲街道草稿公文", "street", "street")

	// The issued document with its file, requirement and the village's report.
	w.ids["doc.issued"] = w.api(rec, "POST", "/api/v1/docs", notice("甲街妇发", "矩阵甲街道发村公文", levelCodes["village"]))
	id := w.ids["doc.issued"]
	r := upload(rec, w.app.URL+"/api/v1/docs/"+id+"/files", "file", "矩阵甲街道附件.pdf", pdfBytes, nil)
	if r.Status != 201 {
		w.t.Fatalf("doc file: %d %s", r.Status, r.Body)
	}
	w.ids["doc.file"] = w.idFrom(r.Body)
	w.ids["req"] = w.api(rec, "POST", "/api/v1/docs/"+id+"/requirements", map[string]any{"title": "矩阵甲街道报送要求", "department": "甲街道妇联",
		"detail": "报送学习情况", "due_date": time.Now().In(db.Shanghai).AddDate(0, 0, 7).Format(time.DateOnly)})
	w.api(rec, "POST", "/api/v1/docs/"+id+"/submit", nil)
	w.api(st, "POST", "/api/v1/docs/"+id+"/review", map[string]any{"pass": true})
	w.api(lead, "POST", "/api/v1/docs/"+id+"/sign", map[string]any{"opinion": "同意"})
	w.api(rec, "POST", "/api/v1/docs/"+id+"/issue", nil)
	w.rec("doc.issued", "矩阵甲街道发村公文", "village", "street")
	w.rec("req", "矩阵甲街道报送要求", "village", "street")

	vrec := w.signIn(w.recorder("village"), false)
	todo := vrec.Do("GET", "/api/v1/reports/todo", nil)
	var list struct {
		Items []struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		} `json:"items"`
	}
	json.Unmarshal([]byte(todo.Body), &list)
	for _, it := range list.Items {
		if strings.Contains(todo.Body, "矩阵甲街道报送要求") && it.ID != 0 {
			w.ids["report"] = strconv.FormatInt(it.ID, 10)
		}
	}
	if w.ids["report"] == "" {
		w.t.Fatalf("the village has no report to make: %s", todo.Body)
	}
	r = upload(vrec, w.app.URL+"/api/v1/reports/"+w.ids["report"]+"/files", "file", "矩阵村报送附件.pdf", pdfBytes, nil)
	if r.Status != 201 {
		w.t.Fatalf("report file: %d %s", r.Status, r.Body)
	}
	w.ids["report.file"] = w.idFrom(r.Body)
	w.api(vrec, "POST", "/api/v1/reports/"+w.ids["report"]+"/submit", map[string]any{"body": "矩阵村报送正文"})
	// The report is the village's own record, about the village.
	w.rec("report", "矩阵村报送正文", "village", "village")

	// 收文登记: the street's register holds a notice received as a text
	// file; the sibling street's its own.
	for _, x := range []struct{ level, key, title string }{{"street", "incoming", "矩阵甲街道收文"}, {"sibling", "incoming.sibling", "矩阵乙街道收文"}} {
		text := "黑龙江省妇女联合会文件\n黑妇发〔2026〕" + map[string]string{"street": "31", "sibling": "32"}[x.level] + "号\n关于" + x.title + "的通知\n各市（地）妇联：\n请认真学习。\n黑龙江省妇女联合会\n2026年3月2日\n"
		r := upload(w.signIn(w.recorder(x.level), false), w.app.URL+"/api/v1/incoming", "file", x.title+".txt", []byte(text), nil)
		if r.Status != 201 {
			w.t.Fatalf("incoming %s: %d %s", x.level, r.Status, r.Body)
		}
		w.ids[x.key] = w.idFrom(r.Body)
		w.recs[x.key] = &record{marker: "关于" + x.title, seen: []string{x.level}, written: []string{x.level}}
	}
	var fid int64
	if err := w.app.DB.QueryRow(w.ctx, `SELECT file_id FROM incoming_files WHERE incoming_id = ?`, w.ids["incoming"]).Scan(&fid); err != nil {
		w.t.Fatal(err)
	}
	w.ids["incoming.file"] = strconv.FormatInt(fid, 10)

	// The sibling's document to its own village.
	sib := w.signIn(w.recorder("sibling"), false)
	issue(sib, w.byKey["staff@sibling"].c, w.byKey["leader@sibling"].c, "矩阵乙街道公文", "230102002001")
	w.rec("doc.sibling", "矩阵乙街道公文", "sibling", "sibling")
}

// recorder is the account that records a level's fixture: a staff member
// of its own, apart from the actors, so that "one's own record" rules do
// not shape what the actors are answered.
func (w *world) recorder(level string) string {
	name := "mx.rec." + level
	if _, err := w.app.Server.Deps.Auth.UserByUsername(w.ctx, name); err != nil {
		code := levelCodes[level]
		if level == "nangang" {
			code = "230103"
		}
		w.user(name, "矩阵记录员"+level, code, access.Staff)
	}
	return name
}

func (w *world) idFrom(body string) string {
	w.t.Helper()
	var m map[string]any
	json.Unmarshal([]byte(body), &m)
	if v, ok := m["id"].(float64); ok {
		return strconv.FormatInt(int64(v), 10)
	}
	for _, x := range m {
		if inner, ok := x.(map[string]any); ok {
			if v, ok := inner["id"].(float64); ok {
				return strconv.FormatInt(int64(v), 10)
			}
		}
	}
	w.t.Fatalf("no id in %s", body)
	return ""
}

// makeWork records study, visits, needs, tasks, a quota and problems.
func (w *world) makeWork() {
	rec := w.signIn(w.recorder("street"), false)
	day := time.Now().In(db.Shanghai).AddDate(0, 0, -1).Format(time.DateOnly)
	streetRec := w.actorOf(w.recorder("street"))

	// Study: an activity with a photo.
	w.ids["study"] = w.api(rec, "POST", "/api/v1/study", map[string]any{"kind": "study", "held_on": day, "topic": "矩阵甲街道学习", "participants": 12})
	sid, _ := strconv.ParseInt(w.ids["study"], 10, 64)
	if err := w.app.Server.Deps.Study.AddPhotos(w.ctx, streetRec, sid, []study.Upload{{Name: "矩阵合影.png", Data: pngBytes}}); err != nil {
		w.t.Fatal(err)
	}
	ph, err := w.app.Server.Deps.Study.Photos(w.ctx, streetRec, sid)
	if err != nil || len(ph) != 1 {
		w.t.Fatalf("study photos: %v %v", ph, err)
	}
	w.ids["study.photo"] = strconv.FormatInt(ph[0].ID, 10)
	w.rec("study", "矩阵甲街道学习", "street", "street")
	// A unit's study is its own to change: units above read it only.
	w.recs["study"].written = []string{"street"}

	// Visits: one at the street, one at its village — recorded by the
	// street — with a photo.
	w.ids["visit"] = w.api(rec, "POST", "/api/v1/visits", map[string]any{"visited_on": day, "households": 3, "women": 4,
		"place": "矩阵甲街道小区", "notes": "矩阵甲街道走访"})
	w.rec("visit", "矩阵甲街道走访", "street", "street")
	v, err := w.app.Server.Deps.Visits.CreateVisit(w.ctx, streetRec, visit.VisitInput{OrgCode: levelCodes["village"], VisitedOn: day,
		Households: 2, Women: 3, Place: "矩阵村里小区", Notes: "矩阵街道走访村"}, []visit.Photo{{Name: "矩阵走访.png", Data: pngBytes}})
	if err != nil {
		w.t.Fatal(err)
	}
	w.ids["visit.village"] = strconv.FormatInt(v.ID, 10)
	vp, err := w.app.Server.Deps.Visits.Photos(w.ctx, streetRec, v.ID)
	if err != nil || len(vp) != 1 {
		w.t.Fatalf("visit photos: %v %v", vp, err)
	}
	w.ids["visit.photo"] = strconv.FormatInt(vp[0].ID, 10)
	w.rec("visit.village", "矩阵街道走访村", "village", "street")

	// A need at the village recorded by the street, with a task; and a
	// need of the street's own handed over to the district.
	w.ids["need.village"] = w.api(rec, "POST", "/api/v1/needs", map[string]any{"org_code": levelCodes["village"], "visit_id": v.ID,
		"category": "employment", "urgency": "normal", "summary": "矩阵街道记村妇情"})
	w.rec("need.village", "矩阵街道记村妇情", "village", "street")
	w.ids["task"] = w.api(rec, "POST", "/api/v1/needs/"+w.ids["need.village"]+"/task", map[string]any{"title": "矩阵街道为村实事",
		"owner_name": "矩阵记录员", "starts_on": day, "due_on": w.today})
	w.rec("task", "矩阵街道为村实事", "village", "street")
	w.ids["need"] = w.api(rec, "POST", "/api/v1/needs", map[string]any{"category": "employment", "urgency": "normal", "summary": "矩阵甲街道妇情"})
	w.rec("need", "矩阵甲街道妇情", "street", "street")
	w.api(rec, "POST", "/api/v1/needs/"+w.ids["need"]+"/handover", map[string]any{"to_org_code": levelCodes["district"], "reason": "需区妇联协调"})

	// A quota the district set for the street.
	dist := w.signIn(w.recorder("district"), false)
	// The street's quota measures the cadres below it too: they see it.
	w.recs["quota"] = &record{seen: above["village"], written: []string{"city", "district"}}
	w.ids["quota"] = w.api(dist, "POST", "/api/v1/visits/quotas", map[string]any{"org_code": levelCodes["street"], "metric": "women",
		"target": 10, "starts_on": day, "ends_on": w.today})

	// Problems: the street's own, with evidence, applied for 销号.
	pid, err := w.app.Server.Deps.Rectify.Create(w.ctx, streetRec, rectify.Input{Category: "style", Source: "self", Description: "矩阵甲街道问题",
		Measures: "立即整改", Responsible: "矩阵记录员", Mode: "now", FoundOn: day})
	if err != nil {
		w.t.Fatal(err)
	}
	w.ids["problem"] = strconv.FormatInt(pid, 10)
	if err := w.app.Server.Deps.Rectify.AddProgress(w.ctx, streetRec, pid, rectify.Progress{Note: "矩阵整改进展",
		Files: []rectify.Upload{{Name: "矩阵证据.png", Data: pngBytes}}}); err != nil {
		w.t.Fatal(err)
	}
	var fid int64
	if err := w.app.DB.QueryRow(w.ctx, `SELECT MAX(file_id) FROM problem_files WHERE problem_id = ?`, pid).Scan(&fid); err != nil {
		w.t.Fatalf("problem evidence: %v", err)
	}
	w.ids["problem.file"] = strconv.FormatInt(fid, 10)
	if err := w.app.Server.Deps.Rectify.Apply(w.ctx, streetRec, pid, "已整改完毕"); err != nil {
		w.t.Fatal(err)
	}
	w.rec("problem", "矩阵甲街道问题", "street", "street")

	// The sibling's and 南岗's records, which only they and their
	// superiors may see.
	sib := w.signIn(w.recorder("sibling"), false)
	w.api(sib, "POST", "/api/v1/study", map[string]any{"kind": "study", "held_on": day, "topic": "矩阵乙街道学习", "participants": 8})
	w.api(sib, "POST", "/api/v1/visits", map[string]any{"visited_on": day, "households": 1, "women": 1, "place": "矩阵乙街道小区", "notes": "矩阵乙街道走访"})
	w.api(sib, "POST", "/api/v1/needs", map[string]any{"category": "employment", "urgency": "normal", "summary": "矩阵乙街道妇情"})
	w.api(sib, "POST", "/api/v1/problems", map[string]any{"category": "style", "source": "self", "description": "矩阵乙街道问题",
		"measures": "立即整改", "responsible": "某", "mode": "now", "found_on": day})
	for _, m := range []string{"矩阵乙街道学习", "矩阵乙街道走访", "矩阵乙街道妇情", "矩阵乙街道问题"} {
		w.rec(m, m, "sibling", "sibling")
	}
	ng := w.signIn(w.recorder("nangang"), false)
	w.api(ng, "POST", "/api/v1/visits", map[string]any{"visited_on": day, "households": 1, "women": 1, "place": "矩阵南岗小区", "notes": "矩阵南岗走访"})
	w.rec("矩阵南岗走访", "矩阵南岗走访", "nangang", "nangang")
}

// makeAid: the street enters a 两癌 application with its documents, it
// passes the chain, gets an account and is paid in a batch; a 爱心妈妈
// pairing with a follow-up; an export request by the street.
func (w *world) makeAid() {
	as := w.app.Server.Deps.Aid
	w.aidYear = as.Year()
	y := strconv.Itoa(w.aidYear)
	city := w.actorOf("city.leader")
	var cycle int64
	for _, p := range []string{"cancer", "love_mother"} {
		// The demo may hold this year's cycle already.
		cs, err := as.Cycles(w.ctx, city, p)
		if err != nil {
			w.t.Fatal(err)
		}
		var c aid.Cycle
		for _, x := range cs {
			if x.Year == w.aidYear {
				c = x
			}
		}
		if c.ID == 0 {
			if c, err = as.SaveCycle(w.ctx, city, aid.CycleInput{Programme: p, Year: w.aidYear, Budget: 50_000_000,
				OpensOn: y + "-01-01", ClosesOn: y + "-12-31"}); err != nil {
				w.t.Fatalf("cycle %s: %v", p, err)
			}
		}
		if p == "cancer" {
			cycle = c.ID
		}
	}
	w.ids["cycle"] = strconv.FormatInt(cycle, 10)
	owner := w.actorOf(w.recorder("street"))
	x, err := as.Create(w.ctx, owner, aid.Input{Programme: "cancer", Name: "矩阵甲桂芝", IDNumber: idNumber("23010219750311004"),
		Phone: "13912345670", Address: "矩阵甲街道幸福路1号", Household: "dibao", MedicalConsent: true,
		Facts: map[string]string{"diagnosis": "cervical_iib", "stage": "IIIB", "hospital": "矩阵肿瘤医院"}})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := demo.AttachSamples(w.ctx, as, owner, x.ID); err != nil {
		w.t.Fatal(err)
	}
	if x, err = as.Submit(w.ctx, owner, x.ID, x.Version); err != nil {
		w.t.Fatal(err)
	}
	for _, who := range []string{"daoli.staff", "city.leader"} {
		if x, err = as.Decide(w.ctx, w.actorOf(who), x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version}); err != nil {
			w.t.Fatalf("decide as %s: %v", who, err)
		}
	}
	if _, err := as.SetAccount(w.ctx, owner, x.ID, "中国农业银行", aid.CompleteCard("621799887766550")); err != nil {
		w.t.Fatal(err)
	}
	files, err := as.Files(w.ctx, owner, x.ID)
	if err != nil || len(files) == 0 {
		w.t.Fatalf("aid files: %v", err)
	}
	w.ids["aid"] = strconv.FormatInt(x.ID, 10)
	w.ids["aid.file"] = strconv.FormatInt(files[0].ID, 10)
	w.rec("aid", "矩阵甲桂芝", "street", "street")
	// Lists show her masked: her masked ID number is her marker there.
	w.recs["aid.masked"] = &record{marker: vault.MaskID(idNumber("23010219750311004")), seen: above["street"], written: above["street"]}
	b, err := as.CreateBatch(w.ctx, city, cycle, []int64{x.ID})
	if err != nil {
		w.t.Fatal(err)
	}
	lines, err := as.BatchLines(w.ctx, city, b.ID)
	if err != nil || len(lines) != 1 {
		w.t.Fatalf("batch lines: %v", err)
	}
	w.ids["batch"], w.ids["batch.line"] = strconv.FormatInt(b.ID, 10), strconv.FormatInt(lines[0].ID, 10)

	// A 爱心妈妈 pairing approved long ago with a follow-up.
	p, err := as.Create(w.ctx, owner, aid.Input{Programme: "love_mother", Name: "矩阵甲小雨", IDNumber: idNumber("23010220140611002"),
		Household: "dibao", GuardianName: "矩阵监护人", GuardianConsent: true, Facts: map[string]string{"mother": "矩阵爱心妈妈"}})
	if err != nil {
		w.t.Fatal(err)
	}
	at := db.Millis(time.Now().AddDate(0, 0, -200))
	w.exec(`UPDATE aid_applications SET status = 'approved', level = 'city', submitted_at = ?, closed_at = ? WHERE id = ?`, at, at, p.ID)
	visited := time.Now().In(db.Shanghai).AddDate(0, 0, -120).Format(time.DateOnly)
	if _, err := as.AddFollowup(w.ctx, owner, p.ID, aid.FollowupInput{Date: visited, Notes: "矩阵走访记录"}); err != nil {
		w.t.Fatal(err)
	}
	w.ids["aid.pair"] = strconv.FormatInt(p.ID, 10)
	w.rec("aid.pair", "矩阵甲小雨", "street", "street")

	e, err := as.RequestExport(w.ctx, owner, "applications", aid.ExportParams{Programme: "cancer"}, "矩阵核对名单")
	if err != nil {
		w.t.Fatal(err)
	}
	w.ids["export"] = strconv.FormatInt(e.ID, 10)
	w.rec("export", "矩阵核对名单", "street", "street")
}

// makeOthers: small things routes take.
func (w *world) makeOthers() {
	w.ids["unit.street"] = levelCodes["street"]
	w.ids["unit.sibling"] = levelCodes["sibling"]
	w.ids["district"] = levelCodes["district"]
	// Units: seen (and acted on) from above; administrators see the tree.
	w.recs["unit.street"] = &record{marker: "", seen: above["street"], written: above["street"], accounts: true}
	w.recs["unit.sibling"] = &record{marker: "", seen: above["sibling"], written: above["sibling"], accounts: true}
	// What a unit above the street sets for it (quotas).
	w.recs["unit.street.below"] = &record{seen: above["street"], written: above["street"]}
	// Decisions on the street's records that belong to the units above it
	// (销号 of its problem), to the street over its village's report, to
	// the district that was handed the street's need, and to the city alone
	// (programmes, cycles, quotas, payment).
	// (Derived records carry no marker: the record's own does.)
	w.recs["problem.verify"] = &record{seen: above["street"], written: []string{"city", "district"}}
	w.recs["report.decide"] = &record{seen: above["village"], written: above["street"]}
	w.recs["req.dashboard"] = &record{seen: above["street"], written: above["street"]}
	w.recs["need.handover"] = &record{seen: above["street"], written: []string{"city", "district"}}
	// Signing for a document is the recipient's own act.
	w.recs["doc.receive"] = &record{seen: above["village"], written: []string{"village"}}
	w.recs["aid.city"] = &record{seen: businessLevels, written: []string{"city"}}
	w.recs["batch"] = &record{seen: above["street"], written: []string{"city"}}
	w.recs["export.decide"] = &record{seen: above["street"], written: above["street"]}
	// Only the requester downloads an approved export: no actor is her.
	w.recs["export.own"] = &record{seen: above["street"]}
	_ = fmt.Sprint
}

// makeCases makes two 巾帼维权 cases of the village. The first waits in its
// inbox (everyone at the village reads it in full) with a referral to
// 公安; the units above read it only as a line without names, so its
// narrative's marker is the village's alone. The second is escalated to
// the street, waiting for the street's leader to accept it.
func (w *world) makeCases() {
	svc := w.app.Server.Deps.Rights
	villager := w.actorOf("mx.staff.village")
	id, err := svc.Intake(w.ctx, villager, rights.Input{Channel: rights.ChannelHotline, Category: "dv",
		Narrative: "矩阵村维权案情", Phone: "13900000000"})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := svc.RecordConsent(w.ctx, villager, id, 0, rights.ConsentInput{Services: true, Refer: []string{"police"}}); err != nil {
		w.t.Fatal(err)
	}
	ref, err := svc.Refer(w.ctx, villager, id, 0, rights.ReferInput{Agency: "police"})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := svc.AddFiles(w.ctx, villager, id, 0, []rights.Upload{{Name: "矩阵伤情.png", Data: pngBytes}}); err != nil {
		w.t.Fatal(err)
	}
	k, err := svc.Get(w.ctx, villager, id)
	if err != nil || len(k.Files) != 1 {
		w.t.Fatalf("the case's photo: %v", err)
	}
	w.ids["case.file"] = strconv.FormatInt(k.Files[0].ID, 10)
	w.ids["case"], w.ids["case.referral"] = strconv.FormatInt(id, 10), strconv.FormatInt(ref, 10)
	w.recs["case"] = &record{seen: above["village"], written: []string{"village"}}
	w.rec("case.text", "矩阵村维权案情", "village", "village")
	w.recs["case.text"].seen = []string{"village"}

	moved, err := svc.Intake(w.ctx, villager, rights.Input{Channel: rights.ChannelWalkIn, Category: "marriage.divorce",
		Narrative: "矩阵村上报案情", Take: true})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := svc.Escalate(w.ctx, villager, moved, 0, "需要街道协调"); err != nil {
		w.t.Fatal(err)
	}
	c, err := svc.Get(w.ctx, villager, moved)
	if err != nil {
		w.t.Fatal(err)
	}
	w.ids["case.moved"], w.ids["case.move"] = strconv.FormatInt(moved, 10), strconv.FormatInt(c.Moves[0].ID, 10)
	// Its handler and her leader read it, and the street's leader it was
	// sent to: a marker seen by levels is not the rule, so it has none.
	w.recs["case.moved"] = &record{seen: above["village"], written: []string{"village"}}
}
