package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The driver itself is checked quickly in the normal suite; the figures
// come only from the benchmarks.

func TestQuantile(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i))
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.99, 99}, {1, 100}, {0.001, 1}} {
		if got := quantile(s, c.q); got != c.want {
			t.Errorf("quantile(1..100, %v) = %v, want %v", c.q, got, c.want)
		}
	}
	if quantile(nil, 0.5) != 0 {
		t.Error("quantile of nothing should be 0")
	}
}

func TestRunLoad(t *testing.T) {
	var served, failed atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1)%10 == 0 {
			failed.Add(1)
			http.Error(w, "no", http.StatusTeapot)
			return
		}
		w.Write([]byte(bareBody))
	}))
	defer hs.Close()
	cfg := loadConfig{Conns: 4, Warmup: 50 * time.Millisecond, Duration: 150 * time.Millisecond, MaxReqs: 1_000_000}
	r, err := runLoad(context.Background(), cfg, target{URL: hs.URL})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.Requests > served.Load() {
		t.Fatalf("recorded %d requests, server saw %d", r.Requests, served.Load())
	}
	if r.Errors == 0 || r.Errors > failed.Load() || r.FirstErr != "status 418" {
		t.Errorf("errors %d (first %q), server failed %d", r.Errors, r.FirstErr, failed.Load())
	}
	if r.Elapsed < cfg.Duration/2 || r.Elapsed > cfg.Duration+time.Second {
		t.Errorf("elapsed %v for a %v window", r.Elapsed, cfg.Duration)
	}
	if p50, p99 := r.Quantile(0.5), r.Quantile(0.99); p50 <= 0 || p99 < p50 {
		t.Errorf("p50 %v p99 %v", p50, p99)
	}
	// The server fails one request in ten; the probe after such a failure
	// must be refused for the missing text.
	_, err = probe(context.Background(), target{URL: hs.URL}, "no such text")
	if err != nil && strings.Contains(err.Error(), "status 418") {
		_, err = probe(context.Background(), target{URL: hs.URL}, "no such text")
	}
	if err == nil || !strings.Contains(err.Error(), `lacks "no such text"`) {
		t.Errorf("probe of a body without the wanted text: %v", err)
	}

	// The request bound ends the run early.
	cfg.MaxReqs, cfg.Duration = 20, 10*time.Second
	start := time.Now()
	r, err = runLoad(context.Background(), cfg, target{URL: hs.URL})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests > 20 || time.Since(start) > 5*time.Second {
		t.Errorf("bounded run recorded %d requests in %v", r.Requests, time.Since(start))
	}
}

// TestHTTPShort runs the HTTP table's harness for a moment on both
// engines, so CI keeps it working: every page must answer 200 with its
// text (the figures of so short a run mean nothing and are not kept).
func TestHTTPShort(t *testing.T) {
	// A few hundred requests a page, or 2 s: under CI's load a page whose
	// first request renders it (the cache emptied by a write just before)
	// can take longer than a moment's window.
	cfg := loadConfig{Conns: 4, Warmup: 10 * time.Millisecond, Duration: 2 * time.Second, MaxReqs: 200}
	figs, _ := httpRun(t, cfg, benchPages, true)
	if want := 1 + 1 + 2*len(benchPages); len(figs) != want && !t.Failed() {
		t.Errorf("%d figures, want %d", len(figs), want)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{num(665276), "665,276"}, {num(12), "12"}, {num(-1234), "-1,234"},
		{dur(6120 * time.Microsecond), "6.12ms"}, {dur(19 * time.Millisecond), "19.0ms"},
		{dur(41 * time.Microsecond), "41.0µs"}, {dur(125 * time.Second), "2m05s"},
		{ratio(421, 4210), "0.10× bare"}, {ratio(93, 10000), "0.0093× bare"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
