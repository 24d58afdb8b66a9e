package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/server"
	"halfsky/internal/testapp"
)

func TestMain(m *testing.M) {
	code := Main(m)
	if seeded.dir != "" {
		os.RemoveAll(seeded.dir)
	}
	os.Exit(code)
}

// sqliteApp is a fresh halfsky over a fresh SQLite database with the whole
// Harbin tree and the demo accounts. A test's viewports share one where
// their changes cannot meet; flows that cannot share (TOTP enrolment) take
// one each.
func sqliteApp(t *testing.T) *testapp.App {
	t.Helper()
	return testapp.Start(t, seededSQLite(t))
}

// seeded is a migrated SQLite database holding what testapp.Start seeds
// (3,505 units, the demo accounts), made once per run: each app gets a copy
// of the file, which is much cheaper than seeding again under -race.
var seeded struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func seedTemplate() error {
	dir, err := os.MkdirTemp("", "halfsky-e2e-")
	if err != nil {
		return err
	}
	seeded.dir, seeded.path = dir, filepath.Join(dir, "seeded.db")
	ctx := context.Background()
	d, err := db.OpenSQLite(ctx, seeded.path)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	srv, err := server.New(testapp.Config(), d)
	if err != nil {
		return err
	}
	if _, err := demo.Seed(ctx, srv.Deps.Auth, testapp.Password, true); err != nil {
		return err
	}
	// Everything into the main file, so copying it alone is a whole copy.
	_, err = d.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// seededSQLite opens a private copy of the seeded database.
func seededSQLite(t *testing.T) *db.DB {
	t.Helper()
	seeded.once.Do(func() { seeded.err = seedTemplate() })
	if seeded.err != nil {
		t.Fatalf("seeding the template database: %v", seeded.err)
	}
	src, err := os.ReadFile(seeded.path)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "halfsky.db")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d, err := db.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// signIn logs username in through the form and expects the home page.
func signIn(t *testing.T, p *Page, username string) {
	t.Helper()
	if st := p.Login(username, testapp.Password); st != 200 || p.Path() != "/" {
		p.fatal("login %s: status %d at %s, want 200 at /", username, st, p.Path())
	}
}

// stat is one figure of a .stats block: its label and its value.
type stat struct{ Label, Value string }

func (s stat) String() string { return s.Label + "=" + s.Value }

// stats reads the figures of the first .stats block under sel.
func stats(p *Page, sel string) []stat {
	p.t.Helper()
	raw := Eval[[][]string](p, `Array.from(document.querySelectorAll(`+quote(sel+" .stat")+`)).map(function (e) {
  return [e.querySelector(".stat-label").innerText.trim(), e.querySelector(".stat-value").innerText.trim()];
})`)
	out := make([]stat, len(raw))
	for i, r := range raw {
		out[i] = stat{r[0], r[1]}
	}
	return out
}

// texts is the trimmed innerText of every element matching sel.
func texts(p *Page, sel string) []string {
	p.t.Helper()
	return Eval[[]string](p, `Array.from(document.querySelectorAll(`+quote(sel)+`)).map(function (e) { return e.innerText.trim(); })`)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// wantSubtreeCounts is what a unit's subtree holds by level, counted
// straight from the table (not through the org package), as the pages show
// it: 街道（乡镇）, 社区（村）, 新领域组织 …, then 合计.
func wantSubtreeCounts(t *testing.T, d *db.DB, code string) []stat {
	t.Helper()
	ctx := context.Background()
	rows, err := d.Query(ctx, `SELECT kind, COUNT(*) FROM orgs WHERE code LIKE ? AND code <> ? AND active = 1 GROUP BY kind`, code+"%", code)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	byKind := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		byKind[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	levels := []struct {
		label string
		kinds []string
	}{
		{"区县（市）", []string{"district"}},
		{"街道（乡镇）", []string{"street"}},
		{"社区（村）", []string{"community", "village"}},
		{"机关妇委会", []string{"organ"}},
		{"团体会员", []string{"member"}},
		{"新领域组织", []string{"newsector"}},
	}
	var out []stat
	total := 0
	for _, l := range levels {
		n := 0
		for _, k := range l.kinds {
			n += byKind[k]
		}
		if n > 0 {
			out = append(out, stat{l.label, fmt.Sprint(n)})
		}
		total += n
	}
	return append(out, stat{"合计", fmt.Sprint(total)})
}

// wantChildren are the names of a unit's direct children, from the table.
func wantChildren(t *testing.T, d *db.DB, code string) []string {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT c.name FROM orgs c JOIN orgs p ON c.parent_id = p.id WHERE p.code = ? AND c.active = 1`, code)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// The messages refused pages show, each for its own refusal.
const (
	pageDenied   = "您没有访问此页面的权限"        // the role may not use the page at all
	pageNotFound = "没有找到该记录，或不在您的管理范围内" // out of scope, or no such record
)

// wantRefusal checks the page just opened (status st) is the refusal
// with exactly the status and the message, so a missing route or another
// rule's refusal does not pass for it.
func wantRefusal(p *Page, what string, st, status int, msg string) {
	p.t.Helper()
	if st != status {
		p.fatal("%s: status %d, want %d", what, st, status)
	}
	if got := p.Text(".error-message"); got != msg {
		p.fatal("%s: the page says %q, want %q", what, got, msg)
	}
}

func wantContains(t *testing.T, p *Page, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		p.fatal("%s: %q does not contain %q", what, got, want)
	}
}
