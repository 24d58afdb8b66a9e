package aid_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

// TestCanary enters, edits, reviews and reveals an application full of
// canary values and then looks for them everywhere: every column of every
// aid table and of the audit log, and on SQLite the database file itself
// after a checkpoint. Only Reveal gives them back, and only with a reason.
func TestCanary(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		village, street, leader := f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("daoli.leader")
		f.cycle("cancer", 2026, 10_000_000, nil)
		in := cancerInput(canaryName, canaryID)
		x, err := f.svc.Create(ctx, village, in)
		if err != nil {
			t.Fatal(err)
		}
		x = f.submit(village, x)
		const canaryReason = "金丝雀退回：丈夫CANARY务工收入未申报"
		x = f.decide(street, x, aid.Return, canaryReason)
		if steps, err := f.svc.Steps(ctx, village, x.ID); err != nil || steps[len(steps)-1].Reason != canaryReason {
			t.Fatalf("the return reason reads back as %+v, %v", steps, err)
		}
		if _, err := f.svc.Update(ctx, village, x.ID, aid.Input{Household: "tekun", MedicalConsent: true, Version: x.Version,
			Facts: map[string]string{"diagnosis": "breast_invasive", "stage": canaryStage, "hospital": canaryHospital}}); err != nil {
			t.Fatal(err)
		}

		// Reveal: only a leader, only with a reason, always audited.
		before := f.audited("aid.reveal")
		_, err = f.svc.Reveal(ctx, leader, x.ID, "  ")
		field(t, err, "reason", aid.ErrReason)
		_, err = f.svc.Reveal(ctx, leader, x.ID, "看看")
		field(t, err, "reason", aid.ErrReason)
		if _, err := f.svc.Reveal(ctx, village, x.ID, "核实身份信息"); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("staff revealed: %v", err)
		}
		if f.audited("aid.reveal") != before {
			t.Fatal("a refused reveal was recorded as a reveal")
		}
		p, err := f.svc.Reveal(ctx, leader, x.ID, "核实病情以便联系医院")
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != canaryName || p.IDNumber != canaryID || p.Phone != canaryPhone || p.Address != canaryAddress ||
			p.Facts["hospital"] != canaryHospital || p.Facts["diagnosis"] != "breast_invasive" {
			t.Fatalf("revealed: %+v", p)
		}
		var detail string
		if err := d.QueryRow(ctx, `SELECT detail FROM audit_events WHERE action = 'aid.reveal' AND object_id = ?`, strconv.FormatInt(x.ID, 10)).Scan(&detail); err != nil ||
			!strings.Contains(detail, "核实病情以便联系医院") {
			t.Fatalf("reveal audit: %q %v", detail, err)
		}

		canaries := []string{canaryName, canaryID, canaryPhone, canaryAddress, canaryHospital, canaryStage, "13912345678", "金丝雀", "CANARY务工"}
		f.noneInTables(append(aidTables, "audit_events"), canaries...)
		var raw string
		if err := d.QueryRow(ctx, `SELECT id_number FROM aid_applications WHERE id = ?`, x.ID).Scan(&raw); err != nil || !strings.HasPrefix(raw, "hs1.") {
			t.Fatalf("id_number stored as %q", raw)
		}
		f.noneInFile("两癌救助", canaries...)
	})
}

// TestNoKeys: a service without keys stores nothing and reads nothing.
func TestNoKeys(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.cycle("cancer", 2026, 10_000_000, nil)
		f.svc.Vault = nil
		before := f.fingerprint()
		if _, err := f.svc.Create(ctx, f.Actor("village.staff"), cancerInput(canaryName, canaryID)); !errors.Is(err, aid.ErrNoVault) {
			t.Fatalf("personal data without keys: %v, want aid's no-keys refusal", err)
		}
		if f.fingerprint() != before {
			t.Fatal("changed without keys")
		}
	})
}

// TestRotation: `halfsky keys rotate` (vault.Rotate over the registered
// columns) re-seals an application under the new key and it still opens.
func TestRotation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		path := filepath.Join(t.TempDir(), "keys.txt")
		k1, _, err := vault.Load(path, "")
		if err != nil {
			t.Fatal(err)
		}
		f.svc.Vault = k1
		f.cycle("cancer", 2026, 10_000_000, nil)
		x, err := f.svc.Create(ctx, f.Actor("village.staff"), cancerInput(canaryName, canaryID))
		if err != nil {
			t.Fatal(err)
		}
		registered := map[string]bool{}
		for _, c := range vault.Columns() {
			if c.Table == "aid_applications" {
				registered[c.Name] = true
			}
		}
		for _, col := range []string{"name", "id_number", "phone", "address", "facts", "guardian_name"} {
			if !registered[col] {
				t.Fatalf("aid_applications.%s is not registered for rotation", col)
			}
		}
		k2, err := vault.AddKey(path, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		done, err := vault.Rotate(ctx, d, k2, nil)
		if err != nil {
			t.Fatal(err)
		}
		if done[vault.Column{Table: "aid_applications", Key: "id", Name: "id_number"}] != 1 {
			t.Fatalf("rotated %v", done)
		}
		var name, idn, facts string
		if err := d.QueryRow(ctx, `SELECT name, id_number, facts FROM aid_applications WHERE id = ?`, x.ID).Scan(&name, &idn, &facts); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{name, idn, facts} {
			if vault.KeyOf(v) != k2.Active() {
				t.Fatalf("still under %s", vault.KeyOf(v))
			}
		}
		f.svc.Vault = k2
		p, err := f.svc.Reveal(ctx, f.Actor("daoli.leader"), x.ID, "轮换密钥后核对")
		if err != nil || p.IDNumber != canaryID || p.Name != canaryName || p.Facts["stage"] != canaryStage {
			t.Fatalf("after rotation: %+v %v", p, err)
		}
		// The lookup hash does not rotate: the person is still found.
		_, err = f.svc.Create(ctx, f.Actor("street.staff"), cancerInput("金某", canaryID))
		code(t, err, "duplicate")
	})
}
