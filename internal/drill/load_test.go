package drill

import (
	"context"
	"testing"
	"time"
)

// TestLoad is issue 16's load run against the single binary on SQLite:
// HALFSKY_LOAD_CADRES simulated cadres (20 by default, 200 in `make
// load`), spread over the 18 districts, each with a session of her own,
// for HALFSKY_LOAD_SECONDS (20; 600 in `make load`), a step every two
// seconds or so (the mix is Steps). It prints the error rate, p50/p99 by
// step and the server's peak RSS, and reads back every visit recorded.
// The cluster's load run is in internal/cluster.
func TestLoad(t *testing.T) {
	n := envInt(t, "HALFSKY_LOAD_CADRES", 20)
	secs := envInt(t, "HALFSKY_LOAD_SECONDS", 20)
	ctx := context.Background()
	bin, err := Build(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := startDrill(t, bin, t.TempDir(), []string{"HALFSKY_TRUST_PROXY=1"})
	if err := IssueNotice(ctx, srv.URL(), password); err != nil {
		t.Fatal(err)
	}
	cadres := Cadres(t, srv.Run, srv.URL(), n)
	res := Load(ctx, cadres, time.Duration(secs)*time.Second, 2*time.Second, "load")
	peak, err := PeakRSS(srv.PID())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("load: %d cadres for %ds against the binary on SQLite: %s  peak RSS of halfsky: %.1f MiB",
		n, secs, res.Summary(), float64(peak)/(1<<20))
	if lost := NewDriver("load", cadres, nil).Lost(ctx, res.Visits); len(lost) > 0 {
		t.Fatalf("%d of %d visits recorded under load lost: %v", len(lost), len(res.Visits), lost[:min(5, len(lost))])
	}
	if res.Requests == 0 || len(res.Visits) == 0 {
		t.Fatal("the load run did nothing")
	}
	if res.Errors > 0 {
		t.Errorf("%d of %d steps failed; the server's log ends:\n%s", res.Errors, res.Requests, tail(srv.logPath()))
	}
	if peak > 200<<20 {
		t.Errorf("peak RSS %d MiB over the 200 MiB target", peak>>20)
	}
}
