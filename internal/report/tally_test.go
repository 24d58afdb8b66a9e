package report_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/notify"
	"halfsky/internal/org"
	"halfsky/internal/report"
	"halfsky/internal/tally"
	"halfsky/internal/testdb"
)

// prop drives random operations on requirements, reports and the tree.
type prop struct {
	*fx
	ctx   context.Context
	rng   *rand.Rand
	orgs  *org.Store
	city  org.Org
	reqs  []issued
	users int
	did   map[string]int // operation → how many took effect
}

type issued struct{ doc, req int64 }

// TestCountersFollowEveryChange runs thousands of random operations —
// issue a requirement to units, sign for it, save, submit, return,
// accept, ask for and grant or refuse an extension, let time pass, move a
// unit with its reports under another parent, merge units, split one — and after
// every batch asserts that the counters equal a recount of the reports at
// every unit of the tree, and that the dashboard read from the counters
// equals the one recounted from the reports, at every level.
func TestCountersFollowEveryChange(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		// HALFSKY_PROP_OPS sets the count: CI runs 1,000 per database
		// (scripts/test.sh), 2,000 by default.
		ops, batch := 2000, 100
		if n, err := strconv.Atoi(os.Getenv("HALFSKY_PROP_OPS")); err == nil && n > 0 {
			ops = n
		}
		if testing.Short() {
			ops = 300
		}
		p := newProp(t, d, 14)
		for i := 1; i <= ops; i++ {
			p.step()
			if i%batch == 0 {
				p.check(fmt.Sprintf("after %d operations", i))
			}
		}
		t.Logf("%d operations: %v", ops, p.did)
		for _, op := range []string{"issue", "receive", "save", "submit", "return", "accept", "extension", "grant", "move", "merge", "split"} {
			if p.did[op] == 0 {
				t.Errorf("no %s took effect: %v", op, p.did)
			}
		}
	})
}

func newProp(t *testing.T, d *db.DB, seed uint64) *prop {
	f := setup(t, d)
	p := &prop{fx: f, ctx: context.Background(), rng: rand.New(rand.NewPCG(seed, 2026)), orgs: &org.Store{DB: d}, did: map[string]int{}}
	var err error
	if p.city, err = p.orgs.ByCodeUnscoped(p.ctx, d.Q(), "2301"); err != nil {
		t.Fatal(err)
	}
	return p
}

// ok fails the test on anything but a refusal a random operation may
// meet (wrong status, four eyes, not found …); it says whether the
// operation took effect.
func (p *prop) ok(what string, err error) bool {
	p.t.Helper()
	if err == nil {
		p.did[what]++
		return true
	}
	var e *apperr.Error
	if errors.As(err, &e) && e.Status < http.StatusInternalServerError || errors.Is(err, db.ErrNotFound) || errors.Is(err, access.ErrDenied) {
		return false
	}
	p.t.Fatalf("%s: %v", what, err)
	return false
}

func (p *prop) step() {
	switch r := p.rng.IntN(100); {
	case r < 3 || len(p.reqs) == 0:
		p.issue()
	case r < 6:
		p.clock = p.clock.Add(time.Duration(p.rng.IntN(60)) * time.Hour)
	case r < 8:
		p.move()
	case r < 10:
		p.merge()
	case r < 11:
		p.split()
	case r < 21:
		p.receive()
	default:
		p.onReport(r)
	}
}

// units lists the active units under the city (not the city), by id.
func (p *prop) units(extra string, args ...any) []org.Org {
	p.t.Helper()
	lo, hi := access.Scope{Path: p.city.Path}.Range()
	out, err := db.All(p.ctx, p.d.Q(), func(row db.Scanner) (o org.Org, err error) {
		err = row.Scan(&o.ID, &o.Code, &o.Path, &o.Depth)
		return o, err
	}, `SELECT id, code, path, depth FROM orgs WHERE active = 1 AND path > ? AND path < ? `+extra+` ORDER BY id`, append([]any{lo, hi}, args...)...)
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

func (p *prop) pick(xs []org.Org) (org.Org, bool) {
	if len(xs) == 0 {
		return org.Org{}, false
	}
	return xs[p.rng.IntN(len(xs))], true
}

// issue sends a notice with a requirement to one to three units' subtrees.
func (p *prop) issue() {
	staff, office, leader := p.actor("city.staff"), p.actor("city.office"), p.actor("city.leader")
	f := notice()
	f.RecipientSpec = nil
	units := p.units(`AND depth <= ?`, p.city.Depth+2)
	for range 1 + p.rng.IntN(3) {
		if u, ok := p.pick(units); ok {
			f.RecipientSpec = append(f.RecipientSpec, doc.Target{Unit: u.Code, Subtree: p.rng.IntN(3) > 0})
		}
	}
	dd, err := p.docs.Create(p.ctx, staff, f)
	if !p.ok("create", err) {
		return
	}
	due := p.clock.In(db.Shanghai).AddDate(0, 0, p.rng.IntN(6)).Format("2006-01-02")
	req, err := p.reps.AddRequirement(p.ctx, staff, dd.ID, report.RequirementInput{Title: "学习贯彻情况", Department: "市妇联宣传部", DueDate: due})
	if !p.ok("requirement", err) {
		return
	}
	for _, err := range []error{p.docs.Submit(p.ctx, staff, dd.ID), p.docs.Review(p.ctx, office, dd.ID, true, ""), p.docs.Sign(p.ctx, leader, dd.ID, "")} {
		if !p.ok("workflow", err) {
			return
		}
	}
	if _, err := p.docs.Issue(p.ctx, staff, dd.ID); p.ok("issue", err) {
		p.reqs = append(p.reqs, issued{dd.ID, req.ID})
	}
}

// unitActor is a staff account of the unit (made on first use), or false
// when the unit is inactive and has none.
func (p *prop) unitActor(orgID int64) (access.Actor, bool) {
	p.t.Helper()
	var name string
	err := p.d.QueryRow(p.ctx, `SELECT username FROM users WHERE org_id = ? AND username LIKE 'p.%' ORDER BY id LIMIT 1`, orgID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		var code string
		var active bool
		if err := p.d.QueryRow(p.ctx, `SELECT code, active = 1 FROM orgs WHERE id = ?`, orgID).Scan(&code, &active); err != nil {
			p.t.Fatal(err)
		}
		if !active {
			return access.Actor{}, false
		}
		p.users++
		name = "p." + strconv.Itoa(p.users)
		if _, err := p.auth.CreateUserAsOperator(p.ctx, auth.NewUser{Username: name, DisplayName: name, Password: "test-password-2015",
			OrgCode: code, Role: access.Staff}); err != nil {
			p.t.Fatal(err)
		}
	} else if err != nil {
		p.t.Fatal(err)
	}
	return p.actor(name), true
}

// receive: a recipient unit signs for a document.
func (p *prop) receive() {
	if len(p.reqs) == 0 {
		return
	}
	r := p.reqs[p.rng.IntN(len(p.reqs))]
	ids, err := db.Column[int64](p.ctx, p.d.Q(), `SELECT org_id FROM document_recipients WHERE doc_id = ? AND signed_at IS NULL ORDER BY org_id`, r.doc)
	if err != nil {
		p.t.Fatal(err)
	}
	if len(ids) == 0 {
		return
	}
	if a, ok := p.unitActor(ids[p.rng.IntN(len(ids))]); ok {
		p.ok("receive", p.docs.Receive(p.ctx, a, r.doc))
	}
}

// onReport takes a step on a random report: its unit's or the city's.
func (p *prop) onReport(r int) {
	var n int
	if err := p.d.QueryRow(p.ctx, `SELECT COUNT(*) FROM reports`).Scan(&n); err != nil || n == 0 {
		return
	}
	var id, orgID int64
	var status, ext string
	if err := p.d.QueryRow(p.ctx, `SELECT id, org_id, status, extension_status FROM reports ORDER BY id LIMIT 1 OFFSET ?`, p.rng.IntN(n)).
		Scan(&id, &orgID, &status, &ext); err != nil {
		p.t.Fatal(err)
	}
	city := p.actor("city.staff")
	switch {
	case status == "submitted" && r < 50:
		p.ok("accept", p.reps.Accept(p.ctx, city, id))
	case status == "submitted":
		p.ok("return", p.reps.Return(p.ctx, city, id, "请补充"))
	case ext == "requested" && r < 40:
		p.ok("grant", p.reps.DecideExtension(p.ctx, city, id, true, ""))
	case ext == "requested" && r < 50:
		p.ok("refuse", p.reps.DecideExtension(p.ctx, city, id, false, "不同意"))
	default:
		a, ok := p.unitActor(orgID)
		if !ok {
			return
		}
		switch {
		case r < 35:
			p.ok("save", p.reps.Save(p.ctx, a, id, report.Input{Body: "草稿"}))
		case r < 45:
			until := p.clock.In(db.Shanghai).AddDate(0, 0, 3+p.rng.IntN(10)).Format("2006-01-02")
			p.ok("extension", p.reps.RequestExtension(p.ctx, a, id, until, "需要时间"))
		default:
			p.ok("submit", p.reps.Submit(p.ctx, a, id, report.Input{Body: "已完成"}))
		}
	}
}

// withReports picks, most of the time, an active unit at or above a
// random report's unit (below the city), else any active unit.
func (p *prop) withReports(extra string, args ...any) (org.Org, bool) {
	var path string
	if p.rng.IntN(4) > 0 && p.d.QueryRow(p.ctx, `SELECT o.path FROM reports rp JOIN orgs o ON o.id = rp.org_id ORDER BY rp.id LIMIT 1 OFFSET ?`,
		p.rng.IntN(100000)%max(1, p.count(`SELECT COUNT(*) FROM reports`))).Scan(&path) == nil {
		ids := access.PathIDs(path)[p.city.Depth+1:]
		if len(ids) > 0 {
			if u, ok := p.pick(p.units(`AND id IN (`+db.Marks(len(ids))+`) `+extra, append(db.Args(ids), args...)...)); ok {
				return u, true
			}
		}
	}
	return p.pick(p.units(extra, args...))
}

func (p *prop) count(q string, args ...any) int {
	var n int
	if err := p.d.QueryRow(p.ctx, q, args...).Scan(&n); err != nil {
		p.t.Fatal(err)
	}
	return n
}

// move puts a unit (with its subtree and reports) under another unit.
func (p *prop) move() {
	u, ok := p.withReports(`AND merged_into IS NULL`)
	if !ok {
		return
	}
	lo, hi := access.Scope{Path: u.Path}.Range()
	to, ok := p.pick(append(p.units(`AND NOT (path >= ? AND path < ?) AND depth < ?`, lo, hi, p.city.Depth+5), p.city))
	if !ok {
		return
	}
	_, err := p.orgs.MoveAsOperator(p.ctx, u.Code, to.Code)
	p.ok("move", err)
}

// merge merges a unit into another (its reports go with it, unless the
// other has its own for the same requirement).
func (p *prop) merge() {
	if p.did["merge"] >= 15 {
		return
	}
	u, ok := p.withReports(``)
	if !ok {
		return
	}
	lo, hi := access.Scope{Path: u.Path}.Range()
	to, ok := p.pick(p.units(`AND NOT (path >= ? AND path < ?)`, lo, hi))
	if p.rng.IntN(2) == 0 {
		to, ok = p.withReports(`AND NOT (path >= ? AND path < ?)`, lo, hi)
	}
	if !ok {
		return
	}
	_, err := p.orgs.Merge(p.ctx, org.Operator(), u.Code, to.Code)
	p.ok("merge", err)
}

// split splits a unit: a new unit beside it takes some of its children
// and, half the time, its own reports.
func (p *prop) split() {
	if p.did["split"] >= 10 {
		return
	}
	u, ok := p.withReports(`AND depth > ?`, p.city.Depth)
	if !ok {
		return
	}
	kids, err := db.Column[string](p.ctx, p.d.Q(), `SELECT code FROM orgs WHERE parent_id = ? ORDER BY code`, u.ID)
	if err != nil {
		p.t.Fatal(err)
	}
	p.users++
	code := "S" + strconv.Itoa(p.users)
	plan := org.SplitPlan{New: []org.NewUnit{{Code: code, Name: "拆分单位" + code, Kind: org.KindStreet}}, Children: map[string]string{}}
	for _, k := range kids {
		plan.Children[k] = []string{u.Code, code}[p.rng.IntN(2)]
	}
	if p.rng.IntN(2) == 0 {
		plan.Records = code
	}
	_, err = p.orgs.Split(p.ctx, org.Operator(), u.Code, plan)
	p.ok("split", err)
}

// check asserts counters == recount at every unit, and the dashboard from
// the counters == the dashboard recounted, at the issuer and at every
// unit below it that holds reports.
func (p *prop) check(when string) {
	p.t.Helper()
	bad, err := tally.Check(p.ctx, p.d.Q())
	if err != nil {
		p.t.Fatal(err)
	}
	if len(bad) > 0 {
		p.t.Fatalf("%s: %d counters differ from the records, e.g. %v", when, len(bad), bad[:min(5, len(bad))])
	}
	staff := p.actor("city.staff")
	// The latest requirements and a few older ones, each at the issuer
	// and at some of the units at or above a report's unit.
	reqs := p.reqs[max(0, len(p.reqs)-4):]
	for range 2 {
		reqs = append(reqs, p.reqs[p.rng.IntN(len(p.reqs))])
	}
	for _, r := range reqs {
		paths, err := db.Column[string](p.ctx, p.d.Q(), `SELECT DISTINCT o.path FROM reports rp JOIN orgs o ON o.id = rp.org_id
			WHERE rp.requirement_id = ? ORDER BY o.path`, r.req)
		if err != nil {
			p.t.Fatal(err)
		}
		seen := map[int64]bool{}
		var ids []int64
		for _, path := range paths {
			for _, id := range access.PathIDs(path) {
				if !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
		}
		p.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		ids = ids[:min(len(ids), 6)]
		nodes := []string{""}
		if len(ids) > 0 {
			codes, err := db.Column[string](p.ctx, p.d.Q(), `SELECT code FROM orgs WHERE id IN (`+db.Marks(len(ids))+`)`, db.Args(ids)...)
			if err != nil {
				p.t.Fatal(err)
			}
			nodes = append(nodes, codes...)
		}
		for _, under := range nodes {
			sameDashboard(p.t, p.ctx, p.reps, staff, r, under, when)
			// The unit list's count (from the counters) is its length.
			state := report.UnitStates[p.rng.IntN(len(report.UnitStates))].Key
			rows, total, err := p.reps.Units(p.ctx, staff, r.doc, r.req, report.UnitFilter{Under: under, State: state})
			if err != nil && !errors.Is(err, db.ErrNotFound) {
				p.t.Fatal(err)
			}
			if total != len(rows) {
				p.t.Fatalf("%s: units of %d under %q in state %q: count %d, list %d", when, r.req, under, state, total, len(rows))
			}
		}
	}
}

func sameDashboard(t *testing.T, ctx context.Context, reps *report.Service, a access.Actor, r issued, under, when string) {
	t.Helper()
	got, err := reps.Dashboard(ctx, a, r.doc, r.req, under)
	want, werr := reps.DashboardRecount(ctx, a, r.doc, r.req, under)
	if errors.Is(err, db.ErrNotFound) && errors.Is(werr, db.ErrNotFound) {
		return // a unit above the issuer
	}
	if err != nil || werr != nil {
		t.Fatalf("%s: dashboard %d under %q: %v / %v", when, r.req, under, err, werr)
	}
	if len(got.Groups) == 0 && len(want.Groups) == 0 {
		got.Groups, want.Groups = nil, nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: dashboard %d under %q from the counters:\n%+v\n%+v\nrecounted:\n%+v\n%+v", when, r.req, under,
			got.Totals, got.Groups, want.Totals, want.Groups)
	}
}

// TestCountersOnUpgrade: a database with reports from before the
// counters gets them from the migration, and its dashboard reads right.
func TestCountersOnUpgrade(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		p := newProp(t, d, 22)
		for range 200 {
			p.step()
		}
		if len(p.reqs) == 0 {
			t.Fatal("nothing issued")
		}
		// Back to the schema before the counters, reports and all.
		for _, q := range []string{`DROP TABLE tallies`, `DELETE FROM schema_migrations WHERE version >= 23`} {
			if _, err := d.Exec(p.ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := d.Migrate(p.ctx); err != nil || n != db.LatestVersion()-22 {
			t.Fatalf("migrate: %d %v", n, err)
		}
		var rows int
		if err := d.QueryRow(p.ctx, `SELECT COUNT(*) FROM tallies`).Scan(&rows); err != nil || rows == 0 {
			t.Fatalf("no counters after the upgrade: %d %v", rows, err)
		}
		p.check("after the upgrade")
		// And they keep counting.
		for range 100 {
			p.step()
		}
		p.check("after the upgrade and 100 operations")
	})
}

// TestIssuedRowsKeepTheirReferences: on PostgreSQL the rows an issue
// writes per unit (recipients, notifications, reports) have no foreign
// keys (migration 0029); what they name is guarded instead — a unit and a
// document are never deleted, a requirement with reports neither — and
// the rows name nothing that does not exist.
func TestIssuedRowsKeepTheirReferences(t *testing.T) {
	d := testdb.Postgres(t)
	p := newProp(t, d, 29)
	p.issue()
	if len(p.reqs) == 0 {
		t.Fatal("nothing issued")
	}
	x := p.reqs[0]
	var unit int64
	if err := d.QueryRow(p.ctx, `SELECT MIN(org_id) FROM reports WHERE requirement_id = ?`, x.req).Scan(&unit); err != nil || unit == 0 {
		t.Fatalf("no report: %v", err)
	}
	for _, q := range []struct {
		sql string
		arg int64
	}{{`DELETE FROM orgs WHERE id = ?`, unit}, {`DELETE FROM documents WHERE id = ?`, x.doc}, {`DELETE FROM requirements WHERE id = ?`, x.req}} {
		if _, err := d.Exec(p.ctx, q.sql, q.arg); err == nil || !strings.Contains(err.Error(), "never deleted") {
			t.Errorf("%s: %v", q.sql, err)
		}
	}
	for what, q := range map[string]string{
		"recipients":    `SELECT COUNT(*) FROM document_recipients r WHERE NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = r.org_id) OR NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = r.doc_id)`,
		"notifications": `SELECT COUNT(*) FROM notifications n WHERE n.org_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = n.org_id)`,
		"reports":       `SELECT COUNT(*) FROM reports r WHERE NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = r.org_id) OR NOT EXISTS (SELECT 1 FROM requirements q WHERE q.id = r.requirement_id)`,
	} {
		var n int
		if err := d.QueryRow(p.ctx, q).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s naming what does not exist: %d %v", what, n, err)
		}
	}
	// A notification for a unit that does not exist is not stored.
	if err := d.InTx(p.ctx, func(tx *db.Tx) error {
		return notify.ToOrgs(p.ctx, tx, []int64{unit, 987654321}, notify.Message{Kind: "test", Title: "测试"}, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.QueryRow(p.ctx, `SELECT COUNT(*) FROM notifications WHERE kind = 'test'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("notifications stored: %d %v", n, err)
	}
}
