package testfx

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"halfsky/internal/db"
)

// PropOps is how many random operations a counters' property test runs:
// def, or the share of HALFSKY_PROP_OPS given to it when that is set (CI
// runs more).
func PropOps(def, share int) int {
	if n, err := strconv.Atoi(os.Getenv("HALFSKY_PROP_OPS")); err == nil && n > 0 {
		return max(1, n/share)
	}
	return def
}

// CountersFromUpgrade takes d back to before migration version — the
// counters of the subjects gone, the migrations from version on not run —
// and migrates again: the start of a test that a database from before the
// counters gets them from its upgrade.
func CountersFromUpgrade(t testing.TB, d *db.DB, version int, subjects ...string) {
	t.Helper()
	ctx := context.Background()
	args := make([]any, len(subjects))
	for i, s := range subjects {
		args[i] = s
	}
	if _, err := d.Exec(ctx, `DELETE FROM tallies WHERE subject IN (?`+strings.Repeat(", ?", len(subjects)-1)+`)`, args...); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `DELETE FROM schema_migrations WHERE version >= ?`, version); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Migrate(ctx); err != nil || n != db.LatestVersion()-version+1 {
		t.Fatalf("migrate from %d: %d %v", version, n, err)
	}
}

// MoveVillage moves the demo village (230102001001) to the other street of
// 道里区, or back when away says it is there, and flips away.
func (f *Demo) MoveVillage(ctx context.Context, away *bool) {
	f.T.Helper()
	under := "230102002"
	if *away {
		under = "230102001"
	}
	if _, err := f.Orgs.MoveAsOperator(ctx, "230102001001", under); err != nil {
		f.T.Fatalf("move the village under %s: %v", under, err)
	}
	*away = !*away
}
