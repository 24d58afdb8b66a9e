package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

// aidPageLevel is a level of the tree for the aid page matrix: the own
// unit and the sibling next door, whose aid records must stay invisible.
type aidPageLevel struct {
	key, code, sibling string
	entry              string // the sibling's unit that entered its records
	chain              []string
	app, pair, file    string // the sibling's ids
	batch, line, exp   string
	mixed, mixedLine   string // a batch paying the sibling and a unit in scope; the sibling's line
	own                string // a draft in the level's own subtree
	secrets            []string
}

// TestAidHTMLAccessMatrix tries every 巾帼关爱 page and form that takes an
// id, as leader, staff, system administrator and auditor at district,
// street and village level, on the sibling unit's records: leaders and
// staff get 404 (403 where their role may not use the form at all, for
// any id, exactly as for an id that does not exist), administrators 403;
// the lists, statistics, due list, payments, ledger, export box and their
// Excel files never show the sibling's records; a drill-down into the
// sibling is 404; the aid tables do not change and no audit event holds
// the sibling's personal data.
func TestAidHTMLAccessMatrix(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		levels := []*aidPageLevel{
			{key: "district", code: "230102", sibling: "230103", entry: "230103001", chain: []string{"nangang.leader", "city.leader"}},
			{key: "street", code: "230102001", sibling: "230102002", entry: "230102002", chain: []string{"daoli.staff", "city.leader"}},
			{key: "village", code: "230102001001", sibling: "230102001002", entry: "230102001002",
				chain: []string{"street.staff", "daoli.staff", "city.leader"}},
		}
		w := newAidPageWorld(t, app)
		for i, lv := range levels {
			w.sibling(lv, i)
		}
		w.batches(levels)
		roles := []access.Role{access.Leader, access.Staff, access.Sysadmin, access.Auditor}
		clients := map[string]*testapp.Client{}
		for _, lv := range levels {
			for _, role := range roles {
				name := "am." + string(role) + "." + lv.key
				w.user(name, lv.code, role)
				clients[name] = w.signIn(name, role)
			}
		}
		before, lastSeq := aidPageState(t, d), count(t, d, `SELECT COALESCE(MAX(seq), 0) FROM audit_events`)

		for _, lv := range levels {
			for _, role := range roles {
				t.Run(string(role)+"@"+lv.key, func(t *testing.T) {
					checkAidPages(t, app, clients["am."+string(role)+"."+lv.key], lv, role)
				})
			}
		}

		if after := aidPageState(t, d); after != before {
			t.Errorf("refused requests changed the aid tables")
		}
		// The checks can see a leak: the sibling's own staff member's pages
		// show what the matrix looked for.
		for _, lv := range levels {
			owner := w.signIn("am.owner."+lv.key, access.Staff)
			for p, want := range map[string]string{"/aid": lv.secrets[3], "/aid?under=" + lv.entry: `"/aid/` + lv.app + `"`,
				"/aid/pay": `"/aid/pay/batches/` + lv.batch + `"`, "/aid/followups": `"/aid/` + lv.pair + `/followups"`,
				"/aid/exports": `id="export-` + lv.exp + `"`, "/aid/export.xlsx": lv.secrets[3], "/aid/followups.xlsx": "|" + lv.pair + "|"} {
				if r := owner.Do("GET", p, nil); r.Status != http.StatusOK || !strings.Contains(aidPageText(t, r), want) {
					t.Errorf("the sibling's staff: GET %s has no %s: %d", p, want, r.Status)
				}
			}
		}
		// Only refusals, the audited list downloads and the control's
		// sign-ins were recorded, and none names the sibling's people.
		rows, err := d.Query(context.Background(), `SELECT action, outcome, COALESCE(detail, '') FROM audit_events WHERE seq > ?`, lastSeq)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var action, outcome, detail string
			if err := rows.Scan(&action, &outcome, &detail); err != nil {
				t.Fatal(err)
			}
			if outcome == "ok" && !strings.HasSuffix(action, ".export") && action != "auth.login" {
				t.Errorf("a refused request was audited as done: %s %s", action, detail)
			}
			for _, lv := range levels {
				for _, s := range lv.secrets {
					if strings.Contains(detail, s) {
						t.Errorf("audit event %s holds personal data %q: %s", action, s, detail)
					}
				}
			}
		}
	})
}

type aidPageProbe struct {
	method, path string
	form         url.Values
	needs        access.Action // refused by role for any id when the role lacks it
	upload       bool
}

// aidPageProbes are the pages and forms on one unit's aid records.
func aidPageProbes(app, pair, file, batch, line, exp string) []aidPageProbe {
	a, p := "/aid/"+app, "/aid/"+pair
	today := time.Now().In(db.Shanghai).Format("2006-01-02")
	return []aidPageProbe{
		{method: "GET", path: a},
		{method: "GET", path: a + "/edit"},
		{method: "POST", path: a + "/edit", form: url.Values{"household": {"dibao"}, "phone": {"13900000000"}, "medical_consent": {"1"},
			"version": {"1"}}},
		{method: "POST", path: a + "/submit", form: url.Values{"version": {"1"}}},
		{method: "POST", path: a + "/decide", form: url.Values{"decision": {"return"}, "reason": {"越权退回"}, "version": {"1"}}},
		{method: "POST", path: a + "/reveal", form: url.Values{"reason": {"越权查看身份信息"}}, needs: access.RevealAid},
		{method: "POST", path: a + "/documents", upload: true},
		{method: "GET", path: a + "/documents/" + file + "/download"},
		{method: "POST", path: a + "/documents/" + file + "/delete", form: url.Values{}},
		{method: "GET", path: a + "/account"},
		{method: "POST", path: a + "/account", form: url.Values{"bank_name": {"中国银行"}, "account": {aid.CompleteCard("621700123412341")}}},
		{method: "GET", path: p},
		{method: "GET", path: p + "/followups"},
		{method: "POST", path: p + "/followups", form: url.Values{"date": {today}, "notes": {"越权走访"}}},
		{method: "POST", path: p + "/followups/reveal", form: url.Values{"reason": {"越权查看走访记录"}}, needs: access.RevealAid},
		{method: "GET", path: "/aid/pay/batches/" + batch},
		{method: "POST", path: "/aid/pay/batches/" + batch + "/lines/" + line, form: url.Values{"result": {"paid"}}, needs: access.ManageAid},
		{method: "POST", path: "/aid/pay", form: url.Values{"cycle": {"1"}, "application": {app}}, needs: access.ManageAid},
		{method: "POST", path: "/aid/exports/" + exp + "/decide", form: url.Values{"decision": {"approve"}, "note": {"越权批准"}},
			needs: access.RevealAid},
		{method: "GET", path: "/aid/exports/" + exp + "/download.xlsx"},
	}
}

func checkAidPages(t *testing.T, app *testapp.App, c *testapp.Client, lv *aidPageLevel, role access.Role) {
	clean := func(what string, r testapp.Response) {
		t.Helper()
		body := aidPageText(t, r)
		for _, s := range lv.secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s shows the sibling's %q", what, s)
			}
		}
	}
	send := func(p aidPageProbe) testapp.Response {
		t.Helper()
		if p.upload {
			return aidPageUpload(t, app, c, p.path)
		}
		if p.form != nil {
			return c.Do(p.method, p.path, p.form)
		}
		return c.Do(p.method, p.path, nil)
	}
	ghosts := aidPageProbes("987654321", "987654322", "987654323", "987654324", "987654325", "987654326")
	for i, p := range aidPageProbes(lv.app, lv.pair, lv.file, lv.batch, lv.line, lv.exp) {
		what := p.method + " " + p.path
		r := send(p)
		clean(what, r)
		want, msg := http.StatusNotFound, pageNotFound
		if role.Admin() || p.needs == access.ManageAid || p.needs != "" && !(access.Actor{Role: role}).Can(p.needs) {
			// ManageAid is the root unit's leader's alone: none of these levels.
			want, msg = http.StatusForbidden, pageDenied
		}
		refusedPage(t, what, r, want, msg)
		if g := send(ghosts[i]); !role.Admin() && (g.Status != r.Status || errorMessage(g.Body) != errorMessage(r.Body)) {
			t.Errorf("%s: %d %q, but %d %q for a record that does not exist", what, r.Status, errorMessage(r.Body), g.Status, errorMessage(g.Body))
		}
	}
	// The own draft with the sibling's file: answered exactly as with a
	// file that does not exist.
	for _, p := range []aidPageProbe{{method: "GET", path: "/aid/" + lv.own + "/documents/" + lv.file + "/download"},
		{method: "POST", path: "/aid/" + lv.own + "/documents/" + lv.file + "/delete", form: url.Values{}}} {
		what := p.method + " " + p.path
		r := send(p)
		clean(what, r)
		want, msg := http.StatusNotFound, pageNotFound
		switch {
		case role.Admin():
			want, msg = http.StatusForbidden, pageDenied
		case lv.key == "district" && p.method == "POST":
			// The draft was entered by a street below: of the units
			// above, only the collecting unit changes it, so the
			// district is refused before the file is looked up.
			want, msg = http.StatusForbidden, actionDenied
		}
		refusedPage(t, what, r, want, msg)
		ghost := p
		ghost.path = strings.Replace(p.path, "/documents/"+lv.file+"/", "/documents/987654323/", 1)
		if g := send(ghost); !role.Admin() && (g.Status != r.Status || errorMessage(g.Body) != errorMessage(r.Body)) {
			t.Errorf("%s: %d %q, but %d %q for a file that does not exist", what, r.Status, errorMessage(r.Body), g.Status, errorMessage(g.Body))
		}
	}

	// A batch paying the sibling and a unit in scope shows only the line
	// in scope.
	if lv.mixed != "" {
		r := c.Do("GET", "/aid/pay/batches/"+lv.mixed, nil)
		clean("GET the mixed batch", r)
		if role.Admin() {
			refusedPage(t, "GET the mixed batch", r, http.StatusForbidden, pageDenied)
		} else if r.Status != http.StatusOK || strings.Count(r.Body, `<tr id="line-`) != 1 ||
			strings.Contains(r.Body, `id="line-`+lv.mixedLine+`"`) || strings.Contains(r.Body, `"/aid/`+lv.app+`"`) {
			t.Errorf("GET the mixed batch shows the sibling's line: %d %s", r.Status, excerpt(r.Body))
		}
	}
	list, drill := http.StatusOK, http.StatusNotFound
	if role.Admin() {
		list, drill = http.StatusForbidden, http.StatusForbidden
	}
	for _, p := range []string{"/aid", "/aid?under=" + lv.code, "/aid?todo=1", "/aid?status=approved", "/aid/export.xlsx",
		"/aid/stats", "/aid/stats?under=" + lv.code, "/aid/followups", "/aid/followups?under=" + lv.code, "/aid/followups.xlsx",
		"/aid/pay", "/aid/pay/ledger", "/aid/pay/ledger.xlsx", "/aid/exports", "/aid/exports/new?kind=applications"} {
		r := c.Do("GET", p, nil)
		if list == http.StatusOK && r.Status != list {
			t.Errorf("GET %s: %d, want %d: %s", p, r.Status, list, excerpt(r.Body))
		} else if list != http.StatusOK {
			refusedPage(t, "GET "+p, r, list, pageDenied)
		}
		clean("GET "+p, r)
		if strings.Contains(r.Header.Get("Content-Type"), "spreadsheet") {
			for _, row := range xlsxBody(t, r.Body) {
				if len(row) > 0 && (row[0] == lv.app || row[0] == lv.pair) {
					t.Errorf("GET %s has the sibling's application %s: %v", p, row[0], row)
				}
			}
		}
		for _, href := range []string{`"/aid/` + lv.app + `"`, `"/aid/` + lv.pair + `"`, `"/aid/pay/batches/` + lv.batch + `"`,
			"/aid/exports/" + lv.exp + "/", `id="export-` + lv.exp + `"`, `id="waiting-` + lv.exp + `"`} {
			if strings.Contains(r.Body, href) {
				t.Errorf("GET %s links the sibling's record %s", p, href)
			}
		}
	}
	for _, p := range []string{"/aid?under=" + lv.sibling, "/aid/export.xlsx?under=" + lv.sibling, "/aid/stats?under=" + lv.sibling,
		"/aid/followups?under=" + lv.sibling, "/aid/followups.xlsx?under=" + lv.sibling, "/aid/exports/new?kind=applications&under=" + lv.sibling} {
		r := c.Do("GET", p, nil)
		refusedPage(t, "GET "+p, r, drill, map[int]string{http.StatusForbidden: pageDenied, http.StatusNotFound: pageNotFound}[drill])
		clean("GET "+p, r)
	}
	// A request to export the sibling's subtree records nothing.
	r := c.Do("POST", "/aid/exports", url.Values{"kind": {"applications"}, "under": {lv.sibling}, "reason": {"越权导出邻单位名单"}})
	if role.Admin() {
		refusedPage(t, "POST /aid/exports under "+lv.sibling, r, http.StatusForbidden, pageDenied)
	} else {
		refusedPage(t, "POST /aid/exports under "+lv.sibling, r, http.StatusNotFound, pageNotFound)
	}
	clean("POST /aid/exports", r)
}

// aidPageText is a response's text: a workbook's cells, joined.
func aidPageText(t *testing.T, r testapp.Response) string {
	t.Helper()
	if strings.Contains(r.Header.Get("Content-Type"), "spreadsheet") {
		return strings.Join(flatten(xlsxBody(t, r.Body)), "|")
	}
	return r.Body
}

// aidPageUpload posts a sample PDF to path as a document upload.
func aidPageUpload(t *testing.T, app *testapp.App, c *testapp.Client, path string) testapp.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("doc_key", "diagnosis")
	fw, _ := mw.CreateFormFile("file", "诊断.pdf")
	fw.Write(demo.SamplePDF("越权上传"))
	mw.Close()
	req, err := http.NewRequest("POST", app.URL+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return testapp.Response{Status: res.StatusCode, Header: res.Header, Body: b.String()}
}

// aidPageWorld makes the sibling's records through the domain, as the
// units that own them would.
type aidPageWorld struct {
	t     *testing.T
	app   *testapp.App
	svc   *aid.Service
	cycle int64
}

func newAidPageWorld(t *testing.T, app *testapp.App) *aidPageWorld {
	w := &aidPageWorld{t: t, app: app, svc: app.Server.Deps.Aid}
	y := strconv.Itoa(w.svc.Year())
	for _, p := range []string{"cancer", "love_mother"} {
		c, err := w.svc.SaveCycle(context.Background(), w.actor("city.leader"), aid.CycleInput{Programme: p, Year: w.svc.Year(),
			Budget: 50_000_000, OpensOn: y + "-01-01", ClosesOn: y + "-12-31"})
		w.check(err, "cycle")
		if p == "cancer" {
			w.cycle = c.ID
		}
	}
	return w
}

func (w *aidPageWorld) actor(username string) access.Actor {
	w.t.Helper()
	u, err := w.app.Server.Deps.Auth.UserByUsername(context.Background(), username)
	w.check(err, username)
	return u.Actor("127.0.0.1")
}

func (w *aidPageWorld) orgName(code string) string {
	w.t.Helper()
	o, err := w.app.Server.Deps.Orgs.ByCodeUnscoped(context.Background(), w.app.DB.Q(), code)
	w.check(err, code)
	return o.Name
}

func (w *aidPageWorld) check(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

func (w *aidPageWorld) user(username, code string, role access.Role) {
	w.t.Helper()
	_, err := w.app.Server.Deps.Auth.CreateUserAsOperator(context.Background(), auth.NewUser{Username: username,
		DisplayName: "矩阵" + username, Password: testapp.Password, OrgCode: code, Role: role})
	w.check(err, "create "+username)
}

// signIn is a signed-in client; the per-address sign-in throttle, which
// has tests of its own, is reset first.
func (w *aidPageWorld) signIn(username string, role access.Role) *testapp.Client {
	w.t.Helper()
	_, err := w.app.DB.Exec(context.Background(), `DELETE FROM login_attempts`)
	w.check(err, "reset the throttle")
	c := w.app.Client(w.t)
	if role.Admin() {
		c.LoginAdmin(username)
	} else {
		c.Login(username)
	}
	return c
}

// sibling records lv's sibling's aid work: a 两癌 application through the
// whole chain with documents, account, batch; a 爱心妈妈 pairing approved
// 200 days ago and visited 120 days ago (due again); an export request;
// and a draft in the level's own subtree. i keeps ID numbers apart.
func (w *aidPageWorld) sibling(lv *aidPageLevel, i int) {
	ctx := context.Background()
	n := strconv.Itoa(i)
	ownerName := "am.owner." + lv.key
	w.user(ownerName, lv.entry, access.Staff)
	owner := w.actor(ownerName)
	marker := []string{"邻区", "邻街", "邻村"}[i]
	name, address, mother := marker+"桂芝", marker+"单位幸福路"+n+"号", marker+"爱心妈妈"
	idNumber := aidID(lv.sibling[:6] + "1975031" + n + "004")
	card := aid.CompleteCard("62179988776655" + n + "1")

	x, err := w.svc.Create(ctx, owner, aid.Input{Programme: "cancer", Name: name, IDNumber: idNumber, Phone: "1391234567" + n,
		Address: address, Household: "dibao", MedicalConsent: true,
		Facts: map[string]string{"diagnosis": "cervical_iib", "stage": "IIIB", "hospital": marker + "肿瘤医院"}})
	w.check(err, "create the sibling's application")
	w.check(demo.AttachSamples(ctx, w.svc, owner, x.ID), "attach")
	x, err = w.svc.Submit(ctx, owner, x.ID, x.Version)
	w.check(err, "submit")
	for _, who := range lv.chain {
		x, err = w.svc.Decide(ctx, w.actor(who), x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version})
		w.check(err, "decide as "+who)
	}
	_, err = w.svc.SetAccount(ctx, owner, x.ID, "中国农业银行", card)
	w.check(err, "account")
	files, err := w.svc.Files(ctx, owner, x.ID)
	w.check(err, "files")

	child := aidID(lv.sibling[:6] + "2014061" + n + "002")
	p, err := w.svc.Create(ctx, owner, aid.Input{Programme: "love_mother", Name: marker + "小雨", IDNumber: child, Household: "dibao",
		GuardianName: marker + "监护", GuardianConsent: true, Facts: map[string]string{"mother": mother}})
	w.check(err, "create the pairing")
	// The review chain has tests of its own: approved by hand.
	at := db.Millis(time.Now().AddDate(0, 0, -200))
	_, err = w.app.DB.Exec(ctx, `UPDATE aid_applications SET status = 'approved', level = 'city', submitted_at = ?, closed_at = ?
		WHERE id = ?`, at, at, p.ID)
	w.check(err, "approve the pairing")
	_, err = w.svc.AddFollowup(ctx, owner, p.ID, aid.FollowupInput{Date: time.Now().In(db.Shanghai).AddDate(0, 0, -120).Format("2006-01-02"),
		Notes: marker + "走访记录"})
	w.check(err, "follow-up")

	e, err := w.svc.RequestExport(ctx, owner, "applications", aid.ExportParams{Programme: "cancer"}, "核对"+marker+"名单")
	w.check(err, "export request")

	mine := w.actor(map[string]string{"district": "street.staff", "street": "street.staff", "village": "village.staff"}[lv.key])
	o, err := w.svc.Create(ctx, mine, aid.Input{Programme: "cancer", Name: "本级桂芝", IDNumber: aidID("2301021968071" + n + "008"),
		Household: "dibao", MedicalConsent: true, Facts: map[string]string{"diagnosis": "cervical_iib", "stage": "IIIB", "hospital": "本级医院"}})
	w.check(err, "create the own draft")
	w.check(demo.AttachSamples(ctx, w.svc, mine, o.ID), "attach own")

	s := func(id int64) string { return strconv.FormatInt(id, 10) }
	lv.app, lv.pair, lv.file, lv.exp, lv.own = s(x.ID), s(p.ID), s(files[0].ID), s(e.ID), s(o.ID)
	lv.secrets = []string{marker, name, idNumber, vault.MaskID(idNumber), child, vault.MaskID(child), card, vault.MaskAccount(card),
		address, mother, "1391234567" + n, w.orgName(lv.entry), w.orgName(lv.sibling)}
}

// batches pays the siblings' applications: the village's alone; the
// street's together with the district's, in a batch 道里 sees for her
// street's line; and the district's in a batch of its own, with a second
// application of 南岗 approved by hand (the chain has tests of its own).
func (w *aidPageWorld) batches(levels []*aidPageLevel) {
	ctx := context.Background()
	owner := w.actor("am.owner.district")
	idNumber, card := aidID("23010319780808006"), aid.CompleteCard("62179966554433221")
	x, err := w.svc.Create(ctx, owner, aid.Input{Programme: "cancer", Name: "邻区秀兰", IDNumber: idNumber, Household: "dibao",
		MedicalConsent: true, Facts: map[string]string{"diagnosis": "cervical_iib", "stage": "IIIB", "hospital": "邻区医院"}})
	w.check(err, "create the district's second application")
	at := db.Millis(time.Now().AddDate(0, 0, -10))
	_, err = w.app.DB.Exec(ctx, `UPDATE aid_applications SET status = 'approved', level = 'city', submitted_at = ?, closed_at = ?
		WHERE id = ?`, at, at, x.ID)
	w.check(err, "approve")
	_, err = w.svc.SetAccount(ctx, owner, x.ID, "中国银行", card)
	w.check(err, "account")
	levels[0].secrets = append(levels[0].secrets, vault.MaskID(idNumber), card, vault.MaskAccount(card))
	batch := func(ids ...string) (string, map[string]string) {
		var apps []int64
		for _, id := range ids {
			n, _ := strconv.ParseInt(id, 10, 64)
			apps = append(apps, n)
		}
		b, err := w.svc.CreateBatch(ctx, w.actor("city.leader"), w.cycle, apps)
		w.check(err, "batch")
		lines, err := w.svc.BatchLines(ctx, w.actor("city.leader"), b.ID)
		w.check(err, "lines")
		byApp := map[string]string{}
		for _, l := range lines {
			byApp[strconv.FormatInt(l.ApplicationID, 10)] = strconv.FormatInt(l.ID, 10)
		}
		return strconv.FormatInt(b.ID, 10), byApp
	}
	district, street, village := levels[0], levels[1], levels[2]
	extra := strconv.FormatInt(x.ID, 10)
	var lines map[string]string
	district.batch, lines = batch(extra)
	district.line = lines[extra]
	street.batch, lines = batch(district.app, street.app)
	street.line = lines[street.app]
	district.mixed, district.mixedLine = street.batch, lines[district.app]
	village.batch, lines = batch(village.app)
	village.line = lines[village.app]
}

// aidPageState fingerprints every aid table (the files' chunks by count).
func aidPageState(t *testing.T, d *db.DB) string {
	t.Helper()
	h := sha256.New()
	for _, table := range []string{"aid_programmes", "aid_cycles", "aid_quotas", "aid_applications", "aid_steps", "aid_grants",
		"aid_accounts", "aid_batches", "aid_payment_lines", "aid_files", "aid_followups", "aid_exports"} {
		rows, err := d.Query(context.Background(), `SELECT * FROM `+table+` ORDER BY 1, 2`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	fmt.Fprintf(h, "chunks %d\n", count(t, d, `SELECT COUNT(*) FROM aid_file_chunks`))
	return fmt.Sprintf("%x", h.Sum(nil))
}
