package report_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/doc"
	"halfsky/internal/duty"
	"halfsky/internal/org"
	"halfsky/internal/report"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

func init() { auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1} }

type fx struct {
	t     *testing.T
	d     *db.DB
	auth  *auth.Service
	docs  *doc.Service
	reps  *report.Service
	clock time.Time
}

func setup(t *testing.T, d *db.DB) *fx {
	ctx := context.Background()
	orgs := &org.Store{DB: d}
	f := &fx{t: t, d: d, auth: auth.NewService(d, orgs), clock: time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)}
	f.docs = doc.NewService(d, orgs)
	f.reps = report.NewService(d, orgs, f.docs)
	f.docs.Vault, f.reps.Vault = testfx.Keys, testfx.Keys
	now := func() time.Time { return f.clock }
	f.docs.Now, f.reps.Now = now, now
	report.Wire(f.docs, f.reps)
	if _, err := demo.Seed(ctx, f.auth, "test-password-2015", true); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"230103", "230104"} {
		f.user("staff."+code, code, access.Staff)
	}
	return f
}

func (f *fx) user(name, code string, role access.Role) {
	if _, err := f.auth.CreateUserAsOperator(context.Background(), auth.NewUser{Username: name, DisplayName: name,
		Password: "test-password-2015", OrgCode: code, Role: role}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fx) actor(username string) access.Actor {
	u, err := f.auth.UserByUsername(context.Background(), username)
	if err != nil {
		f.t.Fatal(err)
	}
	return u.Actor("127.0.0.1")
}

func code(t *testing.T, err error, want string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != want {
		t.Fatalf("want error %s, got %v", want, err)
	}
}

// field checks err is bad input naming the field with the message.
func field(t *testing.T, err error, name, msg string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != "invalid" || e.Fields[name] != msg {
		t.Fatalf("want invalid %s %q, got %v %v", name, msg, err, apperr.From(err).Fields)
	}
}

func notice() doc.Fields {
	return doc.Fields{Type: "通知", IssuerMark: "哈尔滨市妇女联合会文件", Abbr: "哈妇发",
		Title:         "哈尔滨市妇联关于认真学习贯彻中央党的群团工作会议精神的通知",
		RecipientSpec: []doc.Target{{Group: org.KindDistrict}},
		Body:          []string{"各级妇联组织要把认真学习贯彻习近平总书记重要讲话精神作为首要政治任务。", "请各地妇联将学习贯彻情况及时报市妇联宣传部。"},
		Signature:     "哈尔滨市妇女联合会", PrintedBy: "哈尔滨市妇女联合会", Seal: true}
}

// TestWholeLoop: the city drafts, reviews, signs and issues a notice to all
// 18 districts; three districts sign for it and report; one report is
// returned and resubmitted; the dashboard shows the right counts and
// colours; a district sees neither another district's report nor its to-do.
func TestWholeLoop(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		staff, office, leader := f.actor("city.staff"), f.actor("city.office"), f.actor("city.leader")

		dd, err := f.docs.Create(ctx, staff, notice())
		if err != nil {
			t.Fatal(err)
		}
		if dd.Recipients != "各区县（市）妇联" || dd.Status != doc.Draft {
			t.Fatalf("draft: %q %s", dd.Recipients, dd.Status)
		}
		req, err := f.reps.AddRequirement(ctx, staff, dd.ID, report.RequirementInput{Title: "学习贯彻情况", Department: "市妇联宣传部",
			DueDate: "2026-11-10", Fields: []report.Field{{Key: "sessions", Label: "专题学习场次", Unit: "场"}, {Key: "people", Label: "参加人数", Unit: "人"}}})
		if err != nil {
			t.Fatal(err)
		}
		// Issuing an unsigned draft is refused.
		_, err = f.docs.Issue(ctx, staff, dd.ID)
		code(t, err, "wrong_status")
		if err := f.docs.Submit(ctx, staff, dd.ID); err != nil {
			t.Fatal(err)
		}
		code(t, f.docs.Review(ctx, staff, dd.ID, true, ""), duty.CodeSame) // nobody reviews their own draft
		code(t, f.docs.Sign(ctx, leader, dd.ID, "同意"), "wrong_status")     // not reviewed yet
		if err := f.docs.Review(ctx, office, dd.ID, true, "文字已核"); err != nil {
			t.Fatal(err)
		}
		if err := f.docs.Sign(ctx, staff, dd.ID, "同意"); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("staff signed: %v", err)
		}
		if err := f.docs.Sign(ctx, leader, dd.ID, "同意印发"); err != nil {
			t.Fatal(err)
		}
		code(t, f.docs.Sign(ctx, leader, dd.ID, "同意"), "already_signed")
		_, err = f.docs.Update(ctx, staff, dd.ID, 1, notice())
		code(t, err, "wrong_status") // a signed document cannot change
		issued, err := f.docs.Issue(ctx, staff, dd.ID)
		if err != nil {
			t.Fatal(err)
		}
		if issued.Number != "哈妇发〔2026〕1号" || issued.Status != doc.Issued || strings.Join(issued.Signers, "") != "杨杰" || issued.DocDate != "2026-11-02" {
			t.Fatalf("issued: %s %s %v %s", issued.Number, issued.Status, issued.Signers, issued.DocDate)
		}
		receipts, err := f.docs.Receipts(ctx, staff, dd.ID)
		if err != nil || len(receipts) != 18 {
			t.Fatalf("receipts: %d %v", len(receipts), err)
		}

		// Three districts sign for it and report.
		daoli, nangang, daowai := f.actor("daoli.staff"), f.actor("staff.230103"), f.actor("staff.230104")
		for _, a := range []access.Actor{daoli, nangang, daowai} {
			if err := f.docs.Receive(ctx, a, dd.ID); err != nil {
				t.Fatal(err)
			}
		}
		code(t, f.docs.Receive(ctx, daoli, dd.ID), "already_received")
		todo, err := f.reps.Todo(ctx, daoli)
		if err != nil || len(todo) != 1 || todo[0].RequirementID != req.ID {
			t.Fatalf("todo: %v %v", todo, err)
		}
		mine := map[string]int64{}
		for _, a := range []access.Actor{daoli, nangang, daowai} {
			rs, err := f.reps.ForDocument(ctx, a, dd.ID)
			if err != nil || len(rs) != 1 {
				t.Fatal(rs, err)
			}
			mine[a.OrgCode] = rs[0].ID
		}
		// A district cannot see another district's report or write it.
		if _, err := f.reps.Get(ctx, daoli, mine["230103"]); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("道里 reads 南岗's report: %v", err)
		}
		if err := f.reps.Submit(ctx, daoli, mine["230103"], report.Input{Body: "x"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("道里 reports for 南岗: %v", err)
		}
		if _, err := f.reps.Dashboard(ctx, daoli, dd.ID, req.ID, ""); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("道里 reads the dashboard: %v", err)
		}
		// Missing numbers are refused, and nothing changes.
		err = f.reps.Submit(ctx, daoli, mine["230102"], report.Input{Body: "已组织专题学习"})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Fields["numbers.sessions"] == "" {
			t.Fatalf("submit without numbers: %v", err)
		}
		in := report.Input{Body: "已组织专题学习 3 场。", Numbers: map[string]float64{"sessions": 3, "people": 120}}
		for _, a := range []access.Actor{daoli, nangang, daowai} {
			if err := f.reps.Submit(ctx, a, mine[a.OrgCode], in); err != nil {
				t.Fatal(err)
			}
		}
		code(t, f.reps.Submit(ctx, daoli, mine["230102"], in), "already_submitted")
		// The city returns one, accepts another.
		field(t, f.reps.Return(ctx, staff, mine["230103"], ""), "reason", "请写明退回理由")
		if err := f.reps.Return(ctx, staff, mine["230103"], "请补充参加人员范围"); err != nil {
			t.Fatal(err)
		}
		if err := f.reps.Accept(ctx, staff, mine["230102"]); err != nil {
			t.Fatal(err)
		}
		code(t, f.reps.Submit(ctx, daoli, mine["230102"], in), "already_accepted")

		dash, err := f.reps.Dashboard(ctx, staff, dd.ID, req.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		want := report.Counts{Total: 18, Unsigned: 15, Submitted: 1, Returned: 1, Accepted: 1, OnTime: 2}
		if dash.Totals != want {
			t.Fatalf("totals %+v, want %+v", dash.Totals, want)
		}
		if len(dash.Groups) != 18 || dash.Totals.Colour() != "green" {
			t.Fatalf("groups %d colour %s", len(dash.Groups), dash.Totals.Colour())
		}
		// 南岗 resubmits; the deadline comes within 3 days: yellow; then past it: red.
		if err := f.reps.Submit(ctx, nangang, mine["230103"], report.Input{Body: "已补充", Numbers: map[string]float64{"sessions": 2, "people": 80}}); err != nil {
			t.Fatal(err)
		}
		f.clock = time.Date(2026, 11, 8, 2, 0, 0, 0, time.UTC)
		dash, _ = f.reps.Dashboard(ctx, staff, dd.ID, req.ID, "")
		if dash.Totals.Submitted != 2 || dash.Totals.DueSoon != 15 || dash.Totals.Colour() != "yellow" {
			t.Fatalf("due soon: %+v %s", dash.Totals, dash.Totals.Colour())
		}
		f.clock = time.Date(2026, 11, 11, 2, 0, 0, 0, time.UTC)
		dash, _ = f.reps.Dashboard(ctx, staff, dd.ID, req.ID, "")
		if dash.Totals.Overdue != 15 || dash.Totals.Colour() != "red" || dash.Totals.Completeness() != 16.7 {
			t.Fatalf("overdue: %+v %s %v", dash.Totals, dash.Totals.Colour(), dash.Totals.Completeness())
		}
		units, total, err := f.reps.Units(ctx, staff, dd.ID, req.ID, report.UnitFilter{State: "overdue"})
		if err != nil || total != 15 || units[0].StateAt(f.clock).Label != "逾期" {
			t.Fatalf("overdue units %d %v", total, err)
		}
		// Past the deadline an accepted report is still closed to its unit.
		code(t, f.reps.Submit(ctx, f.actor("daoli.staff"), mine["230102"], in), "already_accepted")
		n, err := f.reps.Urge(ctx, staff, dd.ID, req.ID)
		if err != nil || n != 15 {
			t.Fatalf("urge: %d %v", n, err)
		}
		if _, err := f.reps.Urge(ctx, daoli, dd.ID, req.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("道里 urges: %v", err)
		}
	})
}

// TestNumbersUnderConcurrency: issuing many documents at once gives each
// the next number, none skipped, none twice.
func TestNumbersUnderConcurrency(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		staff, office, leader := f.actor("city.staff"), f.actor("city.office"), f.actor("city.leader")
		const n = 12
		ids := make([]int64, n)
		for i := range ids {
			fl := notice()
			fl.Title = fmt.Sprintf("关于第%d项工作的通知", i+1)
			dd, err := f.docs.Create(ctx, staff, fl)
			if err != nil {
				t.Fatal(err)
			}
			f.docs.Submit(ctx, staff, dd.ID)
			f.docs.Review(ctx, office, dd.ID, true, "")
			if err := f.docs.Sign(ctx, leader, dd.ID, ""); err != nil {
				t.Fatal(err)
			}
			ids[i] = dd.ID
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for _, id := range ids {
			wg.Add(1)
			go func(id int64) {
				defer wg.Done()
				_, err := f.docs.Issue(ctx, staff, id)
				errs <- err
			}(id)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		for _, id := range ids {
			dd, _ := f.docs.Get(ctx, staff, id)
			seen[dd.Number] = true
		}
		for i := 1; i <= n; i++ {
			if !seen[fmt.Sprintf("哈妇发〔2026〕%d号", i)] {
				t.Fatalf("number %d missing: %v", i, seen)
			}
		}
	})
}

// TestRecipientsStayInsideTheIssuer: a draft cannot name units outside the
// issuing unit's subtree (nor print their names).
func TestRecipientsStayInsideTheIssuer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		daoli := f.actor("daoli.staff")
		fl := notice()
		fl.IssuerMark, fl.Abbr = "哈尔滨市道里区妇女联合会文件", "道妇发"
		for _, spec := range [][]doc.Target{{{Unit: "230103"}}, {{Unit: "2301JG01", Subtree: true}}, {{Unit: "230102"}}} {
			fl.RecipientSpec = spec
			_, err := f.docs.Create(ctx, daoli, fl)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Fields["recipients"] == "" || strings.Contains(ae.Fields["recipients"], "南岗") {
				t.Fatalf("recipients %+v: %v", spec, err)
			}
		}
		fl.RecipientSpec = []doc.Target{{Unit: "230102001", Subtree: true}}
		dd, err := f.docs.Create(ctx, daoli, fl)
		if err != nil || dd.Recipients != "兆麟街道妇联及所属组织" {
			t.Fatalf("in-scope recipient: %v %q", err, dd.Recipients)
		}
	})
}

// TestDeskAndAttachments: the desk's "to sign for" list, a unit removing a
// wrong attachment before sending, and a leader's return credited to them.
func TestDeskAndAttachments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		staff, office, leader, daoli := f.actor("city.staff"), f.actor("city.office"), f.actor("city.leader"), f.actor("daoli.staff")
		dd, _ := f.docs.Create(ctx, staff, notice())
		req, err := f.reps.AddRequirement(ctx, staff, dd.ID, report.RequirementInput{Title: "学习贯彻情况", Department: "市妇联宣传部", DueDate: "2026-11-10"})
		if err != nil {
			t.Fatal(err)
		}
		f.docs.Submit(ctx, staff, dd.ID)
		f.docs.Review(ctx, office, dd.ID, true, "")
		if err := f.docs.Withdraw(ctx, leader, dd.ID, "请压缩篇幅"); err != nil {
			t.Fatal(err)
		}
		back, _ := f.docs.Get(ctx, staff, dd.ID)
		if back.Status != doc.Returned || back.ReviewerName != "杨杰" || !strings.Contains(back.ReviewNote, "请压缩篇幅") {
			t.Fatalf("returned by the leader: %s %q %q", back.Status, back.ReviewerName, back.ReviewNote)
		}
		f.docs.Submit(ctx, staff, dd.ID)
		f.docs.Review(ctx, office, dd.ID, true, "")
		f.docs.Sign(ctx, leader, dd.ID, "")
		if issued, err := f.docs.Issue(ctx, staff, dd.ID); err != nil || issued.IssuerName != "刘洋（宣传部）" {
			t.Fatalf("issue: %v %q", err, issued.IssuerName)
		}
		toSign := func() int {
			_, n, err := f.docs.List(ctx, daoli, doc.ListFilter{Box: doc.BoxReceived, ToSign: true})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if toSign() != 1 {
			t.Fatal("the notice is not on 道里's desk")
		}
		f.docs.Receive(ctx, daoli, dd.ID)
		if toSign() != 0 {
			t.Fatal("signed-for notice still on the desk")
		}
		rs, _ := f.reps.ForDocument(ctx, daoli, dd.ID)
		file, err := f.reps.Attach(ctx, daoli, rs[0].ID, "学习情况.txt", []byte("专题学习 3 场"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.reps.RemoveFile(ctx, f.actor("staff.230103"), rs[0].ID, file.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 removed 道里's attachment: %v", err)
		}
		if err := f.reps.RemoveFile(ctx, daoli, rs[0].ID, file.ID); err != nil {
			t.Fatal(err)
		}
		if files, _ := f.reps.Files(ctx, daoli, rs[0].ID); len(files) != 0 {
			t.Fatalf("attachment still there: %v", files)
		}
		file, _ = f.reps.Attach(ctx, daoli, rs[0].ID, "学习情况.txt", []byte("专题学习 3 场"))
		f.reps.Submit(ctx, daoli, rs[0].ID, report.Input{Body: "已学习"})
		code(t, f.reps.RemoveFile(ctx, daoli, rs[0].ID, file.ID), "already_submitted")
		if err := f.reps.RemoveRequirement(ctx, staff, dd.ID+1000, req.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("requirement removed through another document's id: %v", err)
		}
	})
}
