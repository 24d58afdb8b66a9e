package doc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// wantCode checks err is the apperr with the code and status.
func wantCode(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	if e := apperr.From(err); e == nil || e.Code != code || e.Status != status {
		t.Fatalf("%s: %v, want %d %s", what, err, status, code)
	}
}

func wantDenied(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, access.ErrDenied) || errors.Is(err, access.ErrNotOwner) {
		t.Fatalf("%s: %v, want access.ErrDenied", what, err)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("%s: %v, want db.ErrNotFound", what, err)
	}
}

// TestWorkflow: a 公文 moves draft → reviewing → reviewed → signed →
// issued and no step is taken out of turn; only its own unit works on
// it, units above read it, units beside or below do not see it until it
// is sent to them; roles that may not take a step are refused whatever
// the id; numbers of a register follow each other.
func TestWorkflow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := &docs{t: t, d: d, Demo: testfx.Seed(t, d)}
		f.svc = doc.NewService(d, f.Orgs)
		staff, office, leader := f.Actor("city.staff"), f.Actor("city.office"), f.Actor("city.leader")
		daoli, daoliLeader, street := f.Actor("daoli.staff"), f.Actor("daoli.leader"), f.Actor("street.staff")
		admin, auditor := f.Actor("admin"), f.Actor("auditor")

		// Administrators draft and read nothing.
		_, err := f.svc.Create(ctx, admin, notice())
		wantDenied(t, "the administrator drafts", err)
		x, err := f.svc.Create(ctx, staff, notice())
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Get(ctx, auditor, x.ID)
		wantNotFound(t, "the auditor reads a draft", err)

		// A bad draft is refused on its fields.
		bad := notice()
		bad.Title = ""
		_, err = f.svc.Create(ctx, staff, bad)
		wantCode(t, "a draft without a title", err, "invalid", 422)
		// Another unit's 机关代字 is not this unit's to use.
		dl := notice()
		dl.RecipientSpec = nil
		// 哈妇发 belongs to no unit until one issues with it: the district
		// may draft with it now, and is refused once the city has.
		if _, err := f.svc.Create(ctx, daoli, dl); err != nil {
			t.Fatalf("the district drafts: %v", err)
		}

		// Out of turn: nothing but submit from a draft.
		wantCode(t, "review a draft", f.svc.Review(ctx, office, x.ID, true, ""), "wrong_status", 409)
		wantCode(t, "sign a draft", f.svc.Sign(ctx, leader, x.ID, ""), "wrong_status", 409)
		_, err = f.svc.Issue(ctx, staff, x.ID)
		wantCode(t, "issue a draft", err, "wrong_status", 409)
		_, err = f.svc.Correct(ctx, staff, x.ID)
		wantCode(t, "correct a draft", err, "wrong_status", 409)
		// A save from an old version is refused.
		_, err = f.svc.Update(ctx, staff, x.ID, x.Version+1, notice())
		wantCode(t, "a stale save", err, "stale_version", 409)

		// Who works on it: its own unit only. Units below do not see a
		// draft of a unit above; a role without the step is refused
		// before the document is read, for any id.
		_, err = f.svc.Update(ctx, daoli, x.ID, x.Version, notice())
		wantNotFound(t, "the district edits the city's draft", err)
		wantNotFound(t, "the street submits it", f.svc.Submit(ctx, street, x.ID))
		wantDenied(t, "staff sign", f.svc.Sign(ctx, staff, x.ID, ""))
		wantDenied(t, "staff sign a record that does not exist", f.svc.Sign(ctx, staff, 1<<40, ""))
		wantDenied(t, "the auditor submits", f.svc.Submit(ctx, auditor, x.ID))

		// The city reads the district's draft but does not work on it.
		y, err := f.svc.Create(ctx, daoli, func() doc.Fields { g := notice(); g.Abbr = "道妇发"; g.RecipientSpec = nil; return g }())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(ctx, staff, y.ID); err != nil {
			t.Fatalf("the city reads the district's draft: %v", err)
		}
		_, err = f.svc.Update(ctx, staff, y.ID, y.Version, notice())
		wantDenied(t, "the city edits the district's draft", err)
		wantDenied(t, "the city submits it", f.svc.Submit(ctx, staff, y.ID))
		_, err = f.svc.Get(ctx, street, y.ID)
		wantNotFound(t, "the street reads the district's draft", err)

		// Through review and sign-off.
		if err := f.svc.Submit(ctx, staff, x.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "submit twice", f.svc.Submit(ctx, staff, x.ID), "wrong_status", 409)
		_, err = f.svc.Update(ctx, staff, x.ID, x.Version, notice())
		wantCode(t, "edit under review", err, "wrong_status", 409)
		wantCode(t, "return without a reason", f.svc.Review(ctx, office, x.ID, false, " "), "invalid", 422)
		if err := f.svc.Review(ctx, office, x.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "send back without a reason", f.svc.Withdraw(ctx, leader, x.ID, " "), "invalid", 422)
		_, err = f.svc.Issue(ctx, staff, x.ID)
		wantCode(t, "issue unsigned", err, "wrong_status", 409)
		if err := f.svc.Sign(ctx, leader, x.ID, ""); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "sign twice", f.svc.Sign(ctx, leader, x.ID, ""), "already_signed", 409)
		wantCode(t, "send back a signed one", f.svc.Withdraw(ctx, leader, x.ID, "再议"), "wrong_status", 409)
		_, err = f.svc.Issue(ctx, daoliLeader, x.ID)
		wantNotFound(t, "the district leader issues the city's", err)

		// Before it is issued the district does not see it; after, as a
		// recipient, it does — and still may not work on it. The street
		// below was not sent it.
		_, err = f.svc.Get(ctx, daoli, x.ID)
		wantNotFound(t, "the district reads before issue", err)
		is, err := f.svc.Issue(ctx, staff, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		year := time.Now().In(db.Shanghai).Year()
		if is.Status != doc.Issued || is.Number != doc.FormatNumber("哈妇发", year, 1) || is.Signers[0] != leader.Name || is.DocDate == "" {
			t.Fatalf("issued: %s %q %v %q", is.Status, is.Number, is.Signers, is.DocDate)
		}
		_, err = f.svc.Issue(ctx, staff, x.ID)
		wantCode(t, "issue twice", err, "already_issued", 409)
		_, err = f.svc.Update(ctx, staff, x.ID, is.Version, notice())
		wantCode(t, "edit an issued one", err, "wrong_status", 409)
		if _, err := f.svc.Get(ctx, daoli, x.ID); err != nil {
			t.Fatalf("the district reads what it was sent: %v", err)
		}
		_, err = f.svc.Correct(ctx, daoli, x.ID)
		if !errors.Is(err, access.ErrNotOwner) {
			t.Fatalf("the district corrects the city's: %v, want access.ErrNotOwner", err)
		}
		if _, err := f.svc.Attach(ctx, daoli, x.ID, "a.txt", []byte("x")); !errors.Is(err, access.ErrNotOwner) {
			t.Fatalf("the district attaches to the city's: %v, want access.ErrNotOwner", err)
		}
		_, err = f.svc.Get(ctx, street, x.ID)
		wantNotFound(t, "the street reads what its district was sent", err)

		// The register is the city's now: the district may not number with it.
		_, err = f.svc.Create(ctx, daoli, dl)
		wantCode(t, "the district drafts with the city's 机关代字", err, "invalid", 422)
		if e := apperr.From(err); e.Fields["abbr"] == "" || len(e.Fields) != 1 {
			t.Fatalf("the city's 机关代字: %v", e.Fields)
		}

		// A correction is a new draft pointing at the issued one; the
		// next issue of the register takes the next number.
		c, err := f.svc.Correct(ctx, staff, x.ID)
		if err != nil || c.Status != doc.Draft || c.CorrectsID != x.ID || c.Number != "" {
			t.Fatalf("correction: %+v %v", c, err)
		}
		n := f.reviewed(staff, office)
		if err := f.svc.Sign(ctx, leader, n.ID, ""); err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.Issue(ctx, staff, n.ID); err != nil || n.Number != doc.FormatNumber("哈妇发", year, 2) {
			t.Fatalf("the second of the register: %q %v", n.Number, err)
		}
	})
}
