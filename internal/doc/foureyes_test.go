package doc_test

import (
	"context"
	"fmt"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/duty"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

func init() { auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1} }

func notice() doc.Fields {
	return doc.Fields{Type: "通知", IssuerMark: "哈尔滨市妇女联合会文件", Abbr: "哈妇发",
		Title:         "哈尔滨市妇联关于认真学习贯彻中央党的群团工作会议精神的通知",
		RecipientSpec: []doc.Target{{Group: org.KindDistrict}},
		Body:          []string{"各级妇联组织要把认真学习贯彻习近平总书记重要讲话精神作为首要政治任务。"},
		Signature:     "哈尔滨市妇女联合会", PrintedBy: "哈尔滨市妇女联合会", Seal: true}
}

type docs struct {
	t *testing.T
	d *db.DB
	*testfx.Demo
	svc *doc.Service
}

// submitted is a new draft of the drafter's unit, sent for review.
func (f *docs) submitted(drafter access.Actor) doc.Document {
	f.t.Helper()
	ctx := context.Background()
	d, err := f.svc.Create(ctx, drafter, notice())
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.svc.Submit(ctx, drafter, d.ID); err != nil {
		f.t.Fatal(err)
	}
	return d
}

// reviewed is submitted and passed by the reviewer.
func (f *docs) reviewed(drafter, reviewer access.Actor) doc.Document {
	f.t.Helper()
	d := f.submitted(drafter)
	if err := f.svc.Review(context.Background(), reviewer, d.ID, true, "文字已核"); err != nil {
		f.t.Fatal(err)
	}
	return d
}

// row is what a decision would change.
func (f *docs) row(id int64) string {
	f.t.Helper()
	var status string
	var updated, reviewed, signed, version int64
	if err := f.d.QueryRow(context.Background(), `SELECT status, updated_at, COALESCE(reviewed_by, 0), COALESCE(signed_by, 0), version
		FROM documents WHERE id = ?`, id).Scan(&status, &updated, &reviewed, &signed, &version); err != nil {
		f.t.Fatal(err)
	}
	return fmt.Sprint(status, updated, reviewed, signed, version)
}

// refused runs each decision, expects the four-eyes refusal with the
// code, audited under the action, and the document unchanged.
func (f *docs) refused(id int64, code string, decisions map[string]func() error) {
	f.t.Helper()
	before := f.row(id)
	for action, decide := range decisions {
		n := f.Refusals(action, "document", id, code)
		testfx.FourEyes(f.t, decide(), code)
		if got := f.Refusals(action, "document", id, code); got != n+1 {
			f.t.Fatalf("%s: %d refusals audited, want %d", action, got, n+1)
		}
	}
	if f.row(id) != before {
		f.t.Fatalf("a refused decision changed the document: %s → %s", before, f.row(id))
	}
}

// TestReviewFourEyes: nobody reviews a 公文 they drafted, nor one drafted
// by an account tied to theirs (either way), nor one submitted before
// their account existed; the office's own reviewer does.
func TestReviewFourEyes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := &docs{t: t, d: d, Demo: testfx.Seed(t, d)}
		f.svc = doc.NewService(d, f.Orgs)
		staff, office, leader := f.Actor("city.staff"), f.Actor("city.office"), f.Actor("city.leader")
		review := func(a access.Actor, id int64) map[string]func() error {
			return map[string]func() error{
				"doc.review_pass":   func() error { return f.svc.Review(ctx, a, id, true, "") },
				"doc.review_return": func() error { return f.svc.Review(ctx, a, id, false, "请修改") },
			}
		}

		// The drafter herself.
		own := f.submitted(staff)
		f.refused(own.ID, duty.CodeSame, review(staff, own.ID))
		// The puppet: the leader makes a staff account, which drafts;
		// the leader may not review it.
		puppet := f.Newcomer("city.puppet", "傀儡", "2301", access.Staff)
		f.Tie(leader, puppet, duty.Created)
		p := f.submitted(puppet)
		f.refused(p.ID, duty.CodeLinked, review(leader, p.ID))
		// The other way: the leader drafts; a staff account whose
		// password he reset may not review it.
		clerk := f.Colleague("city.clerk", "文书", "2301", access.Staff)
		f.Tie(leader, clerk, duty.ResetPassword)
		l := f.submitted(leader)
		f.refused(l.ID, duty.CodeLinked, review(clerk, l.ID))
		// An account made after the submission.
		late := f.Newcomer("city.late", "新同志", "2301", access.Staff)
		f.refused(l.ID, duty.CodeNewer, review(late, l.ID))

		// The office reviews all three: it is tied to none of them.
		for _, id := range []int64{own.ID, p.ID, l.ID} {
			if err := f.svc.Review(ctx, office, id, true, "文字已核"); err != nil {
				t.Fatalf("the office reviews %d: %v", id, err)
			}
		}
		// And the new account reviews what is submitted after it came.
		if err := f.svc.Review(ctx, late, f.submitted(staff).ID, false, "请修改"); err != nil {
			t.Fatalf("a newer document: %v", err)
		}
	})
}

// TestSignFourEyes: the 签发 — signing or sending back — is a third
// person's: not the drafter, not the reviewer, tied to neither, and with
// an account from before the review; the leader signing what a colleague
// drafted and the office reviewed is the ordinary case.
func TestSignFourEyes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := &docs{t: t, d: d, Demo: testfx.Seed(t, d)}
		f.svc = doc.NewService(d, f.Orgs)
		staff, office, leader := f.Actor("city.staff"), f.Actor("city.office"), f.Actor("city.leader")
		deputy := f.Colleague("city.deputy", "副主席", "2301", access.Leader)
		sign := func(a access.Actor, id int64) map[string]func() error {
			return map[string]func() error{
				"doc.sign":        func() error { return f.svc.Sign(ctx, a, id, "同意") },
				"doc.sign_return": func() error { return f.svc.Withdraw(ctx, a, id, "再议") },
			}
		}

		// The ordinary case first: colleagues, no ties.
		ok := f.reviewed(staff, office)
		if err := f.svc.Sign(ctx, leader, ok.ID, "同意印发"); err != nil {
			t.Fatal(err)
		}

		// The leader drafted it: the deputy signs, he does not.
		mine := f.reviewed(leader, office)
		f.refused(mine.ID, duty.CodeSame, sign(leader, mine.ID))
		// The leader reviewed it: the same.
		rev := f.reviewed(staff, leader)
		f.refused(rev.ID, duty.CodeSame, sign(leader, rev.ID))
		// The puppet drafted it: a staff account the leader made.
		puppet := f.Newcomer("city.puppet", "傀儡", "2301", access.Staff)
		f.Tie(leader, puppet, duty.Created)
		p := f.reviewed(puppet, office)
		f.refused(p.ID, duty.CodeLinked, sign(leader, p.ID))
		// The reviewer is one whose role the leader changed.
		f.Tie(leader, office, duty.SetRole)
		r := f.reviewed(staff, office)
		f.refused(r.ID, duty.CodeLinked, sign(leader, r.ID))
		// The other way: the drafter enabled the signer's account.
		clerk := f.Colleague("city.clerk", "文书", "2301", access.Staff)
		f.Tie(clerk, deputy, duty.Enabled)
		s := f.reviewed(clerk, f.Colleague("city.office2", "李娜（办公室）", "2301", access.Staff))
		f.refused(s.ID, duty.CodeLinked, sign(deputy, s.ID))
		// A leader account made after the review.
		late := f.Newcomer("city.late", "新任副主席", "2301", access.Leader)
		f.refused(s.ID, duty.CodeNewer, sign(late, s.ID))

		// An independent leader signs each, or sends one back.
		for _, id := range []int64{mine.ID, rev.ID, p.ID} {
			if err := f.svc.Sign(ctx, deputy, id, "同意"); err != nil {
				t.Fatalf("the deputy signs %d: %v", id, err)
			}
		}
		third := f.Colleague("city.third", "主席", "2301", access.Leader)
		if err := f.svc.Withdraw(ctx, third, r.ID, "再议"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Sign(ctx, third, s.ID, "同意"); err != nil {
			t.Fatal(err)
		}
	})
}
