package backup

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestRestoreNeverOverwrites: a restore into a data directory that holds
// a database, or into a database that is not empty (the source itself),
// is refused and changes nothing there.
func TestRestoreNeverOverwrites(t *testing.T) {
	each(t, func(t *testing.T, s source) {
		k := newKeys(t)
		path, _ := write(t, s, k)
		before := testdb.TablePrints(t, s.d)
		into := Target{URL: s.url}
		if s.d.Dialect == db.SQLite {
			into = Target{DataDir: t.TempDir()}
			if err := os.WriteFile(filepath.Join(into.DataDir, "halfsky.db"), []byte("someone's database"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Restore(context.Background(), path, into, k)
		if !isRefusal(err, TargetInUse) {
			t.Fatalf("restore into a database in use: %v", err)
		}
		if after := testdb.TablePrints(t, s.d); !equalMaps(before, after) {
			t.Fatal("a refused restore changed the source")
		}
		if s.d.Dialect == db.SQLite {
			if b, _ := os.ReadFile(filepath.Join(into.DataDir, "halfsky.db")); string(b) != "someone's database" {
				t.Fatalf("the database in the way was replaced: %q", b)
			}
		}
	})
}

// TestRestoreMigratesAnOlderBackup: a backup of a database an older
// halfsky left (schema 30) restores, verifies against its manifest at
// schema 30, and is migrated to this binary's schema.
func TestRestoreMigratesAnOlderBackup(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { olderBackup(t, engine) })
	}
}

func olderBackup(t *testing.T, engine string) {
	ctx := context.Background()
	var s source
	tg := Target{DataDir: filepath.Join(t.TempDir(), "restored")}
	if engine == "postgres" {
		s.url = testdb.PostgresEmptyURL(t)
		tg = Target{URL: testdb.PostgresEmptyURL(t)}
	}
	d, err := db.Open(ctx, s.url, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s.d = d
	if _, err := d.MigrateTo(ctx, 30); err != nil {
		t.Fatal(err)
	}
	k := newKeys(t)
	path, w := write(t, s, k)
	if w.Header.Schema != 30 {
		t.Fatalf("backup of schema %d", w.Header.Schema)
	}
	r, err := Restore(ctx, path, tg, k)
	if err != nil {
		t.Fatal(err)
	}
	if want := db.LatestVersion() - 30; r.Migrated != want {
		t.Fatalf("migrated %d, want %d", r.Migrated, want)
	}
	if err := openTarget(t, tg).CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestRestoreComparesEveryTable: a backup whose database differs from its
// manifest by one row — as a backup taken at two points in time would —
// is refused after the restore, the target left as it was found. The
// verifier is what stands between such a copy and the operator.
func TestRestoreComparesEveryTable(t *testing.T) {
	each(t, func(t *testing.T, s source) {
		ctx := context.Background()
		k := newKeys(t)
		path := filepath.Join(t.TempDir(), "skewed.hsbak")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		var m Manifest
		var dump func(io.Writer) error
		if s.d.Dialect == db.Postgres {
			if m.Tables, err = postgresTables(ctx, s.d); err != nil {
				t.Fatal(err)
			}
			dump = func(w io.Writer) error { return run(ctx, w, "pg_dump", "--format=custom", "--dbname="+s.url) }
		} else {
			snap := filepath.Join(t.TempDir(), "snap.db")
			if _, err := s.d.Raw().ExecContext(ctx, `VACUUM INTO ?`, snap); err != nil {
				t.Fatal(err)
			}
			if m, err = sqliteManifest(ctx, snap); err != nil {
				t.Fatal(err)
			}
			dump = func(w io.Writer) error {
				b, err := os.ReadFile(snap)
				w.Write(b)
				return err
			}
		}
		m.Engine, m.Schema = s.d.Dialect.String(), db.LatestVersion()
		for i := range m.Tables {
			if m.Tables[i].Name == "orgs" {
				m.Tables[i].Rows++
			}
		}
		h, err := newHeader(k, m.Engine, m.Schema, "", "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := encrypt(f, h, m, k, dump); err != nil {
			t.Fatal(err)
		}
		f.Close()
		refused(t, s, path, k, Mismatch, "与备份清单不符（1 张表）", "orgs：应有")
	})
}
