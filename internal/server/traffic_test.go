package server_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestConcurrentTraffic is the whole server under concurrent use, the way
// a morning's cadres use it: every read route of the route table, each as
// several actors spread over all of them (allowed and refused alike, so
// refusals write audit events side by side), plus every actor's work desk
// and tree page again and again, from eight clients at once. It is the
// test the race detector watches for the server's shared state — the
// session and desk caches, the sign-in throttle, the audit chain, the
// template set, the database pools — which the serial suites of api and
// e2e never touch from two goroutines. Each answer has the status the
// access matrix expects and none of the markers the actor may not see,
// and the database is the same afterwards: reads change nothing, even
// side by side.
func TestConcurrentTraffic(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := buildWorld(t, d)
		jobs := w.trafficJobs(t)
		before := w.fingerprint(t)
		w.last = nil
		// A seed per run, printed so a failure can be replayed.
		seed := rand.Uint64()
		t.Logf("%d requests from 8 clients (shuffle seed %d)", len(jobs), seed)
		rng := rand.New(rand.NewPCG(seed, 0))
		rng.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })

		queue := make(chan trafficJob)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for j := range queue {
					w.sendChecked(t, j)
				}
			})
		}
		for _, j := range jobs {
			queue <- j
		}
		close(queue)
		wg.Wait()

		if after := w.fingerprint(t); !maps.Equal(after, before) {
			t.Errorf("concurrent reads changed the database:\n%s", diffPrints(before, after))
		}
	})
}

// trafficJob is one request with the status it must get.
type trafficJob struct {
	p probe
	a *actor
	e expectation
}

// trafficJobs are the requests: each read probe of the matrix as three
// actors taken in turn (so every actor meets every kind of route over the
// run), and each actor's busiest pages five times.
func (w *world) trafficJobs(t *testing.T) []trafficJob {
	var jobs []trafficJob
	add := func(p probe, a *actor) {
		jobs = append(jobs, trafficJob{p: p, a: a, e: w.expect(t, p, a)})
	}
	next := 0
	specs := w.specs()
	for _, pattern := range w.app.Server.Routes {
		for _, p := range specs[pattern] {
			if p.method != "GET" || p.mutates || p.send {
				continue
			}
			for range 3 {
				add(p, w.actors[next%len(w.actors)])
				next++
			}
		}
	}
	// The work desk and the tree: the pages every cadre opens first.
	busy := append(append(specs["GET /{$}"], specs["GET /org"]...), specs["GET /org/{code}"]...)
	for _, a := range w.actors[1:] {
		for range 5 {
			for _, p := range busy {
				add(p, a)
			}
		}
	}
	return jobs
}

// sendChecked sends one job from a worker goroutine and reports what is
// wrong with its answer (t.Errorf is safe there; t.Fatal is not).
func (w *world) sendChecked(t *testing.T, j trafficJob) {
	r := w.send(j.p, j.a)
	what := fmt.Sprintf("%s %s as %s", j.p.method, j.p.path, j.a.key)
	if r.Status != j.e.status {
		t.Errorf("%s: status %d, want %d: %s", what, r.Status, j.e.status, gist(r))
		return
	}
	// The public door's help routes answer 503 (with the hotlines) until
	// internal/rights is wired: expected, not a failure of the server.
	if r.Status >= 500 && !(j.p.door && r.Status == http.StatusServiceUnavailable) {
		t.Errorf("%s: %d", what, r.Status)
	}
	text := bodyText(r)
	for _, m := range w.foreign(j.a) {
		if strings.Contains(text, m) {
			t.Errorf("%s: the answer shows %q, which %s may not see", what, m, j.a.key)
		}
	}
}
