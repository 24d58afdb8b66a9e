package backup

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/testfx"
	"halfsky/internal/visit"
)

// drillScale is the drill's size: the short one by default (CI), the
// long one with HALFSKY_RESTORE_DRILL=long (make restore-drill).
type drillScale struct {
	writers int
	before  time.Duration // writing before the backup starts
}

func scale() (drillScale, string) {
	if os.Getenv("HALFSKY_RESTORE_DRILL") == "long" {
		return drillScale{writers: 8, before: 20 * time.Second}, "long"
	}
	return drillScale{writers: 4, before: time.Second}, "short"
}

// TestRestoreDrill is issue 16's backup and restore drill: cadres record
// visits (sealed, audited, counted, through the visit service) from
// several goroutines while the backup runs; the backup is restored into
// a fresh target, every table is compared with the manifest taken at the
// backup's snapshot, and the audit log verifies on the restore. The
// visits restored are at least those committed before the backup began
// and at most those committed by its end. It prints its figures.
func TestRestoreDrill(t *testing.T) {
	sc, name := scale()
	each(t, func(t *testing.T, s source) {
		ctx := context.Background()
		svc, actors := drillService(t, s.d)
		var wrote atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, sc.writers)
		for i := range sc.writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- writeVisits(ctx, svc, actors[i%len(actors)], stop, &wrote)
			}()
		}
		time.Sleep(sc.before)
		visitsBefore := count(t, s.d, "visits")
		wroteBefore := wrote.Load()
		k := newKeys(t)
		path, w := write(t, s, k)
		wroteDuring := wrote.Load() - wroteBefore
		visitsAfter := count(t, s.d, "visits")
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		tg, _ := s.target(t)
		r, err := Restore(ctx, path, tg, k)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Audit.OK() {
			t.Fatalf("audit verify on the restore: %+v", r.Audit.Problems)
		}
		restored := count(t, openTarget(t, tg), "visits")
		if restored < visitsBefore || restored > visitsAfter {
			t.Fatalf("restored %d visits: committed %d before the backup, %d after", restored, visitsBefore, visitsAfter)
		}
		if wroteDuring == 0 {
			t.Fatal("nothing was written while the backup ran: the drill proved nothing about a backup under load")
		}
		fmt.Printf("restore drill (%s, %s): %d tables, %s rows (%s audit events, %s visits) in the backup; %s; "+
			"backup %.2fs while %d writers committed %d visits; restore %.2fs (decrypt, restore, compare every table, audit verify)\n",
			name, s.d.Dialect, len(r.Manifest.Tables), num(r.Manifest.Rows()), num(r.Audit.Checked), num(restored),
			megabytes(w.Bytes), w.Took.Seconds(), sc.writers, wroteDuring, r.Took.Seconds())
	})
}

// drillService is the visit service over d with the demo's keys and the
// street and village cadres who record visits.
func drillService(t *testing.T, d *db.DB) (*visit.Service, []access.Actor) {
	f := testfx.Seed(t, d)
	svc := visit.NewService(d, f.Orgs)
	svc.Vault = testfx.Keys
	var actors []access.Actor
	for _, u := range []string{"street.staff", "village.staff", "daoli.staff", "city.staff"} {
		actors = append(actors, f.Actor(u))
	}
	return svc, actors
}

// writeVisits records visits until stop, counting them.
func writeVisits(ctx context.Context, svc *visit.Service, a access.Actor, stop <-chan struct{}, n *atomic.Int64) error {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		_, err := svc.CreateVisit(ctx, a, visit.VisitInput{VisitedOn: svc.Today(), Place: fmt.Sprintf("演练走访 %d 号", i),
			Companions: "妇联执委", Households: 1 + i%5, Women: i % 7, Notes: "备份演练：入户了解情况"}, nil)
		if err != nil {
			return fmt.Errorf("%s: visit: %w", a.Username, err)
		}
		n.Add(1)
	}
}

func count(t *testing.T, d *db.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func num(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
