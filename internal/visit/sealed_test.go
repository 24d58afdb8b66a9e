package visit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
	"halfsky/internal/visit"
)

var testKeys = func() *vault.Keyring {
	k, err := vault.Parse(vault.NewFileText(time.Now()))
	if err != nil {
		panic(err)
	}
	return k
}()

// TestNeedDetailsSealed records a need with a canary name and phone and
// checks that neither is anywhere in the database in the clear — the
// needs row, the audit log — while the responsible unit still reads them,
// lists show the name masked, and a service without keys refuses to store
// them at all.
func TestNeedDetailsSealed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		street := f.Actor("street.staff")
		const name, phone = "金丝雀秀兰", "CANARY13912345678"
		n, err := f.svc.CreateNeed(ctx, street, visit.NeedInput{Category: "hardship", Urgency: "urgent", Summary: "独居老人需要帮扶",
			Consent: true, PersonName: name, Contact: phone})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.Need(ctx, street, n.ID); err != nil || got.PersonName != name || got.Contact != phone || !got.Revealed {
			t.Fatalf("the responsible unit reads %+v, %v", got, err)
		}
		list, _, err := f.svc.Needs(ctx, f.Actor("city.staff"), visit.NeedFilter{})
		if err != nil || len(list) == 0 {
			t.Fatal(err)
		}
		for _, x := range list {
			if x.ID == n.ID && (x.PersonName != "金**" || x.Contact != "") {
				t.Fatalf("list shows %q %q", x.PersonName, x.Contact)
			}
		}
		var rawName, rawContact string
		if err := d.QueryRow(ctx, `SELECT person_name, contact FROM needs WHERE id = ?`, n.ID).Scan(&rawName, &rawContact); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(rawName, "hs1.") || !strings.HasPrefix(rawContact, "hs1.") {
			t.Fatalf("stored unsealed: %q %q", rawName, rawContact)
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM needs WHERE person_name LIKE '%秀兰%' OR contact LIKE '%CANARY%' OR summary LIKE '%CANARY%'`,
			`SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%CANARY%' OR detail LIKE '%秀兰%' OR object_id LIKE '%CANARY%'`,
		} {
			var c int
			if err := d.QueryRow(ctx, q).Scan(&c); err != nil || c != 0 {
				t.Fatalf("%s: %d %v", q, c, err)
			}
		}
		// Without keys nothing personal is stored.
		f.svc.Vault = nil
		var before int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM needs`).Scan(&before)
		if _, err := f.svc.CreateNeed(ctx, street, visit.NeedInput{Category: "health", Summary: "孕检咨询", Consent: true, PersonName: "某某"}); !errors.Is(err, visit.ErrNoVault) {
			t.Fatalf("a name without keys: %v, want visit's no-keys refusal", err)
		}
		var after int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM needs`).Scan(&after)
		if after != before {
			t.Fatalf("needs %d → %d", before, after)
		}
	})
}
