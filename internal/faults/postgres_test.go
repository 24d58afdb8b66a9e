package faults_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/db"
)

// unavailableMessage is what a request says while the database is away
// (apperr.ErrUnavailable); waitingMessage what it says while the start
// waits for it (server.WaitDatabase).
const (
	unavailableMessage = "数据库暂时无法连接，请稍后重试"
	waitingMessage     = "数据库暂时无法连接，正在重试…"
)

// TestPostgresDown is the PostgreSQL drill, on a private cluster this test
// stops and starts (immediate: as a crash takes it, the connections cut).
// Down at the start: halfsky listens, /healthz 200, /readyz 503 with the
// reason, every request 503 with its message at once, and it becomes
// ready by itself once PostgreSQL is up. Down in the middle of writes:
// the writes fail fast (each answered 503 with its message within two
// seconds), /readyz says so, and once PostgreSQL is back the writes
// succeed again with no restart; every write acknowledged (201) before,
// between and after is in the database, with its audit event. The long
// drill has eight writers and three outages of five seconds.
func TestPostgresDown(t *testing.T) {
	_, err := os.Stat("/usr/lib/postgresql/15/bin/initdb")
	need(t, err == nil, "PostgreSQL 15 is not installed (scripts/deps.sh)")
	began := time.Now()
	pg := cluster(t)
	env := []string{"HALFSKY_DATABASE_URL=" + pg.url, "HALFSKY_DATA_DIR=" + t.TempDir(), "HALFSKY_DEMO=false"}
	run(t, env, "import-orgs")
	run(t, env, "user", "add", "--username", "drill.staff", "--password", password, "--org", "230102001", "--role", "staff", "--name", "演练")

	t.Logf("a private PostgreSQL cluster, the tree imported (migrating it) and an account added in %s", ms(time.Since(began)))
	p := downAtStart(t, pg, env)
	c := newClient(p)
	c.signIn(t, "drill.staff")
	writers, outages, outage := 2, 1, 1500*time.Millisecond
	if long() {
		writers, outages, outage = 8, 3, 5*time.Second
	}
	w := startWriters(c, writers)
	time.Sleep(time.Second)
	for i := 1; i <= outages; i++ {
		downInWork(t, pg, p, w, i, outage)
		time.Sleep(time.Second)
	}
	answers := w.stop()
	p.stop(t)
	checkAnswers(t, answers)
	checkAcknowledged(t, pg.url, answers)
}

// downAtStart starts halfsky with PostgreSQL down, checks what it
// answers, starts PostgreSQL and returns halfsky once it is ready.
func downAtStart(t *testing.T, pg *pgCluster, env []string) *proc {
	pg.down(t)
	p := start(t, env...)
	alive := p.until(t, "/healthz", 200, time.Minute)
	if took := p.until(t, "/readyz", 503, 5*time.Second); took > time.Second {
		t.Fatalf("/readyz took %s to say not ready", took)
	}
	c := newClient(p)
	// "starting" until the first attempt has failed, a moment.
	for a := c.do("GET", "/readyz", nil); !strings.Contains(string(a.Body), "database unreachable"); a = c.do("GET", "/readyz", nil) {
		if a.Status != 503 || !strings.Contains(string(a.Body), "starting") {
			t.Fatalf("/readyz with the database down at the start: %d %s", a.Status, a.Body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	a := c.do("POST", "/api/v1/session", map[string]string{"username": "drill.staff", "password": password})
	if code, msg := a.apiError(); a.Status != 503 || code != "not_ready" || msg != waitingMessage || a.Header.Get("Retry-After") == "" || a.Took > time.Second {
		t.Fatalf("signing in with the database down at the start: %d %s %v in %s", a.Status, a.Body, a.Header, a.Took)
	}
	if a := c.do("GET", "/login", nil); a.Status != 503 || !strings.Contains(string(a.Body), waitingMessage) {
		t.Fatalf("the sign-in page with the database down at the start: %d %.300s", a.Status, a.Body)
	}
	time.Sleep(time.Second) // a few of the start's retries
	pg.up(t)
	up := time.Now()
	p.until(t, "/readyz", 200, 30*time.Second)
	t.Logf("down at the start: alive (/healthz 200) %s after exec, /readyz 503 and requests 503 %q at once (%s); ready %s after PostgreSQL was up, no restart",
		ms(alive), waitingMessage, ms(a.Took), ms(time.Since(up)))
	return p
}

// downInWork takes PostgreSQL down under the writers for outage and
// brings it back, and prints the figures of that outage.
func downInWork(t *testing.T, pg *pgCluster, p *proc, w *writers, n int, outage time.Duration) {
	pg.down(t)
	down := time.Now()
	notReady := p.until(t, "/readyz", 503, 10*time.Second)
	first := w.firstAfter(down, 503, 10*time.Second)
	time.Sleep(outage)
	pg.up(t)
	up := time.Now()
	back := w.firstAfter(up, 201, 30*time.Second)
	if first.IsZero() || back.IsZero() {
		w.mu.Lock()
		for _, a := range w.answers[max(0, len(w.answers)-10):] {
			t.Logf("%s %d %v took %s %.200s", a.At.Format("15:04:05.000"), a.Status, a.Err, a.Took, a.Body)
		}
		w.mu.Unlock()
		t.Fatalf("outage %d: first 503 at %v, first write after it at %v\noutput:\n%s", n, first, back, p.out)
	}
	if fail := first.Sub(down); fail > 2*time.Second {
		t.Errorf("outage %d: the first 503 came %s after PostgreSQL went down (want < 2 s)", n, fail)
	}
	ready := p.until(t, "/readyz", 200, 10*time.Second)
	t.Logf("outage %d (%s): first 503 %s after PostgreSQL went down, /readyz 503 within %s; writes succeed again %s after it was up, /readyz 200 within %s; no restart",
		n, outage, ms(first.Sub(down)), ms(notReady), ms(back.Sub(up)), ms(ready))
}

// writers post visits in a loop, each answer kept.
type writers struct {
	mu      sync.Mutex
	answers []timedAnswer
	done    chan struct{}
	wg      sync.WaitGroup
}

type timedAnswer struct {
	answer
	At    time.Time // when the answer came
	Place string
}

func startWriters(c *client, n int) *writers {
	w := &writers{done: make(chan struct{})}
	for i := range n {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for j := 0; ; j++ {
				select {
				case <-w.done:
					return
				default:
				}
				place := "演练" + strconv.Itoa(i) + "-" + strconv.Itoa(j)
				a := c.do("POST", "/api/v1/visits", visit(place))
				w.mu.Lock()
				w.answers = append(w.answers, timedAnswer{a, time.Now(), place})
				w.mu.Unlock()
				if a.Status != 201 {
					time.Sleep(50 * time.Millisecond) // as a client would, not a busy loop
				}
			}
		}()
	}
	return w
}

// firstAfter is when the first answer with status to a request sent
// after t came, waiting up to within for it; zero if none did.
func (w *writers) firstAfter(t time.Time, status int, within time.Duration) time.Time {
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		w.mu.Lock()
		for _, a := range w.answers {
			if a.Status == status && a.At.Add(-a.Took).After(t) {
				w.mu.Unlock()
				return a.At
			}
		}
		w.mu.Unlock()
	}
	return time.Time{}
}

func (w *writers) stop() []timedAnswer {
	close(w.done)
	w.wg.Wait()
	return w.answers
}

// checkAnswers: every write was acknowledged or refused with 503 and its
// message within two seconds; nothing else (no 500, no hang).
func checkAnswers(t *testing.T, answers []timedAnswer) {
	t.Helper()
	var ok, refused int
	var slowest time.Duration
	for _, a := range answers {
		switch code, msg := a.apiError(); {
		case a.Status == 201:
			ok++
		case a.Status == 503 && code == "db_unavailable" && msg == unavailableMessage:
			refused++
			slowest = max(slowest, a.Took)
		default:
			t.Fatalf("a write answered %d %s (%v) in %s", a.Status, a.Body, a.Err, a.Took)
		}
	}
	if slowest > 2*time.Second {
		t.Errorf("a refusal took %s (want < 2 s)", slowest)
	}
	t.Logf("%d writes: %d acknowledged, %d refused with 503 %q (the slowest refusal %s)", len(answers), ok, refused, unavailableMessage, ms(slowest))
}

// checkAcknowledged: every visit acknowledged is in the database with
// its audit event.
func checkAcknowledged(t *testing.T, url string, answers []timedAnswer) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	acked := 0
	for _, a := range answers {
		if a.Status != 201 {
			continue
		}
		acked++
		id := createdID(t, a.answer)
		var n int
		err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM visits WHERE id = ?) +
			(SELECT COUNT(*) FROM audit_events WHERE action = 'visit.create' AND object_id = ?)`, id, strconv.FormatInt(id, 10)).Scan(&n)
		if err != nil || n != 2 {
			t.Fatalf("acknowledged visit %d (%s): %d of its row and audit event found (%v)", id, a.Place, n, err)
		}
	}
	t.Logf("all %d acknowledged writes are in the database with their audit events", acked)
}

// pgCluster is a private PostgreSQL the drill may take down.
type pgCluster struct {
	dir, url string
}

func cluster(t *testing.T) *pgCluster {
	t.Helper()
	// A short path: the socket lives in it (about 107 bytes at most).
	dir, err := os.MkdirTemp("/tmp", "hsfault.")
	if err != nil {
		t.Fatal(err)
	}
	pg := &pgCluster{dir: dir}
	t.Cleanup(func() { _ = pg.script("stop") })
	out, err := exec.Command("bash", pgScript(), "start", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("pg-test-cluster start: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	pg.url = lines[len(lines)-1]
	// The test cluster commits without waiting for its WAL (it is thrown
	// away); the drill's crash must lose nothing committed.
	d, err := db.Open(context.Background(), pg.url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, q := range []string{`ALTER SYSTEM SET synchronous_commit = on`, `SELECT pg_reload_conf()`} {
		if _, err := d.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	return pg
}

func (pg *pgCluster) down(t *testing.T) {
	t.Helper()
	if err := pg.script("down"); err != nil {
		t.Fatal(err)
	}
}

func (pg *pgCluster) up(t *testing.T) {
	t.Helper()
	if err := pg.script("up"); err != nil {
		t.Fatal(err)
	}
}

func (pg *pgCluster) script(action string) error {
	out, err := exec.Command("bash", pgScript(), action, pg.dir).CombinedOutput()
	if err != nil {
		return &scriptError{action, err, string(out)}
	}
	return nil
}

type scriptError struct {
	action string
	err    error
	out    string
}

func (e *scriptError) Error() string {
	return "pg-test-cluster " + e.action + ": " + e.err.Error() + "\n" + e.out
}

// pgScript is scripts/pg-test-cluster.sh of this module.
func pgScript() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", "pg-test-cluster.sh")
}
