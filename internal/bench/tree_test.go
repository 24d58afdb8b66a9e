package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/division"
	"halfsky/internal/org"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// The move of issue 11: Harbin (3,519 units, a year of generated work)
// goes under 黑龙江省 in one transaction, every record's copy of its
// unit's path with it, while cadres keep reading their lists.

// treeReader is a cadre reading a list in her scope over and over. A
// returning one comes back after a minute away each time, so her session
// is refreshed (a write) by every read; she reads every treeGap.
type treeReader struct {
	user, path string
	returning  bool
}

// treeReaders read lists of 道里区: its visits (the list the issue
// names) and its needs, and a cadre of 道里区 who comes back to its visit
// list.
var treeReaders = []treeReader{
	{"daoli.leader", "/api/v1/visits", false},
	{"daoli.staff", "/api/v1/needs", false},
	{treeReturning, "/api/v1/visits", true},
}

// treeReturning is the returning cadre's account, at 道里区.
const treeReturning = "daoli.returning"

// treeRead is one read: when it started, how long it took, what it
// answered and the total the list showed.
type treeRead struct {
	reader int
	start  time.Time
	took   time.Duration
	status int
	total  int
	body   string // the start of an answer that was no list
}

// right reports whether the read showed the reader's list as it is.
func (r treeRead) right(want []int) bool {
	return r.status == http.StatusOK && r.total == want[r.reader]
}

// treeMoveResult is what one engine measured.
type treeMoveResult struct {
	engine    string
	gen       string        // what was generated, how fast
	rows      int64         // records generated
	copies    int64         // path copies rewritten by the move
	move      time.Duration // the move, start to commit
	moveStart time.Time
	load      string      // the load average when the move ended
	baseline  []treeRead  // the readers with no move running
	during    []treeRead  // reads that overlapped the move
	torn      []treeRead  // of those, the ones that showed a wrong list
	stale     []org.Stale // Check after the move
}

// BenchmarkTreeMove moves Harbin with a year of generated work
// (workgen_test.go) under 黑龙江省 on SQLite and PostgreSQL: the time of
// the move, and what readers of lists in scope wait during it beside a
// baseline of the same reads with no move running.
func BenchmarkTreeMove(b *testing.B) {
	printEnv()
	summary := perEngine(b, "", func(b *testing.B, engine string, d *db.DB) []string {
		r := treeMove(b, engine, d, yearOfHarbin, 5*time.Second, 100*time.Millisecond, time.Minute)
		printf("   %s\n", r.gen)
		for _, l := range r.lines() {
			printf("   %s\n", l)
		}
		return r.lines()
	})
	printSummary("tree move summary", summary)
}

// TestTreeMoveUnderReaders is the benchmark's scenario on a small year,
// for `make test`: readers never see a list change while Harbin moves
// under its province, and afterwards nothing is out of step.
func TestTreeMoveUnderReaders(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		small := workScale{Study: 200, Visits: 400, Needs: 1000, Problems: 200}
		r := treeMove(t, d.Dialect.String(), d, small, 300*time.Millisecond, 20*time.Millisecond, 10*time.Second)
		if len(r.during) == 0 {
			t.Errorf("no read overlapped the move (%s)", dur(r.move))
		}
		t.Log(strings.Join(r.lines(), "\n"))
	})
}

// treeMove generates the year, measures the readers alone for baseline,
// then again while Harbin moves under a new root 黑龙江省, and checks that
// every read showed the same totals and that nothing is left out of step.
// gap is how long the returning cadre stays away between reads (her
// sessions were all left a minute ago), and moveFor how long the move
// may take at most: she has a session for every read until then.
func treeMove(tb testing.TB, engine string, d *db.DB, scale workScale, baseline, gap, moveFor time.Duration) treeMoveResult {
	ctx := context.Background()
	res := treeMoveResult{engine: engine}
	app := testapp.Start(tb, d)
	gen := newWorkGen(d, scale, workSeed, time.Now())
	gen.Vault = app.Server.Deps.Vault
	start := time.Now()
	if err := gen.Run(ctx); err != nil {
		tb.Fatal(err)
	}
	res.rows, res.gen = gen.Total(), engine+" "+gen.summary(time.Since(start))
	if err := workAnalyze(ctx, d); err != nil {
		tb.Fatal(err)
	}
	store := app.Server.Deps.Orgs
	im, err := store.NewImporter(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := im.Add(ctx, division.Division{Code: "23", Name: "黑龙江省"}); err != nil {
		tb.Fatal(err)
	}
	if err := im.Flush(ctx); err != nil {
		tb.Fatal(err)
	}
	harbin, err := store.ByCodeUnscoped(ctx, d.Q(), "2301")
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range org.PathCopies() {
		var n int64
		lo, hi := harbin.Path, harbin.Path[:len(harbin.Path)-1]+"0"
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM `+c.Table+` WHERE `+c.PathCol+` >= ? AND `+c.PathCol+` < ?`, lo, hi).Scan(&n); err != nil {
			tb.Fatal(err)
		}
		res.copies += n
	}

	accounts := app.Server.Deps.Auth
	back, err := accounts.CreateUserAsOperator(ctx, authNewUser(treeReturning, "230102"))
	if err != nil {
		tb.Fatal(err)
	}
	// The returning cadre's sessions, one per read, signed in from
	// addresses of their own (the per-address throttle has its tests) and
	// then left alone for two minutes.
	sessions := func(n int) chan string {
		pool := make(chan string, n)
		for i := range n {
			res, err := accounts.Login(ctx, treeReturning, testapp.Password, "", fmt.Sprintf("10.11.%d.%d", i/250, i%250), "bench", "")
			if err != nil {
				tb.Fatal(err)
			}
			pool <- res.Token
		}
		close(pool)
		if _, err := d.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE user_id = ?`, db.Millis(time.Now().Add(-2*time.Minute)), back.ID); err != nil {
			tb.Fatal(err)
		}
		return pool
	}
	tokens := make([]string, len(treeReaders))
	want := make([]int, len(treeReaders))
	for i, r := range treeReaders {
		tokens[i] = workLogin(tb, app, r.user)
		rec, _ := workServe(app.Server.Handler, tokens[i], r.path)
		x := treeAnswer(rec.Code, rec.Body.String())
		if x.status != http.StatusOK || x.total == 0 {
			tb.Fatalf("%s at %s: %d, %d rows %s: the readers would measure nothing", r.user, r.path, x.status, x.total, x.body)
		}
		want[i] = x.total
	}
	read := func(stop <-chan struct{}, pool chan string) []treeRead {
		var mu sync.Mutex
		var out []treeRead
		var wg sync.WaitGroup
		for i, r := range treeReaders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					token := tokens[i]
					if r.returning {
						select {
						case <-stop:
							return
						case <-time.After(gap):
						}
						var ok bool
						if token, ok = <-pool; !ok {
							return // the move took longer than moveFor
						}
					}
					select {
					case <-stop:
						return
					default:
					}
					at := time.Now()
					rec, took := workServe(app.Server.Handler, token, r.path)
					x := treeAnswer(rec.Code, rec.Body.String())
					x.reader, x.start, x.took = i, at, took
					mu.Lock()
					out = append(out, x)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return out
	}

	// Baseline: the same reads, nothing else running.
	pool := sessions(int(baseline/gap) + 10)
	stop := make(chan struct{})
	time.AfterFunc(baseline, func() { close(stop) })
	res.baseline = read(stop, pool)

	// The move, with the readers going before, during and after it.
	pool = sessions(int(moveFor/gap) + 10)
	stop = make(chan struct{})
	done := make(chan []treeRead)
	go func() { done <- read(stop, pool) }()
	time.Sleep(baseline / 5)
	moveStart := time.Now()
	res.moveStart = moveStart
	if _, err := store.MoveAsOperator(ctx, "2301", "23"); err != nil {
		tb.Fatal(err)
	}
	res.move = time.Since(moveStart)
	moveEnd := time.Now()
	res.load = loadavg()
	time.Sleep(baseline / 5)
	close(stop)
	// Reads before and after the move, and with no move at all, must show
	// each list whole. A read in flight when the move commits may not: it
	// reads the session's unit (and its path) in one statement and the
	// list in another, each in its own snapshot, so one that straddles the
	// commit looks for the records under the old path after they moved (an
	// empty list, or 404 for the unit). Those are counted and reported.
	for _, r := range <-done {
		if r.start.Before(moveEnd) && r.start.Add(r.took).After(moveStart) {
			res.during = append(res.during, r)
			if !r.right(want) {
				res.torn = append(res.torn, r)
			}
			continue
		}
		if !r.right(want) {
			tb.Errorf("%s %s: a read %s after the move's start showed %d rows (%d %s), want %d", treeReaders[r.reader].user,
				treeReaders[r.reader].path, r.start.Sub(moveStart), r.total, r.status, r.body, want[r.reader])
		}
	}
	for _, r := range res.baseline {
		if !r.right(want) {
			tb.Errorf("%s %s: a read with no move running showed %d rows (%d %s), want %d", treeReaders[r.reader].user,
				treeReaders[r.reader].path, r.total, r.status, r.body, want[r.reader])
		}
	}
	if res.stale, err = store.Check(ctx); err != nil {
		tb.Fatal(err)
	}
	if len(res.stale) != 0 {
		tb.Errorf("after the move: %v", res.stale)
	}
	if h, err := store.ByCodeUnscoped(ctx, d.Q(), "2301"); err != nil || h.Depth != 1 {
		tb.Errorf("Harbin after the move: %+v %v", h, err)
	}
	return res
}

// treeAnswer reads a list's answer: its total, or what came instead.
func treeAnswer(status int, body string) treeRead {
	x := treeRead{status: status}
	var v struct {
		Total *int `json:"total"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.Total == nil || status != http.StatusOK {
		x.body = body[:min(len(body), 200)]
		return x
	}
	x.total = *v.Total
	return x
}

func (r treeMoveResult) lines() []string {
	stats := func(rs []treeRead) string {
		if len(rs) == 0 {
			return "no reads"
		}
		times := make([]time.Duration, len(rs))
		for i, x := range rs {
			times[i] = x.took
		}
		slices.Sort(times)
		return fmt.Sprintf("median %s, max %s (%d reads)", dur(quantile(times, 0.5)), dur(times[len(times)-1]), len(times))
	}
	out := []string{fmt.Sprintf("%s move of Harbin under 黑龙江省: %s (%s records, %s path copies rewritten; load average %s)",
		r.engine, dur(r.move), num(r.rows), num(r.copies), r.load)}
	for i, t := range treeReaders {
		var base, during []treeRead
		for _, x := range r.baseline {
			if x.reader == i {
				base = append(base, x)
			}
		}
		for _, x := range r.during {
			if x.reader == i {
				during = append(during, x)
			}
		}
		out = append(out, fmt.Sprintf("%s   %s %s: during the move %s; alone %s", r.engine, t.user, t.path, stats(during), stats(base)))
	}
	longest := func(rs []treeRead) string {
		if len(rs) == 0 {
			return "no reads"
		}
		l := slices.MaxFunc(rs, func(a, b treeRead) int { return cmp.Compare(a.took, b.took) })
		return dur(l.took) + " (" + treeReaders[l.reader].user + ")"
	}
	out = append(out, fmt.Sprintf("%s   longest read overlapping the move %s; with no move running %s", r.engine, longest(r.during), longest(r.baseline)))
	out = append(out, fmt.Sprintf("%s   torn reads (a wrong list in flight at the commit): %d of %d; Check after the move: %s", r.engine,
		len(r.torn), len(r.during), strings.ReplaceAll(org.FormatStale(r.stale), "\n", ", ")))
	if len(r.torn) > 0 {
		var what []string
		for _, x := range r.torn {
			w := fmt.Sprintf("%d rows", x.total)
			if x.status != http.StatusOK {
				w = fmt.Sprintf("%d %s", x.status, x.body)
			}
			what = append(what, fmt.Sprintf("%s %s at move+%s: %s", treeReaders[x.reader].user, treeReaders[x.reader].path, dur(x.start.Sub(r.moveStart)), w))
		}
		out = append(out, fmt.Sprintf("%s   the torn reads: %s", r.engine, strings.Join(what, "; ")))
	}
	return out
}

// authNewUser is a cadre of the unit with code, signed in with the
// test password.
func authNewUser(username, code string) auth.NewUser {
	return auth.NewUser{Username: username, DisplayName: "返回的干部", Password: testapp.Password, OrgCode: code, Role: access.Staff}
}
