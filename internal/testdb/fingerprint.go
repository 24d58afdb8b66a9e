package testdb

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"testing"

	"halfsky/internal/db"
)

// Fingerprint is a digest of what the queries return — every row as
// text, sorted (ORDER BY does not order the rows of a table keyed by
// several columns the same way on both databases) — for tests that check
// that a refused request changed nothing.
func Fingerprint(t testing.TB, d *db.DB, queries ...string) string {
	t.Helper()
	h := sha256.New()
	for _, q := range queries {
		var rows []string
		EachRow(t, d, q, func(vals []string) { rows = append(rows, strings.Join(vals, "\x1f")) })
		slices.Sort(rows)
		fmt.Fprintf(h, "%s\n%d\n%s\n", q, len(rows), strings.Join(rows, "\n"))
	}
	return fmt.Sprintf("%x", h.Sum(nil)[:12])
}

// TablePrints is a Fingerprint of every whole row of each table but
// those left out, by table, so a difference names the table.
func TablePrints(t testing.TB, d *db.DB, leaveOut ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range Tables(t, d) {
		if !slices.Contains(leaveOut, table) {
			out[table] = Fingerprint(t, d, `SELECT * FROM `+table)
		}
	}
	return out
}
