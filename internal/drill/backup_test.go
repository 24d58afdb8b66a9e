package drill

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"halfsky/internal/testdb"
)

// TestBackupUnderWrites is the restore drill through the binary: 16
// clients write through the API while `halfsky backup` runs; the backup
// is restored with `halfsky restore` into a fresh data directory (SQLite)
// or an empty database (PostgreSQL), a server is started on the copy, and
// there every write acknowledged before the backup began is read back
// exactly (sealed fields opened with the key file kept apart from the
// backup), while no visit acknowledged after it ended is there. The
// restore itself compares every table with the backup's manifest and
// verifies the audit log (internal/backup's TestRestoreDrill measures
// it).
func TestBackupUnderWrites(t *testing.T) {
	bin, err := Build(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("SQLite", func(t *testing.T) {
		backupUnderWrites(t, bin, nil, []string{"HALFSKY_DATA_DIR=" + t.TempDir()})
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		url := testdb.PostgresEmptyURL(t)
		backupUnderWrites(t, bin, []string{"HALFSKY_DATABASE_URL=" + url},
			[]string{"HALFSKY_DATA_DIR=" + t.TempDir(), "HALFSKY_DATABASE_URL=" + testdb.PostgresEmptyURL(t)})
	})
}

func backupUnderWrites(t *testing.T, bin string, env, into []string) {
	ctx := context.Background()
	data := t.TempDir()
	srv, drv := startDrill(t, bin, data, env)
	drive, stopDrive := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { drv.Drive(drive); close(done) }()
	time.Sleep(2 * time.Second)
	_, before := drv.Acked(0)
	file := filepath.Join(t.TempDir(), "halfsky.hsbak")
	t0 := time.Now()
	if _, err := srv.Run(ctx, "backup", "--out", file); err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	_, after := drv.Acked(0)
	time.Sleep(time.Second)
	stopDrive()
	<-done
	all, _ := drv.Acked(0)
	srv.Stop()

	// The key file comes from where it is kept, not from the backup.
	keys := "HALFSKY_KEY_FILE=" + filepath.Join(data, "keys.txt")
	rs := &Server{Bin: bin, Log: srv.Log, Env: append([]string{keys, "HALFSKY_LOG_LEVEL=warn"}, into...)}
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	rs.Addr = addr
	restored, err := rs.Run(ctx, "restore", file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Kill)
	if _, err := rs.Start(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	// The sessions are in the copy too: the same cookies sign in there.
	var readers []*Client
	for _, c := range drv.Writers {
		readers = append(readers, c.Rebase(rs.URL()))
	}
	check := NewDriver(drv.Run, readers, drv.Revealer.Rebase(rs.URL()))
	if lost := check.Lost(ctx, all[:before]); len(lost) > 0 {
		t.Fatalf("%d of %d writes acknowledged before the backup are not in the restored copy: %v", len(lost), before, lost[:min(5, len(lost))])
	}
	later := 0
	for _, w := range all[after:] {
		if w.Kind != Visit {
			continue
		}
		later++
		st, err := readers[0].Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/visits/%d", w.ID), nil, nil)
		if st != http.StatusNotFound {
			t.Fatalf("visit %d, acknowledged after the backup ended, in the copy: %d %v", w.ID, st, err)
		}
	}
	if before == 0 || later == 0 {
		t.Fatalf("the drill proved nothing: %d writes before the backup, %d visits after it", before, later)
	}
	if out, err := rs.Run(ctx, "audit", "verify"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	size, _ := os.Stat(file)
	t.Logf("backup under writes: %s in %s while %d writes were acknowledged; restored: %s\n"+
		"  %d writes acknowledged before the backup read back exactly in the copy; %d visits acknowledged after it absent",
		mb(size.Size()), took.Round(time.Millisecond), after-before, strings.TrimSpace(lastLines(restored, 3)), before, later)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
