package demo_test

import (
	"context"
	"testing"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/doc"
	"halfsky/internal/org"
	"halfsky/internal/report"
	"halfsky/internal/testdb"
)

func init() { auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1} }

// TestDemoLoop: a fresh start shows the seed notice issued as 哈妇发〔2015〕9号
// with its requirement, reports in every state, and a draft under review.
func TestDemoLoop(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgs := &org.Store{DB: d}
		svc := auth.NewService(d, orgs)
		res, err := demo.Seed(ctx, svc, "demo-password-2015", true)
		if err != nil || !res.Seeded {
			t.Fatal(err)
		}
		if err := demo.SeedDocuments(ctx, svc, "demo-password-2015", time.Now()); err != nil {
			t.Fatal(err)
		}
		staff, _ := svc.UserByUsername(ctx, "city.staff")
		a := staff.Actor("")
		docs := doc.NewService(d, orgs)
		reps := report.NewService(d, orgs, docs)
		list, total, err := docs.List(ctx, a, doc.ListFilter{Box: doc.BoxIssued})
		if err != nil || total != 1 {
			t.Fatalf("issued: %d %v", total, err)
		}
		n := list[0]
		if n.Number != "哈妇发〔2015〕9号" || n.Title != "哈尔滨市妇联关于认真学习贯彻中央党的群团工作会议精神的通知" ||
			n.Recipients != "各区县（市）妇联，市直妇委会，市妇联团体会员" || n.DocDate != "2015-08-11" || n.SignerName != "杨杰" {
			t.Fatalf("seed notice: %s %s %s %s %s", n.Number, n.Title, n.Recipients, n.DocDate, n.SignerName)
		}
		reqs, err := reps.Requirements(ctx, a, n.ID)
		if err != nil || len(reqs) != 1 || reqs[0].Department != "市妇联宣传部" {
			t.Fatalf("requirement: %v %v", reqs, err)
		}
		dash, err := reps.Dashboard(ctx, a, n.ID, reqs[0].ID, "")
		if err != nil {
			t.Fatal(err)
		}
		c := dash.Totals
		if c.Total != 27 || c.Returned != 1 || c.Done() < 10 || c.Accepted == 0 || c.Submitted == 0 || c.Overdue != 3 || c.DueSoon == 0 || c.Unsigned != 1 {
			t.Fatalf("demo counts %+v", c)
		}
		if dash.Totals.Colour() != "red" {
			t.Fatalf("colour %s", dash.Totals.Colour())
		}
		work, _, _ := docs.List(ctx, a, doc.ListFilter{Box: doc.BoxWork})
		if len(work) != 1 || work[0].Status != doc.Reviewing {
			t.Fatalf("draft under review: %+v", work)
		}
		// A second start changes nothing.
		if res, err := demo.Seed(ctx, svc, "demo-password-2015", true); err != nil || res.Seeded {
			t.Fatal("seeded twice", err)
		}
		if err := demo.SeedDocuments(ctx, svc, "demo-password-2015", time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := docs.List(ctx, a, doc.ListFilter{Box: doc.BoxIssued}); total != 1 {
			t.Fatalf("documents seeded twice: %d issued", total)
		}
	})
}
