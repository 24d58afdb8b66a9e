package vault_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

func keyring(t *testing.T) *vault.Keyring {
	t.Helper()
	k, err := vault.Parse(vault.NewFileText(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := keyring(t)
	const canary = "CANARY-13800138000"
	s, err := k.Seal("needs.contact", canary)
	if err != nil || !strings.HasPrefix(s, "hs1."+k.Active()+".") || strings.Contains(s, "13800138000") {
		t.Fatalf("sealed %q, %v", s, err)
	}
	if s2, _ := k.Seal("needs.contact", canary); s2 == s {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	if got, err := k.Open("needs.contact", s); err != nil || got != canary {
		t.Fatalf("open: %q %v", got, err)
	}
	// Another column's value, a damaged value, another keyring's value.
	if _, err := k.Open("needs.person_name", s); err != vault.ErrSealed {
		t.Fatalf("opened under another purpose: %v", err)
	}
	bad := s[:len(s)-2] + "AA"
	if _, err := k.Open("needs.contact", bad); err != vault.ErrSealed {
		t.Fatalf("opened a damaged value: %v", err)
	}
	if _, err := keyring(t).Open("needs.contact", s); err != vault.ErrSealed {
		t.Fatalf("another keyring opened it: %v", err)
	}
	if s, err := k.Seal("x", ""); s != "" || err != nil {
		t.Fatalf("empty seals to %q", s)
	}
	if v, err := k.Open("x", ""); v != "" || err != nil {
		t.Fatalf("empty opens to %q", v)
	}
}

func TestLookup(t *testing.T) {
	k := keyring(t)
	a, b := k.Lookup("person.id", "230102199001011234"), k.Lookup("person.id", "230102199001011234")
	if a != b || len(a) != 64 || strings.Contains(a, "1990") {
		t.Fatalf("lookup %q %q", a, b)
	}
	if k.Lookup("person.phone", "230102199001011234") == a || keyring(t).Lookup("person.id", "230102199001011234") == a {
		t.Fatal("lookup hashes must differ by purpose and by key")
	}
}

func TestMasks(t *testing.T) {
	for _, c := range [][2]string{
		{vault.MaskID("230102199001011234"), "230102********1234"},
		{vault.MaskPhone("13812345678"), "138****5678"},
		{vault.MaskPhone("84671234"), "******34"},
		{vault.MaskName("王秀兰"), "王**"},
		{vault.MaskName("欧阳娜娜"), "欧**"},
		{vault.MaskAccount("6222 0212 3456 7890 123"), "**** **** 0123"},
		{vault.MaskName(""), ""},
	} {
		if c[0] != c[1] {
			t.Errorf("mask %q, want %q", c[0], c[1])
		}
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "keys.txt")
	k1, created, err := vault.Load(path, "")
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	s, _ := k1.Seal("t.c", "value")
	k2, created, err := vault.Load(path, "")
	if err != nil || created {
		t.Fatalf("reload: %v %v", created, err)
	}
	if v, err := k2.Open("t.c", s); v != "value" || err != nil {
		t.Fatalf("reloaded keyring: %q %v", v, err)
	}
	k3, err := vault.AddKey(path, time.Now())
	if err != nil || len(k3.IDs()) != 2 || k3.Active() == k1.Active() {
		t.Fatalf("add key: %v %v", k3.IDs(), err)
	}
	if v, err := k3.Open("t.c", s); v != "value" || err != nil || !k3.Stale(s) {
		t.Fatalf("old values open after adding a key: %q %v", v, err)
	}
	if k3.Lookup("p", "x") != k1.Lookup("p", "x") {
		t.Fatal("the lookup hash changed with a new data key")
	}
	// The environment wins over the file.
	text, _ := os.ReadFile(path)
	k4, _, err := vault.Load("/nonexistent/keys.txt", string(text))
	if err != nil || k4.Active() != k3.Active() {
		t.Fatalf("from env: %v", err)
	}
	for _, bad := range []string{"", "key a AAAA", "lookup !!!\n", "lookup " + strings.Repeat("A", 44) + "\n"} {
		if _, err := vault.Parse(bad); err == nil {
			t.Errorf("parsed bad key file %q", bad)
		}
	}
}

var testCol = vault.Register("vault_t", "id", "secret")

// TestRotate re-seals a registered column under a new key on both
// databases: every value opens afterwards, none is left under the old
// key, and a second run has nothing to do.
func TestRotate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "keys.txt")
		old, _, err := vault.Load(path, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `CREATE TABLE vault_t (id INTEGER PRIMARY KEY, secret TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 1203; i++ {
			v := ""
			if i%100 != 0 {
				v, _ = old.Seal(testCol.Purpose(), "secret-"+string(rune('a'+i%26)))
			}
			if _, err := d.Exec(ctx, `INSERT INTO vault_t VALUES (?, ?)`, i, v); err != nil {
				t.Fatal(err)
			}
		}
		// A value written in the clear before the column was sealed.
		if _, err := d.Exec(ctx, `INSERT INTO vault_t VALUES (5001, 'legacy-plain')`); err != nil {
			t.Fatal(err)
		}
		k, err := vault.AddKey(path, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		done, err := vault.Rotate(ctx, d, k, nil)
		if err != nil || done[testCol] != 1203-12+1 {
			t.Fatalf("rotated %v, %v", done, err)
		}
		rows, err := d.Query(ctx, `SELECT id, secret FROM vault_t`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int
			var s string
			rows.Scan(&id, &s)
			v, err := k.Open(testCol.Purpose(), s)
			if id == 5001 && v != "legacy-plain" {
				t.Fatalf("legacy value sealed as %q, %v", v, err)
			}
			if err != nil || (id%100 == 0) != (v == "") || k.Stale(s) || (s != "" && vault.KeyOf(s) == "") {
				t.Fatalf("row %d after rotation: %q %v", id, v, err)
			}
		}
		rows.Close()
		if done, err := vault.Rotate(ctx, d, k, nil); err != nil || done[testCol] != 0 {
			t.Fatalf("second rotation: %v %v", done, err)
		}
	})
}
