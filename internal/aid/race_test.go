package aid_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestRaces: the same person entered from several places at once gets one
// application; approvals racing for the last of the budget approve exactly
// as many as it pays for.
func TestRaces(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.cycle("cancer", 2026, 3_000_000, nil) // three grants
		village, street, district, city := f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("daoli.staff"), f.Actor("city.leader")

		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				a := village
				if i%2 == 1 {
					a = street
				}
				_, errs[i] = f.svc.Create(ctx, a, cancerInput(canaryName, canaryID))
			}(i)
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var e *apperr.Error
			switch {
			case err == nil:
				ok++
			case errors.As(err, &e) && e.Code == "duplicate":
			default:
				t.Fatalf("concurrent entry: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d concurrent entries of one person succeeded", ok)
		}

		var apps []aid.Application
		for i := 0; i < 6; i++ {
			x, err := f.svc.Create(ctx, village, cancerInput("王秀兰", makeID(fmt.Sprintf("230102198001%02d002", i+1))))
			if err != nil {
				t.Fatal(err)
			}
			apps = append(apps, f.decide(district, f.decide(street, f.submit(village, x), aid.Pass, ""), aid.Pass, ""))
		}
		errs = make([]error, len(apps))
		for i, x := range apps {
			wg.Add(1)
			go func(i int, x aid.Application) {
				defer wg.Done()
				_, errs[i] = f.svc.Decide(ctx, city, x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version})
			}(i, x)
		}
		wg.Wait()
		ok = 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, aid.ErrOverBudget):
			default:
				t.Fatalf("concurrent approval: %v", err)
			}
		}
		var n int
		var spent int64
		d.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM aid_applications WHERE status = 'approved'`).Scan(&n, &spent)
		if ok != 3 || n != 3 || spent != 3_000_000 {
			t.Fatalf("approved %d (%d rows, %d fen) of a budget for 3", ok, n, spent)
		}
	})
}
