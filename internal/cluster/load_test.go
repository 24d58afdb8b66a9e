package cluster

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/drill"
)

// TestClusterLoad is issue 16's load run against the cluster: the load of
// internal/drill's TestLoad (simulated cadres at the 18 districts: work
// desk, lists, documents, reports, visits, exports) through HAProxy to
// the two halfsky processes on the synchronous PostgreSQL pair. It prints
// the error rate, p50/p99 by step and each halfsky's peak RSS, and reads
// back every visit recorded. It brings a cluster up for itself (about a
// minute), so it runs in `make load` (200 cadres, 10 minutes) and not in
// `make test`, whose load run is the single binary's.
func TestClusterLoad(t *testing.T) {
	if os.Getenv("HALFSKY_LOAD_CLUSTER") == "" {
		t.Skip("the cluster's load run is `make load` (HALFSKY_LOAD_CLUSTER=1)")
	}
	if m := Missing(); len(m) > 0 {
		t.Fatalf("the cluster load run needs %v: run scripts/deps.sh", m)
	}
	n := envInt(t, "HALFSKY_LOAD_CADRES", 20)
	secs := envInt(t, "HALFSKY_LOAD_SECONDS", 20)
	ctx := context.Background()
	c := startCluster(t)
	if err := drill.IssueNotice(ctx, c.LB(), c.Password()); err != nil {
		t.Fatal(err)
	}
	cadres := drill.Cadres(t, c.Halfsky, c.LB(), n)
	res := drill.Load(ctx, cadres, time.Duration(secs)*time.Second, 2*time.Second, "cluster-load")
	var rss []string
	for i := 1; i <= 2; i++ {
		peak, err := drill.PeakRSS(c.appPID(t, i))
		if err != nil {
			t.Fatal(err)
		}
		rss = append(rss, strconv.FormatFloat(float64(peak)/(1<<20), 'f', 1, 64)+" MiB")
		if peak > 200<<20 {
			t.Errorf("halfsky %d: peak RSS %d MiB over the 200 MiB target", i, peak>>20)
		}
	}
	t.Logf("load: %d cadres for %ds through HAProxy to two halfsky on the PostgreSQL pair: %s  peak RSS of each halfsky: %s",
		n, secs, res.Summary(), strings.Join(rss, ", "))
	if lost := drill.NewDriver("cluster-load", cadres, nil).Lost(ctx, res.Visits); len(lost) > 0 {
		t.Fatalf("%d of %d visits recorded under load lost: %v", len(lost), len(res.Visits), lost[:min(5, len(lost))])
	}
	if res.Requests == 0 || len(res.Visits) == 0 {
		t.Fatal("the load run did nothing")
	}
	if res.Errors > 0 {
		t.Errorf("%d of %d steps failed", res.Errors, res.Requests)
	}
}

// appPID is halfsky n's process id: the one named halfsky in the process
// group the script started it in (DIR/appN.pid).
func (c *Cluster) appPID(t *testing.T, n int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.Dir, "app"+strconv.Itoa(n)+".pid"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pgrep", "-g", strings.TrimSpace(string(b)), "-x", "halfsky").Output()
	if err != nil {
		t.Fatalf("halfsky %d not found in its group: %v", n, err)
	}
	pid, err := strconv.Atoi(strings.Fields(string(out))[0])
	if err != nil {
		t.Fatal(err)
	}
	return pid
}
