package e2e

import (
	"slices"
	"strings"
	"testing"

	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// TestLogin: the login form's field errors, a wrong password, and a
// district leader landing on her unit's 工作台.
func TestLogin(t *testing.T) {
	t.Parallel()
	app := sqliteApp(t)
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		loginFlow(t, app, NewPage(t, app.URL, vp))
	})
}

// TestOrgTree: browsing 道里区妇联's tree, breadcrumbs, search, and a unit
// outside the user's scope.
func TestOrgTree(t *testing.T) {
	t.Parallel()
	app := sqliteApp(t)
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		p := NewPage(t, app.URL, vp)
		signIn(t, p, "daoli.leader")
		treeFlow(t, app, p)
	})
}

// TestPostgresLoginAndTree runs the core flows over PostgreSQL at the
// desktop viewport (OnDesktop; skipped without a test cluster unless the
// run requires every database).
func TestPostgresLoginAndTree(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testdb.Postgres(t))
	OnDesktop(t, func(t *testing.T, vp Viewport) {
		p := NewPage(t, app.URL, vp)
		loginFlow(t, app, p)
		treeFlow(t, app, p)
	})
}

// loginFlow starts signed out and ends signed in as daoli.leader on /.
func loginFlow(t *testing.T, app *testapp.App, p *Page) {
	t.Helper()

	// Signed out, the home page sends to the login form.
	if st := p.Open("/"); st != 200 || !strings.HasPrefix(p.Path(), "/login") {
		p.fatal("/ signed out: status %d at %s, want the login page", st, p.Path())
	}
	wantContains(t, p, "login page title", p.Title(), "登录")
	p.Screenshot("login")

	// An empty form: an error beside each field, marked for screen readers.
	if st := p.ClickNav("#login-submit"); st != 422 {
		p.fatal("empty login form: status %d, want 422", st)
	}
	if p.Path() != "/login" {
		p.fatal("empty login form went to %s", p.Path())
	}
	for field, msg := range map[string]string{"username": "请输入用户名", "password": "请输入密码"} {
		fieldError(t, p, "#f-"+field, msg)
	}
	p.Screenshot("login-empty")

	// A wrong password: a Chinese message, still on /login, the username kept.
	p.Fill("#f-username", "daoli.leader")
	p.Fill("#f-password", "not-the-password")
	if st := p.ClickNav("#login-submit"); st != 401 {
		p.fatal("wrong password: status %d, want 401", st)
	}
	if p.Path() != "/login" {
		p.fatal("wrong password went to %s", p.Path())
	}
	wantContains(t, p, "wrong password message", p.Text("#login-error"), "用户名或密码不正确")
	if v := Eval[string](p, `document.querySelector("#f-username").value`); v != "daoli.leader" {
		p.fatal("username after a wrong password = %q, want it kept", v)
	}
	if v := Eval[string](p, `document.querySelector("#f-password").value`); v != "" {
		p.fatal("the password field was sent back filled in")
	}
	p.Screenshot("login-wrong-password")

	// The right password: the 工作台 of 道里区妇联 with its subtree counts.
	p.Fill("#f-password", testapp.Password)
	if st := p.ClickNav("#login-submit"); st != 200 || p.Path() != "/" {
		p.fatal("login: status %d at %s, want 200 at /", st, p.Path())
	}
	wantContains(t, p, "home title", p.Title(), "工作台")
	wantContains(t, p, "home heading", p.Text("main h1"), "道里区妇联")
	wantContains(t, p, "home subtitle", p.Text("main .page-sub"), "230102")
	got := stats(p, "#org-stats")
	want := wantSubtreeCounts(t, app.DB, "230102")
	// The home page adds the accounts of the subtree after the unit counts.
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		p.fatal("home counts = %v, want %v first", got, want)
	}
	// Who is signed in: the header on a desktop, the menu on a phone.
	who := ".userbox .userbox-name"
	if p.VP.Phone {
		p.OpenMenu()
		who = ".menu-user .userbox-name"
	}
	if !p.Visible(who) {
		p.fatal("the signed-in user's name (%s) is not visible", who)
	}
	wantContains(t, p, "signed-in user", p.Text(who), "王丽华")
	p.Screenshot("home")
}

// fieldError checks that input sel is marked invalid and that its error
// message, containing msg, sits beside it (in the same .field) and is
// announced with it (aria-describedby).
func fieldError(t *testing.T, p *Page, sel, msg string) {
	t.Helper()
	if v := p.Attr(sel, "aria-invalid"); v != "true" {
		p.fatal("%s: aria-invalid=%q, want true", sel, v)
	}
	errID := strings.TrimPrefix(sel, "#") + "-error"
	wantContains(t, p, sel+" error", p.Text("#"+errID), msg)
	if !slices.Contains(strings.Fields(p.Attr(sel, "aria-describedby")), errID) {
		p.fatal("%s: aria-describedby=%q does not name %s", sel, p.Attr(sel, "aria-describedby"), errID)
	}
	beside := Eval[bool](p, `(function () {
  var f = document.querySelector(`+quote(sel)+`).closest(".field");
  return !!f && f.contains(document.getElementById(`+quote(errID)+`));
})()`)
	if !beside {
		p.fatal("%s: the error #%s is not in the field's own .field block", sel, errID)
	}
	if !p.Visible("#" + errID) {
		p.fatal("%s: the error #%s is not visible", sel, errID)
	}
}

// treeFlow starts signed in as daoli.leader.
func treeFlow(t *testing.T, app *testapp.App, p *Page) {
	t.Helper()

	// 组织机构 opens the user's own unit.
	if st := p.Nav("/org"); st != 200 {
		p.fatal("组织机构: status %d", st)
	}
	if got := p.Text("#unit-name"); got != "道里区妇联" {
		p.fatal("/org shows %q, want 道里区妇联", got)
	}
	if got, want := stats(p, "#unit-counts"), wantSubtreeCounts(t, app.DB, "230102"); !slices.Equal(got, want) {
		p.fatal("道里区 counts = %v, want %v", got, want)
	}
	kids := texts(p, "#children tbody tr td:first-child a")
	if got, want := sorted(kids), wantChildren(t, app.DB, "230102"); !slices.Equal(got, want) {
		p.fatal("道里区 children = %v, want %v", got, want)
	}
	if !slices.Contains(kids, "兆麟街道妇联") {
		p.fatal("道里区 children lack 兆麟街道妇联: %v", kids)
	}
	p.Screenshot("org")

	// Into a street: its communities, and the way back up.
	if st := p.ClickNav(`#children a[href="/org/230102001"]`); st != 200 || p.Path() != "/org/230102001" {
		p.fatal("street link: status %d at %s", st, p.Path())
	}
	if got := p.Text("#unit-name"); got != "兆麟街道妇联" {
		p.fatal("street page shows %q", got)
	}
	communities := wantChildren(t, app.DB, "230102001")
	if len(communities) == 0 {
		t.Fatal("the test tree has no communities under 230102001")
	}
	if got := sorted(texts(p, "#children tbody tr td:first-child a")); !slices.Equal(got, communities) {
		p.fatal("兆麟街道 children = %v, want %v", got, communities)
	}
	if got, want := stats(p, "#unit-counts"), wantSubtreeCounts(t, app.DB, "230102001"); !slices.Equal(got, want) {
		p.fatal("兆麟街道 counts = %v, want %v", got, want)
	}
	if got := p.Text(`.breadcrumbs [aria-current="page"]`); got != "兆麟街道妇联" {
		p.fatal("current breadcrumb = %q", got)
	}
	p.Screenshot("org-street")
	if st := p.ClickNav(`.breadcrumbs a[href="/org/230102"]`); st != 200 || p.Path() != "/org/230102" {
		p.fatal("breadcrumb 道里区妇联: status %d at %s", st, p.Path())
	}
	if got := p.Text("#unit-name"); got != "道里区妇联" {
		p.fatal("breadcrumb led to %q", got)
	}

	// Search by name from the unit page.
	p.Fill(`main form[role="search"] input[name="q"]`, "兆麟")
	if st := p.ClickNav(`main form[role="search"] button[type="submit"]`); st != 200 || !strings.HasPrefix(p.Path(), "/org/search") {
		p.fatal("search: status %d at %s", st, p.Path())
	}
	if v := Eval[string](p, `document.querySelector("#org-q").value`); v != "兆麟" {
		p.fatal("search box after searching = %q", v)
	}
	results := texts(p, "#results tbody tr td:first-child a")
	if !slices.Contains(results, "兆麟街道妇联") {
		p.fatal("search 兆麟: results %v lack 兆麟街道妇联", results)
	}
	for _, r := range results {
		if !strings.Contains(r, "兆麟") {
			p.fatal("search 兆麟 found %q", r)
		}
	}
	p.Screenshot("org-search")

	// A unit outside the scope is as absent as a unit that does not exist.
	wantRefusal(p, "/org/230103 (南岗, outside the scope)", p.Open("/org/230103"), 404, pageNotFound)
	wantContains(t, p, "404 page", p.Body(), "页面不存在")
	if strings.Contains(p.HTML(), "南岗区妇联") {
		p.fatal("the 404 page for 230103 names 南岗区妇联")
	}
	p.Screenshot("org-out-of-scope")
}
