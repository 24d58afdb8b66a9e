package study_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"halfsky/internal/testfx"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/org"
	"halfsky/internal/report"
	"halfsky/internal/study"
)

func init() { auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1} }

// png is a photo files accept.
var png = testfx.Photo

type fx struct {
	t *testing.T
	d *db.DB
	*testfx.Demo
	docs  *doc.Service
	reps  *report.Service
	svc   *study.Service
	clock time.Time
}

func setup(t *testing.T, d *db.DB) *fx {
	f := &fx{Demo: testfx.Seed(t, d), t: t, d: d, clock: time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)}
	f.docs = doc.NewService(d, f.Orgs)
	f.reps = report.NewService(d, f.Orgs, f.docs)
	report.Wire(f.docs, f.reps)
	f.svc = study.NewService(d, f.Orgs)
	f.docs.Vault, f.reps.Vault, f.svc.Vault = testfx.Keys, testfx.Keys, testfx.Keys
	now := func() time.Time { return f.clock }
	f.docs.Now, f.reps.Now, f.svc.Now = now, now, now
	return f
}

func (f *fx) create(a access.Actor, in study.Input, photos ...study.Upload) study.Activity {
	f.t.Helper()
	x, err := f.svc.Create(context.Background(), a, in, photos)
	if err != nil {
		f.t.Fatal(err)
	}
	return x
}

// issue has the city issue a notice to the districts with a requirement
// of sessions, participants and trainings; it returns the document.
func (f *fx) issue() doc.Document {
	ctx := context.Background()
	staff, office, leader := f.Actor("city.staff"), f.Actor("city.office"), f.Actor("city.leader")
	dd, err := f.docs.Create(ctx, staff, doc.Fields{Type: "通知", IssuerMark: "哈尔滨市妇女联合会文件", Abbr: "哈妇发",
		Title: "哈尔滨市妇联关于认真学习贯彻中央党的群团工作会议精神的通知", RecipientSpec: []doc.Target{{Group: org.KindDistrict}},
		Body: []string{"请各地妇联将学习贯彻情况及时报市妇联宣传部。"}, Signature: "哈尔滨市妇女联合会", PrintedBy: "哈尔滨市妇女联合会"})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.reps.AddRequirement(ctx, staff, dd.ID, report.RequirementInput{Title: "学习贯彻情况", Department: "市妇联宣传部",
		DueDate: "2026-11-30", Fields: []report.Field{{Key: "sessions", Label: "专题学习研讨场次", Unit: "场"},
			{Key: "people", Label: "参加人数", Unit: "人"}, {Key: "trainings", Label: "专题培训期数", Unit: "期"}, {Key: "other", Label: "其他", Unit: "个"}}}); err != nil {
		f.t.Fatal(err)
	}
	for _, step := range []error{f.docs.Submit(ctx, staff, dd.ID), f.docs.Review(ctx, office, dd.ID, true, ""), f.docs.Sign(ctx, leader, dd.ID, "同意")} {
		if step != nil {
			f.t.Fatal(step)
		}
	}
	dd, err = f.docs.Issue(ctx, staff, dd.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return dd
}

func fields(t *testing.T, err error, want ...string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != "invalid" || e.Status != 422 {
		t.Fatalf("want field errors %v, got %v", want, err)
	}
	for _, k := range want {
		if e.Fields[k] == "" {
			t.Fatalf("want an error on %s, got %v", k, e.Fields)
		}
	}
}

func code(t *testing.T, err error, want string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != want {
		t.Fatalf("want error %s, got %v", want, err)
	}
}

func (f *fx) count(table string) int {
	var n int
	if err := f.d.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}
