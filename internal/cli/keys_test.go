package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/org"
	"halfsky/internal/vault"
	"halfsky/internal/visit"
)

// TestKeysRotate: a need's summary, name and contact sealed under the
// first key; `keys rotate` adds a key to the file and re-seals the three,
// `keys status` counts by key, each opens to its own value, and the
// rotation is in the audit log.
func TestKeysRotate(t *testing.T) {
	each(t, func(t *testing.T) {
		must(t, "import-orgs")
		must(t, "user", "add", "--username", "k.staff", "--password", "冰城最美家庭2015", "--org", "230102001", "--role", "staff")
		out := must(t, "keys", "status")
		path := filepath.Join(os.Getenv("HALFSKY_DATA_DIR"), "keys.txt")
		k1, created, err := vault.Load(path, "")
		if err != nil || created || !strings.Contains(out, k1.Active()) || !strings.Contains(out, "needs.contact") {
			t.Fatalf("status before: %v %v\n%s", created, err, out)
		}
		d := openDB(t)
		ctx := context.Background()
		orgs := &org.Store{DB: d}
		u, err := auth.NewService(d, orgs).UserByUsername(ctx, "k.staff")
		if err != nil {
			t.Fatal(err)
		}
		vs := visit.NewService(d, orgs)
		vs.Vault = k1
		a := u.Actor("127.0.0.1")
		if a.Role != access.Staff {
			t.Fatal(a.Role)
		}
		n, err := vs.CreateNeed(ctx, a, visit.NeedInput{Category: "health", Summary: "需要两癌筛查信息", Consent: true,
			PersonName: "李桂芝", Contact: "13900001111"})
		if err != nil {
			t.Fatal(err)
		}

		out = must(t, "keys", "rotate")
		k2, _, err := vault.Load(path, "")
		if err != nil || k2.Active() == k1.Active() || !strings.Contains(out, "3 个值") {
			t.Fatalf("rotate: %v\n%s", err, out)
		}
		var sealed string
		d.QueryRow(ctx, `SELECT contact FROM needs WHERE id = ?`, n.ID).Scan(&sealed)
		if vault.KeyOf(sealed) != k2.Active() {
			t.Fatalf("contact still under %s", vault.KeyOf(sealed))
		}
		vs.Vault = k2
		if got, err := vs.Need(ctx, a, n.ID); err != nil || got.Contact != "13900001111" || got.PersonName != "李桂芝" || got.Summary != "需要两癌筛查信息" {
			t.Fatalf("after rotation: %+v %v", got, err)
		}
		if out := must(t, "keys", "status"); !strings.Contains(out, k2.Active()+" 1") {
			t.Fatalf("status after:\n%s", out)
		}
		var events int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'keys.rotate' AND outcome = 'ok'`).Scan(&events)
		if events != 1 {
			t.Fatalf("%d keys.rotate events", events)
		}
		if code, out := run(t, "keys", "frobnicate"); code != 2 || out != "usage: halfsky keys status|seal|rotate|reseal\n" {
			t.Fatalf("bad subcommand: %d %s", code, out)
		}
	})
}
