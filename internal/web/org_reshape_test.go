package web_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// today is how the pages write today's date (Beijing).
func today() string {
	t := time.Now().In(time.FixedZone("CST", 8*3600))
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// TestReshapePages: the 调整 section is on a unit's page for a leader
// above it (and the system administrator), not for the unit's own people
// or staff; each form does its operation and comes back with a message;
// a refusal comes back with the reason beside the field and nothing
// changed; the split shows its preview before it is confirmed; the
// history (沿革) shows on the page with Chinese dates.
func TestReshapePages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		prints := func() map[string]string {
			return testdb.TablePrints(t, d, "audit_events", "audit_head", "sessions", "login_attempts")
		}
		leader := signIn(t, app, "daoli.leader")
		if body := leader.get("/org/230102001", http.StatusOK); !strings.Contains(body, `id="reshape"`) || !strings.Contains(body, `id="reshape-split"`) {
			t.Fatal("no 调整 section for the district's leader on a street's page")
		}
		if body := leader.get("/org/230102", http.StatusOK); strings.Contains(body, `id="reshape"`) {
			t.Fatal("a 调整 section on the leader's own unit")
		}
		if body := signIn(t, app, "daoli.staff").get("/org/230102001", http.StatusOK); strings.Contains(body, `id="reshape"`) {
			t.Fatal("a 调整 section for staff")
		}
		admin := app.Client(t)
		admin.LoginAdmin("admin")
		if r := admin.Do("GET", "/org/2301", nil); r.Status != 200 || !strings.Contains(r.Body, `id="reshape-rename"`) {
			t.Fatalf("the system administrator's page of the city: %d", r.Status)
		}

		// Rename: done, remembered, dated in Chinese.
		body := leader.post("/org/230102001/rename", url.Values{"name": {"兆麟街道妇女联合会"}}, http.StatusSeeOther)
		for _, want := range []string{"已更名为兆麟街道妇女联合会", `id="history"`, today(), "由“兆麟街道妇联”更名为“兆麟街道妇女联合会”", "王丽华"} {
			if !strings.Contains(body, want) {
				t.Fatalf("after the rename the page lacks %q", want)
			}
		}

		// Refusals beside the field, nothing changed.
		before := prints()
		body = leader.post("/org/230102001/move", url.Values{"under": {"230102001001"}}, http.StatusUnprocessableEntity)
		if !strings.Contains(body, `id="f-move-under-error">不能把单位调整到它自己或它的下级单位之下`) || !strings.Contains(body, `<details open id="reshape-move">`) {
			t.Fatalf("move under a descendant:\n%s", excerpt(body))
		}
		body = leader.post("/org/230102001/recode", url.Values{"new_code": {"230102002"}}, http.StatusConflict)
		if !strings.Contains(body, `id="f-recode-new_code-error">该组织代码已被使用`) {
			t.Fatal("recode to a code in use: no message beside the field")
		}
		body = leader.post("/org/230102001/merge", url.Values{"into": {"230103"}}, http.StatusUnprocessableEntity)
		if !strings.Contains(body, `id="f-merge-into-error">没有这个组织代码，或不在您的管理范围内`) {
			t.Fatal("merge into a unit outside the scope: no message beside the field")
		}
		body = leader.post("/org/230102001001/deactivate", nil, http.StatusConflict)
		if !strings.Contains(body, `id="f-deactivate-error">该单位还有启用的账号`) {
			t.Fatal("deactivating a unit with accounts: no message")
		}
		// A split plan that misses a child is refused beside the child.
		body = leader.post("/org/230102003/split", url.Values{"new.0.code": {"230102903"}, "new.0.name": {"新区街道妇联"}, "new.0.kind": {"street"},
			"step": {"preview"}}, http.StatusUnprocessableEntity)
		if !strings.Contains(body, `id="f-split-child-230102003001-error">请选择该下级单位的去向`) {
			t.Fatalf("a split plan missing a child:\n%s", excerpt(body))
		}
		if after := prints(); !maps.Equal(before, after) {
			t.Fatal("refused forms changed the database")
		}
		r := signIn(t, app, "street.staff").c.Do("POST", "/org/230102001001/rename", url.Values{"name": {"越权"}})
		refusedPage(t, "staff renaming", r, http.StatusForbidden, pageDenied)
		r = signIn(t, app, "nangang.leader").c.Do("POST", "/org/230102001/rename", url.Values{"name": {"越权"}})
		refusedPage(t, "a leader outside", r, http.StatusNotFound, pageNotFound)
		r = leader.c.Do("POST", "/org/230102/rename", url.Values{"name": {"越权"}})
		refusedPage(t, "a leader's own unit", r, http.StatusForbidden, "只有上级单位的负责人或系统管理员可以调整该单位")
		if after := prints(); !maps.Equal(before, after) {
			t.Fatal("refused requests changed the database")
		}

		// Split: preview (nothing changes), then confirm.
		var kids []string
		testdb.EachRow(t, d, `SELECT code FROM orgs WHERE parent_id = (SELECT id FROM orgs WHERE code = '230102003') ORDER BY code`, func(v []string) { kids = append(kids, v[0]) })
		form := url.Values{"new.0.code": {"230102903"}, "new.0.name": {"新区街道妇联"}, "new.0.kind": {"street"}, "records": {"self"}}
		for i, k := range kids {
			to := "self"
			if i == 0 {
				to = "new1"
			}
			form.Set("child."+k, to)
		}
		form.Set("step", "preview")
		body = leader.post("/org/230102003/split", form, http.StatusOK)
		if !strings.Contains(body, `id="split-preview"`) || !strings.Contains(body, `id="split-confirm"`) || !strings.Contains(body, "新设 新区街道妇联") ||
			!strings.Contains(body, kids[0]+"</span>）调整到 <span class=\"mono\">230102903</span> 之下") {
			t.Fatalf("split preview:\n%s", excerpt(body))
		}
		if after := prints(); !maps.Equal(before, after) {
			t.Fatal("the preview changed the database")
		}
		form.Set("step", "confirm")
		body = leader.post("/org/230102003/split", form, http.StatusSeeOther)
		if !strings.Contains(body, "已拆分") || !strings.Contains(body, "拆分出“新区街道妇联”") {
			t.Fatalf("after the split:\n%s", excerpt(body))
		}
		if body := leader.get("/org/230102903", http.StatusOK); !strings.Contains(body, `<span class="badge badge-blue">拆分设立</span> 由“`) || !strings.Contains(body, "”拆分设立") {
			t.Fatal("the new unit's history")
		}

		// Merge: back on the unit merged into, with its history; the
		// merged unit shows as 已撤并 with a link.
		body = leader.post("/org/230102001/merge", url.Values{"into": {"230102002"}}, http.StatusSeeOther)
		if !strings.Contains(body, "已将兆麟街道妇女联合会并入新阳路街道妇联") || !strings.Contains(body, "“兆麟街道妇女联合会”并入本单位") {
			t.Fatalf("after the merge:\n%s", excerpt(body))
		}
		body = leader.get("/org/230102001", http.StatusOK)
		if !strings.Contains(body, `id="unit-state">已撤并，并入<a href="/org/230102002">新阳路街道妇联</a>`) || strings.Contains(body, `id="reshape-merge"`) {
			t.Fatalf("the merged unit's page:\n%s", excerpt(body))
		}

		// Recode: back on the page under its new code.
		body = leader.post("/org/230102002/recode", url.Values{"new_code": {"230102092"}}, http.StatusSeeOther)
		if !strings.Contains(body, "组织代码已变更为 230102092") || !strings.Contains(body, "组织代码由 230102002 变更为 230102092") {
			t.Fatal("after the recode")
		}
		stale, err := app.Server.Deps.Orgs.Check(context.Background())
		if err != nil || len(stale) != 0 {
			t.Fatalf("tree check: %v %v", stale, err)
		}
	})
}
