package api_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/db"
)

// lockedBuffer collects log output written from many request goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// captureLogs sends everything logged, at every level, to a buffer until
// the test ends.
func captureLogs(t *testing.T) *lockedBuffer {
	buf := &lockedBuffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return buf
}

// TestAidLogsHoldNoPersonalData drives the paths where personal data meets
// the logs: bad input, a duplicate, a refused and an allowed reveal, and a
// server failure in the middle of an entry (its error is logged). The log
// must show the failure and none of the canary values.
func TestAidLogsHoldNoPersonalData(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		logs := captureLogs(t)
		a := &aidRun{t: t, f: f}
		year := time.Now().In(db.Shanghai).Year()
		a.do("city.leader", "POST", "/api/v1/aid/cycles", map[string]any{"programme": "cancer", "year": year, "budget": 5_000_000,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}, 201, "")

		bad := aidCanaryID[:17] + map[bool]string{true: "0", false: "1"}[aidCanaryID[17] != '0']
		a.do("village.staff", "POST", "/api/v1/aid/applications", aidCancer(bad), 422, "invalid", "id_number")
		x := a.app("village.staff", "POST", "/api/v1/aid/applications", aidCancer(aidCanaryID), 201)
		path := "/api/v1/aid/applications/" + itoa(int64(x["id"].(float64)))
		a.do("street.staff", "POST", "/api/v1/aid/applications", aidCancer(aidCanaryID), 409, "duplicate", "id_number")
		a.do("daoli.leader", "POST", path+"/reveal", map[string]any{"reason": ""}, 422, "invalid", "reason")
		a.do("daoli.leader", "POST", path+"/reveal", map[string]any{"reason": "核实身份信息"}, 200, "")

		// A failure while an entry carrying personal data is processed:
		// the grants table the lifetime check reads is briefly gone.
		if _, err := f.app.DB.Exec(t.Context(), `ALTER TABLE aid_grants RENAME TO aid_grants_away`); err != nil {
			t.Fatal(err)
		}
		other := aidCancer(aidID("23010219800101002"))
		r := f.as("street.staff").Do("POST", "/api/v1/aid/applications", other)
		if _, err := f.app.DB.Exec(t.Context(), `ALTER TABLE aid_grants_away RENAME TO aid_grants`); err != nil {
			t.Fatal(err)
		}
		expect(t, r, 500, "internal")

		out := logs.String()
		if !strings.Contains(out, "request failed") {
			t.Fatalf("the failure was not logged, so the log check below proves nothing:\n%s", out)
		}
		for _, c := range append(aidCanaries, aidID("23010219800101002")) {
			if strings.Contains(out, c) {
				t.Errorf("log contains %q:\n%s", c, out)
			}
		}
	})
}
