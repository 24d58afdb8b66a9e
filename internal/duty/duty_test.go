package duty_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/duty"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// refusal is the code of a four-eyes refusal, or "" for none; any other
// error fails the test.
func refusal(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var r duty.Refusal
	if !errors.As(err, &r) || !errors.Is(err, duty.ErrFourEyes) {
		t.Fatalf("not a four-eyes refusal: %v", err)
	}
	if e := apperr.From(err); e.Status != 403 || e.Code != r.Code() || e.Message == "" {
		t.Fatalf("refusal reaches the front ends as %+v", e)
	}
	return r.Code()
}

func TestCheck(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := testfx.Seed(t, d)
		leader, staff, peer := f.Actor("city.leader"), f.Actor("city.staff"), f.Actor("daoli.leader")
		now := time.Now()
		// Demo accounts are made by the operator: no links between them.
		if got := refusal(t, duty.Check(ctx, d.Q(), leader.UserID, now, now, staff.UserID)); got != "" {
			t.Fatalf("unrelated accounts refused: %s", got)
		}
		if got := refusal(t, duty.Check(ctx, d.Q(), leader.UserID, now, now, leader.UserID)); got != duty.CodeSame {
			t.Fatalf("same account: %q", got)
		}
		// An account made after the request cannot approve it (the demo's
		// accounts date from demo.Since).
		if got := refusal(t, duty.Check(ctx, d.Q(), leader.UserID, now, demo.Since.Add(-time.Hour), staff.UserID)); got != duty.CodeNewer {
			t.Fatalf("account newer than the request: %q", got)
		}
		// A link either way ties the two accounts for 180 days.
		at := now.Add(-10 * 24 * time.Hour)
		if err := duty.Link(ctx, d.Q(), leader.UserID, staff.UserID, duty.ResetPassword, at); err != nil {
			t.Fatal(err)
		}
		for _, pair := range [][2]int64{{leader.UserID, staff.UserID}, {staff.UserID, leader.UserID}} {
			if got := refusal(t, duty.Check(ctx, d.Q(), pair[0], now, now, pair[1])); got != duty.CodeLinked {
				t.Fatalf("linked %v: %q", pair, got)
			}
		}
		// Another first in the list is checked too; a third account is not tied.
		if got := refusal(t, duty.Check(ctx, d.Q(), peer.UserID, now, now, staff.UserID, leader.UserID)); got != "" {
			t.Fatalf("unlinked third account refused: %q", got)
		}
		if got := refusal(t, duty.Check(ctx, d.Q(), staff.UserID, now, now, peer.UserID, leader.UserID)); got != duty.CodeLinked {
			t.Fatalf("second of two firsts linked: %q", got)
		}
		// After the window the tie is gone.
		if got := refusal(t, duty.Check(ctx, d.Q(), leader.UserID, now.Add(duty.Window), now, staff.UserID)); got != "" {
			t.Fatalf("link past the window: %q", got)
		}
		// Require audits the refusal with its code and no more.
		err := duty.Require(ctx, d, leader, now, now, "test.approve", "thing", 7, staff.UserID)
		if refusal(t, err) != duty.CodeLinked {
			t.Fatalf("Require: %v", err)
		}
		var detail, outcome string
		if err := d.QueryRow(ctx, `SELECT detail, outcome FROM audit_events WHERE action = 'test.approve' AND object_id = '7'`).Scan(&detail, &outcome); err != nil {
			t.Fatal(err)
		}
		if detail != "four_eyes=linked_account" || outcome != "denied" {
			t.Fatalf("audited as %q %q", outcome, detail)
		}
	})
}

func TestBackfillFromAudit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := testfx.Seed(t, d)
		leader := f.Actor("city.leader")
		u, _, err := f.Auth.CreateUser(ctx, leader, auth.NewUser{Username: "city.puppet", DisplayName: "傀儡",
			OrgCode: "2301", Role: access.Staff})
		if err != nil {
			t.Fatal(err)
		}
		// Forget the links the account change recorded, as a database from
		// before they were kept would have none.
		if _, err := d.Exec(ctx, `DELETE FROM account_links`); err != nil {
			t.Fatal(err)
		}
		for range 2 { // a second run adds nothing
			if _, err := duty.Backfill(ctx, d, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM account_links WHERE by_user = ? AND target_user = ? AND kind = 'create'`,
			leader.UserID, u.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("back-filled %d create links, want 1", n)
		}
		if got := refusal(t, duty.Check(ctx, d.Q(), leader.UserID, time.Now(), time.Now(), u.ID)); got != duty.CodeLinked {
			t.Fatalf("back-filled link not honoured: %q", got)
		}
	})
}
