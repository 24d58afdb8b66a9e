package org_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/division"
	"halfsky/internal/doc"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// world is the demo tree, its accounts and (when asked) its work and
// documents, for the tree's operations.
type world struct {
	t  *testing.T
	d  *db.DB
	f  *testfx.Demo
	s  *org.Store
	bg context.Context
}

func newWorld(t *testing.T, d *db.DB, work, docs bool) *world {
	t.Helper()
	w := &world{t: t, d: d, f: testfx.Seed(t, d), bg: context.Background()}
	w.s = w.f.Orgs
	if docs {
		if err := demo.SeedDocuments(w.bg, w.f.Auth, testfx.Password, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if work {
		if err := demo.SeedWork(w.bg, w.f.Auth, testfx.Keys, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.d.QueryRow(w.bg, q, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// clean fails unless every stored path agrees with the tree.
func (w *world) clean() {
	w.t.Helper()
	stale, err := w.s.Check(w.bg)
	if err != nil || len(stale) != 0 {
		w.t.Fatalf("records out of step with the tree: %v %v", stale, err)
	}
}

// prints is every table but the audit log's.
func (w *world) prints() map[string]string {
	return testdb.TablePrints(w.t, w.d, "audit_events", "audit_head")
}

// audited counts the audit events of an action on a unit with an outcome.
func (w *world) audited(action, code, outcome string) int {
	return w.count(`SELECT COUNT(*) FROM audit_events WHERE action = ? AND object_id = ? AND outcome = ?`, action, code, outcome)
}

// history is a unit's history as its city leader reads it.
func (w *world) history(code string) []org.Change {
	w.t.Helper()
	h, err := w.s.History(w.bg, w.f.Actor("city.leader"), code)
	if err != nil {
		w.t.Fatal(err)
	}
	return h
}

// ownRows counts, per registered path copy, the rows whose unit is id.
func (w *world) ownRows(id int64) map[string]int {
	out := map[string]int{}
	for _, c := range org.PathCopies() {
		if n := w.count(`SELECT COUNT(*) FROM `+c.Table+` WHERE `+c.OrgCol+` = ?`, id); n > 0 {
			out[c.Table+"."+c.OrgCol] = n
		}
	}
	if n := w.count(`SELECT COUNT(*) FROM documents WHERE org_id = ?`, id); n > 0 {
		out["documents.org_id"] = n
	}
	return out
}

func counts(xs []org.TableCount) map[string]int {
	out := map[string]int{}
	for _, x := range xs {
		out[x.What] = x.Count
	}
	return out
}

// wantRefusal fails unless err is the apperr with status, code and
// exactly the fields given.
func wantRefusal(t *testing.T, err error, status int, code string, fields ...string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
	got := slices.Sorted(maps.Keys(e.Fields))
	slices.Sort(fields)
	if e.Status != status || e.Code != code || !slices.Equal(got, fields) || e.Message == "" {
		t.Fatalf("want %d %s %v, got %d %s %v (%s)", status, code, fields, e.Status, e.Code, e.Fields, e.Message)
	}
	for _, m := range e.Fields {
		if !hasHan(m) {
			t.Fatalf("field message %q is not Chinese", m)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// TestMoveRemembers: a leader above moves a street with its subtree and
// records to another district; every copy follows, the street's history
// says where it came from, and the audit event names codes only.
func TestMoveRemembers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, true, false)
		before := w.count(`SELECT COUNT(*) FROM study_activities s JOIN orgs o ON o.id = s.org_id WHERE o.code LIKE '230102001%'`)
		moved, err := w.s.Move(w.bg, w.f.Actor("city.leader"), "230102001", "230103")
		if err != nil {
			t.Fatal(err)
		}
		nangang := w.f.Unit("230103")
		if moved.ParentID != nangang.ID || !strings.HasPrefix(moved.Path, nangang.Path) {
			t.Fatalf("moved: %+v", moved)
		}
		w.clean()
		if n := w.count(`SELECT COUNT(*) FROM study_activities WHERE org_path LIKE ?`, moved.Path+"%"); n != before || n == 0 {
			t.Fatalf("study under the street's new path: %d, want %d", n, before)
		}
		h := w.history("230102001")
		if len(h) != 1 || h[0].Kind != org.ChangeMove || h[0].Old != "道里区妇联" || h[0].New != "南岗区妇联" ||
			h[0].Other.Code != "230102" || h[0].ByName != "杨杰" || time.Since(h[0].At) > time.Minute {
			t.Fatalf("history: %+v", h)
		}
		if h[0].Text() != "由“道里区妇联”之下调整到“南岗区妇联”之下" {
			t.Fatalf("text: %s", h[0].Text())
		}
		if n := w.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'org.move' AND object_id = '230102001' AND outcome = 'ok'
			AND detail = 'from=230102 to=230103' AND username = 'city.leader'`); n != 1 {
			t.Fatalf("audit events of the move: %d", n)
		}
		// The operator's variant is the same code.
		if _, err := w.s.MoveAsOperator(w.bg, "230102001", "230102"); err != nil {
			t.Fatal(err)
		}
		w.clean()
		if h := w.history("230102001"); len(h) != 2 || h[0].ByName != "" || h[0].Old != "南岗区妇联" {
			t.Fatalf("history after the operator's move: %+v", h)
		}
	})
}

// TestMergeStreets is 撤并: street A (兆麟, with its communities, its
// staff and a few weeks of work) merged into street B (新阳路) by the
// district's leader. A's children go under B, its accounts to B, its own
// records to B; A stays as history under B; the tree check finds nothing.
func TestMergeStreets(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, true, false)
		a, b := w.f.Unit("230102001"), w.f.Unit("230102002")
		kids, err := w.s.Children(w.bg, w.f.Actor("city.leader"), a)
		if err != nil || len(kids) == 0 {
			t.Fatal(len(kids), err)
		}
		own := w.ownRows(a.ID)
		if len(own) < 4 {
			t.Fatalf("the demo should give the street records of several kinds: %v", own)
		}
		users := w.count(`SELECT COUNT(*) FROM users WHERE org_id = ?`, a.ID)
		if users == 0 {
			t.Fatal("the street has no accounts")
		}
		res, err := w.s.Merge(w.bg, w.f.Actor("daoli.leader"), "230102001", "230102002")
		if err != nil {
			t.Fatal(err)
		}
		w.clean()
		if len(res.Children) != len(kids) || res.Users != users {
			t.Fatalf("merge: %d children (want %d), %d users (want %d)", len(res.Children), len(kids), res.Users, users)
		}
		moved := counts(res.Moved)
		for k, n := range own {
			if moved[k] != n {
				t.Errorf("moved %s: %d, want %d (all %v)", k, moved[k], n, moved)
			}
		}
		if len(res.Kept) != 0 {
			t.Errorf("kept: %v", res.Kept)
		}
		if left := w.ownRows(a.ID); len(left) != 0 {
			t.Errorf("left at A: %v", left)
		}
		if n := w.count(`SELECT COUNT(*) FROM users WHERE org_id = ?`, a.ID); n != 0 {
			t.Errorf("%d accounts left at A", n)
		}
		a2 := w.f.Unit("230102001")
		if a2.Active || a2.MergedInto != b.ID || a2.ParentID != b.ID || res.From.ID != a.ID || res.Into.ID != b.ID {
			t.Fatalf("A after the merge: %+v", a2)
		}
		for _, k := range kids {
			o := w.f.Unit(k.Code)
			if o.ParentID != b.ID {
				t.Errorf("child %s under %d", k.Code, o.ParentID)
			}
			h := w.history(k.Code)
			if len(h) != 1 || h[0].Kind != org.ChangeMove || h[0].Old != a.Name || h[0].New != b.Name {
				t.Errorf("child %s history: %+v", k.Code, h)
			}
		}
		if h := w.history("230102001"); len(h) != 1 || h[0].Kind != org.ChangeMergedInto || h[0].New != b.Name || h[0].Other.Code != b.Code ||
			h[0].Text() != "撤并入“"+b.Name+"”（已撤并）" {
			t.Fatalf("A's history: %+v", h)
		}
		if h := w.history("230102002"); len(h) != 1 || h[0].Kind != org.ChangeMergedFrom || h[0].Old != a.Name || h[0].Other.Code != a.Code {
			t.Fatalf("B's history: %+v", h)
		}
		// The session of a moved account acts for B at its next request.
		st := w.f.Actor("street.staff")
		if st.OrgID != b.ID || st.OrgPath != b.Path {
			t.Fatalf("street.staff acts for %s %s", st.OrgCode, st.OrgPath)
		}
		if n := w.audited("org.merge", "230102001", "ok"); n != 1 {
			t.Fatalf("audit: %d", n)
		}
		var detail string
		w.d.QueryRow(w.bg, `SELECT detail FROM audit_events WHERE action = 'org.merge' AND outcome = 'ok'`).Scan(&detail)
		if !strings.HasPrefix(detail, "into=230102002 children=") || strings.Contains(detail, a.Name) || hasHan(detail) {
			t.Fatalf("audit detail: %s", detail)
		}
		// A merged unit is history: not merged or split again, takes no
		// new unit or account.
		_, err = w.s.Merge(w.bg, w.f.Actor("daoli.leader"), "230102001", "230102003")
		wantRefusal(t, err, http.StatusConflict, "unit_inactive")
		_, err = w.s.Move(w.bg, w.f.Actor("daoli.leader"), "230102003001", "230102001")
		wantRefusal(t, err, http.StatusConflict, "unit_inactive", "under")
		_, err = w.s.Move(w.bg, w.f.Actor("daoli.leader"), "230102001", "230102003")
		wantRefusal(t, err, http.StatusConflict, "unit_merged", "under")
		err = d.InTx(w.bg, func(tx *db.Tx) error {
			_, err := w.s.Create(w.bg, tx, a2, "230102001XL9", "某新领域妇联", org.KindNewSector, "gig")
			return err
		})
		wantRefusal(t, err, http.StatusConflict, "unit_inactive")
		_, _, err = w.f.Auth.CreateUser(w.bg, w.f.Actor("daoli.leader"), auth.NewUser{Username: "a.late", DisplayName: "迟到", OrgCode: "230102001", Role: access.Staff})
		wantRefusal(t, err, http.StatusUnprocessableEntity, "invalid", "org")
	})
}

// TestMergeKeepsWhatUniqueRulesHold: two districts that both received
// the seed notice and owe its report are merged: the merged district's
// report and receipt stay with it (under the district it joined), the
// rest of its records and its accounts move.
func TestMergeKeepsWhatUniqueRulesHold(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, false, true)
		daowai, daoli := w.f.Unit("230104"), w.f.Unit("230102")
		reps := w.count(`SELECT COUNT(*) FROM reports WHERE org_id = ?`, daowai.ID)
		recs := w.count(`SELECT COUNT(*) FROM document_recipients WHERE org_id = ?`, daowai.ID)
		notes := w.count(`SELECT COUNT(*) FROM notifications WHERE org_id = ?`, daowai.ID)
		if reps == 0 || recs == 0 || notes == 0 || w.count(`SELECT COUNT(*) FROM reports WHERE org_id = ?`, daoli.ID) == 0 {
			t.Fatal("the seed notice should reach both districts")
		}
		res, err := w.s.Merge(w.bg, w.f.Actor("city.leader"), "230104", "230102")
		if err != nil {
			t.Fatal(err)
		}
		w.clean()
		if k := counts(res.Kept); k["reports.org_id"] != reps || k["document_recipients.org_id"] != recs {
			t.Fatalf("kept %v, want %d reports and %d receipts", res.Kept, reps, recs)
		}
		if m := counts(res.Moved); m["reports.org_id"] != 0 || m["notifications.org_id"] != notes {
			t.Fatalf("moved %v", res.Moved)
		}
		if w.count(`SELECT COUNT(*) FROM reports WHERE org_id = ?`, daowai.ID) != reps {
			t.Fatal("the kept report moved")
		}
		if w.count(`SELECT COUNT(*) FROM users WHERE org_id = ?`, daowai.ID) != 0 {
			t.Fatal("accounts left behind")
		}
		// What stays with 道外 is in 道里's scope: 道外 is under it.
		if o := w.f.Unit("230104"); !strings.HasPrefix(o.Path, daoli.Path) {
			t.Fatalf("道外 at %s", o.Path)
		}
	})
}

// TestSplitPreviewThenSplit: a street is split — a new street beside it
// takes two of its communities and its own records; the preview says
// exactly what the split then does and changes nothing.
func TestSplitPreviewThenSplit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, true, false)
		street := w.f.Unit("230102001")
		kids, _ := w.s.Children(w.bg, w.f.Actor("city.leader"), street)
		plan := org.SplitPlan{New: []org.NewUnit{{Code: "230102901", Name: "兆麟新区街道妇联", Kind: org.KindStreet}},
			Children: map[string]string{}, Records: "230102901"}
		var going []string
		for i, k := range kids {
			to := street.Code
			if i == 1 || i == 2 {
				to = "230102901"
				going = append(going, k.Code)
			}
			plan.Children[k.Code] = to
		}
		own := w.ownRows(street.ID)
		before := w.prints()
		leader := w.f.Actor("daoli.leader")
		pre, err := w.s.PreviewSplit(w.bg, leader, "230102001", plan)
		if err != nil {
			t.Fatal(err)
		}
		if after := w.prints(); !maps.Equal(before, after) {
			t.Fatal("the preview changed the database")
		}
		if n := w.count(`SELECT COUNT(*) FROM audit_events WHERE action LIKE 'org.split%' AND outcome = 'ok'`); n != 0 {
			t.Fatalf("a preview left %d events", n)
		}
		if len(pre.New) != 1 || pre.New[0].ID != 0 || pre.RecordsTo != "230102901" || len(pre.Children) != len(kids) {
			t.Fatalf("preview: %+v", pre)
		}
		if got := counts(pre.Records); !maps.Equal(got, own) {
			t.Fatalf("preview records %v, the street owns %v", got, own)
		}
		res, err := w.s.Split(w.bg, leader, "230102001", plan)
		if err != nil {
			t.Fatal(err)
		}
		w.clean()
		if !maps.Equal(counts(res.Records), counts(pre.Records)) || len(res.Children) != len(pre.Children) {
			t.Fatalf("split %v, preview said %v", res.Records, pre.Records)
		}
		n := w.f.Unit("230102901")
		if n.ParentID != street.ParentID || n.Kind != org.KindStreet || !n.Active || len(res.New) != 1 || res.New[0].ID != n.ID {
			t.Fatalf("new street: %+v", n)
		}
		for _, c := range going {
			if o := w.f.Unit(c); o.ParentID != n.ID {
				t.Errorf("%s under %d, want the new street", c, o.ParentID)
			}
		}
		if got := w.ownRows(n.ID); !maps.Equal(got, own) {
			t.Fatalf("the new street owns %v, want %v", got, own)
		}
		if w.count(`SELECT COUNT(*) FROM users WHERE org_id = ?`, street.ID) == 0 {
			t.Fatal("the street's accounts stay with it")
		}
		if h := w.history("230102901"); len(h) != 1 || h[0].Kind != org.ChangeSplitFrom || h[0].Old != street.Name {
			t.Fatalf("new street's history: %+v", h)
		}
		if h := w.history("230102001"); len(h) != 1 || h[0].Kind != org.ChangeSplitTo || h[0].New != "兆麟新区街道妇联" {
			t.Fatalf("street's history: %+v", h)
		}
		if h := w.history(going[0]); len(h) != 1 || h[0].Kind != org.ChangeMove || h[0].New != "兆麟新区街道妇联" {
			t.Fatalf("moved child's history: %+v", h)
		}
	})
}

// TestRenameRecodeDeactivate: names and codes change and are remembered;
// what copies a code follows; a deactivated unit takes nothing new.
func TestRenameRecodeDeactivate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, false, true)
		city := w.f.Actor("city.leader")
		o, err := w.s.Rename(w.bg, city, "230104", "道外区妇女联合会")
		if err != nil || o.Name != "道外区妇女联合会" {
			t.Fatal(o, err)
		}
		o, err = w.s.Recode(w.bg, city, "230104", "230199")
		if err != nil || o.Code != "230199" {
			t.Fatal(o, err)
		}
		if n := w.count(`SELECT COUNT(*) FROM reports WHERE org_code = '230199'`); n == 0 {
			t.Fatal("the report's copy of the code did not follow")
		}
		if n := w.count(`SELECT COUNT(*) FROM reports WHERE org_code = '230104'`); n != 0 {
			t.Fatal("a report keeps the old code")
		}
		h := w.history("230199")
		if len(h) != 2 || h[0].Kind != org.ChangeRecode || h[0].Old != "230104" || h[0].New != "230199" ||
			h[1].Kind != org.ChangeRename || h[1].Old != "道外区妇联" || h[1].Text() != "由“道外区妇联”更名为“道外区妇女联合会”" {
			t.Fatalf("history: %+v", h)
		}
		// Deactivate: not while it has active children or enabled accounts.
		_, err = w.s.Deactivate(w.bg, city, "230199")
		wantRefusal(t, err, http.StatusConflict, "has_active_children")
		_, err = w.s.Deactivate(w.bg, city, "230102001001")
		wantRefusal(t, err, http.StatusConflict, "has_accounts")
		o, err = w.s.Deactivate(w.bg, city, "230102XL01")
		if err != nil || o.Active {
			t.Fatal(o, err)
		}
		if h := w.history("230102XL01"); len(h) != 1 || h[0].Kind != org.ChangeDeactivate {
			t.Fatalf("history: %+v", h)
		}
		_, err = w.s.Deactivate(w.bg, city, "230102XL01")
		wantRefusal(t, err, http.StatusConflict, "unit_inactive")
		_, _, err = w.f.Auth.CreateUser(w.bg, w.f.Actor("daoli.leader"), auth.NewUser{Username: "xl.staff", DisplayName: "某", OrgCode: "230102XL01", Role: access.Staff})
		wantRefusal(t, err, http.StatusUnprocessableEntity, "invalid", "org")
		_, err = w.f.Auth.CreateUserAsOperator(w.bg, auth.NewUser{Username: "xl.staff", DisplayName: "某", Password: testfx.Password, OrgCode: "230102XL01", Role: access.Staff})
		wantRefusal(t, err, http.StatusUnprocessableEntity, "invalid", "org")
	})
}

// TestDocumentsKeepNamesAsIssued: the seed notice was issued by 哈尔滨市妇联
// to the districts; after the city and 道里 are renamed and 道外 merged
// into 道里, the notice still shows the names as issued; a draft made
// afterwards shows the new name.
func TestDocumentsKeepNamesAsIssued(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, false, true)
		docs := doc.NewService(d, w.s)
		var id int64
		if err := d.QueryRow(w.bg, `SELECT id FROM documents WHERE status = 'issued'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		op := org.Operator()
		for code, name := range map[string]string{"2301": "哈尔滨市妇女联合会", "230102": "道里区妇女联合会"} {
			if _, err := w.s.Rename(w.bg, op, code, name); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.s.Merge(w.bg, op, "230104", "230102"); err != nil {
			t.Fatal(err)
		}
		city := w.f.Actor("city.staff")
		dd, err := docs.Get(w.bg, city, id)
		if err != nil || dd.OrgName != "哈尔滨市妇联" {
			t.Fatalf("issuer: %q %v", dd.OrgName, err)
		}
		receipts, err := docs.Receipts(w.bg, city, id)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]string{}
		for _, r := range receipts {
			names[r.OrgCode] = r.OrgName
		}
		if names["230102"] != "道里区妇联" || names["230104"] != "道外区妇联" {
			t.Fatalf("recipients as issued: %v", names)
		}
		list, _, err := docs.List(w.bg, w.f.Actor("daoli.leader"), doc.ListFilter{Box: doc.BoxReceived})
		if err != nil || len(list) == 0 {
			t.Fatal(len(list), err)
		}
		for _, it := range list {
			if it.ToOrgCode == "230102" && it.ToOrgName != "道里区妇联" {
				t.Fatalf("received box: %q", it.ToOrgName)
			}
		}
		if r, ok, err := docs.MyReceipt(w.bg, w.f.Actor("daoli.leader"), id); err != nil || !ok || r.OrgName != "道里区妇联" {
			t.Fatalf("my receipt: %+v %v %v", r, ok, err)
		}
		draft, err := docs.Create(w.bg, city, doc.Fields{Type: "通知", IssuerMark: "哈尔滨市妇女联合会文件", Abbr: "哈妇发", Title: "新名称后的草稿",
			RecipientSpec: []doc.Target{{Unit: "230102"}}, Body: []string{"正文。"}})
		if err != nil || draft.OrgName != "哈尔滨市妇女联合会" {
			t.Fatalf("a draft after the rename: %q %v", draft.OrgName, err)
		}
	})
}

// TestReshapeRefusals is issue 11's bad input: each refused with its
// exact reason beside the field, nothing changed, the refusal audited.
func TestReshapeRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, true, false)
		// A second installation beside Harbin: 齐齐哈尔 as its own root.
		im, err := w.s.NewImporter(w.bg, nil)
		if err != nil {
			t.Fatal(err)
		}
		im.Add(w.bg, divisionOf("2302", "齐齐哈尔市", ""))
		im.Add(w.bg, divisionOf("230202", "龙沙区", "2302"))
		if err := im.Flush(w.bg); err != nil {
			t.Fatal(err)
		}
		city, daoli := w.f.Actor("city.leader"), w.f.Actor("daoli.leader")
		admin := w.f.Actor("admin")
		kids, _ := w.s.Children(w.bg, city, w.f.Unit("230102001"))
		full := map[string]string{}
		for _, k := range kids {
			full[k.Code] = "230102001"
		}
		without := maps.Clone(full)
		delete(without, kids[0].Code)
		newStreet := []org.NewUnit{{Code: "230102901", Name: "新街道妇联", Kind: org.KindStreet}}
		for _, c := range []struct {
			name, action, code string
			run                func() error
			status             int
			errCode            string
			fields             []string
			outcome            string
		}{
			{"move under its own descendant", "org.move", "230102", func() error { _, err := w.s.Move(w.bg, city, "230102", "230102001"); return err },
				422, "move_into_subtree", []string{"under"}, "fail"},
			{"move under itself", "org.move", "230102001", func() error { _, err := w.s.Move(w.bg, city, "230102001", "230102001"); return err },
				422, "move_into_subtree", []string{"under"}, "fail"},
			{"move where it is", "org.move", "230102001", func() error { _, err := w.s.Move(w.bg, city, "230102001", "230102"); return err },
				409, "already_there", []string{"under"}, "fail"},
			{"move under an unknown unit", "org.move", "230102001", func() error { _, err := w.s.Move(w.bg, city, "230102001", "999999"); return err },
				422, "invalid", []string{"under"}, "fail"},
			{"move with no parent given", "org.move", "230102001", func() error { _, err := w.s.Move(w.bg, city, "230102001", " "); return err },
				422, "invalid", []string{"under"}, "fail"},
			{"merge into itself", "org.merge", "230102001", func() error { _, err := w.s.Merge(w.bg, city, "230102001", "230102001"); return err },
				422, "merge_into_itself", []string{"into"}, "fail"},
			{"merge into its own child", "org.merge", "230102001", func() error { _, err := w.s.Merge(w.bg, city, "230102001", kids[0].Code); return err },
				422, "merge_into_subtree", []string{"into"}, "fail"},
			{"merge across two installations", "org.merge", "230102001", func() error {
				_, err := w.s.Merge(w.bg, org.Operator(), "230102001", "230202")
				return err
			}, 422, "merge_across_roots", []string{"into"}, "fail"},
			{"split missing a child", "org.split", "230102001", func() error {
				_, err := w.s.Split(w.bg, daoli, "230102001", org.SplitPlan{New: newStreet, Children: without})
				return err
			}, 422, "invalid", []string{"children." + kids[0].Code}, "fail"},
			{"split naming a unit that is not a child", "org.split", "230102001", func() error {
				p := maps.Clone(full)
				p["230103001"] = "230102001"
				_, err := w.s.Split(w.bg, daoli, "230102001", org.SplitPlan{New: newStreet, Children: p})
				return err
			}, 422, "invalid", []string{"children.230103001"}, "fail"},
			{"split reusing a code in use", "org.split", "230102001", func() error {
				_, err := w.s.Split(w.bg, daoli, "230102001", org.SplitPlan{New: []org.NewUnit{{Code: "230102002", Name: "重号", Kind: org.KindStreet}}, Children: full})
				return err
			}, 422, "invalid", []string{"new.0.code"}, "fail"},
			{"split mapping to a unit not in the plan", "org.split", "230102001", func() error {
				p := maps.Clone(full)
				p[kids[0].Code] = "230102002"
				_, err := w.s.Split(w.bg, daoli, "230102001", org.SplitPlan{New: newStreet, Children: p, Records: "230103"})
				return err
			}, 422, "invalid", []string{"children." + kids[0].Code, "records"}, "fail"},
			{"split with no new unit", "org.split", "230102001", func() error {
				_, err := w.s.Split(w.bg, daoli, "230102001", org.SplitPlan{Children: full})
				return err
			}, 422, "invalid", []string{"new"}, "fail"},
			{"split preview of a bad plan", "org.split_preview", "230102001", func() error {
				_, err := w.s.PreviewSplit(w.bg, daoli, "230102001", org.SplitPlan{New: []org.NewUnit{{Code: "x", Name: "", Kind: "planet"}}, Children: full})
				return err
			}, 422, "invalid", []string{"new.0.code", "new.0.name", "new.0.kind"}, "fail"},
			{"split the root", "org.split", "2301", func() error {
				_, err := w.s.Split(w.bg, admin, "2301", org.SplitPlan{New: newStreet})
				return err
			}, 409, "no_parent", nil, "fail"},
			{"recode to a code in use", "org.recode", "230102001", func() error { _, err := w.s.Recode(w.bg, city, "230102001", "230102002"); return err },
				409, "code_in_use", []string{"new_code"}, "fail"},
			{"recode to a bad code", "org.recode", "230102001", func() error { _, err := w.s.Recode(w.bg, city, "230102001", "23-01"); return err },
				422, "invalid", []string{"new_code"}, "fail"},
			{"recode to the same code", "org.recode", "230102001", func() error { _, err := w.s.Recode(w.bg, city, "230102001", "230102001"); return err },
				422, "same_code", []string{"new_code"}, "fail"},
			{"rename to nothing", "org.rename", "230102001", func() error { _, err := w.s.Rename(w.bg, city, "230102001", "  "); return err },
				422, "invalid", []string{"name"}, "fail"},
			{"rename to the same name", "org.rename", "230102001", func() error { _, err := w.s.Rename(w.bg, city, "230102001", "兆麟街道妇联"); return err },
				422, "same_name", []string{"name"}, "fail"},
			{"a leader moving to a unit outside her scope", "org.move", "230102001", func() error {
				_, err := w.s.Move(w.bg, daoli, "230102001", "230103")
				return err
			}, 422, "invalid", []string{"under"}, "fail"},
			{"a leader merging into a unit outside her scope", "org.merge", "230102001", func() error {
				_, err := w.s.Merge(w.bg, daoli, "230102001", "230103001")
				return err
			}, 422, "invalid", []string{"into"}, "fail"},
			{"the administrator naming another installation's unit", "org.merge", "230102001", func() error {
				_, err := w.s.Merge(w.bg, admin, "230102001", "230202")
				return err
			}, 422, "invalid", []string{"into"}, "fail"},
			{"a leader changing her own unit", "org.rename", "230102", func() error { _, err := w.s.Rename(w.bg, daoli, "230102", "新名"); return err },
				403, "not_above", nil, "denied"},
			{"the operator naming no unit", "org.deactivate", "999999", func() error { _, err := w.s.Deactivate(w.bg, org.Operator(), "999999"); return err },
				422, "invalid", []string{"unit"}, "fail"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := w.prints()
				n := w.audited(c.action, c.code, c.outcome)
				err := c.run()
				wantRefusal(t, err, c.status, c.errCode, c.fields...)
				if after := w.prints(); !maps.Equal(before, after) {
					t.Fatalf("changed: %v", diff(before, after))
				}
				if w.audited(c.action, c.code, c.outcome) != n+1 {
					t.Fatalf("refusal not audited as %s %s %s", c.action, c.code, c.outcome)
				}
			})
		}
		w.clean()
	})
}

func diff(a, b map[string]string) []string {
	var out []string
	for k := range b {
		if a[k] != b[k] {
			out = append(out, k)
		}
	}
	return out
}

// TestReshapeWhoMay: roles first (403, audited), then scope (404), then
// "from above" (a leader's own unit: 403); the system administrator and
// a leader above may.
func TestReshapeWhoMay(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, false, false)
		before := w.prints()
		for _, c := range []struct {
			who, code string
			want      error
		}{
			{"city.staff", "230102001", access.ErrDenied},
			{"secadmin", "230102001", access.ErrDenied},
			{"auditor", "230102001", access.ErrDenied},
			{"street.staff", "230102001", access.ErrDenied},
			{"nangang.leader", "230102001", db.ErrNotFound},
			{"nangang.leader", "999999", db.ErrNotFound},
			{"daoli.leader", "230102", org.ErrNotAbove},
			{"daoli.leader", "2301", db.ErrNotFound},
		} {
			_, err := w.s.Rename(w.bg, w.f.Actor(c.who), c.code, "改名")
			if !errors.Is(err, c.want) {
				t.Errorf("%s renaming %s: %v, want %v", c.who, c.code, err, c.want)
			}
			outcome := "denied"
			if n := w.audited("org.rename", c.code, outcome); n == 0 {
				t.Errorf("%s renaming %s: not audited", c.who, c.code)
			}
		}
		if after := w.prints(); !maps.Equal(before, after) {
			t.Fatalf("refusals changed %v", diff(before, after))
		}
		if _, err := w.s.Rename(w.bg, w.f.Actor("admin"), "2301", "哈尔滨市妇女联合会"); err != nil {
			t.Fatalf("the system administrator renaming the city: %v", err)
		}
		if _, err := w.s.Rename(w.bg, w.f.Actor("daoli.leader"), "230102001", "兆麟街道妇女联合会"); err != nil {
			t.Fatalf("a leader above: %v", err)
		}
	})
}

func divisionOf(code, name, parent string) division.Division {
	return division.Division{Code: code, Name: name, Parent: parent}
}

// TestConcurrentMovesNeverCycle: X under Y and Y under X at once — one
// wins, the other is refused, the tree stays a tree.
func TestConcurrentMovesNeverCycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, false, false)
		city := w.f.Actor("city.leader")
		for i := 0; i < 5; i++ {
			x, y := "230102", "230103"
			if i%2 == 1 {
				x, y = y, x
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for j, p := range [][2]string{{x, y}, {y, x}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[j] = w.s.Move(w.bg, city, p[0], p[1])
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				} else {
					wantRefusal(t, err, 422, "move_into_subtree", "under")
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %v", i, errs)
			}
			w.clean()
			// Put the winner back beside the other.
			for _, c := range []string{x, y} {
				if o := w.f.Unit(c); o.ParentID != w.f.Unit("2301").ID {
					if _, err := w.s.Move(w.bg, city, c, "2301"); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	})
}

// TestImportKeepsLocalChanges: the national list never undoes a local
// 区划调整. After a street is merged (its communities moved under the
// other street), a street renamed, one recoded and a town moved to
// another district, importing the list again changes nothing — no
// community goes back under the merged street, no unit is made again
// under its old code — and reports what it kept; the import's own moves
// are in the unit's history as the import's.
func TestImportKeepsLocalChanges(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, true, false)
		op := org.Operator()
		kids := w.count(`SELECT COUNT(*) FROM orgs WHERE parent_id = ?`, w.f.Unit("230110002").ID)
		if kids == 0 {
			t.Fatal("安埠街道 has no communities")
		}
		if _, err := w.s.Merge(w.bg, op, "230110002", "230110001"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Rename(w.bg, op, "230110003", "通天新区街道妇联"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Recode(w.bg, op, "230110004", "230110904"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Move(w.bg, op, "230110101", "230111"); err != nil {
			t.Fatal(err)
		}
		before := w.prints()
		st, err := w.s.ImportHarbin(w.bg)
		if err != nil {
			t.Fatal(err)
		}
		if st.Added != 0 || st.Renamed != 0 || st.Moved != 0 || st.Kept != kids+3 {
			t.Fatalf("re-import: %+v, want only %d kept", st, kids+3)
		}
		if !strings.Contains(st.String(), "保留本地调整") {
			t.Errorf("stats line: %s", st)
		}
		if changed := diff(before, w.prints()); len(changed) != 0 {
			t.Fatalf("the import changed %v", changed)
		}
		w.clean()

		// An import's own move: a new province above Harbin.
		im, err := w.s.NewImporter(w.bg, nil)
		if err != nil {
			t.Fatal(err)
		}
		im.Add(w.bg, divisionOf("23", "黑龙江省", ""))
		im.Add(w.bg, divisionOf("2301", "哈尔滨市", "23"))
		if err := im.Flush(w.bg); err != nil || im.Stats().Moved != 1 {
			t.Fatalf("province import: %+v %v", im.Stats(), err)
		}
		h := w.history("2301")
		if len(h) == 0 || h[0].Kind != org.ChangeImportMove || !strings.Contains(h[0].Text(), "黑龙江省") {
			t.Fatalf("Harbin's history: %+v", h)
		}
		w.clean()
	})
}
