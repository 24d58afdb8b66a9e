package testdb

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"halfsky/internal/db"
)

// Canary tests put recognizable values into the system and then look for
// them where they must not be: in any column of any row, and on SQLite in
// the database file's bytes.

// Tables lists the application's tables in d (every table of the schema
// in use, but the migrations' bookkeeping).
func Tables(t testing.TB, d *db.DB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if d.Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	var out []string
	EachRow(t, d, q, func(vals []string) {
		if vals[0] != "schema_migrations" {
			out = append(out, vals[0])
		}
	})
	if len(out) < 10 {
		t.Fatalf("only %d tables found: %v", len(out), out)
	}
	return out
}

// EachRow runs q and hands every row's values to fn as text (bytes as
// the string they hold).
func EachRow(t testing.TB, d *db.DB, q string, fn func([]string)) {
	t.Helper()
	rows, err := d.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(cols))
		for i, v := range vals {
			out[i] = text(v)
		}
		fn(out)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// text is v as fmt.Sprint writes it (bytes as text), without fmt for
// the types the drivers return: fingerprints read every row of every
// table, and fmt was a third of their time.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return "<nil>"
	case string:
		return v
	case []byte:
		return string(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// NoneInTables fails if any row of the tables holds one of the canaries
// in the clear. skip, when set, exempts a row of a table (say which, and
// why, where it is used).
func NoneInTables(t testing.TB, d *db.DB, tables []string, skip func(table string, row []string) bool, canaries ...string) {
	t.Helper()
	for _, table := range tables {
		EachRow(t, d, `SELECT * FROM `+table, func(vals []string) {
			if skip != nil && skip(table, vals) {
				return
			}
			for _, v := range vals {
				for _, c := range canaries {
					if strings.Contains(v, c) {
						t.Fatalf("%s holds %q in the clear: %.200s", table, c, strings.Join(vals, "|"))
					}
				}
			}
		})
	}
}

// NoneInFile fails if the SQLite database file (and its -wal, -shm) holds
// one of the canaries after a checkpoint. known is something stored in
// the clear that must be found, so a blind search cannot pass. On
// PostgreSQL it does nothing: the rows are checked by NoneInTables.
func NoneInFile(t testing.TB, d *db.DB, known string, canaries ...string) {
	t.Helper()
	if d.Dialect != db.SQLite {
		return
	}
	if _, err := d.Exec(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(d.Path + "*") // the file, and its -wal and -shm if any
	if len(names) == 0 {
		t.Fatal("no database file")
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(name) == filepath.Base(d.Path) && !bytes.Contains(b, []byte(known)) {
			t.Fatalf("%q is not found in the file: the search is blind", known)
		}
		for _, c := range canaries {
			if bytes.Contains(b, []byte(c)) {
				t.Fatalf("%s holds %q in the clear", filepath.Base(name), c)
			}
		}
	}
}
