package drill

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// password is the demo accounts' password in the drills.
const password = Password

// TestCrashDrill is issue 16's crash drill: 16 clients write visits, needs
// and aid applications through the JSON API while the server is killed
// with SIGKILL at random moments and started again, on SQLite and on
// PostgreSQL; PostgreSQL itself is also stopped immediately (no
// checkpoint) during writes. After each restart every write acknowledged
// since the last one is read back and compared field by field (sealed
// fields opened), the audit log's chains verify, and on SQLite the file
// passes integrity_check; at the end every acknowledged write of the run
// is read back again, every visit of the run visible is whole, and the
// counters equal a recount. HALFSKY_DRILL_KILLS sets the kills per
// database: 20 by default (CI), 200 in `make crash-drill`.
func TestCrashDrill(t *testing.T) {
	kills := envInt(t, "HALFSKY_DRILL_KILLS", 20)
	bin, err := Build(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("SQLite", func(t *testing.T) {
		data := t.TempDir()
		crashDrill(t, bin, kills, data, nil, func(ctx context.Context) error {
			return integrity(ctx, filepath.Join(data, "halfsky.db"))
		}, nil)
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		dir, url := durablePostgres(t)
		crashDrill(t, bin, kills, t.TempDir(), []string{"HALFSKY_DATABASE_URL=" + url}, nil, func(srv *Server, drv *Driver) {
			postgresCrash(t, srv, drv, dir, max(2, kills/20))
		})
	})
}

// crashDrill runs the kills against one database. afterKill, when set,
// checks the database while the server is down; then, when set, runs
// while the clients still write.
func crashDrill(t *testing.T, bin string, kills int, data string, env []string, afterKill func(context.Context) error, then func(*Server, *Driver)) {
	ctx := context.Background()
	srv, drv := startDrill(t, bin, data, env)
	drive, stopDrive := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { drv.Drive(drive); close(done) }()

	var starts []time.Duration
	mark, checked := 0, 0
	t0 := time.Now()
	for k := 1; k <= kills; k++ {
		time.Sleep(300*time.Millisecond + rand.N(1200*time.Millisecond))
		srv.Kill()
		if afterKill != nil {
			if err := afterKill(ctx); err != nil {
				t.Fatalf("kill %d: %v", k, err)
			}
		}
		took, err := srv.Start(ctx, time.Minute)
		if err != nil {
			t.Fatalf("kill %d: restart: %v", k, err)
		}
		starts = append(starts, took)
		release := drv.Hold()
		var n int
		n, mark = checkSince(t, drv, mark, fmt.Sprintf("kill %d", k))
		checked += n
		if out, err := srv.Run(ctx, "audit", "verify"); err != nil {
			t.Fatalf("kill %d: %v\n%s", k, err, out)
		}
		release()
	}
	elapsed, tl := time.Since(t0), drv.Tally()
	if then != nil {
		then(srv, drv)
	}
	stopDrive()
	<-done
	finalChecks(t, srv, drv)
	slices.Sort(starts)
	t.Logf("crash drill: %d kills in %s; %d writes acknowledged (%.0f/s), %d checked after their kill, all %d again at the end; lost 0; "+
		"%d not acknowledged (by answer: %v); restart to ready p50 %s, max %s",
		kills, elapsed.Round(time.Second), tl.Acked, float64(tl.Acked)/elapsed.Seconds(), checked, tl.Acked,
		tl.Unacked, tl.ByStatus, starts[len(starts)/2].Round(time.Millisecond), starts[len(starts)-1].Round(time.Millisecond))
	t.Logf("the first error of each answer: %v", tl.Sample)
}

// checkSince reads back the writes acknowledged from index mark on and
// fails the test on any lost or changed; it returns how many it read and
// the next mark. The caller holds the writes (Driver.Hold).
func checkSince(t *testing.T, drv *Driver, mark int, when string) (int, int) {
	t.Helper()
	ws, next := drv.Acked(mark)
	if lost := drv.Lost(context.Background(), ws); len(lost) > 0 {
		t.Fatalf("%s: %d of %d acknowledged writes lost or changed: %v", when, len(lost), len(ws), lost[:min(5, len(lost))])
	}
	return len(ws), next
}

// finalChecks reads back every acknowledged write of the run, looks for
// half-written visits, verifies the audit log and recounts the counters.
func finalChecks(t *testing.T, srv *Server, drv *Driver) {
	ctx := context.Background()
	all, _ := drv.Acked(0)
	if len(all) == 0 {
		t.Fatal("no write was acknowledged: the drill proved nothing")
	}
	if lost := drv.Lost(ctx, all); len(lost) > 0 {
		t.Fatalf("%d of %d acknowledged writes lost or changed at the end: %v", len(lost), len(all), lost[:min(5, len(lost))])
	}
	strays, found, err := drv.Strays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(strays) > 0 {
		t.Fatalf("half-written or unknown visits: %v", strays)
	}
	acked := 0
	for _, w := range all {
		if w.Kind == Visit {
			acked++
		}
	}
	if found < acked {
		t.Fatalf("the visits list shows %d of the run's visits, %d were acknowledged", found, acked)
	}
	t.Logf("visible visits of the run: %d (%d acknowledged, %d committed but not answered before a kill)", found, acked, found-acked)
	for _, args := range [][]string{{"audit", "verify"}, {"stats", "check"}} {
		if out, err := srv.Run(ctx, args...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
}

// startDrill starts the server (the first start seeds the demo) and signs
// in the writers: 16 clients as two grassroots staff accounts, and the
// district leader who reveals aid applications to check them.
func startDrill(t *testing.T, bin, data string, env []string) (*Server, *Driver) {
	t.Helper()
	ctx := context.Background()
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(data, "server.log"))
	// The log is kept beside the data: tail(srv.logPath()) on failure.
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	srv := &Server{Bin: bin, Addr: addr, Log: logf, Env: append([]string{"HALFSKY_DATA_DIR=" + data, "HALFSKY_DEMO=1",
		"HALFSKY_ADMIN_PASSWORD=" + password, "HALFSKY_LOG_LEVEL=warn"}, env...)}
	t.Cleanup(srv.Kill)
	if _, err := srv.Start(ctx, 3*time.Minute); err != nil {
		t.Fatal(err, tail(filepath.Join(data, "server.log")))
	}
	var writers []*Client
	for i := range 16 {
		user := []string{"village.staff", "street.staff"}[i%2]
		c, err := SignIn(ctx, srv.URL(), user, password)
		if err != nil {
			t.Fatal(err)
		}
		writers = append(writers, c)
	}
	leader, err := SignIn(ctx, srv.URL(), "daoli.leader", password)
	if err != nil {
		t.Fatal(err)
	}
	return srv, NewDriver(strconv.FormatInt(time.Now().UnixNano()%1e6, 36), writers, leader)
}

// postgresCrash stops PostgreSQL itself immediately while the clients
// write, starts it again, and checks the writes acknowledged meanwhile:
// halfsky is not restarted, it must find its database again by itself.
func postgresCrash(t *testing.T, srv *Server, drv *Driver, dir string, crashes int) {
	ctx := context.Background()
	_, mark := drv.Acked(0)
	var back []time.Duration
	for range crashes {
		time.Sleep(500*time.Millisecond + rand.N(time.Second))
		pgScript(t, "down", dir)
		time.Sleep(rand.N(time.Second))
		pgScript(t, "up", dir)
		t0 := time.Now()
		for !ready(ctx, srv.URL()) {
			if time.Since(t0) > time.Minute {
				t.Fatal("halfsky did not find PostgreSQL again within a minute")
			}
			time.Sleep(20 * time.Millisecond)
		}
		back = append(back, time.Since(t0).Round(time.Millisecond))
		release := drv.Hold()
		_, mark = checkSince(t, drv, mark, "PostgreSQL's immediate stop")
		release()
	}
	t.Logf("PostgreSQL stopped immediately %d times during writes; halfsky ready again %v after each start, without a restart of its own; lost 0",
		crashes, back)
}

// durablePostgres starts a PostgreSQL cluster of the drill's own, with
// fsync and synchronous commit on (the test cluster has them off), so
// that its immediate stop may lose nothing it acknowledged.
func durablePostgres(t *testing.T) (dir, url string) {
	if _, err := exec.LookPath("/usr/lib/postgresql/15/bin/pg_ctl"); err != nil {
		if testdb.Required() {
			t.Fatal("PostgreSQL 15 is not installed: run scripts/deps.sh")
		}
		t.Skip("PostgreSQL 15 is not installed")
	}
	dir, err := os.MkdirTemp("/tmp", "halfsky-pg-drill.")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pgScript(t, "stop", dir) })
	return dir, pgScript(t, "start", dir, "durable")
}

func pgScript(t *testing.T, args ...string) string {
	root, err := moduleRoot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", append([]string{filepath.Join(root, "scripts/pg-test-cluster.sh")}, args...)...).Output()
	if err != nil {
		t.Fatalf("pg-test-cluster.sh %v: %v", args, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// integrity runs PRAGMA integrity_check on the SQLite file while no
// server has it open.
func integrity(ctx context.Context, path string) error {
	d, err := db.OpenSQLite(ctx, path)
	if err != nil {
		return err
	}
	defer d.Close()
	var res string
	if err := d.Q().QueryRow(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("integrity_check: %s", res)
	}
	return nil
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
