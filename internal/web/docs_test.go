package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// ui drives the HTML pages as one signed-in user.
type ui struct {
	t   *testing.T
	app *testapp.App
	c   *testapp.Client
}

func signIn(t *testing.T, app *testapp.App, username string) *ui {
	t.Helper()
	c := app.Client(t)
	c.Login(username)
	return &ui{t: t, app: app, c: c}
}

// get fetches a page and expects status; a 403 or 404 must be the
// generic refusal page of its status (see refused for the others).
func (u *ui) get(path string, want int) string {
	u.t.Helper()
	r := u.c.Do("GET", path, nil)
	if r.Status != want {
		u.t.Fatalf("GET %s: %d, want %d\n%s", path, r.Status, want, excerpt(r.Body))
	}
	u.generic("GET "+path, r)
	return r.Body
}

// post sends a form and expects status; for a redirect it returns the
// page redirected to (with its flash), else the response body. A 403 or
// 404 must be the generic refusal page of its status (see refused for
// the others).
func (u *ui) post(path string, form url.Values, want int) string {
	u.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	r := u.c.Do("POST", path, form)
	if r.Status != want {
		u.t.Fatalf("POST %s: %d, want %d\n%s", path, r.Status, want, excerpt(r.Body))
	}
	u.generic("POST "+path, r)
	if r.Status == http.StatusSeeOther {
		return u.get(r.Header.Get("Location"), http.StatusOK)
	}
	return r.Body
}

// genericPage is the message of the refusal page of a status when
// nothing more particular is said: the role's refusal, and the record
// out of scope (a missing route shows another 404 message).
var genericPage = map[int]string{http.StatusForbidden: pageDenied, http.StatusNotFound: pageNotFound}

func (u *ui) generic(what string, r testapp.Response) {
	u.t.Helper()
	if msg, ok := genericPage[r.Status]; ok {
		if got := errorMessage(r.Body); got != msg {
			u.t.Fatalf("%s: %d %q, want %q", what, r.Status, got, msg)
		}
	}
}

// refused sends a request (a form for POST) that must be refused with
// exactly the status and the message on the page.
func (u *ui) refused(method, path string, form url.Values, status int, msg string) {
	u.t.Helper()
	var body any // a GET sends no body
	if method == "POST" {
		if form == nil {
			form = url.Values{}
		}
		body = form
	}
	r := u.c.Do(method, path, body)
	if got := errorMessage(r.Body); r.Status != status || got != msg {
		u.t.Fatalf("%s %s: %d %q, want %d %q\n%s", method, path, r.Status, got, status, msg, excerpt(r.Body))
	}
}

// postLocation sends a form that must redirect and returns where to.
func (u *ui) postLocation(path string, form url.Values) string {
	u.t.Helper()
	r := u.c.Do("POST", path, form)
	if r.Status != http.StatusSeeOther {
		u.t.Fatalf("POST %s: %d, want 303\n%s", path, r.Status, excerpt(r.Body))
	}
	return r.Header.Get("Location")
}

// upload posts one file as multipart/form-data.
func (u *ui) upload(path, field, name string, data []byte, extra url.Values) testapp.Response {
	u.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range extra {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if name != "" {
		fw, err := mw.CreateFormFile(field, name)
		if err != nil {
			u.t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", u.app.URL+path, &body)
	if err != nil {
		u.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := u.c.HTTP.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return testapp.Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func excerpt(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		s = s[:3000]
	}
	return s
}

func must(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Fatalf("page lacks %q\n%s", w, excerpt(body))
		}
	}
}

func mustNot(t *testing.T, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Fatalf("page shows %q\n%s", w, excerpt(body))
		}
	}
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func idAfter(t *testing.T, loc, prefix string) string {
	t.Helper()
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `(\d+)`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("redirect %q is not under %s", loc, prefix)
	}
	return m[1]
}

// addUser creates an account unless the demo data already has it.
func addUser(t *testing.T, app *testapp.App, username, name, code string, role access.Role) {
	t.Helper()
	if u, err := app.Server.Deps.Auth.UserByUsername(context.Background(), username); err == nil {
		if u.OrgCode != code || u.Role != role {
			t.Fatalf("demo account %s is %s at %s", username, u.Role, u.OrgCode)
		}
		return
	}
	if _, err := app.Server.Deps.Auth.CreateUserAsOperator(context.Background(), auth.NewUser{Username: username, DisplayName: name,
		Password: testapp.Password, OrgCode: code, Role: role}); err != nil {
		t.Fatalf("user %s: %#v", username, err)
	}
}

// shanghaiDay is a date n days from today in Beijing time.
func shanghaiDay(n int) string {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return time.Now().In(loc).AddDate(0, 0, n).Format("2006-01-02")
}

func thisYear() string {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return strconv.Itoa(time.Now().In(loc).Year())
}

const noticeTitle = "哈尔滨市妇联关于认真学习贯彻中央党的群团工作会议精神的通知"

func noticeForm() url.Values {
	return url.Values{
		"type": {"通知"}, "abbr": {"哈妇发"}, "issuer_mark": {"哈尔滨市妇女联合会文件"}, "title": {noticeTitle},
		"r_group":   {"district"},
		"body":      {"各级妇联组织要把认真学习贯彻习近平总书记重要讲话精神作为首要政治任务。\r\n\r\n请各地妇联将学习贯彻情况及时报市妇联宣传部。"},
		"signature": {"哈尔滨市妇女联合会"}, "printed_by": {"哈尔滨市妇女联合会"}, "seal": {"1"},
	}
}

// loop is the documents' half of the notice's loop, driven through the
// forms: the city drafts to 各区县（市）妇联 with a requirement, a second
// staff member reviews, the leader signs, the drafter issues.
type loop struct {
	app                   *testapp.App
	staff, office, leader *ui
	docID, reqID          string
	docPath               string
}

func issueNotice(t *testing.T, app *testapp.App, checks bool) *loop {
	t.Helper()
	addUser(t, app, "city.office", "赵敏（办公室）", "2301", access.Staff)
	l := &loop{app: app, staff: signIn(t, app, "city.staff"), office: signIn(t, app, "city.office"), leader: signIn(t, app, "city.leader")}
	d := app.DB
	docsBefore := count(t, d, `SELECT COUNT(*) FROM documents`)

	// The new-draft form is prefilled from the unit's defaults.
	page := l.staff.get("/docs/new", http.StatusOK)
	must(t, page, `value="哈尔滨市妇女联合会文件"`, `name="r_group" value="district"`, "各区县（市）妇联", `name="version"`)

	if checks {
		// Bad input: the messages beside the fields, 422, nothing created.
		bad := noticeForm()
		bad.Set("title", "")
		bad.Set("abbr", "HF")
		bad.Del("r_group")
		bad.Set("r_units", "999999")
		body := l.staff.post("/docs", bad, http.StatusUnprocessableEntity)
		must(t, body, "请填写标题", "机关代字为 2–8 个汉字", `aria-invalid="true"`, "各级妇联组织要把认真学习", `value="999999"`)
		bad = noticeForm()
		bad.Set("r_units", "999999")
		body = l.staff.post("/docs", bad, http.StatusUnprocessableEntity)
		must(t, body, "单位代码“999999”不是本单位的下级组织", `value="district" checked`)
		if n := count(t, d, `SELECT COUNT(*) FROM documents`); n != docsBefore {
			t.Fatalf("a refused draft was stored: %d documents", n)
		}
	}

	loc := l.staff.postLocation("/docs", noticeForm())
	l.docID = idAfter(t, loc, "/docs/")
	l.docPath = "/docs/" + l.docID
	page = l.staff.get(l.docPath, http.StatusOK)
	must(t, page, "公文草稿已保存", "起草中", "各区县（市）妇联：", "请各地妇联将学习贯彻情况及时报市妇联宣传部。", `id="submit-doc"`)

	// A reporting requirement, before issue.
	req := url.Values{"title": {"学习贯彻情况"}, "department": {"市妇联宣传部"}, "due_date": {"2015-08-31"},
		"field_label": {"专题学习场次", "参加人数", ""}, "field_unit": {"场", "人", ""}}
	if checks {
		body := l.staff.post(l.docPath+"/requirements", req, http.StatusUnprocessableEntity)
		must(t, body, "截止日期不能早于今天", `value="专题学习场次"`)
		if n := count(t, d, `SELECT COUNT(*) FROM requirements WHERE doc_id = ?`, l.docID); n != 0 {
			t.Fatalf("a refused requirement was stored")
		}
	}
	req.Set("due_date", shanghaiDay(10))
	page = l.staff.post(l.docPath+"/requirements", req, http.StatusSeeOther)
	must(t, page, "已添加报送要求", "学习贯彻情况", "市妇联宣传部", "专题学习场次（场）、参加人数（人）")

	if checks {
		// Issuing an unsigned draft is refused; nothing changes.
		page = l.staff.post(l.docPath+"/issue", nil, http.StatusSeeOther)
		must(t, page, `flash flash-error`, "该公文当前状态为“起草中”，不能印发")
		if n := count(t, d, `SELECT COUNT(*) FROM documents WHERE id = ? AND status = 'draft' AND number = ''`, l.docID); n != 1 {
			t.Fatal("an unsigned draft was issued")
		}
	}

	page = l.staff.post(l.docPath+"/submit", nil, http.StatusSeeOther)
	must(t, page, "已送审", "待审核")

	if checks {
		// The drafter may not review their own draft.
		page = l.staff.post(l.docPath+"/review", url.Values{"decision": {"pass"}}, http.StatusSeeOther)
		must(t, page, "flash flash-error", "不能由同一账号完成申请和审批")
		// Returning without a reason: the message beside the field.
		body := l.office.post(l.docPath+"/review", url.Values{"decision": {"return"}, "note": {" "}}, http.StatusUnprocessableEntity)
		must(t, body, "退回时请写明退回理由", `id="f-review-note"`)
		if n := count(t, d, `SELECT COUNT(*) FROM documents WHERE id = ? AND status = 'reviewing'`, l.docID); n != 1 {
			t.Fatal("a refused review changed the document")
		}
		// Staff cannot sign.
		l.staff.refused("POST", l.docPath+"/sign", url.Values{"decision": {"sign"}}, http.StatusForbidden, actionDenied)
	}
	page = l.office.post(l.docPath+"/review", url.Values{"decision": {"pass"}, "note": {"文字已核"}}, http.StatusSeeOther)
	must(t, page, "审核通过", "待签发", "文字已核")

	page = l.leader.get(l.docPath, http.StatusOK)
	must(t, page, `id="sign-doc"`)
	page = l.leader.post(l.docPath+"/sign", url.Values{"decision": {"sign"}, "opinion": {"同意印发"}}, http.StatusSeeOther)
	must(t, page, "已签发", "同意印发", "签发人：杨杰")
	if checks {
		page = l.leader.post(l.docPath+"/sign", url.Values{"decision": {"sign"}, "opinion": {"同意"}}, http.StatusSeeOther)
		must(t, page, "flash flash-error", "不能重复签发")
	}

	page = l.staff.post(l.docPath+"/issue", nil, http.StatusSeeOther)
	number := "哈妇发〔" + thisYear() + "〕1号"
	must(t, page, "已登记印发，发文字号 "+number, `id="doc-number">`+number, "已印发", "已签收 0 / 18")
	l.reqID = regexp.MustCompile(`href="/docs/` + l.docID + `/requirements/(\d+)"`).FindStringSubmatch(page)[1]
	return l
}

// TestDocumentLoop drives a notice from the drafting form to distribution
// and receipt, with the refused cases on the way: every bad input gives
// its Chinese message and changes nothing.
func TestDocumentLoop(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		l := issueNotice(t, app, true)

		// A signed document cannot change; a correction is a new draft.
		form := noticeForm()
		form.Set("version", "1")
		body := l.staff.post(l.docPath+"/edit", form, http.StatusConflict)
		must(t, body, "不能修改")
		if r := l.staff.c.Do("GET", l.docPath+"/edit", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("edit page of an issued document: %d", r.Status)
		}

		// A district signs for it, once.
		daoli := signIn(t, app, "daoli.staff")
		home := daoli.get("/", http.StatusOK)
		must(t, home, "待签收公文", noticeTitle, "通知（")
		page := daoli.get(l.docPath, http.StatusOK)
		must(t, page, `id="receive-doc"`, noticeTitle)
		mustNot(t, page, `id="receipt-list"`) // the distribution is the sender's
		page = daoli.post(l.docPath+"/receive", nil, http.StatusSeeOther)
		must(t, page, "已签收", `id="received"`)
		page = daoli.post(l.docPath+"/receive", nil, http.StatusSeeOther)
		must(t, page, "flash flash-error", "不能重复签收")
		inbox := daoli.get("/docs?box=received", http.StatusOK)
		must(t, inbox, noticeTitle, "已签收")

		// The sender sees who has and who has not signed for it.
		page = l.staff.get(l.docPath, http.StatusOK)
		must(t, page, "已签收 1 / 18", "道里区妇联", "未签收")
		list := l.staff.get("/docs?box=issued&q="+url.QueryEscape("哈妇发〔"), http.StatusOK)
		must(t, list, noticeTitle, "哈妇发〔"+thisYear()+"〕1号")
		list = l.staff.get("/docs?box=issued&q="+url.QueryEscape("没有这个标题"), http.StatusOK)
		must(t, list, "没有符合条件的公文")

		// The GB/T 9704 print view, for those who may see the document.
		print := daoli.get(l.docPath+"/print", http.StatusOK)
		must(t, print, noticeTitle, `href="/docs/print.css"`)
		if r := daoli.c.Do("GET", "/docs/print.css", nil); r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
			t.Fatalf("print.css: %d %s", r.Status, r.Header.Get("Content-Type"))
		}

		// A street under 道里 is not a recipient: the page does not exist for it.
		street := signIn(t, app, "street.staff")
		street.get(l.docPath, http.StatusNotFound)
		street.get(l.docPath+"/print", http.StatusNotFound)
		street.get(l.docPath+"/requirements/"+l.reqID, http.StatusNotFound)

		// A correction starts a new draft referring to the original.
		loc := l.staff.postLocation(l.docPath+"/correct", nil)
		newID := idAfter(t, loc, "/docs/")
		if newID == l.docID {
			t.Fatal("the correction reused the document")
		}
		page = l.staff.get("/docs/"+newID, http.StatusOK)
		must(t, page, "关于更正《"+noticeTitle+"》的通知", "这是一份更正文件")
	})
}

// TestDraftEditingAndAttachments covers the edit form: versions with the
// stale-save conflict, and attachments of forbidden types, false content
// and excess size refused beside the upload field.
func TestDraftEditingAndAttachments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		staff := signIn(t, app, "city.staff")
		loc := staff.postLocation("/docs", noticeForm())
		id := idAfter(t, loc, "/docs/")
		path := "/docs/" + id

		page := staff.get(path+"/edit", http.StatusOK)
		must(t, page, `name="version" value="1"`, `id="upload-form"`, noticeTitle, `value="district" checked`)
		form := noticeForm()
		form.Set("version", "1")
		form.Set("title", "关于学习贯彻群团工作会议精神的通知")
		form.Set("r_units", "230102001")
		form.Set("r_subtree", "1")
		page = staff.post(path+"/edit", form, http.StatusSeeOther)
		must(t, page, "第 2 版", "关于学习贯彻群团工作会议精神的通知", "各区县（市）妇联，兆麟街道妇联及所属组织：")

		// Someone saved in between: the conflict message, the text kept.
		form.Set("title", "我的修改不能丢")
		body := staff.post(path+"/edit", form, http.StatusConflict)
		must(t, body, "已被他人修改", `value="我的修改不能丢"`, "打开最新版本")
		if n := count(t, d, `SELECT COUNT(*) FROM documents WHERE id = ? AND version = 2 AND title = ?`, id, "关于学习贯彻群团工作会议精神的通知"); n != 1 {
			t.Fatal("a stale save changed the document")
		}
		page = staff.get(path, http.StatusOK)
		must(t, page, "版本记录", "第 2 版", "第 1 版")

		// Attachments.
		stored := func() int { return count(t, d, `SELECT COUNT(*) FROM document_files WHERE doc_id = ?`, id) }
		r := staff.upload(path+"/files", "file", "setup.exe", []byte("MZ\x90\x00"), nil)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "不接受该类型的文件“setup.exe”") || !strings.Contains(r.Body, `id="f-file-error"`) {
			t.Fatalf(".exe: %d\n%s", r.Status, excerpt(r.Body))
		}
		r = staff.upload(path+"/files", "file", "通知.pdf", []byte("<html>not a pdf</html>"), nil)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "内容与扩展名不符") {
			t.Fatalf("fake .pdf: %d\n%s", r.Status, excerpt(r.Body))
		}
		big := append([]byte("%PDF-1.4\n"), make([]byte, 20<<20)...)
		r = staff.upload(path+"/files", "file", "大文件.pdf", big, nil)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "超过 20 MB 的上限") {
			t.Fatalf("21 MB .pdf: %d\n%s", r.Status, excerpt(r.Body))
		}
		huge := append([]byte("%PDF-1.4\n"), make([]byte, 22<<20)...)
		r = staff.upload(path+"/files", "file", "更大.pdf", huge, nil)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "超过 20 MB 的上限") {
			t.Fatalf("22 MB body: %d\n%s", r.Status, excerpt(r.Body))
		}
		r = staff.upload(path+"/files", "file", "", nil, nil)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请选择要上传的文件") {
			t.Fatalf("no file: %d", r.Status)
		}
		if n := stored(); n != 0 {
			t.Fatalf("%d refused attachments stored", n)
		}
		pdf := []byte("%PDF-1.4\n% 学习资料\n%%EOF\n")
		r = staff.upload(path+"/files", "file", "学习资料.pdf", pdf, nil)
		if r.Status != http.StatusSeeOther || stored() != 1 {
			t.Fatalf("good .pdf: %d", r.Status)
		}
		page = staff.get(path, http.StatusOK)
		m := regexp.MustCompile(`href="(/docs/` + id + `/files/\d+)">学习资料.pdf`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("attachment not listed\n%s", excerpt(page))
		}
		dl := staff.c.Do("GET", m[1], nil)
		if dl.Status != http.StatusOK || dl.Body != string(pdf) || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("download: %d %q", dl.Status, dl.Header.Get("Content-Disposition"))
		}
		// Another district cannot fetch it (the draft is not theirs to see).
		signIn(t, app, "daoli.staff").get(m[1], http.StatusNotFound)
		page = staff.post(m[1]+"/delete", nil, http.StatusSeeOther)
		must(t, page, "已删除附件")
		if stored() != 0 {
			t.Fatal("attachment not removed")
		}
	})
}

// TestDocImportForm: the seed notice becomes a prefilled drafting form;
// a text that is not a 公文 says what was found and missing and creates
// nothing.
func TestDocImportForm(t *testing.T) {
	seed, err := os.ReadFile("../docimport/testdata/seed_000.txt")
	if err != nil {
		t.Fatal(err) // the seed text is part of the repository
	}
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		staff := signIn(t, app, "city.staff")
		before := count(t, d, `SELECT COUNT(*) FROM documents`)
		must(t, staff.get("/docs/import", http.StatusOK), `id="import-form"`)

		r := staff.upload("/docs/import", "file", "通知.txt", seed, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("import: %d\n%s", r.Status, excerpt(r.Body))
		}
		must(t, r.Body, `id="import-note"`, "原发文字号 哈妇发〔2015〕9号", `value="哈尔滨市妇女联合会文件"`, `value="`+noticeTitle+`"`,
			`value="district" checked`, `value="organ" checked`, `value="member" checked`, `value="哈妇发"`, `value="2015-08-11"`,
			"请各地妇联将学习贯彻情况及时报市妇联宣传部", `value="杨杰"`, `action="/docs"`)

		// The same kind of notice as a Word file and as an OFD: read by
		// content, whatever the name says (the OFD is sent without one).
		for _, x := range []struct{ file, name string }{{"notice.docx", "市妇联通知.docx"}, {"notice.ofd", "市妇联通知"}} {
			data, err := os.ReadFile("../demo/samples/" + x.file)
			if err != nil {
				t.Fatal(err)
			}
			r = staff.upload("/docs/import", "file", x.name, data, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d\n%s", x.file, r.Status, excerpt(r.Body))
			}
			must(t, r.Body, `id="import-note"`, "原发文字号 哈妇发〔2016〕12号", "巾帼文明岗", `value="2016-05-10"`)
		}

		r = staff.upload("/docs/import", "", "", nil, url.Values{"text": {"周末去超市：鸡蛋两斤，牛奶一箱，青菜若干。\n记得带购物袋。"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("not a document: %d", r.Status)
		}
		must(t, r.Body, "这段文字不像一份公文", "缺少的要素", "发文字号", "没有生成草稿")
		// A file that is not what its name says, and a broken PDF: the
		// reason beside the file field.
		r = staff.upload("/docs/import", "file", "notice.pdf", []byte("PK\x03\x04 not a pdf"), nil)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("mismatched import: %d", r.Status)
		}
		must(t, r.Body, `id="f-file-error"`, "文件名是 .pdf，但内容是压缩包")
		r = staff.upload("/docs/import", "file", "notice.pdf", []byte("%PDF-1.4\n%%EOF\n"), nil)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("broken pdf import: %d", r.Status)
		}
		must(t, r.Body, `id="f-file-error"`)
		if n := count(t, d, `SELECT COUNT(*) FROM documents`); n != before {
			t.Fatalf("import created %d documents", n-before)
		}
	})
}

// TestDocPagesForAdministrators: the administrator roles run the system;
// the document, reporting and notification pages are not theirs.
func TestDocPagesForAdministrators(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		c := app.Client(t)
		c.LoginAdmin("admin")
		for _, p := range []string{"/docs", "/docs/1", "/docs/new", "/reports/todo", "/notices", "/docs/1/requirements/1"} {
			refusedPage(t, "admin GET "+p, c.Do("GET", p, nil), http.StatusForbidden, pageDenied)
		}
		home := c.Do("GET", "/", nil)
		if home.Status != http.StatusOK || strings.Contains(home.Body, `href="/docs"`) || strings.Contains(home.Body, `href="/notices"`) {
			t.Fatalf("admin home: %d, shows document links", home.Status)
		}
	})
}
