package doc_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// issueAs drafts the notice with abbr at the staff's unit, has it
// reviewed by office and signed by leader, then issues it.
func (f *docs) issueAs(staff, office, leader access.Actor, abbr string) (doc.Document, error) {
	return f.svc.Issue(context.Background(), staff, f.signedAs(staff, office, leader, abbr).ID)
}

// signedAs is issueAs up to the leader's signature.
func (f *docs) signedAs(staff, office, leader access.Actor, abbr string) doc.Document {
	f.t.Helper()
	ctx := context.Background()
	fields := notice()
	fields.Abbr = abbr
	if staff.OrgCode != "2301" {
		fields.RecipientSpec = []doc.Target{{Group: org.KindStreet}}
	}
	d, err := f.svc.Create(ctx, staff, fields)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.svc.Submit(ctx, staff, d.ID); err != nil {
		f.t.Fatal(err)
	}
	if err := f.svc.Review(ctx, office, d.ID, true, ""); err != nil {
		f.t.Fatal(err)
	}
	if err := f.svc.Sign(ctx, leader, d.ID, "同意"); err != nil {
		f.t.Fatal(err)
	}
	return d
}

// TestRegisterBelongsToItsUnit: the first unit to issue under a 机关代字
// owns its register; a district issuing under the city's 哈妇发 (a draft
// signed before the city claimed it) is refused beside the field with
// nothing changed (no number taken), a new draft under it is refused
// beside the field, and the district numbers under its own 代字; merged into another district, its register
// goes with it.
func TestRegisterBelongsToItsUnit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := &docs{t: t, d: d, Demo: testfx.Seed(t, d)}
		f.svc = doc.NewService(d, f.Orgs)
		// 道里's draft under 哈妇发 is signed before anyone issues under it;
		// then the city issues first and claims the register.
		staff, office, leader := f.Actor("daoli.staff"), f.Colleague("daoli.office", "办公室", "230102", access.Staff), f.Actor("daoli.leader")
		signed := f.signedAs(staff, office, leader, "哈妇发")
		city, err := f.issueAs(f.Actor("city.staff"), f.Actor("city.office"), f.Actor("city.leader"), "哈妇发")
		if err != nil || !strings.HasPrefix(city.Number, "哈妇发") {
			t.Fatalf("the city's notice: %q %v", city.Number, err)
		}
		before := testdb.TablePrints(t, d, "audit_events", "audit_head")
		_, err = f.svc.Issue(ctx, staff, signed.ID)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != "abbr_taken" || e.Fields["abbr"] == "" {
			t.Fatalf("the district under the city's 代字: %v", err)
		}
		after := testdb.TablePrints(t, d, "audit_events", "audit_head")
		for k, v := range before {
			if after[k] != v {
				t.Errorf("the refusal changed %s", k)
			}
		}
		// A new draft under the city's 代字 is refused beside the field.
		fields := notice()
		fields.RecipientSpec = []doc.Target{{Group: org.KindStreet}}
		_, err = f.svc.Create(ctx, staff, fields)
		if !errors.As(err, &e) || !strings.Contains(e.Fields["abbr"], "哈尔滨市妇联") {
			t.Fatalf("a draft under the city's 代字: %v", err)
		}
		own, err := f.issueAs(staff, office, leader, "里妇发")
		if err != nil || !strings.HasPrefix(own.Number, "里妇发") || !strings.HasSuffix(own.Number, "1号") {
			t.Fatalf("the district's own 代字: %q %v", own.Number, err)
		}
		res, err := f.Orgs.Merge(ctx, org.Operator(), "230102", "230103")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range res.Moved {
			if m.What == "doc_registers.owner_id" {
				n = m.Count
			}
		}
		var owner int64
		d.QueryRow(ctx, `SELECT owner_id FROM doc_registers WHERE abbr = '里妇发'`).Scan(&owner)
		if n != 1 || owner != f.Unit("230103").ID {
			t.Fatalf("after the merge: %d moved, owner %d", n, owner)
		}
	})
}
