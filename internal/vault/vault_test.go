package vault_test

import (
	"context"
	"errors"
	"fmt"
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
	// Each bad file is refused for its own reason (the parser has no error
	// taxonomy; its message says why).
	lookup := "lookup " + strings.Repeat("A", 43) + "=\n" // 32 bytes
	key := strings.Repeat("B", 43) + "="
	for bad, why := range map[string]string{
		"":              "the key file has no lookup secret",
		"key a AAAA":    "the key file has no lookup secret",
		"lookup !!!\n":  "line 1: bad or repeated lookup secret",
		lookup + lookup: "line 2: bad or repeated lookup secret",
		"lookup " + strings.Repeat("A", 44) + "\n": "the lookup key must be 32 bytes",
		lookup:                    "at least one data key is needed",
		lookup + "key a AAAA":     "key a must be 32 bytes",
		lookup + "key a !!!":      "line 2: key a is not base64",
		lookup + "key a/b " + key: `bad key id "a/b"`,
		lookup + "key a " + key + "\nkey a " + key: "key id a given twice",
		lookup + "seal a " + key:                   `line 2: want "lookup <base64>" or "key <id> <base64>"`,
	} {
		if _, err := vault.Parse(bad); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("bad key file %q: %v, want %q", bad, err, why)
		}
	}
}

var (
	testCol = vault.Register("vault_t", "id", "secret")
	// A second column beside it with the same keys: a value re-sealed for
	// the wrong column does not open under the right one.
	testCol2 = vault.Register("vault_t", "id", "other")
)

// plainOf is the value row id of column col was given: every row's is
// its own, so a rotation that re-seals a row with another row's (or
// another column's) plaintext is caught.
func plainOf(col string, id int) string {
	switch {
	case id == 5001 && col == "secret":
		return "legacy-plain"
	case id%100 == 0 || id == 5001:
		return ""
	}
	return fmt.Sprintf("%s-%d-金丝雀", col, id)
}

// rotateFixture makes the table vault_t with 1,203 rows sealed under the
// key file's first key (every hundredth empty) and one row written in the
// clear before the column was sealed.
func rotateFixture(t *testing.T, d *db.DB) (path string, old *vault.Keyring) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(t.TempDir(), "keys.txt")
	old, _, err := vault.Load(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `CREATE TABLE vault_t (id INTEGER PRIMARY KEY, secret TEXT NOT NULL, other TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 1203; i++ {
		s1, _ := old.Seal(testCol.Purpose(), plainOf("secret", i))
		s2, _ := old.Seal(testCol2.Purpose(), plainOf("other", i))
		if _, err := d.Exec(ctx, `INSERT INTO vault_t VALUES (?, ?, ?)`, i, s1, s2); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Exec(ctx, `INSERT INTO vault_t VALUES (5001, ?, '')`, plainOf("secret", 5001)); err != nil {
		t.Fatal(err)
	}
	return path, old
}

// checkRows asserts every row of vault_t opens, under k and its own
// column's purpose only, to exactly the plaintext it was given; it
// returns how many values are under k's active key.
func checkRows(t *testing.T, d *db.DB, k *vault.Keyring) (active int) {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT id, secret, other FROM vault_t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int
		var s1, s2 string
		if err := rows.Scan(&id, &s1, &s2); err != nil {
			t.Fatal(err)
		}
		n++
		for _, c := range []struct {
			col          vault.Column
			sealed, want string
			wrong        vault.Column
		}{{testCol, s1, plainOf("secret", id), testCol2}, {testCol2, s2, plainOf("other", id), testCol}} {
			if c.want != "" && vault.KeyOf(c.sealed) == "" {
				if c.sealed != c.want {
					t.Fatalf("row %d %s: plain %q, want %q", id, c.col.Name, c.sealed, c.want)
				}
				continue // still in the clear (before SealPlain or Rotate)
			}
			got, err := k.Open(c.col.Purpose(), c.sealed)
			if err != nil || got != c.want {
				t.Fatalf("row %d %s opens to %q (%v), want %q", id, c.col.Name, got, err, c.want)
			}
			if c.want == "" {
				continue
			}
			if _, err := k.Open(c.wrong.Purpose(), c.sealed); err != vault.ErrSealed {
				t.Fatalf("row %d %s opens as %s too: %v", id, c.col.Name, c.wrong.Name, err)
			}
			if !k.Stale(c.sealed) {
				active++
			}
		}
	}
	if err := rows.Err(); err != nil || n != 1204 {
		t.Fatalf("%d rows, %v", n, err)
	}
	return active
}

// TestRotate re-seals two registered columns under a new key on both
// databases: every value opens afterwards to exactly its own row's and
// column's original plaintext, none is left under the old key, the value
// once stored in the clear is sealed, and a second run has nothing to do.
func TestRotate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		path, _ := rotateFixture(t, d)
		k, err := vault.AddKey(path, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		done, err := vault.Rotate(ctx, d, k, nil)
		if err != nil || done[testCol] != 1203-12+1 || done[testCol2] != 1203-12 {
			t.Fatalf("rotated %v, %v", done, err)
		}
		if n := checkRows(t, d, k); n != 2*(1203-12)+1 {
			t.Fatalf("%d values under the new key", n)
		}
		var plain int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM vault_t WHERE secret <> '' AND secret NOT LIKE 'hs1.%'`).Scan(&plain)
		if plain != 0 {
			t.Fatalf("%d values still in the clear", plain)
		}
		if done, err := vault.Rotate(ctx, d, k, nil); err != nil || done[testCol] != 0 || done[testCol2] != 0 {
			t.Fatalf("second rotation: %v %v", done, err)
		}
	})
}

// TestRotateInterrupted stops a rotation after its first batch: what was
// done is committed, every value still opens to its own plaintext, and a
// second run finishes the rest.
func TestRotateInterrupted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		path, _ := rotateFixture(t, d)
		k, err := vault.AddKey(path, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done, err := vault.Rotate(ctx, d, k, func(vault.Column, int) { cancel() })
		if !errors.Is(err, context.Canceled) || done[testCol] != 500 {
			t.Fatalf("interrupted: %v %v", done, err)
		}
		if n := checkRows(t, d, k); n != 500 {
			t.Fatalf("%d values under the new key after one batch", n)
		}
		done, err = vault.Rotate(context.Background(), d, k, nil)
		if err != nil || done[testCol] != 1203-12+1-500 || done[testCol2] != 1203-12 {
			t.Fatalf("second run: %v %v", done, err)
		}
		if n := checkRows(t, d, k); n != 2*(1203-12)+1 {
			t.Fatalf("%d values under the new key", n)
		}
	})
}

// TestSealPlain seals the value stored in the clear and leaves the values
// under the older key as they are.
func TestSealPlain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		path, old := rotateFixture(t, d)
		k, err := vault.AddKey(path, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		done, err := vault.SealPlain(ctx, d, k, nil)
		if err != nil || done[testCol] != 1 || done[testCol2] != 0 {
			t.Fatalf("sealed %v, %v", done, err)
		}
		if n := checkRows(t, d, k); n != 1 {
			t.Fatalf("%d values under the new key", n)
		}
		var s string
		d.QueryRow(ctx, `SELECT secret FROM vault_t WHERE id = 7`).Scan(&s)
		if vault.KeyOf(s) != old.Active() {
			t.Fatalf("a sealed value was re-sealed: under %s", vault.KeyOf(s))
		}
		if _, err := vault.SealPlain(ctx, d, nil, nil); err != vault.ErrNoKeys {
			t.Fatalf("without keys: %v", err)
		}
	})
}

// TestTerms: the blind index holds no text, matches every piece of a
// query, differs by purpose and keyring, and cannot search one character.
func TestTerms(t *testing.T) {
	k := keyring(t)
	terms, err := k.Terms("visits.search", "新阳路社区 王大姐家", "Ab")
	if err != nil || !strings.HasPrefix(terms, " ") || !strings.HasSuffix(terms, " ") {
		t.Fatalf("terms %q %v", terms, err)
	}
	// Only keyed hashes: eight hex digits each, never the text ("ab" may
	// well occur inside a hash, so look at whole terms).
	for _, term := range strings.Fields(terms) {
		if len(term) != 8 || strings.Trim(term, "0123456789abcdef") != "" {
			t.Fatalf("term %q in %q is not a hash", term, terms)
		}
	}
	like := func(terms, pattern string) bool { // pattern is "% t %"
		return strings.Contains(terms, strings.Trim(pattern, "%"))
	}
	for q, want := range map[string]bool{"新阳路": true, "社区王": true, "区 王": true, "AB": true, "王大姐家": true, "新阳村": false, "大娘": false} {
		ps := k.TermPatterns("visits.search", q)
		all := len(ps) > 0
		for _, p := range ps {
			if strings.Trim(p, "% 0123456789abcdef") != "" {
				t.Fatalf("pattern %q holds more than hex", p)
			}
			all = all && like(terms, p)
		}
		if all != want {
			t.Errorf("query %q matches %v", q, all)
		}
	}
	if ps := k.TermPatterns("visits.search", "王"); len(ps) != 0 {
		t.Fatalf("one character gives %v", ps)
	}
	if p := k.TermPatterns("tasks.search", "新阳路")[0]; like(terms, p) {
		t.Fatal("another purpose's term matched")
	}
	if p := keyring(t).TermPatterns("visits.search", "新阳路")[0]; like(terms, p) {
		t.Fatal("another keyring's term matched")
	}
	if empty, _ := k.Terms("visits.search", "", " 王 "); empty != " " {
		t.Fatalf("no pieces: %q", empty)
	}
	var none *vault.Keyring
	if _, err := none.Terms("x", "y"); err != vault.ErrNoKeys {
		t.Fatal(err)
	}
}
