package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/division"
	"halfsky/internal/idcard"
	"halfsky/internal/org"
	"halfsky/internal/rectify"
	"halfsky/internal/study"
	"halfsky/internal/tally"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
	"halfsky/internal/visit"
)

// The property test of issue 11: random changes of the tree's shape
// interleaved with random records of every work line, and after each
// batch, recomputed from scratch from a model of the tree (parent ids,
// codes, names, kinds, which units are inactive or merged into which,
// history entries, accounts) and of each record's unit:
//
//   - the tree in the database is the model's, and Store.Check finds
//     nothing out of step; every account of the cast is at the unit the
//     model says, and none enabled at an inactive unit;
//   - every record is where the model says (its unit, a need's origin and
//     pending hand-over);
//   - each viewer's lists (through the JSON API, on sessions signed in
//     before the first change, so live sessions must follow) hold exactly
//     the records whose unit is in her subtree, and single reads answer
//     200 or 404 accordingly;
//   - every count a page shows (a unit's subtree and children counts, the
//     statistics' roll-up rows per child, the work desks' figures)
//     matches a recount from the records over the model tree, and a
//     unit's page its name, state, merged_into and history.
//
// The changes of shape (treeOps: move, merge, split with or without its
// preview, rename, recode, deactivate) go through the store as the
// operator or through the API as a leader of the cast; each refusal the
// rules give is drawn too and must change nothing. Records drawn at a
// deactivated or merged unit must be refused.
//
// HALFSKY_TREE_PROP_STEPS sets the number of batches (default 3, 1 with
// -short), HALFSKY_TREE_PROP_SEED replays a run; the seed is printed when
// the test fails.

// propModules are the work lines whose records the test follows: table,
// API list, and how to read their columns for the recount (id, unit,
// origin, pending hand-over target, a date, a number, a status, closed).
var propModules = []struct {
	name, api, query string
}{
	{"study", "/api/v1/study", `SELECT id, org_id, 0, 0, held_on, participants, '', 0 FROM study_activities`},
	{"visits", "/api/v1/visits", `SELECT id, org_id, 0, 0, visited_on, women, '', 0 FROM visits`},
	{"needs", "/api/v1/needs", `SELECT n.id, n.org_id, n.origin_org_id,
		COALESCE((SELECT MAX(h.to_org_id) FROM need_handovers h WHERE h.need_id = n.id AND h.status = 'pending'), 0),
		n.recorded_on, 0, n.status, 0 FROM needs n`},
	{"tasks", "/api/v1/tasks", `SELECT id, org_id, 0, 0, starts_on, 0, status, CASE WHEN closed_on IS NULL THEN 0 ELSE 1 END FROM tasks`},
	{"problems", "/api/v1/problems", `SELECT id, org_id, 0, 0, found_on, 0, status, 0 FROM problems`},
	{"aid", "/api/v1/aid/applications", `SELECT id, org_id, 0, 0, '', year, status, 0 FROM aid_applications`},
}

// propTables are the modules' tables, as a merge or split counts what it
// hands over.
var propTables = []string{"study_activities", "visits", "needs", "tasks", "problems", "aid_applications"}

// propRec is a record as the model knows it: its unit, and for a need the
// unit it was recorded about and the unit a pending hand-over waits at.
type propRec struct {
	unit, origin, handTo int64
}

// propRow is a record as the database holds it, for the recount.
type propRow struct {
	id, unit, origin, handTo int64
	date                     string
	n                        int64
	status                   string
	closed                   bool
}

// propCast is an account the test acts and looks as.
type propCast struct {
	name   string
	unit   int64
	viewer bool // its lists are checked after every batch
	leader bool // may reshape the units strictly below hers (through the API)
}

// prop is one run: the app, the random source, the model.
type prop struct {
	t     *testing.T
	f     *fixture
	ctx   context.Context
	r     *rand.Rand
	today string
	// the tree
	parent  map[int64]int64
	code    map[int64]string
	name    map[int64]string
	kind    map[int64]org.Kind
	active  map[int64]bool
	merged  map[int64]int64 // the unit a merged unit was merged into
	history map[int64]int   // entries in each unit's history (沿革)
	byCode  map[string]int64
	extra   []int64 // units drawn at random once, so moves reach beyond the cast
	// accounts per unit: all of them, and the enabled ones
	users, enabled map[int64]int
	// records per module, by id
	recs map[string]map[int64]*propRec
	cast []propCast
	// aid inputs by application, for updates; the programme's owner unit
	aidIn    map[int64]aid.Input
	aidOwner int64
	// what happened, by operation: ok and refused
	done, refused map[string]int
	serial        int
	rootAdded     bool
	viaAPI        int // changes of shape asked for through the API, by a leader
}

func propSteps(t *testing.T) int {
	if s := os.Getenv("HALFSKY_TREE_PROP_STEPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("HALFSKY_TREE_PROP_STEPS=%q: want a positive number", s)
		}
		return n
	}
	if testing.Short() {
		return 1
	}
	return 3
}

func propSeed(t *testing.T) uint64 {
	if s := os.Getenv("HALFSKY_TREE_PROP_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("HALFSKY_TREE_PROP_SEED=%q: want a number", s)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

func TestTreeProperty(t *testing.T) {
	steps, seed := propSteps(t), propSeed(t)
	each(t, func(t *testing.T, f *fixture) {
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("replay with HALFSKY_TREE_PROP_SEED=%d HALFSKY_TREE_PROP_STEPS=%d", seed, steps)
			}
		})
		p := newProp(t, f, seed)
		p.check("start")
		for i := range steps {
			p.move() // at least one per batch
			for range p.r.IntN(4) {
				p.treeOp()
			}
			if i == 0 { // every kind of operation once; two roots, or one
				if p.r.IntN(2) == 0 {
					p.province()
				}
				for _, op := range treeOps {
					if op.name != "province" {
						op.run(p)
					}
				}
				for _, op := range recordOps {
					op.run(p)
				}
			}
			for range 3 + p.r.IntN(6) {
				p.recordOp()
			}
			p.check(fmt.Sprintf("batch %d", i+1))
		}
		t.Logf("seed %d, %d batches: done %v, refused %v; %d changes of shape through the API", seed, steps, p.done, p.refused, p.viaAPI)
		// Not blind: the tree changed in every way, and records of every
		// module were made.
		for _, op := range []string{"move", "merge", "split", "rename", "recode", "study", "visit", "need", "problem", "aid"} {
			if p.done[op] == 0 {
				t.Errorf("no %s succeeded in %d batches: %v (refused %v)", op, steps, p.done, p.refused)
			}
		}
		for _, op := range []string{"move", "merge", "split", "recode", "scope"} {
			if p.refused[op] == 0 {
				t.Errorf("no %s refused in %d batches: %v (done %v)", op, steps, p.refused, p.done)
			}
		}
	})
}

func newProp(t *testing.T, f *fixture, seed uint64) *prop {
	ctx := context.Background()
	p := &prop{t: t, f: f, ctx: ctx, r: rand.New(rand.NewPCG(seed, 11)),
		today:  time.Now().In(db.Shanghai).Format("2006-01-02"),
		parent: map[int64]int64{}, code: map[int64]string{}, name: map[int64]string{}, kind: map[int64]org.Kind{},
		active: map[int64]bool{}, merged: map[int64]int64{}, history: map[int64]int{}, byCode: map[string]int64{},
		users: map[int64]int{}, enabled: map[int64]int{},
		recs: map[string]map[int64]*propRec{}, aidIn: map[int64]aid.Input{}, done: map[string]int{}, refused: map[string]int{}}
	// The demo's work: something to see from the start, at every level.
	if err := demo.SeedWork(ctx, f.svc(), f.app.Server.Deps.Vault, time.Now()); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, o := range p.units() {
		p.parent[o.ID], p.code[o.ID], p.name[o.ID], p.kind[o.ID], p.byCode[o.Code] = o.ParentID, o.Code, o.Name, o.Kind, o.ID
		p.active[o.ID], p.merged[o.ID] = o.Active, o.MergedInto
		ids = append(ids, o.ID)
	}
	p.history = p.countBy(`SELECT org_id, COUNT(*) FROM org_changes GROUP BY org_id`)
	if err := f.app.DB.QueryRow(ctx, `SELECT owner_id FROM aid_programmes WHERE code = 'cancer'`).Scan(&p.aidOwner); err != nil {
		t.Fatal(err)
	}
	p.users = p.countBy(`SELECT org_id, COUNT(*) FROM users GROUP BY org_id`)
	p.enabled = p.countBy(`SELECT org_id, COUNT(*) FROM users WHERE disabled = 0 GROUP BY org_id`)
	for range 12 {
		p.extra = append(p.extra, ids[p.r.IntN(len(ids))])
	}
	// The records as seeded are the model's starting point.
	for _, m := range propModules {
		p.recs[m.name] = map[int64]*propRec{}
		for _, row := range p.rows(m.query) {
			p.recs[m.name][row.id] = &propRec{unit: row.unit, origin: row.origin, handTo: row.handTo}
		}
	}
	// The cast: the demo's business accounts, and staff at units drawn at
	// random (a street and a community elsewhere, another district, an
	// organ's committee), dated from the demo's start like its own.
	for _, name := range []string{"city.leader", "city.staff", "daoli.leader", "daoli.staff", "nangang.leader", "street.staff", "village.staff"} {
		u, err := f.svc().UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		p.cast = append(p.cast, propCast{name: name, unit: u.OrgID, viewer: name != "city.staff" && name != "daoli.staff",
			leader: u.Role == access.Leader})
	}
	pick := func(kinds ...org.Kind) int64 {
		for {
			id := ids[p.r.IntN(len(ids))]
			if slices.Contains(kinds, p.kind[id]) && !p.under(id, p.byCode["230102"]) {
				return id
			}
		}
	}
	for i, unit := range []int64{pick(org.KindStreet), pick(org.KindCommunity, org.KindVillage), pick(org.KindDistrict), p.byCode["2301JG01"]} {
		name := "prop" + strconv.Itoa(i+1)
		role := access.Staff
		if p.kind[unit] == org.KindDistrict {
			role = access.Leader
		}
		f.user(name, "属性测试"+strconv.Itoa(i+1), p.code[unit], role)
		p.users[unit]++
		p.enabled[unit]++
		p.cast = append(p.cast, propCast{name: name, unit: unit, viewer: true, leader: role == access.Leader})
	}
	// Sign every viewer in now: the sessions must follow every change.
	for _, c := range p.cast {
		if c.viewer {
			f.as(c.name)
		}
	}
	return p
}

// ---- the model

// units reads the tree as the database holds it.
func (p *prop) units() []org.Org {
	rows, err := p.f.app.DB.Query(p.ctx, `SELECT id, COALESCE(parent_id, 0), code, name, kind, active, COALESCE(merged_into, 0) FROM orgs ORDER BY id`)
	if err != nil {
		p.t.Fatal(err)
	}
	defer rows.Close()
	var out []org.Org
	for rows.Next() {
		var o org.Org
		var active int
		if err := rows.Scan(&o.ID, &o.ParentID, &o.Code, &o.Name, &o.Kind, &active, &o.MergedInto); err != nil {
			p.t.Fatal(err)
		}
		o.Active = active == 1
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		p.t.Fatal(err)
	}
	return out
}

// countBy reads a query of (unit, count) rows.
func (p *prop) countBy(q string) map[int64]int {
	out := map[int64]int{}
	testdbRows(p.t, p.f, q, func(u, n int64) { out[u] = int(n) })
	return out
}

// under reports whether unit u is in the subtree of top (u itself too).
func (p *prop) under(u, top int64) bool {
	for n := 0; u != 0; n++ {
		if u == top {
			return true
		}
		if n > len(p.parent) {
			p.t.Fatalf("a cycle in the model's tree at %d", u)
		}
		u = p.parent[u]
	}
	return false
}

// ancestors are u's units above it, root first.
func (p *prop) ancestors(u int64) []int64 {
	var out []int64
	for x := p.parent[u]; x != 0; x = p.parent[x] {
		out = append(out, x)
	}
	slices.Reverse(out)
	return out
}

func (p *prop) depth(u int64) int { return len(p.ancestors(u)) }

// children lists every unit's children, sorted.
func (p *prop) children() map[int64][]int64 {
	out := map[int64][]int64{}
	for id, parent := range p.parent {
		out[parent] = append(out[parent], id)
	}
	for _, c := range out {
		slices.Sort(c)
	}
	return out
}

// visible reports whether the record of module m is in the subtree at top.
func (p *prop) visible(m string, r *propRec, top int64) bool {
	if p.under(r.unit, top) {
		return true
	}
	return m == "needs" && (p.under(r.origin, top) || (r.handTo != 0 && p.under(r.handTo, top)))
}

// focus are the units the operations pick from: the cast's, the
// records', their ancestors, and a few drawn at random, sorted.
func (p *prop) focus() []int64 {
	set := map[int64]bool{}
	add := func(u int64) {
		for ; u != 0 && !set[u]; u = p.parent[u] {
			set[u] = true
		}
	}
	for _, c := range p.cast {
		add(c.unit)
	}
	for _, m := range propModules {
		for _, r := range p.recs[m.name] {
			add(r.unit)
			add(r.origin)
		}
	}
	for _, u := range p.extra {
		add(u)
	}
	out := make([]int64, 0, len(set))
	for u := range set {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

func (p *prop) one(xs []int64) int64 { return xs[p.r.IntN(len(xs))] }

// castAt lists the cast whose unit is u or above it.
func (p *prop) castAbove(u int64) []propCast {
	var out []propCast
	for _, c := range p.cast {
		if p.under(u, c.unit) {
			out = append(out, c)
		}
	}
	return out
}

func (p *prop) oneCast(cs []propCast) propCast { return cs[p.r.IntN(len(cs))] }

// actor is a cast member as a request would see her now.
func (p *prop) actor(name string) access.Actor {
	u, err := p.f.svc().UserByUsername(p.ctx, name)
	if err != nil {
		p.t.Fatalf("user %s: %v", name, err)
	}
	return u.Actor("127.0.0.1")
}

// outcome counts an operation's result; any error but a refusal the
// rules give (an apperr, access.ErrDenied or ErrNotOwner) fails the test.
func (p *prop) outcome(op string, err error) bool {
	p.t.Helper()
	var ae *apperr.Error
	switch {
	case err == nil:
		p.done[op]++
		return true
	case errors.As(err, &ae), errors.Is(err, access.ErrDenied), errors.Is(err, access.ErrNotOwner):
		p.refused[op]++
		p.t.Logf("%s refused: %v", op, err)
		return false
	}
	p.t.Fatalf("%s: %v", op, err)
	return false
}

// must is outcome for operations the model says the rules allow; what
// says who did what to which.
func (p *prop) must(op string, err error, what ...any) {
	p.t.Helper()
	if err != nil {
		p.t.Fatalf("%s %v: %v %v", op, what, err, apperr.From(err).Fields)
	}
	p.done[op]++
}

// inactiveRefused fails unless err refuses a new record at (or for) a
// deactivated or merged unit: 409 unit_inactive, or a field that says so.
func (p *prop) inactiveRefused(op string, err error, what ...any) {
	p.t.Helper()
	e := apperr.From(err)
	if e == nil || e.Status >= 500 || (e.Code != org.ErrInactive.Code && !slices.Contains(slices.Collect(maps.Values(e.Fields)), org.InactiveMessage)) {
		p.t.Fatalf("%s %v at an inactive unit: %v, want it refused", op, what, err)
	}
	p.refused[op]++
}

// ---- tree operations

// treeOps are the changes of the tree's shape the test draws from, by
// weight, each with the refusals the rules give. Each draws its arguments
// from the model, makes the change through one of its doors (reshape)
// and, when it succeeds, makes it in the model; a refusal must be the one
// the model predicts, and change nothing.
var treeOps = []struct {
	name   string
	weight int
	run    func(p *prop)
}{
	{"move", 5, (*prop).move},
	{"move-refused", 1, (*prop).moveRefused},
	{"new-unit", 2, (*prop).newUnit},
	{"province", 1, (*prop).province},
	{"merge", 4, (*prop).merge},
	{"merge-refused", 2, (*prop).mergeRefused},
	{"split", 3, (*prop).split},
	{"split-refused", 1, (*prop).splitRefused},
	{"rename", 2, (*prop).rename},
	{"recode", 2, (*prop).recode},
	{"recode-refused", 1, (*prop).recodeRefused},
	{"deactivate", 3, (*prop).deactivate},
	{"scope-refused", 1, (*prop).scopeRefused},
}

func (p *prop) treeOp() {
	sum := 0
	for _, op := range treeOps {
		sum += op.weight
	}
	x := p.r.IntN(sum)
	for _, op := range treeOps {
		if x < op.weight {
			op.run(p)
			return
		}
		x -= op.weight
	}
}

// root is the top of the tree unit u is in.
func (p *prop) root(u int64) int64 {
	for p.parent[u] != 0 {
		u = p.parent[u]
	}
	return u
}

// where draws a unit of units that ok accepts, or reports none.
func (p *prop) where(units []int64, ok func(u int64) bool) (int64, bool) {
	var in []int64
	for _, u := range units {
		if ok(u) {
			in = append(in, u)
		}
	}
	if len(in) == 0 {
		return 0, false
	}
	return p.one(in), true
}

// reshaper is who makes a change of unit u whose other ends are others:
// the command line's operator ("") or, half the time when there is one,
// a leader of the cast strictly above u with the others in her scope.
func (p *prop) reshaper(u int64, others ...int64) string {
	var ls []string
	for _, c := range p.cast {
		if !c.leader || c.unit == u || !p.under(u, c.unit) {
			continue
		}
		if !slices.ContainsFunc(others, func(o int64) bool { return !p.under(o, c.unit) }) {
			ls = append(ls, c.name)
		}
	}
	if len(ls) == 0 || p.r.IntN(2) == 0 {
		return ""
	}
	return ls[p.r.IntN(len(ls))]
}

// reshape makes a change of shape through one of its doors: the store as
// the command line's operator (who ""), which runs store as the actor it
// is given; or POST /api/v1/orgs/{code}/{action} with body on the live
// session of the leader who, whose answer api reads. It returns the
// refusal, nil when done; anything else ends the test.
func (p *prop) reshape(who, action, code string, body any, store func(a access.Actor) error, api func(answer map[string]any)) *apperr.Error {
	p.t.Helper()
	if who == "" {
		err := store(org.Operator())
		if err == nil {
			return nil
		}
		e := apperr.From(err)
		if e.Status >= 500 {
			p.t.Fatalf("%s %s as the operator: %v", action, code, err)
		}
		return e
	}
	p.viaAPI++
	r := p.f.as(who).Do("POST", "/api/v1/orgs/"+code+"/"+action, body)
	if r.Status == http.StatusOK {
		if api != nil {
			api(r.JSON(p.t))
		}
		return nil
	}
	var out struct {
		Error *apperr.Error `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil || out.Error == nil || r.Status >= 500 {
		p.t.Fatalf("%s %s %v as %s: %d %s", action, code, body, who, r.Status, r.Body)
	}
	out.Error.Status = r.Status
	return out.Error
}

// allowed counts a change the model says the rules allow (who made it,
// what says which); a refusal ends the test.
func (p *prop) allowed(op string, e *apperr.Error, who string, what ...any) {
	p.t.Helper()
	if e != nil {
		p.t.Fatalf("%s %v as %q: refused %d %s %v", op, what, who, e.Status, e.Code, e.Fields)
	}
	p.done[op]++
}

// prints are the database's tables as a refusal must leave them (the
// audit log records it; a request through the API touches its session).
func (p *prop) prints() map[string]string {
	return testdb.TablePrints(p.t, p.f.app.DB, "audit_events", "audit_head", "sessions")
}

// refusedAs fails unless e is the refusal with status and code and
// exactly the fields given, and the database is as it was (before); it
// counts the refusal under op.
func (p *prop) refusedAs(op string, before map[string]string, e *apperr.Error, status int, code string, fields ...string) {
	p.t.Helper()
	if e == nil {
		p.t.Fatalf("%s: done, want %d %s %v", op, status, code, fields)
	}
	got := slices.Sorted(maps.Keys(e.Fields))
	slices.Sort(fields)
	if e.Status != status || e.Code != code || !slices.Equal(got, fields) || e.Message == "" {
		p.t.Fatalf("%s: refused %d %s %v (%s), want %d %s %v", op, e.Status, e.Code, e.Fields, e.Message, status, code, fields)
	}
	if after := p.prints(); !maps.Equal(before, after) {
		var changed []string
		for k := range after {
			if before[k] != after[k] {
				changed = append(changed, k)
			}
		}
		p.t.Fatalf("%s: refused %s, but %v changed", op, code, changed)
	}
	p.refused[op]++
}

// moveRecords gives the records of unit from to unit to in the model (a
// merge, or a split handing them over): their unit, a need's origin and
// a hand-over waiting there.
func (p *prop) moveRecords(from, to int64) {
	for _, m := range propModules {
		for _, r := range p.recs[m.name] {
			if r.unit == from {
				r.unit = to
			}
			if r.origin == from {
				r.origin = to
			}
			if r.handTo == from {
				r.handTo = to
			}
		}
	}
}

// ownCounts are the model's records whose unit is u, as a merge or split
// counts what it hands over (table.column: rows), for the modules the
// model follows.
func (p *prop) ownCounts(u int64) map[string]int {
	out := map[string]int{}
	for i, m := range propModules {
		for _, r := range p.recs[m.name] {
			if r.unit == u {
				out[propTables[i]+".org_id"]++
			}
			if m.name == "needs" && r.origin == u {
				out["needs.origin_org_id"]++
			}
		}
	}
	return out
}

// sameCounts fails unless got and want agree on every table the model
// follows (what a merge or split counts as handed over).
func (p *prop) sameCounts(what string, got, want map[string]int) {
	p.t.Helper()
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		table, _, _ := strings.Cut(k, ".")
		if slices.Contains(propTables, table) && got[k] != want[k] {
			p.t.Fatalf("%s: %s %d, the model has %d (all: %v, want %v)", what, k, got[k], want[k], got, want)
		}
	}
}

// jsonCounts reads {"table.column": n} from an answer, storeCounts from
// the store's list.
func jsonCounts(x any) map[string]int {
	out := map[string]int{}
	m, _ := x.(map[string]any)
	for k, v := range m {
		out[k] = int(v.(float64))
	}
	return out
}

func storeCounts(xs []org.TableCount) map[string]int {
	out := map[string]int{}
	for _, x := range xs {
		out[x.What] = x.Count
	}
	return out
}

// move puts a unit under an active one outside its subtree.
func (p *prop) move() {
	units := p.focus()
	for range 50 {
		u, under := p.one(units), p.one(units)
		if p.r.IntN(4) == 0 {
			under = p.one(p.extra)
		}
		if p.under(under, u) || p.parent[u] == under || !p.active[under] || p.merged[u] != 0 {
			continue
		}
		who := p.reshaper(u, under)
		e := p.reshape(who, "move", p.code[u], map[string]any{"under": p.code[under]}, func(a access.Actor) error {
			_, err := p.f.app.Server.Deps.Orgs.Move(p.ctx, a, p.code[u], p.code[under])
			return err
		}, nil)
		p.allowed("move", e, who, p.code[u], "under", p.code[under])
		p.parent[u] = under
		p.history[u]++
		return
	}
}

// moveRefused tries a move the rules refuse (under itself or a unit of
// its subtree, where it already is, under a deactivated or merged unit,
// a merged unit away from the unit it joined):
// refused exactly, nothing changed.
func (p *prop) moveRefused() {
	units := p.focus()
	u := p.one(units)
	kids := p.children()
	under, status, code := u, http.StatusUnprocessableEntity, "move_into_subtree"
	inactive, anyInactive := p.where(units, func(x int64) bool { return !p.active[x] && !p.under(x, u) && x != p.parent[u] })
	switch x := p.r.IntN(4); {
	case x == 0 && p.parent[u] != 0:
		under, status, code = p.parent[u], http.StatusConflict, "already_there"
	case x == 1 && anyInactive:
		under, status, code = inactive, http.StatusConflict, "unit_inactive"
	case x == 2 && len(kids[u]) > 0:
		under = p.one(kids[u])
	}
	if p.merged[u] != 0 { // a merged unit stays below the unit it joined, whatever the target
		status, code = http.StatusConflict, "unit_merged"
	}
	who := p.reshaper(u, under)
	before := p.prints()
	e := p.reshape(who, "move", p.code[u], map[string]any{"under": p.code[under]}, func(a access.Actor) error {
		_, err := p.f.app.Server.Deps.Orgs.Move(p.ctx, a, p.code[u], p.code[under])
		return err
	}, nil)
	p.refusedAs("move", before, e, status, code, "under")
}

// newUnit adds a new-sector organization under a unit: somewhere new to
// move units to, and to be moved. A deactivated or merged unit takes
// none.
func (p *prop) newUnit() {
	parent := p.one(p.focus())
	p.serial++
	code := fmt.Sprintf("%.12sXP%02d", p.code[parent], p.serial)
	name := "属性测试新领域组织" + strconv.Itoa(p.serial)
	orgs := p.f.app.Server.Deps.Orgs
	err := p.f.app.DB.InTx(p.ctx, func(tx *db.Tx) error {
		po, err := orgs.ByID(p.ctx, tx, parent)
		if err != nil {
			return err
		}
		o, err := orgs.Create(p.ctx, tx, po, code, name, org.KindNewSector, "enterprise")
		if err == nil {
			p.parent[o.ID], p.code[o.ID], p.name[o.ID], p.kind[o.ID], p.byCode[code] = parent, code, name, org.KindNewSector, o.ID
			p.active[o.ID] = true
			p.extra = append(p.extra, o.ID)
		}
		return err
	})
	if !p.active[parent] {
		if !errors.Is(err, org.ErrInactive) {
			p.t.Fatalf("a new unit under %s (inactive): %v, want %v", p.code[parent], err, org.ErrInactive)
		}
		p.refused["new-unit"]++
		return
	}
	p.must("new-unit", err)
}

// province imports 黑龙江省 as a second root, once: two trees side by side,
// and Harbin may move under it.
func (p *prop) province() {
	if p.rootAdded {
		p.move()
		return
	}
	orgs := p.f.app.Server.Deps.Orgs
	im, err := orgs.NewImporter(p.ctx, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	if err := im.Add(p.ctx, division.Division{Code: "23", Name: "黑龙江省"}); err != nil {
		p.t.Fatal(err)
	}
	if err := im.Flush(p.ctx); err != nil {
		p.t.Fatal(err)
	}
	o, err := orgs.ByCodeUnscoped(p.ctx, p.f.app.DB.Q(), "23")
	if err != nil {
		p.t.Fatal(err)
	}
	p.parent[o.ID], p.code[o.ID], p.name[o.ID], p.kind[o.ID], p.byCode["23"] = 0, "23", o.Name, o.Kind, o.ID
	p.active[o.ID] = true
	p.extra = append(p.extra, o.ID)
	p.rootAdded = true
	p.done["province"]++
}

// mergeAnswer is what a merge says it did.
type mergeAnswer struct {
	children, users int
	moved           map[string]int
}

// mergeCall merges a into b as who.
func (p *prop) mergeCall(who string, a, b int64, out *mergeAnswer) *apperr.Error {
	return p.reshape(who, "merge", p.code[a], map[string]any{"into": p.code[b]}, func(x access.Actor) error {
		res, err := p.f.app.Server.Deps.Orgs.Merge(p.ctx, x, p.code[a], p.code[b])
		*out = mergeAnswer{children: len(res.Children), users: res.Users, moved: storeCounts(res.Moved)}
		return err
	}, func(answer map[string]any) {
		m := answer["merge"].(map[string]any)
		*out = mergeAnswer{children: len(m["children"].([]any)), users: int(m["users"].(float64)), moved: jsonCounts(m["moved"])}
	})
}

// merge merges an active unit into another of the same tree outside its
// subtree (撤并): its children go under the other, its accounts and its
// own records to it, and it stays as inactive history under it.
func (p *prop) merge() {
	units := p.focus()
	for range 50 {
		a, b := p.one(units), p.one(units)
		if !p.active[a] || !p.active[b] || p.under(b, a) || p.root(a) != p.root(b) {
			continue
		}
		kids := p.children()[a]
		own := p.ownCounts(a)
		who := p.reshaper(a, b)
		var res mergeAnswer
		e := p.mergeCall(who, a, b, &res)
		p.allowed("merge", e, who, p.code[a], "into", p.code[b])
		what := fmt.Sprintf("merging %s into %s as %q", p.code[a], p.code[b], who)
		if res.children != len(kids) || res.users != p.users[a] {
			p.t.Fatalf("%s: %d children and %d accounts moved, the model has %d and %d", what, res.children, res.users, len(kids), p.users[a])
		}
		p.sameCounts(what, res.moved, own)
		for _, k := range kids {
			p.parent[k] = b
			p.history[k]++
		}
		for i := range p.cast {
			if p.cast[i].unit == a {
				p.cast[i].unit = b
			}
		}
		p.users[b] += p.users[a]
		p.enabled[b] += p.enabled[a]
		delete(p.users, a)
		delete(p.enabled, a)
		p.moveRecords(a, b)
		p.parent[a], p.active[a], p.merged[a] = b, false, b
		p.history[a]++
		p.history[b]++
		return
	}
}

// mergeRefused tries a merge the rules refuse: into itself, into its own
// subtree, across two trees, of a deactivated or merged unit, into one.
func (p *prop) mergeRefused() {
	units := p.focus()
	a := p.one(units)
	b, status, code, fields := a, http.StatusUnprocessableEntity, "merge_into_itself", []string{"into"}
	beside := func(a int64) func(x int64) bool { // same tree, outside a's subtree
		return func(x int64) bool { return !p.under(x, a) && p.root(x) == p.root(a) }
	}
	switch p.r.IntN(5) {
	case 1:
		if x, ok := p.where(units, func(x int64) bool { return x != a && p.under(x, a) }); ok {
			b, code = x, "merge_into_subtree"
		}
	case 2:
		if x, ok := p.where(units, func(x int64) bool { return p.root(x) != p.root(a) }); ok {
			b, code = x, "merge_across_roots"
		}
	case 3:
		if x, ok := p.where(units, func(x int64) bool { return !p.active[x] && slices.ContainsFunc(units, beside(x)) }); ok {
			a = x
			b, _ = p.where(units, beside(a))
			status, code, fields = http.StatusConflict, "unit_inactive", nil
		}
	case 4:
		in := beside(a)
		if x, ok := p.where(units, func(x int64) bool { return in(x) && !p.active[x] }); ok && p.active[a] {
			b, status, code = x, http.StatusConflict, "unit_inactive"
		}
	}
	who := ""
	if code != "merge_across_roots" { // a leader never has both trees in her scope
		who = p.reshaper(a, b)
	}
	before := p.prints()
	var res mergeAnswer
	p.refusedAs("merge", before, p.mergeCall(who, a, b, &res), status, code, fields...)
}

// splitAnswer is what a split (or its preview) says it does.
type splitAnswer struct {
	newCodes  []string
	children  map[string]string // child code: its parent's code after
	recordsTo string
	records   map[string]int
}

// splitCall splits (or previews the split of) u by plan as who.
func (p *prop) splitCall(who string, u int64, plan org.SplitPlan, preview bool, out *splitAnswer) *apperr.Error {
	action := "split"
	if preview {
		action = "split/preview"
	}
	var body struct {
		New      []map[string]string `json:"new"`
		Children map[string]string   `json:"children"`
		Records  string              `json:"records"`
	}
	for _, n := range plan.New {
		body.New = append(body.New, map[string]string{"code": n.Code, "name": n.Name, "kind": string(n.Kind)})
	}
	body.Children, body.Records = plan.Children, plan.Records
	return p.reshape(who, action, p.code[u], body, func(a access.Actor) error {
		call := p.f.app.Server.Deps.Orgs.Split
		if preview {
			call = p.f.app.Server.Deps.Orgs.PreviewSplit
		}
		res, err := call(p.ctx, a, p.code[u], plan)
		*out = splitAnswer{children: map[string]string{}, recordsTo: res.RecordsTo, records: storeCounts(res.Records)}
		for _, n := range res.New {
			out.newCodes = append(out.newCodes, n.Code)
		}
		for _, k := range res.Children {
			out.children[k.Child.Code] = k.To
		}
		return err
	}, func(answer map[string]any) {
		if answer["preview"] != preview {
			p.t.Fatalf("split of %s: preview %v in the answer, want %v", p.code[u], answer["preview"], preview)
		}
		s := answer["split"].(map[string]any)
		*out = splitAnswer{children: map[string]string{}, recordsTo: s["records_to"].(string), records: jsonCounts(s["records"])}
		for _, n := range s["new"].([]any) {
			out.newCodes = append(out.newCodes, n.(map[string]any)["code"].(string))
		}
		for _, k := range s["children"].([]any) {
			c := k.(map[string]any)
			out.children[c["code"].(string)] = c["to"].(string)
		}
	})
}

// splitPlan draws a plan for u: one or two new units of its kind, every
// child to u or a new unit, its records to one of them ("" for u).
func (p *prop) splitPlan(u int64) org.SplitPlan {
	plan := org.SplitPlan{Children: map[string]string{}}
	targets := []string{p.code[u]}
	for range 1 + p.r.IntN(2) {
		p.serial++
		n := org.NewUnit{Code: fmt.Sprintf("PS%04d", p.serial), Name: "属性测试拆分单位" + strconv.Itoa(p.serial), Kind: p.kind[u]}
		plan.New = append(plan.New, n)
		targets = append(targets, n.Code)
	}
	for _, k := range p.children()[u] {
		plan.Children[p.code[k]] = targets[p.r.IntN(len(targets))]
	}
	if x := p.r.IntN(len(targets) + 1); x < len(targets) {
		plan.Records = targets[x]
	}
	return plan
}

// split splits an active unit that has a parent by a random plan,
// previewing it first half the time: the preview changes nothing and
// says what the split then does.
func (p *prop) split() {
	u, ok := p.where(p.focus(), func(u int64) bool { return p.active[u] && p.parent[u] != 0 })
	if !ok {
		return
	}
	plan := p.splitPlan(u)
	kids := p.children()[u]
	recordsTo := plan.Records
	if recordsTo == "" {
		recordsTo = p.code[u]
	}
	want := map[string]int{}
	if recordsTo != p.code[u] {
		want = p.ownCounts(u)
	}
	who := p.reshaper(u)
	what := fmt.Sprintf("splitting %s by %+v as %q", p.code[u], plan, who)
	var codes []string
	for _, n := range plan.New {
		codes = append(codes, n.Code)
	}
	answerOK := func(op string, res splitAnswer) {
		p.t.Helper()
		if !slices.Equal(res.newCodes, codes) || !maps.Equal(res.children, plan.Children) || res.recordsTo != recordsTo {
			p.t.Fatalf("%s: %s answers new %v, children %v, records to %s; want %v, %v, %s", what, op, res.newCodes, res.children, res.recordsTo,
				codes, plan.Children, recordsTo)
		}
		p.sameCounts(what+": "+op, res.records, want)
	}
	var pre splitAnswer
	previewed := p.r.IntN(2) == 0
	if previewed {
		before := p.prints()
		p.allowed("split-preview", p.splitCall(who, u, plan, true, &pre), who, what)
		if after := p.prints(); !maps.Equal(before, after) {
			p.t.Fatalf("%s: the preview changed the database", what)
		}
		answerOK("the preview", pre)
	}
	var res splitAnswer
	p.allowed("split", p.splitCall(who, u, plan, false, &res), who, what)
	answerOK("the split", res)
	if previewed && !maps.Equal(pre.records, res.records) {
		p.t.Fatalf("%s: the split handed over %v, its preview said %v", what, res.records, pre.records)
	}
	for _, n := range plan.New {
		o, err := p.f.app.Server.Deps.Orgs.ByCodeUnscoped(p.ctx, p.f.app.DB.Q(), n.Code)
		if err != nil {
			p.t.Fatalf("%s: new unit %s: %v", what, n.Code, err)
		}
		p.parent[o.ID], p.code[o.ID], p.name[o.ID], p.kind[o.ID], p.byCode[n.Code] = p.parent[u], n.Code, n.Name, n.Kind, o.ID
		p.active[o.ID] = true
		p.history[o.ID]++ // split from u
		p.history[u]++    // split into it
		p.extra = append(p.extra, o.ID)
	}
	for _, k := range kids {
		if to := p.byCode[plan.Children[p.code[k]]]; to != u {
			p.parent[k] = to
			p.history[k]++
		}
	}
	if to := p.byCode[recordsTo]; to != u {
		p.moveRecords(u, to)
	}
}

// splitRefused tries a split the rules refuse: a plan missing a child,
// of a deactivated or merged unit, of a root; as a preview or not.
func (p *prop) splitRefused() {
	units := p.focus()
	u := p.one(units)
	plan := p.splitPlan(u)
	var status int
	var code string
	var fields []string
	kids := p.children()[u]
	switch {
	case !p.active[u]:
		status, code = http.StatusConflict, "unit_inactive"
	case p.parent[u] == 0:
		status, code = http.StatusConflict, "no_parent"
	case len(kids) > 0:
		missing := p.code[p.one(kids)]
		delete(plan.Children, missing)
		status, code, fields = http.StatusUnprocessableEntity, "invalid", []string{"children." + missing}
	default:
		plan.New = nil
		status, code, fields = http.StatusUnprocessableEntity, "invalid", []string{"new"}
		if plan.Records != "" && plan.Records != p.code[u] {
			fields = append(fields, "records")
		}
	}
	before := p.prints()
	var res splitAnswer
	e := p.splitCall(p.reshaper(u), u, plan, p.r.IntN(2) == 0, &res)
	p.refusedAs("split", before, e, status, code, fields...)
}

// rename gives a unit a new name, and now and then the same one again:
// refused.
func (p *prop) rename() {
	u := p.one(p.focus())
	who := p.reshaper(u)
	p.serial++
	name := "属性测试更名" + strconv.Itoa(p.serial)
	call := func() *apperr.Error {
		return p.reshape(who, "rename", p.code[u], map[string]any{"name": name}, func(a access.Actor) error {
			_, err := p.f.app.Server.Deps.Orgs.Rename(p.ctx, a, p.code[u], name)
			return err
		}, nil)
	}
	p.allowed("rename", call(), who, p.code[u], name)
	p.name[u] = name
	p.history[u]++
	if p.r.IntN(4) == 0 {
		before := p.prints()
		p.refusedAs("rename", before, call(), http.StatusUnprocessableEntity, "same_name", "name")
	}
}

// scopeRefused has a leader of the cast change what her scope does not
// allow: her own unit (403 not_above), a unit outside her scope (404), a
// merge or move whose other end is outside it (422 beside the field).
func (p *prop) scopeRefused() {
	var ls []propCast
	for _, c := range p.cast {
		if c.leader {
			ls = append(ls, c)
		}
	}
	c := p.oneCast(ls)
	units := p.focus()
	outside := func(x int64) bool { return !p.under(x, c.unit) }
	below := func(x int64) bool { return x != c.unit && p.under(x, c.unit) }
	rename := func(u int64) *apperr.Error {
		return p.reshape(c.name, "rename", p.code[u], map[string]any{"name": "属性测试越权更名"}, nil, nil)
	}
	before := p.prints()
	a, okA := p.where(units, below)
	b, okB := p.where(units, outside)
	switch x := p.r.IntN(3); {
	case x == 1 && okB:
		p.refusedAs("scope", before, rename(b), http.StatusNotFound, "not_found")
	case x == 2 && okA && okB && p.r.IntN(2) == 0:
		var res mergeAnswer
		p.refusedAs("scope", before, p.mergeCall(c.name, a, b, &res), http.StatusUnprocessableEntity, "invalid", "into")
	case x == 2 && okA && okB:
		e := p.reshape(c.name, "move", p.code[a], map[string]any{"under": p.code[b]}, nil, nil)
		p.refusedAs("scope", before, e, http.StatusUnprocessableEntity, "invalid", "under")
	default:
		p.refusedAs("scope", before, rename(c.unit), http.StatusForbidden, "not_above")
	}
}

// recodeCall gives u the code as who.
func (p *prop) recodeCall(who string, u int64, code string) *apperr.Error {
	return p.reshape(who, "recode", p.code[u], map[string]any{"new_code": code}, func(a access.Actor) error {
		_, err := p.f.app.Server.Deps.Orgs.Recode(p.ctx, a, p.code[u], code)
		return err
	}, nil)
}

// recode gives a unit a new code (the national list renumbered it).
func (p *prop) recode() {
	u := p.one(p.focus())
	who := p.reshaper(u)
	p.serial++
	code := fmt.Sprintf("PR%04d", p.serial)
	p.allowed("recode", p.recodeCall(who, u, code), who, p.code[u], code)
	delete(p.byCode, p.code[u])
	p.code[u], p.byCode[code] = code, u
	p.history[u]++
}

// recodeRefused gives a unit another unit's code: refused.
func (p *prop) recodeRefused() {
	units := p.focus()
	u := p.one(units)
	other, ok := p.where(units, func(x int64) bool { return x != u })
	if !ok {
		return
	}
	before := p.prints()
	p.refusedAs("recode", before, p.recodeCall(p.reshaper(u), u, p.code[other]), http.StatusConflict, "code_in_use", "new_code")
}

// deactivate deactivates a unit — half the time one the rules allow (no
// active child, no enabled account) — and checks the answer against
// the model: refused while it has an active child or an account, or
// when it is inactive already.
func (p *prop) deactivate() {
	units := p.focus()
	kids := p.children()
	waitedFor := func(u int64) bool { // a need handed over to it waits
		for _, r := range p.recs["needs"] {
			if r.handTo == u {
				return true
			}
		}
		return false
	}
	free := func(u int64) bool {
		return p.active[u] && p.enabled[u] == 0 && !slices.ContainsFunc(kids[u], func(k int64) bool { return p.active[k] }) && !waitedFor(u)
	}
	u := p.one(units)
	if x, ok := p.where(units, free); ok && p.r.IntN(2) == 0 {
		u = x
	}
	who := p.reshaper(u)
	var before map[string]string
	code := ""
	switch {
	case !p.active[u]:
		code = "unit_inactive"
	case slices.ContainsFunc(kids[u], func(k int64) bool { return p.active[k] }):
		code = "has_active_children"
	case p.enabled[u] > 0:
		code = "has_accounts"
	case waitedFor(u):
		code = "has_open_work"
	}
	if code != "" {
		before = p.prints()
	}
	e := p.reshape(who, "deactivate", p.code[u], nil, func(a access.Actor) error {
		_, err := p.f.app.Server.Deps.Orgs.Deactivate(p.ctx, a, p.code[u])
		return err
	}, nil)
	if code != "" {
		p.refusedAs("deactivate", before, e, http.StatusConflict, code)
		return
	}
	p.allowed("deactivate", e, who, p.code[u])
	p.active[u] = false
	p.history[u]++
}

// ---- record operations

var recordOps = []struct {
	name   string
	weight int
	run    func(p *prop)
}{
	{"study", 3, (*prop).newStudy},
	{"visit", 3, (*prop).newVisit},
	{"need", 3, (*prop).newNeed},
	{"task", 3, (*prop).newTask},
	{"task-work", 2, (*prop).workTask},
	{"handover", 2, (*prop).handOver},
	{"handover-decide", 2, (*prop).decide},
	{"problem", 3, (*prop).newProblem},
	{"problem-flow", 3, (*prop).problemFlow},
	{"aid", 2, (*prop).newAid},
	{"aid-update", 1, (*prop).updateAid},
}

func (p *prop) recordOp() {
	sum := 0
	for _, op := range recordOps {
		sum += op.weight
	}
	x := p.r.IntN(sum)
	for _, op := range recordOps {
		if x < op.weight {
			op.run(p)
			return
		}
		x -= op.weight
	}
}

func (p *prop) newStudy() {
	c := p.oneCast(p.cast)
	x, err := p.f.app.Server.Deps.Study.Create(p.ctx, p.actor(c.name), study.Input{Kind: study.KindStudy, HeldOn: p.today,
		Topic: "属性测试专题学习", Place: "会议室", Participants: 1 + p.r.IntN(40)}, nil)
	p.must("study", err, c.name)
	p.recs["study"][x.ID] = &propRec{unit: c.unit}
}

// inScope draws a unit of the focus in the subtree at top (top itself
// when none).
func (p *prop) inScope(top int64) int64 {
	var in []int64
	for _, u := range p.focus() {
		if p.under(u, top) {
			in = append(in, u)
		}
	}
	if len(in) == 0 {
		return top
	}
	return p.one(in)
}

// newVisit records a visit to a unit of the cadre's subtree; one that is
// deactivated or merged is refused, and the cadre visits her own unit.
func (p *prop) newVisit() {
	c := p.oneCast(p.cast)
	unit := p.inScope(c.unit)
	for {
		v, err := p.f.app.Server.Deps.Visits.CreateVisit(p.ctx, p.actor(c.name), visit.VisitInput{OrgCode: p.code[unit], VisitedOn: p.today,
			Place: "属性测试走访地点", Households: p.r.IntN(10), Women: p.r.IntN(20)}, nil)
		if !p.active[unit] && unit != c.unit {
			p.inactiveRefused("visit", err, c.name, p.code[unit])
			unit = c.unit
			continue
		}
		p.must("visit", err, c.name, p.code[unit])
		p.recs["visits"][v.ID] = &propRec{unit: unit}
		return
	}
}

// newNeed records a need on a visit the cadre sees, or alone for a unit
// of her subtree; at a deactivated or merged unit it is refused, and the
// cadre records it for her own unit.
func (p *prop) newNeed() {
	c := p.oneCast(p.cast)
	in := visit.NeedInput{Category: "employment", Urgency: "normal", Summary: "属性测试妇情"}
	var unit int64
	var seen []int64
	for id, r := range p.recs["visits"] {
		if p.visible("visits", r, c.unit) {
			seen = append(seen, id)
		}
	}
	slices.Sort(seen)
	if len(seen) > 0 && p.r.IntN(2) == 0 {
		in.VisitID = p.one(seen)
		unit = p.recs["visits"][in.VisitID].unit
	} else {
		unit = p.inScope(c.unit)
		in.OrgCode = p.code[unit]
	}
	n, err := p.f.app.Server.Deps.Visits.CreateNeed(p.ctx, p.actor(c.name), in)
	if !p.active[unit] && unit != c.unit { // alone for the unit, or on a visit there
		p.inactiveRefused("need", err, c.name, in)
		unit, in = c.unit, visit.NeedInput{Category: in.Category, Urgency: in.Urgency, Summary: in.Summary, OrgCode: p.code[c.unit]}
		n, err = p.f.app.Server.Deps.Visits.CreateNeed(p.ctx, p.actor(c.name), in)
	}
	p.must("need", err, c.name, in)
	p.recs["needs"][n.ID] = &propRec{unit: unit, origin: unit}
}

// needOwner is a need's owner unit (whose users and those above act on
// it) and status, as stored.
func (p *prop) needOwner(id int64) (int64, string) {
	var owner int64
	var status string
	if err := p.f.app.DB.QueryRow(p.ctx, `SELECT COALESCE(owner_org_id, recorder_org_id, 0), status FROM needs WHERE id = ?`, id).Scan(&owner, &status); err != nil {
		p.t.Fatal(err)
	}
	return owner, status
}

// openNeed draws an open need and a cast member who sees it and whose
// subtree holds its owner (after a move the recording unit may no longer
// see a need it owns: the need is where its unit is), or reports none.
func (p *prop) openNeed() (int64, propCast, bool) {
	ids := make([]int64, 0, len(p.recs["needs"]))
	for id := range p.recs["needs"] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for range 20 {
		id := p.one(ids)
		owner, status := p.needOwner(id)
		if visit.NeedStatus(status) != visit.NeedOpen || owner == 0 {
			continue
		}
		var cs []propCast
		for _, c := range p.castAbove(owner) {
			if p.visible("needs", p.recs["needs"][id], c.unit) {
				cs = append(cs, c)
			}
		}
		if len(cs) > 0 {
			return id, p.oneCast(cs), true
		}
	}
	return 0, propCast{}, false
}

func (p *prop) newTask() {
	id, c, ok := p.openNeed()
	if !ok {
		return
	}
	x, err := p.f.app.Server.Deps.Visits.CreateTask(p.ctx, p.actor(c.name), visit.TaskInput{NeedID: id, Title: "属性测试实事",
		OwnerName: "属性测试责任人", StartsOn: p.today, DueOn: visit.AddDays(p.today, 30)})
	if unit := p.recs["needs"][id].unit; !p.active[unit] { // the task would be the need's unit's
		p.inactiveRefused("task", err, c.name, "need", id, "at", p.code[unit])
		return
	}
	p.must("task", err, c.name, "need", id)
	p.recs["tasks"][x.ID] = &propRec{unit: p.recs["needs"][id].unit}
}

// workTask starts a task to do, or closes one under way, as a cadre of
// the unit that set it or above.
func (p *prop) workTask() {
	rows, err := p.f.app.DB.Query(p.ctx, `SELECT id, status, COALESCE(recorder_org_id, 0) FROM tasks WHERE status IN ('todo', 'doing') ORDER BY id`)
	if err != nil {
		p.t.Fatal(err)
	}
	type open struct {
		id       int64
		status   visit.TaskStatus
		recorder int64
	}
	var list []open
	for rows.Next() {
		var o open
		if err := rows.Scan(&o.id, &o.status, &o.recorder); err != nil {
			p.t.Fatal(err)
		}
		list = append(list, o)
	}
	rows.Close()
	if len(list) == 0 {
		return
	}
	o := list[p.r.IntN(len(list))]
	var cs []propCast // who sees it, at the unit that set it or above
	for _, c := range p.castAbove(o.recorder) {
		if p.under(p.recs["tasks"][o.id].unit, c.unit) {
			cs = append(cs, c)
		}
	}
	if o.recorder == 0 || len(cs) == 0 {
		return
	}
	a := p.actor(p.oneCast(cs).name)
	vs := p.f.app.Server.Deps.Visits
	if o.status == visit.TaskTodo {
		_, err = vs.StartTask(p.ctx, a, o.id)
		p.must("task-start", err, a.Username, o.id)
		return
	}
	_, err = vs.CloseTask(p.ctx, a, o.id, visit.CloseInput{Outcome: visit.TaskDone, Result: "属性测试已办结", Feedback: "satisfied"})
	p.must("task-close", err, a.Username, o.id)
}

// handOver sends an open need up or down the tree, preferring a unit
// where a cadre of the cast sits, who can then answer.
func (p *prop) handOver() {
	id, c, ok := p.openNeed()
	if !ok {
		return
	}
	unit := p.recs["needs"][id].unit
	var targets, staffed []int64
	for _, u := range p.focus() {
		if u != unit && (p.under(u, unit) || p.under(unit, u)) {
			targets = append(targets, u)
			for _, x := range p.cast {
				if x.unit == u && x.name != c.name {
					staffed = append(staffed, u)
					break
				}
			}
		}
	}
	if len(staffed) > 0 && p.r.IntN(4) > 0 {
		targets = staffed
	}
	if len(targets) == 0 {
		return
	}
	to := p.one(targets)
	_, err := p.f.app.Server.Deps.Visits.HandOver(p.ctx, p.actor(c.name), id, visit.HandoverInput{ToCode: p.code[to], Reason: "属性测试移交"})
	if !p.active[to] {
		p.inactiveRefused("handover", err, c.name, id, "to", p.code[to])
		return
	}
	p.must("handover", err, c.name, id, "to", p.code[to])
	p.recs["needs"][id].handTo = to
}

// decide answers a pending hand-over as a cadre of the receiving unit.
func (p *prop) decide() {
	var ids []int64
	for id, r := range p.recs["needs"] {
		if r.handTo != 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return
	}
	id := p.one(ids)
	r := p.recs["needs"][id]
	var cs []propCast
	for _, c := range p.cast {
		if c.unit == r.handTo {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return
	}
	accept := p.r.IntN(2) == 0
	_, err := p.f.app.Server.Deps.Visits.Decide(p.ctx, p.actor(p.oneCast(cs).name), id, accept, "属性测试答复")
	if !p.outcome("handover-decide", err) { // the sender's own account is refused (four eyes)
		return
	}
	if accept {
		r.unit = r.handTo
	}
	r.handTo = 0
}

func (p *prop) newProblem() {
	c := p.oneCast(p.cast)
	id, err := p.f.app.Server.Deps.Rectify.Create(p.ctx, p.actor(c.name), rectify.Input{Category: "organ", Source: "self",
		Description: "属性测试问题", Measures: "属性测试措施", Responsible: "属性测试责任人", Mode: rectify.ModeNow, FoundOn: p.today})
	p.must("problem", err, c.name)
	p.recs["problems"][id] = &propRec{unit: c.unit}
}

// problemFlow applies for closing a problem as its unit, or closes or
// returns an applied one as a unit above.
func (p *prop) problemFlow() {
	rows, err := p.f.app.DB.Query(p.ctx, `SELECT id, status FROM problems WHERE status IN ('open', 'returned', 'applied') ORDER BY id`)
	if err != nil {
		p.t.Fatal(err)
	}
	type item struct {
		id     int64
		status rectify.Status
	}
	var list []item
	for rows.Next() {
		var x item
		if err := rows.Scan(&x.id, &x.status); err != nil {
			p.t.Fatal(err)
		}
		list = append(list, x)
	}
	rows.Close()
	if len(list) == 0 {
		return
	}
	x := list[p.r.IntN(len(list))]
	unit := p.recs["problems"][x.id].unit
	rs := p.f.app.Server.Deps.Rectify
	if x.status != rectify.Applied {
		var cs []propCast
		for _, c := range p.cast {
			if c.unit == unit {
				cs = append(cs, c)
			}
		}
		if len(cs) == 0 || p.parent[unit] == 0 {
			return
		}
		c := p.oneCast(cs)
		p.must("problem-apply", rs.Apply(p.ctx, p.actor(c.name), x.id, "属性测试整改完成"), c.name, x.id)
		return
	}
	var cs []propCast
	for _, c := range p.castAbove(unit) {
		if c.unit != unit {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return
	}
	a := p.actor(p.oneCast(cs).name)
	if p.r.IntN(3) == 0 {
		p.outcome("problem-return", rs.Return(p.ctx, a, x.id, "属性测试退回")) // four eyes may refuse
		return
	}
	p.outcome("problem-close", rs.Close(p.ctx, a, x.id, ""))
}

// aidInput is a made-up applicant for 两癌救助 with a valid, unique ID
// number (a woman of 40–55, sequence 5xx even).
func (p *prop) aidInput() aid.Input {
	p.serial++
	birth := time.Date(1972, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, p.serial*37+p.r.IntN(30))
	first := "230103" + birth.Format("20060102") + fmt.Sprintf("%03d", 500+2*(p.serial%250))
	return aid.Input{Programme: "cancer", Name: "属性测试" + strconv.Itoa(p.serial), IDNumber: first + string(idcard.CheckChar(first)),
		Phone: fmt.Sprintf("1384510%04d", p.serial), Address: "属性测试地址", Household: "dibao",
		Facts: map[string]string{"diagnosis": "cervical_iib", "stage": "IIB", "hospital": "属性测试医院"}, MedicalConsent: true}
}

// newAid enters an application at a collecting unit (a street, community
// or village federation below the top). A unit moved out of the
// programme owner's subtree (into the other tree) cannot apply to it.
func (p *prop) newAid() {
	var cs []propCast
	for _, c := range p.cast {
		if k := p.kind[c.unit]; (k == org.KindStreet || k == org.KindCommunity || k == org.KindVillage) && p.parent[c.unit] != 0 {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return
	}
	if in := slices.DeleteFunc(slices.Clone(cs), func(c propCast) bool { return !p.under(c.unit, p.aidOwner) }); len(in) > 0 && p.r.IntN(4) > 0 {
		cs = in // mostly where it may
	}
	c := p.oneCast(cs)
	in := p.aidInput()
	x, err := p.f.app.Server.Deps.Aid.Create(p.ctx, p.actor(c.name), in)
	if c.unit == p.aidOwner || !p.under(c.unit, p.aidOwner) {
		var e *apperr.Error
		if !errors.As(err, &e) || e.Fields["programme"] == "" {
			p.t.Fatalf("aid as %s at %s, outside the programme owner's subtree: %v, want it refused", c.name, p.code[c.unit], err)
		}
		p.refused["aid"]++
		return
	}
	p.must("aid", err, c.name)
	p.recs["aid"][x.ID] = &propRec{unit: c.unit}
	p.aidIn[x.ID] = in
}

// updateAid edits a draft the test entered, as its collecting unit.
func (p *prop) updateAid() {
	var ids []int64
	for id := range p.aidIn {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return
	}
	id := p.one(ids)
	var cs []propCast
	for _, c := range p.cast {
		if c.unit == p.recs["aid"][id].unit {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return
	}
	a := p.actor(p.oneCast(cs).name)
	as := p.f.app.Server.Deps.Aid
	x, err := as.Application(p.ctx, a, id)
	if err != nil {
		p.t.Fatalf("aid %d as %s: %v", id, a.Username, err)
	}
	in := p.aidIn[id]
	in.Address, in.Version = "属性测试新地址"+strconv.Itoa(p.r.IntN(100)), x.Version
	_, err = as.Update(p.ctx, a, id, in)
	p.must("aid-update", err, a.Username, id)
}

// ---- the check

// rows reads a module's records for the recount.
func (p *prop) rows(q string) []propRow {
	rows, err := p.f.app.DB.Query(p.ctx, q)
	if err != nil {
		p.t.Fatal(err)
	}
	defer rows.Close()
	var out []propRow
	for rows.Next() {
		var r propRow
		var closed int
		if err := rows.Scan(&r.id, &r.unit, &r.origin, &r.handTo, &r.date, &r.n, &r.status, &closed); err != nil {
			p.t.Fatal(err)
		}
		r.closed = closed == 1
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		p.t.Fatal(err)
	}
	return out
}

func (p *prop) check(when string) {
	t := p.t
	t.Helper()
	ctx := p.ctx
	// The tree is the model's — each unit's place, code, name, kind, state
	// and history — and nothing is out of step with it.
	units := p.units()
	if len(units) != len(p.parent) {
		t.Fatalf("%s: %d units, the model has %d", when, len(units), len(p.parent))
	}
	for _, o := range units {
		want := org.Org{ID: o.ID, ParentID: p.parent[o.ID], Code: p.code[o.ID], Name: p.name[o.ID], Kind: p.kind[o.ID],
			Active: p.active[o.ID], MergedInto: p.merged[o.ID]}
		if o != want {
			t.Fatalf("%s: unit %+v, the model says %+v", when, o, want)
		}
	}
	stale, err := p.f.app.Server.Deps.Orgs.Check(ctx)
	if err != nil || len(stale) != 0 {
		t.Fatalf("%s: tree check: %v %v", when, stale, err)
	}
	// Every counter of every family (the statistics' and desks') equals a
	// recount of its records over the tree as it now is.
	if off, err := tally.Check(ctx, p.f.app.DB.Q()); err != nil || len(off) != 0 {
		t.Fatalf("%s: counters: %v %v", when, off, err)
	}
	for what, got := range map[string]map[int64]int{
		"history entries":  p.countBy(`SELECT org_id, COUNT(*) FROM org_changes GROUP BY org_id`),
		"accounts":         p.countBy(`SELECT org_id, COUNT(*) FROM users GROUP BY org_id`),
		"enabled accounts": p.countBy(`SELECT org_id, COUNT(*) FROM users WHERE disabled = 0 GROUP BY org_id`),
	} {
		want := map[string]map[int64]int{"history entries": p.history, "accounts": p.users, "enabled accounts": p.enabled}[what]
		for _, u := range slices.Sorted(maps.Keys(p.parent)) {
			if got[u] != want[u] {
				t.Fatalf("%s: unit %s has %d %s, the model says %d", when, p.code[u], got[u], what, want[u])
			}
		}
	}
	// Accounts are where the model says; nobody acts for a unit that is
	// history.
	for _, c := range p.cast {
		if a := p.actor(c.name); a.OrgID != c.unit {
			t.Fatalf("%s: %s is at %s, the model says %s", when, c.name, a.OrgCode, p.code[c.unit])
		}
	}
	var n int
	if err := p.f.app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.disabled = 0 AND o.active = 0`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%s: %d enabled accounts at inactive units (%v)", when, n, err)
	}
	// Every record is where the model says.
	rows := map[string][]propRow{}
	for _, m := range propModules {
		rows[m.name] = p.rows(m.query)
		if len(rows[m.name]) != len(p.recs[m.name]) {
			t.Fatalf("%s: %d %s in the database, the model has %d", when, len(rows[m.name]), m.name, len(p.recs[m.name]))
		}
		for _, r := range rows[m.name] {
			want := p.recs[m.name][r.id]
			if want == nil || *want != (propRec{unit: r.unit, origin: r.origin, handTo: r.handTo}) {
				t.Fatalf("%s: %s %d is at %d (origin %d, handed to %d), the model says %+v", when, m.name, r.id, r.unit, r.origin, r.handTo, want)
			}
		}
	}
	for _, c := range p.cast {
		if c.viewer {
			p.checkViewer(when, c, rows)
		}
	}
	// Not blind: every module has records some viewer sees and some she
	// does not.
	for _, m := range propModules {
		seen, unseen := 0, 0
		for _, c := range p.cast {
			for _, r := range p.recs[m.name] {
				if c.viewer && p.visible(m.name, r, c.unit) {
					seen++
				} else if c.viewer {
					unseen++
				}
			}
		}
		if seen == 0 || unseen == 0 {
			t.Fatalf("%s: %s: %d visible and %d invisible (viewer, record) pairs: the check would be blind", when, m.name, seen, unseen)
		}
	}
}

// testdbRows runs a query of two integer columns.
func testdbRows(t *testing.T, f *fixture, q string, fn func(a, b int64)) {
	t.Helper()
	rows, err := f.app.DB.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		fn(a, b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// checkViewer compares what one cadre gets with what the model says.
func (p *prop) checkViewer(when string, c propCast, rows map[string][]propRow) {
	t := p.t
	t.Helper()
	cl := p.f.as(c.name)
	where := fmt.Sprintf("%s, %s at %s", when, c.name, p.code[c.unit])
	// Lists: exactly the records in her subtree.
	for _, m := range propModules {
		want := map[int64]bool{}
		for id, r := range p.recs[m.name] {
			if p.visible(m.name, r, c.unit) {
				want[id] = true
			}
		}
		gotIDs := map[int64]bool{}
		for page := 1; ; page++ {
			r := cl.Do("GET", fmt.Sprintf("%s?per_page=200&page=%d", m.api, page), nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %s: %d %s", where, m.api, r.Status, r.Body)
			}
			body := r.JSON(t)
			items, _ := body["items"].([]any)
			for _, it := range items {
				x := it.(map[string]any)
				id := int64(x["id"].(float64))
				gotIDs[id] = true
				if code, ok := x["org_code"].(string); ok && p.recs[m.name][id] != nil && code != p.code[p.recs[m.name][id].unit] {
					t.Errorf("%s: %s %d shown at %s, the model says %s", where, m.name, id, code, p.code[p.recs[m.name][id].unit])
				}
				if name, ok := x["org_name"].(string); ok && p.recs[m.name][id] != nil && name != p.name[p.recs[m.name][id].unit] {
					t.Errorf("%s: %s %d shown at %s, the model says %s", where, m.name, id, name, p.name[p.recs[m.name][id].unit])
				}
			}
			if n := int(body["total"].(float64)); n != len(want) {
				t.Errorf("%s: %s total %d, want %d", where, m.api, n, len(want))
			}
			if len(items) < 200 {
				break
			}
		}
		for id := range want {
			if !gotIDs[id] {
				t.Errorf("%s: %s %d (at %s) is missing from %s", where, m.name, id, p.code[p.recs[m.name][id].unit], m.api)
			}
		}
		for id := range gotIDs {
			if !want[id] {
				t.Errorf("%s: %s %d (at %s) is listed but out of scope", where, m.name, id, p.code[p.recs[m.name][id].unit])
			}
		}
		// Single reads: a few of each, in and out of scope.
		ids := make([]int64, 0, len(p.recs[m.name]))
		for id := range p.recs[m.name] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for range min(2, len(ids)) {
			id := p.one(ids)
			status := http.StatusNotFound
			if want[id] {
				status = http.StatusOK
			}
			if r := cl.Do("GET", m.api+"/"+itoa(id), nil); r.Status != status {
				t.Errorf("%s: GET %s/%d: %d, want %d: %.200s", where, m.api, id, r.Status, status, r.Body)
			}
		}
	}
	p.checkOrg(where, cl, c.unit, c.unit)
	p.checkOrg(where, cl, c.unit, p.one(p.focus()))
	p.checkCounts(where, c, rows)
}

// checkOrg compares the unit page's figures (GET /api/v1/orgs/{code}) for
// unit u with the model, as the viewer at top sees them.
func (p *prop) checkOrg(where string, cl *testapp.Client, top, u int64) {
	t := p.t
	t.Helper()
	r := cl.Do("GET", "/api/v1/orgs/"+p.code[u], nil)
	if !p.under(u, top) {
		if r.Status != http.StatusNotFound {
			t.Errorf("%s: unit %s out of scope: %d, want 404", where, p.code[u], r.Status)
		}
		return
	}
	if r.Status != http.StatusOK {
		t.Fatalf("%s: unit %s: %d %s", where, p.code[u], r.Status, r.Body)
	}
	body := r.JSON(t)
	o := body["org"].(map[string]any)
	if d := int(o["depth"].(float64)); d != p.depth(u) {
		t.Errorf("%s: unit %s depth %d, want %d", where, p.code[u], d, p.depth(u))
	}
	if o["code"] != p.code[u] || o["name"] != p.name[u] || o["active"] != p.active[u] {
		t.Errorf("%s: unit %s is %v %v active %v, want %s %s %t", where, p.code[u], o["code"], o["name"], o["active"], p.code[u], p.name[u], p.active[u])
	}
	wantMerged := ""
	if m := p.merged[u]; m != 0 && p.under(m, top) {
		wantMerged = p.code[m]
	}
	gotMerged, _ := o["merged_into"].(map[string]any)
	if code, _ := gotMerged["code"].(string); code != wantMerged {
		t.Errorf("%s: unit %s merged into %q, want %q", where, p.code[u], code, wantMerged)
	}
	if h, _ := body["history"].([]any); len(h) != p.history[u] {
		t.Errorf("%s: unit %s has %d history entries, want %d", where, p.code[u], len(h), p.history[u])
	}
	var path []string
	for _, a := range p.ancestors(u) {
		if p.under(a, top) {
			path = append(path, p.code[a])
		}
	}
	var gotPath []string
	for _, x := range o["path"].([]any) {
		gotPath = append(gotPath, x.(map[string]any)["code"].(string))
	}
	if !slices.Equal(gotPath, path) {
		t.Errorf("%s: unit %s path %v, want %v", where, p.code[u], gotPath, path)
	}
	wantParent := ""
	if pa := p.parent[u]; pa != 0 && p.under(pa, top) {
		wantParent = p.code[pa]
	}
	if got, _ := o["parent_code"].(string); got != wantParent {
		t.Errorf("%s: unit %s parent %q, want %q", where, p.code[u], got, wantParent)
	}
	kids := p.children()
	if n := int(body["children_count"].(float64)); n != len(kids[u]) {
		t.Errorf("%s: unit %s has %d children, want %d", where, p.code[u], n, len(kids[u]))
	}
	// The subtree's counts are of the current tree (active units); the
	// list of units holds the history too.
	byLevel := map[string]int{}
	below, current := 0, 0
	for id := range p.parent {
		if id != u && p.under(id, u) {
			below++
			if !p.active[id] {
				continue
			}
			current++
			for _, l := range org.Levels {
				if slices.Contains(l.Kinds, p.kind[id]) {
					byLevel[l.Key]++
				}
			}
		}
	}
	sub := body["subtree"].(map[string]any)
	if n := int(sub["total"].(float64)); n != current {
		t.Errorf("%s: unit %s subtree %d, want %d", where, p.code[u], n, current)
	}
	gotLevels := map[string]int{}
	for _, x := range sub["levels"].([]any) {
		l := x.(map[string]any)
		gotLevels[l["key"].(string)] = int(l["count"].(float64))
	}
	if fmt.Sprint(gotLevels) != fmt.Sprint(byLevel) {
		t.Errorf("%s: unit %s subtree by level %v, want %v", where, p.code[u], gotLevels, byLevel)
	}
	if u == top {
		r := cl.Do("GET", "/api/v1/orgs?per_page=1", nil)
		if n := total(t, r); n != below+1 {
			t.Errorf("%s: /api/v1/orgs total %d, want %d", where, n, below+1)
		}
	}
}

// rollup is a roll-up as a page shows it: per child's id (0 for the
// node's own row), its numbers.
type rollup map[int64][]int64

// expectRollup recounts a roll-up under node: fn gives each record's
// numbers; the node's own row is there when it has a nonzero number, and
// every child is listed.
func (p *prop) expectRollup(node int64, rows []propRow, width int, fn func(r propRow) []int64) rollup {
	out := rollup{}
	for _, k := range p.children()[node] {
		out[k] = make([]int64, width)
	}
	self := make([]int64, width)
	for _, r := range rows {
		ns := fn(r)
		if ns == nil || !p.under(r.unit, node) {
			continue
		}
		row := self
		if r.unit != node {
			x := r.unit
			for p.parent[x] != node {
				x = p.parent[x]
			}
			row = out[x]
		}
		for i, n := range ns {
			row[i] += n
		}
	}
	for _, n := range self {
		if n != 0 {
			out[0] = self
			break
		}
	}
	return out
}

func (p *prop) compareRollup(where, what string, got, want rollup) {
	p.t.Helper()
	if len(got) != len(want) {
		p.t.Errorf("%s: %s: %d rows, want %d", where, what, len(got), len(want))
	}
	for id, w := range want {
		if g, ok := got[id]; !ok || !slices.Equal(g, w) {
			name := "own row"
			if id != 0 {
				name = p.code[id]
			}
			p.t.Errorf("%s: %s: %s %v, want %v", where, what, name, g, w)
		}
	}
}

// checkCounts compares the statistics' roll-ups and the desks' figures
// with a recount.
func (p *prop) checkCounts(where string, c propCast, rows map[string][]propRow) {
	t := p.t
	t.Helper()
	ctx, a, node := p.ctx, p.actor(c.name), c.unit
	in := func(r propRow) bool { return p.under(r.unit, node) }
	deps := p.f.app.Server.Deps
	year := time.Now().In(db.Shanghai).Year()
	ys := strconv.Itoa(year)

	// 学习: this year's activities and participants per child.
	st, err := deps.Study.Stats(ctx, a, "", year)
	if err != nil {
		t.Fatalf("%s: study stats: %v", where, err)
	}
	got := rollup{}
	for _, r := range st.Rows {
		id := r.Org.ID
		if r.Self {
			id = 0
		}
		got[id] = []int64{r.Activities, r.Participants}
	}
	p.compareRollup(where, "study stats", got, p.expectRollup(node, rows["study"], 2, func(r propRow) []int64 {
		if !strings.HasPrefix(r.date, ys) {
			return nil
		}
		return []int64{1, r.n}
	}))

	// 下基层: all time, visits, women, needs, tasks, tasks done per child.
	vst, err := deps.Visits.Stats(ctx, a, visit.StatsFilter{})
	if err != nil {
		t.Fatalf("%s: visit stats: %v", where, err)
	}
	got = rollup{}
	for _, r := range vst.Rows {
		id := r.Org.ID
		if r.Self {
			id = 0
		}
		got[id] = []int64{r.N[visit.ColVisits], r.N[visit.ColWomen], r.N[visit.ColNeeds], r.N[visit.ColTasks], r.N[visit.ColDone]}
	}
	var vrows []propRow
	for _, m := range []string{"visits", "needs", "tasks"} {
		for _, r := range rows[m] {
			r.date = m // which column
			vrows = append(vrows, r)
		}
	}
	p.compareRollup(where, "visit stats", got, p.expectRollup(node, vrows, 5, func(r propRow) []int64 {
		switch r.date {
		case "visits":
			return []int64{1, r.n, 0, 0, 0}
		case "needs":
			return []int64{0, 0, 1, 0, 0}
		}
		done := int64(0)
		if visit.TaskStatus(r.status) == visit.TaskDone && r.closed {
			done = 1
		}
		return []int64{0, 0, 0, 1, done}
	}))

	// 整改: every problem, open (or returned), applied, closed per child.
	rst, err := deps.Rectify.Stats(ctx, a, "")
	if err != nil {
		t.Fatalf("%s: problem stats: %v", where, err)
	}
	got = rollup{}
	for _, r := range rst.Rows {
		id := r.Org.ID
		if r.Self {
			id = 0
		}
		got[id] = []int64{r.N[rectify.StatTotal], r.N[rectify.StatOpen], r.N[rectify.StatApplied], r.N[rectify.StatClosed]}
	}
	p.compareRollup(where, "problem stats", got, p.expectRollup(node, rows["problems"], 4, func(r propRow) []int64 {
		switch rectify.Status(r.status) {
		case rectify.Applied:
			return []int64{1, 0, 1, 0}
		case rectify.Closed:
			return []int64{1, 0, 0, 1}
		}
		return []int64{1, 1, 0, 0}
	}))

	// 巾帼关爱: every application per child.
	ast, err := deps.Aid.Stats(ctx, a, "", 0)
	if err != nil {
		t.Fatalf("%s: aid stats: %v", where, err)
	}
	got = rollup{}
	for _, r := range ast.Rows {
		id := r.Org.ID
		if r.Self {
			id = 0
		}
		got[id] = []int64{r.All.Total}
	}
	p.compareRollup(where, "aid stats", got, p.expectRollup(node, rows["aid"], 1, func(propRow) []int64 { return []int64{1} }))

	// The desks (memos expired: these are the counting queries).
	months := study.DeskMonths(time.Now())
	sd, err := deps.Study.Desk(ctx, a)
	if err != nil {
		t.Fatalf("%s: study desk: %v", where, err)
	}
	var yearActs int64
	for _, r := range rows["study"] {
		if in(r) && r.date[:4] == ys && r.date[:7] >= months[0] {
			yearActs++
		}
	}
	if sd.YearActivities != yearActs {
		t.Errorf("%s: study desk: %d activities this year, want %d", where, sd.YearActivities, yearActs)
	}
	vd, err := deps.Visits.Desk(ctx, a)
	if err != nil {
		t.Fatalf("%s: visit desk: %v", where, err)
	}
	var yv, yw, openNeeds, tasks, handovers int64
	for _, r := range rows["visits"] {
		if in(r) && r.date[:4] == ys && r.date[:7] >= months[0] {
			yv++
			yw += r.n
		}
	}
	for _, r := range rows["needs"] {
		if (in(r) || p.under(r.origin, node)) && (visit.NeedStatus(r.status) == visit.NeedOpen || visit.NeedStatus(r.status) == visit.NeedHanding || visit.NeedStatus(r.status) == visit.NeedTasked) {
			openNeeds++
		}
		if r.handTo == node {
			handovers++
		}
	}
	for _, r := range rows["tasks"] {
		if in(r) {
			tasks++
		}
	}
	var deskTasks int64
	for _, x := range vd.TasksBy {
		deskTasks += x.N
	}
	if vd.YearVisits != yv || vd.YearWomen != yw || vd.OpenNeeds != openNeeds || deskTasks != tasks || int64(vd.HandoversTotal) != handovers {
		t.Errorf("%s: visit desk: visits %d women %d open needs %d tasks %d hand-overs %d, want %d %d %d %d %d", where,
			vd.YearVisits, vd.YearWomen, vd.OpenNeeds, deskTasks, vd.HandoversTotal, yv, yw, openNeeds, tasks, handovers)
	}
	rd, err := deps.Rectify.Desk(ctx, a)
	if err != nil {
		t.Fatalf("%s: problem desk: %v", where, err)
	}
	var open, applied, closed, verify int64
	for _, r := range rows["problems"] {
		if !in(r) {
			continue
		}
		switch rectify.Status(r.status) {
		case rectify.Applied:
			applied++
			if r.unit != node {
				verify++
			}
		case rectify.Closed:
			closed++
		default:
			open++
		}
	}
	if rd.Open != open || rd.Applied != applied || rd.Closed != closed || int64(rd.VerifyTotal) != verify {
		t.Errorf("%s: problem desk: open %d applied %d closed %d to verify %d, want %d %d %d %d", where,
			rd.Open, rd.Applied, rd.Closed, rd.VerifyTotal, open, applied, closed, verify)
	}
}
