package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTreeReshapeCommands: merge, split (preview, then from a plan file
// and from flags), rename, recode and deactivate from the command line,
// each ending with the tree check's line; bad input refused with the
// reason by its flag (exit 2), nothing changed.
func TestTreeReshapeCommands(t *testing.T) {
	each(t, func(t *testing.T) {
		must(t, "import-orgs")
		d := openDB(t)
		ctx := context.Background()
		count := func(q string, args ...any) int {
			var n int
			if err := d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		const clean = "与组织树不一致的记录：0\n"
		must(t, "user", "add", "--username", "a.staff", "--password", "冰城最美家庭2015", "--org", "230102001", "--role", "staff")
		out := must(t, "tree", "merge", "--unit", "230102001", "--into", "230102002")
		if !strings.Contains(out, "已将 兆麟街道妇联（230102001）并入 新阳路街道妇联（230102002）") || !strings.Contains(out, "账号 1 个") || !strings.HasSuffix(out, clean) {
			t.Fatalf("tree merge: %s", out)
		}
		if n := count(`SELECT COUNT(*) FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.username = 'a.staff' AND o.code = '230102002'`); n != 1 {
			t.Fatal("the account did not follow")
		}
		if n := count(`SELECT COUNT(*) FROM org_changes c JOIN orgs o ON o.id = c.org_id WHERE o.code = '230102001' AND c.kind = 'merged_into' AND c.by_user IS NULL`); n != 1 {
			t.Fatal("no history of the merge")
		}
		if code, out := run(t, "tree", "merge", "--unit", "230102003", "--into", "230102003"); code != 2 || !strings.Contains(out, "--into: 不能把单位合并到它自己") {
			t.Fatalf("merge into itself: exit %d %s", code, out)
		}
		if code, out := run(t, "tree", "recode", "--unit", "230102003", "--new-code", "230102004"); code != 2 || !strings.Contains(out, "--new-code: 该组织代码已被使用") {
			t.Fatalf("recode to a code in use: exit %d %s", code, out)
		}
		if code, out := run(t, "tree", "deactivate", "--unit", "230102003"); code != 2 || !strings.Contains(out, "该单位还有未停用的下级单位") {
			t.Fatalf("deactivate with children: exit %d %s", code, out)
		}
		// Split 230102003: its first community to a new street, from a
		// plan file; a plan missing a child is refused beside it.
		var kids []string
		rows, err := d.Query(ctx, `SELECT code FROM orgs WHERE parent_id = (SELECT id FROM orgs WHERE code = '230102003') ORDER BY code`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c string
			rows.Scan(&c)
			kids = append(kids, c)
		}
		rows.Close()
		args := []string{"tree", "split", "--unit", "230102003", "--new", "230102903:新区街道妇联:street"}
		if code, out := run(t, args...); code != 2 || !strings.Contains(out, "children."+kids[0]+": 请选择该下级单位的去向") {
			t.Fatalf("a plan missing children: exit %d %s", code, out)
		}
		for i, k := range kids {
			to := "230102003"
			if i == 0 {
				to = "230102903"
			}
			args = append(args, "--child", k+"="+to)
		}
		before := count(`SELECT COUNT(*) FROM orgs`)
		out = must(t, append(args, "--preview")...)
		if !strings.Contains(out, "预览（未作任何改动）") || !strings.Contains(out, "下级 "+kids[0]) || count(`SELECT COUNT(*) FROM orgs`) != before {
			t.Fatalf("split preview: %s", out)
		}
		plan := filepath.Join(t.TempDir(), "plan.json")
		body := `{"new":[{"code":"230102903","name":"新区街道妇联","kind":"street"}],"children":{`
		for i, k := range kids {
			to := "230102003"
			if i == 0 {
				to = "230102903"
			}
			if i > 0 {
				body += ","
			}
			body += `"` + k + `":"` + to + `"`
		}
		os.WriteFile(plan, []byte(body+`}}`), 0o644)
		out = must(t, "tree", "split", "--unit", "230102003", "--plan", plan)
		if !strings.Contains(out, "已拆分") || !strings.Contains(out, "新单位 230102903 新区街道妇联") || !strings.HasSuffix(out, clean) {
			t.Fatalf("tree split: %s", out)
		}
		if n := count(`SELECT COUNT(*) FROM orgs c JOIN orgs p ON p.id = c.parent_id WHERE c.code = ? AND p.code = '230102903'`, kids[0]); n != 1 {
			t.Fatal("the child did not move")
		}
		out = must(t, "tree", "rename", "--unit", "230102903", "--name", "兆麟新区街道妇联")
		if !strings.Contains(out, "已将 230102903 更名为 兆麟新区街道妇联") || !strings.HasSuffix(out, clean) {
			t.Fatalf("tree rename: %s", out)
		}
		out = must(t, "tree", "recode", "--unit", "230102903", "--new-code", "230102993")
		if !strings.Contains(out, "由 230102903 变更为 230102993") || !strings.HasSuffix(out, clean) {
			t.Fatalf("tree recode: %s", out)
		}
		must(t, "tree", "move", "--unit", kids[0], "--under", "230102003")
		out = must(t, "tree", "deactivate", "--unit", "230102993")
		if !strings.Contains(out, "已停用 兆麟新区街道妇联（230102993）") || !strings.HasSuffix(out, clean) {
			t.Fatalf("tree deactivate: %s", out)
		}
		if n := count(`SELECT COUNT(*) FROM audit_events WHERE username = 'operator' AND action LIKE 'org.%' AND outcome = 'ok'`); n != 6 {
			t.Fatalf("%d operator events", n)
		}
		if code, out := run(t, "tree", "frobnicate"); code != 2 || !strings.Contains(out, "unknown tree subcommand") {
			t.Fatalf("unknown subcommand: exit %d %s", code, out)
		}
	})
}
