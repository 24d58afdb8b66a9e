package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

// TestBackupAndRestore: `halfsky backup` writes an encrypted backup under
// the key file (refusing to overwrite one, and refusing to run without a
// key file rather than make one); `backup verify` reads it whole;
// `restore` puts it into a fresh data directory or empty database, where
// every table equals the source's and `audit verify` passes; a second
// restore into the same target, a truncated file and another
// installation's key file are refused with their messages, the target
// left as it was.
func TestBackupAndRestore(t *testing.T) {
	each(t, func(t *testing.T) {
		must(t, "import-orgs")
		must(t, "user", "add", "--username", "bk.staff", "--password", "冰城最美家庭2015", "--org", "230102", "--role", "staff")
		file := filepath.Join(t.TempDir(), "copy.hsbak")
		if code, out := run(t, "backup", "--out", file); code != 1 || !strings.Contains(out, "找不到密钥文件") {
			t.Fatalf("backup without a key file: exit %d %s", code, out)
		}
		if _, err := os.Stat(file); err == nil {
			t.Fatal("a refused backup wrote its file")
		}
		t.Setenv("HALFSKY_KEYS", vault.NewFileText(time.Now()))
		out := must(t, "backup", "--out", file)
		if !strings.Contains(out, "backup written: "+file) || !regexp.MustCompile(`\d+ 张表，\d+ 行`).MatchString(out) {
			t.Fatalf("backup: %s", out)
		}
		if code, out := run(t, "backup", "--out", file); code != 1 || out != "refusing to overwrite "+file+"\n" {
			t.Fatalf("backup onto an existing file: exit %d %q", code, out)
		}
		if out := must(t, "backup", "verify", file); !strings.Contains(out, "备份完整") || !strings.Contains(out, "哈尔滨市妇联") {
			t.Fatalf("backup verify: %s", out)
		}
		source := testdb.TablePrints(t, openDB(t))

		target := []string{"--data-dir", filepath.Join(t.TempDir(), "restored")}
		if os.Getenv("HALFSKY_DATABASE_URL") != "" {
			target = []string{"--database-url", testdb.PostgresEmptyURL(t)}
		}
		restore := func(file string) (int, string) {
			return run(t, append(append([]string{"restore"}, target...), file)...)
		}

		short := filepath.Join(t.TempDir(), "short.hsbak")
		b, _ := os.ReadFile(file)
		os.WriteFile(short, b[:len(b)/2], 0o600)
		if code, out := restore(short); code != 1 || !strings.Contains(out, "备份文件不完整") || !strings.Contains(out, "未做任何恢复") {
			t.Fatalf("restore of a truncated file: exit %d %s", code, out)
		}
		own := os.Getenv("HALFSKY_KEYS")
		t.Setenv("HALFSKY_KEYS", vault.NewFileText(time.Now()))
		if code, out := restore(file); code != 1 || !strings.Contains(out, "这是另一个安装的备份") {
			t.Fatalf("restore with another installation's keys: exit %d %s", code, out)
		}
		t.Setenv("HALFSKY_KEYS", own)

		out = must(t, append(append([]string{"restore"}, target...), file)...)
		for _, want := range []string{"逐表校验", "0 处不符", "审计日志完整"} {
			if !strings.Contains(out, want) {
				t.Fatalf("restore says nothing of %q:\n%s", want, out)
			}
		}
		setTarget(t, target)
		if got := testdb.TablePrints(t, openDB(t)); !equal(source, got) {
			t.Fatalf("restored tables differ from the source's")
		}
		if out := must(t, "audit", "verify"); !strings.Contains(out, "审计日志完整") {
			t.Fatalf("audit verify on the restore: %s", out)
		}
		if code, out := restore(file); code != 1 || !strings.Contains(out, "不覆盖") {
			t.Fatalf("restore into the restored target: exit %d %s", code, out)
		}
	})
}

// setTarget points the environment at the restore's target.
func setTarget(t *testing.T, target []string) {
	if target[0] == "--data-dir" {
		t.Setenv("HALFSKY_DATA_DIR", target[1])
	} else {
		t.Setenv("HALFSKY_DATABASE_URL", target[1])
	}
}

func equal(a, b map[string]string) bool {
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
