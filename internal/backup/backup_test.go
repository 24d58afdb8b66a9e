package backup

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
	"halfsky/internal/vault"
)

// source is a database to back up, with what a backup of it needs.
type source struct {
	d   *db.DB
	url string // PostgreSQL
	// spare is an empty PostgreSQL database the refusals share: each
	// must leave it empty, which each checks, so one serves them all.
	spare string
}

// target makes a fresh restore target of the source's engine and says
// whether it is still untouched (no database file, no directory it did
// not find; an empty PostgreSQL database).
func (s source) target(t *testing.T) (Target, func() bool) {
	t.Helper()
	if s.d.Dialect == db.Postgres {
		u := s.spare
		if u == "" {
			u = testdb.PostgresEmptyURL(t)
		}
		return Target{URL: u}, func() bool { return emptyDatabase(t, u) }
	}
	dir := filepath.Join(t.TempDir(), "restored")
	return Target{DataDir: dir}, func() bool {
		_, err := os.Stat(dir)
		return errors.Is(err, os.ErrNotExist)
	}
}

func emptyDatabase(t *testing.T, url string) bool {
	t.Helper()
	d, err := db.Open(context.Background(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n, err := objects(context.Background(), d.Raw())
	if err != nil {
		t.Fatal(err)
	}
	return n == 0
}

// each runs fn on a seeded database of each engine: the demo tree and
// accounts and some audited changes.
func each(t *testing.T, fn func(t *testing.T, s source)) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		testfx.Seed(t, d)
		for i := range 5 {
			if err := audit.Log(context.Background(), d, audit.Event{Username: "operator", Action: "test.change",
				ObjectType: "test", ObjectID: string(rune('a' + i)), Outcome: audit.OK}); err != nil {
				t.Fatal(err)
			}
		}
		s := source{d: d}
		if d.Dialect == db.Postgres {
			s.url = testdb.URL(t, d)
		}
		fn(t, s)
	})
}

func newKeys(t testing.TB) *vault.Keyring {
	k, _ := newKeyFile(t)
	return k
}

// newKeyFile is a new installation's keys and its key file's lookup line.
func newKeyFile(t testing.TB) (*vault.Keyring, string) {
	t.Helper()
	text := vault.NewFileText(time.Now())
	k, err := vault.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "lookup ") {
			return k, line + "\n"
		}
	}
	t.Fatal("no lookup line in a new key file")
	return nil, ""
}

// key32 is a new data key as the key file writes it.
func key32() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func write(t *testing.T, s source, k *vault.Keyring) (string, Written) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "b.hsbak")
	w, err := Write(context.Background(), s.d, path, Options{Keys: k, Name: "哈尔滨市妇联（2301）", Version: "test", URL: s.url})
	if err != nil {
		t.Fatal(err)
	}
	return path, w
}

// TestRoundTrip: a backup restores into a fresh target whose every table
// equals the source's, row for row; its manifest holds every table with
// its rows; the audit log verifies on the restore; backup verify reads
// it whole; and a second backup onto the same file is refused.
func TestRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, s source) {
		ctx := context.Background()
		k := newKeys(t)
		path, w := write(t, s, k)
		if len(w.Manifest.Tables) < 60 || w.Manifest.Rows() < 3500 || w.Header.Engine != s.d.Dialect.String() ||
			w.Header.Schema != db.LatestVersion() || w.Header.Installation != k.Installation() {
			t.Fatalf("written: %d tables, %d rows, header %+v", len(w.Manifest.Tables), w.Manifest.Rows(), w.Header)
		}
		c, err := Check(path, k)
		if err != nil || c.Manifest.Rows() != w.Manifest.Rows() || c.Size != w.Bytes {
			t.Fatalf("check: %+v %v", c, err)
		}
		tg, _ := s.target(t)
		r, err := Restore(ctx, path, tg, k)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Audit.OK() || r.Audit.Checked < 5 || r.Migrated != 0 {
			t.Fatalf("restored: audit %+v, migrated %d", r.Audit, r.Migrated)
		}
		got := openTarget(t, tg)
		if want, have := testdb.TablePrints(t, s.d), testdb.TablePrints(t, got); !equalMaps(want, have) {
			t.Fatalf("restored tables differ:\nsource   %v\nrestored %v", want, have)
		}
		if err := got.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := Write(ctx, s.d, path, Options{Keys: k, URL: s.url}); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
			t.Fatalf("a second backup onto the file: %v", err)
		}
	})
}

func openTarget(t *testing.T, tg Target) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), tg.URL, tg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// refused restores the file at path with k into a fresh target and wants
// a refusal of kind whose message holds every fragment, the target left
// untouched.
func refused(t *testing.T, s source, path string, k *vault.Keyring, kind Kind, fragments ...string) {
	t.Helper()
	tg, untouched := s.target(t)
	_, err := Restore(context.Background(), path, tg, k)
	var r *Refusal
	if !errors.As(err, &r) || r.Kind != kind || r.Msg != err.Error() {
		t.Fatalf("want a %s refusal, got %v", kind, err)
	}
	for _, f := range append(fragments, "未做任何恢复") {
		if !strings.Contains(r.Msg, f) {
			t.Fatalf("message %q lacks %q", r.Msg, f)
		}
	}
	if !untouched() {
		t.Fatalf("a refused restore (%s) touched the target", kind)
	}
}

// variant writes a copy of the file at path changed by change.
func variant(t *testing.T, path string, change func([]byte) []byte) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "variant.hsbak")
	if err := os.WriteFile(out, change(append([]byte(nil), b...)), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// headerLen is the bytes before the first chunk.
func headerLen(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := int(b[len(magic)])<<24 | int(b[len(magic)+1])<<16 | int(b[len(magic)+2])<<8 | int(b[len(magic)+3])
	return len(magic) + 4 + n + macSize
}

// TestBadBackupsAreRefused: a truncated file (cut in the header, in a
// chunk, at a chunk's end, in the trailer), a byte changed anywhere in
// the header, in a chunk or in the trailer, another installation's
// backup, a key file without the backup's key or with another key under
// its id — each refused with its reason, the target left untouched.
func TestBadBackupsAreRefused(t *testing.T) {
	each(t, func(t *testing.T, s source) {
		k, lookup := newKeyFile(t)
		path, w := write(t, s, k)
		if s.d.Dialect == db.Postgres {
			s.spare = testdb.PostgresEmptyURL(t)
		}
		size, hl := int(w.Bytes), headerLen(t, path)
		ct := chunkSize + tagSize
		if size < hl+2*ct+trailerLen {
			t.Fatalf("the backup has fewer than three chunks (%d bytes): the cuts below need them", size)
		}

		t.Run("truncated", func(t *testing.T) {
			for _, cut := range []struct {
				at   int
				want string
			}{
				{0, "文件头处截断"}, {9, "文件头处截断"}, {len(magic) + 2, "文件头处截断"}, {hl - 1, "文件头处截断"},
				{hl, "第 1 块处截断"}, {hl + 1000, "第 1 块处截断"}, {hl + ct, "第 2 块处截断"}, {hl + ct + 5, "第 2 块处截断"},
				{size - trailerLen, "缺少结尾"}, {size - 1, "缺少结尾"},
			} {
				refused(t, s, variant(t, path, func(b []byte) []byte { return b[:cut.at] }), k, Truncated, "备份文件不完整", cut.want)
			}
		})
		t.Run("changed", func(t *testing.T) {
			// Every byte of the header: refused, whatever it says why.
			for i := range hl {
				p := variant(t, path, func(b []byte) []byte { b[i] ^= 0x20; return b })
				_, err := Restore(context.Background(), p, Target{DataDir: filepath.Join(t.TempDir(), "x")}, k)
				var r *Refusal
				if !errors.As(err, &r) || !strings.Contains(r.Msg, "未做任何恢复") {
					t.Fatalf("header byte %d changed: %v", i, err)
				}
			}
			created := strings.Index(string(readAll(t, path)[:hl]), `"created":"`) + len(`"created":"`) + 3
			refused(t, s, variant(t, path, func(b []byte) []byte { b[created] ^= 1; return b }), k, Tampered, "已被改动", "文件头")
			for _, at := range []struct {
				off  int
				want string
			}{{hl + 10, "第 1 块"}, {hl + ct + 100, "第 2 块"}, {size - trailerLen - 1, "块校验不符"}, {size - 5, "结尾校验不符"},
				{size - trailerLen + 3, "不完整"}} {
				kind := Tampered
				if at.want == "不完整" { // the end marker itself changed: the end looks cut off
					kind = Truncated
				}
				refused(t, s, variant(t, path, func(b []byte) []byte { b[at.off] ^= 0x01; return b }), k, kind, at.want)
			}
			// A chunk moved: the second swapped with the first.
			refused(t, s, variant(t, path, func(b []byte) []byte {
				one := append([]byte(nil), b[hl:hl+ct]...)
				copy(b[hl:hl+ct], b[hl+ct:hl+2*ct])
				copy(b[hl+ct:hl+2*ct], one)
				return b
			}), k, Tampered, "第 1 块")
		})
		t.Run("not a backup", func(t *testing.T) {
			refused(t, s, variant(t, path, func([]byte) []byte { return []byte("SQLite format 3\x00 and so on, a plain copy") }), k,
				NotBackup, "不是 halfsky 的备份文件")
		})
		t.Run("another installation", func(t *testing.T) {
			other := newKeys(t)
			refused(t, s, path, other, Foreign, "另一个安装的备份", "哈尔滨市妇联（2301）", k.Installation(), other.Installation())
		})
		t.Run("wrong key", func(t *testing.T) {
			// The installation's key file from before the key was made.
			older, err := vault.Parse(lookup + "key 20200101 " + key32() + "\n")
			if err != nil {
				t.Fatal(err)
			}
			refused(t, s, path, older, WrongKey, "密钥不符", w.Header.Key, "密钥文件中没有它", "20200101")
			// Another key under the backup's key id.
			swapped, err := vault.Parse(lookup + "key " + w.Header.Key + " " + key32() + "\n")
			if err != nil {
				t.Fatal(err)
			}
			refused(t, s, path, swapped, WrongKey, "密钥不符", "不是加密此备份的那一把")
		})
		t.Run("another engine", func(t *testing.T) {
			other := Target{DataDir: filepath.Join(t.TempDir(), "x")}
			if s.d.Dialect == db.SQLite {
				other = Target{URL: "postgres://nobody@localhost/none"}
			}
			if _, err := Restore(context.Background(), path, other, k); !isRefusal(err, Unsupported) {
				t.Fatalf("restore into another engine: %v", err)
			}
		})
	})
}

func isRefusal(err error, kind Kind) bool {
	var r *Refusal
	return errors.As(err, &r) && r.Kind == kind
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
