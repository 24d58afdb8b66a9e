package cli_test

import (
	"context"
	"strings"
	"testing"
)

// TestStatsCommands: stats check finds a counter that disagrees with the
// records (exit 3) and stats rebuild recomputes them all.
func TestStatsCommands(t *testing.T) {
	each(t, func(t *testing.T) {
		must(t, "import-orgs")
		if out := must(t, "stats", "check"); out != "与记录不一致的计数器：0\n" {
			t.Fatalf("check: %q", out)
		}
		d := openDB(t)
		if _, err := d.Exec(context.Background(), `INSERT INTO tallies (subject, org_id, k, stripe, n)
			SELECT 'report:999', id, 'signed|0', 0, 3 FROM orgs WHERE code = '2301'`); err != nil {
			t.Fatal(err)
		}
		code, out := run(t, "stats", "check")
		if code != 3 || !strings.Contains(out, "与记录不一致的计数器：1\n") || !strings.Contains(out, "report:999") || !strings.Contains(out, "stats rebuild") {
			t.Fatalf("check of a wrong counter: %d %q", code, out)
		}
		if out := must(t, "stats", "rebuild"); out != "已从记录重算全部计数器：0 行\n与记录不一致的计数器：0\n" {
			t.Fatalf("rebuild: %q", out)
		}
		if code, out := run(t, "stats"); code != 2 || !strings.Contains(out, "stats rebuild") {
			t.Fatalf("usage: %d %q", code, out)
		}
	})
}
