package aid_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestDuplicateProbes is attack 4's second half: a user typing ID numbers
// to learn who is helped. Each duplicate refusal names only the district
// federation to contact and is audited; the DuplicateLimit-th raises the
// auditor's alert — once, naming the user and the count, never a number —
// and past it the user's entries are refused unchecked (429), even one
// that is not a duplicate, with nothing changed. Another user is not held
// back.
func TestDuplicateProbes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.cycle("cancer", 2026, 5_000_000, nil)
		if _, err := f.svc.Create(ctx, f.Actor("village.staff"), cancerInput(canaryName, canaryID)); err != nil {
			t.Fatal(err)
		}
		prober := f.Actor("nangang.village")
		alerts := func() []audit.Event {
			evs, _, err := audit.List(ctx, d.Q(), audit.Filter{Action: audit.AlertPrefix})
			if err != nil {
				t.Fatal(err)
			}
			return evs
		}
		for i := 1; i <= aid.DuplicateLimit; i++ {
			_, err := f.svc.Create(ctx, prober, cancerInput(fmt.Sprintf("试探%d", i), canaryID))
			e := code(t, err, "duplicate")
			if e.Status != http.StatusConflict || e.Message != "该身份证号已登记过同类救助，请联系"+f.orgName("230102")+"核实" {
				t.Fatalf("probe %d: %d %s", i, e.Status, e.Message)
			}
			if n := len(alerts()); (i < aid.DuplicateLimit && n != 0) || (i == aid.DuplicateLimit && n != 1) {
				t.Fatalf("after %d probes: %d alerts", i, n)
			}
		}
		al := alerts()[0]
		if al.Action != aid.AlertDuplicateProbes || !al.Alert() || al.Username != "nangang.village" || al.Outcome != audit.Denied ||
			al.Detail != fmt.Sprintf("user=nangang.village probes=%d limit=%d", aid.DuplicateLimit, aid.DuplicateLimit) ||
			strings.Contains(al.Detail+al.ObjectID, canaryID) {
			t.Fatalf("alert: %+v", al)
		}

		// Past the limit: refused before any check, audited, nothing changed.
		before, probes := f.fingerprint(), f.audited("aid.duplicate")
		for _, id := range []string{canaryID, makeID("23010319800101004")} {
			_, err := f.svc.Create(ctx, prober, cancerInput("再试", id))
			var e *apperr.Error
			if !errors.As(err, &e) || e != aid.ErrTooManyDuplicates || e.Status != http.StatusTooManyRequests || e.Code != "too_many_duplicates" {
				t.Fatalf("past the limit: %v", err)
			}
		}
		if f.fingerprint() != before || f.audited("aid.duplicate") != probes || f.audited("aid.duplicate_limited") != 2 {
			t.Fatalf("past the limit: changed %t, %d duplicates, %d limited", f.fingerprint() != before,
				f.audited("aid.duplicate")-probes, f.audited("aid.duplicate_limited"))
		}
		if n := len(alerts()); n != 1 {
			t.Fatalf("alerts: %d, want one a day", n)
		}
		// Someone else enters as usual.
		if _, err := f.svc.Create(ctx, f.Actor("village.staff"), cancerInput("王秀兰", makeID("23010319800101004"))); err != nil {
			t.Fatalf("another user held back: %v", err)
		}
	})
}
