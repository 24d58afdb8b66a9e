package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// loadConfig is one load run: conns goroutines, each with its own
// keep-alive connection, sending requests back to back.
type loadConfig struct {
	Conns    int
	Warmup   time.Duration // requests started in it are not recorded
	Duration time.Duration // the measured window
	MaxReqs  int64         // bound on recorded requests (the run ends early)
}

// defaultLoad is the configuration of every HTTP figure.
var defaultLoad = loadConfig{Conns: 32, Warmup: time.Second, Duration: 5 * time.Second, MaxReqs: 2_000_000}

// target is what one run asks for: a GET of URL with the given headers,
// expecting status 200.
type target struct {
	URL    string
	Header http.Header
}

// loadResult is what a run measured.
type loadResult struct {
	Requests  int64         // recorded requests (status 200 or not)
	Errors    int64         // of them: transport errors or a status other than 200
	FirstErr  string        // the first error, for the report
	Elapsed   time.Duration // from the end of warm-up to the last recorded response
	Latencies []time.Duration
	Bytes     int64         // body bytes of the recorded requests
	CPU       time.Duration // CPU time of this process (client and server) in the measured window
}

// CPUPerReq is the process's CPU time per recorded request: unlike req/s it
// hardly changes when other processes compete for the machine.
func (r loadResult) CPUPerReq() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Requests)
}

// Cores is how many CPUs the process kept busy on average.
func (r loadResult) Cores() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return r.CPU.Seconds() / r.Elapsed.Seconds()
}

// RPS is recorded requests per second.
func (r loadResult) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Quantile is the nearest-rank quantile q (0 < q ≤ 1) of the latencies.
func (r loadResult) Quantile(q float64) time.Duration { return quantile(r.Latencies, q) }

// quantile expects sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*q+0.999999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// newLoadClient is the driver's client: one idle keep-alive connection per
// worker, HTTP/1.1, no compression, redirects not followed.
func newLoadClient(conns int) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// runLoad drives t with cfg.Conns concurrent workers through one client and
// records the latency of every request started after the warm-up.
func runLoad(ctx context.Context, cfg loadConfig, t target) (loadResult, error) {
	client := newLoadClient(cfg.Conns)
	defer client.CloseIdleConnections()

	// Every request is built up front so the loop measures the round trip.
	base, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return loadResult{}, err
	}
	for k, v := range t.Header {
		base.Header[k] = v
	}

	type worker struct {
		lat      []time.Duration
		errs     int64
		firstErr string
		bytes    int64
		last     time.Time
	}
	workers := make([]worker, cfg.Conns)
	var recorded atomic.Int64
	start := time.Now()
	warmEnd := start.Add(cfg.Warmup)
	end := warmEnd.Add(cfg.Duration)

	cpuAtWarmEnd := make(chan time.Duration, 1)
	go func() {
		time.Sleep(time.Until(warmEnd))
		cpuAtWarmEnd <- cpuTime()
	}()

	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.lat = make([]time.Duration, 0, 1<<14)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				measured := !t0.Before(warmEnd)
				if measured && recorded.Add(1) > cfg.MaxReqs {
					return
				}
				n, err := get(client, base.Clone(ctx), buf)
				t1 := time.Now()
				if !measured {
					continue
				}
				w.lat = append(w.lat, t1.Sub(t0))
				w.bytes += n
				w.last = t1
				if err != nil {
					if w.errs == 0 {
						w.firstErr = err.Error()
					}
					w.errs++
				}
			}
		}()
	}
	wg.Wait()
	var r loadResult
	r.CPU = cpuTime() - <-cpuAtWarmEnd
	if err := ctx.Err(); err != nil {
		return loadResult{}, err
	}

	var last time.Time
	for _, w := range workers {
		r.Latencies = append(r.Latencies, w.lat...)
		r.Errors += w.errs
		r.Bytes += w.bytes
		if r.FirstErr == "" {
			r.FirstErr = w.firstErr
		}
		if w.last.After(last) {
			last = w.last
		}
	}
	r.Requests = int64(len(r.Latencies))
	if r.Requests == 0 {
		return r, errors.New("no request completed in the measured window")
	}
	r.Elapsed = last.Sub(warmEnd)
	slices.Sort(r.Latencies)
	return r, nil
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// get does one request, reads the whole body and reports its size; a status
// other than 200 is an error.
func get(c *http.Client, req *http.Request, buf []byte) (int64, error) {
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	n, err := io.CopyBuffer(io.Discard, res.Body, buf)
	res.Body.Close()
	if err != nil {
		return n, err
	}
	if res.StatusCode != http.StatusOK {
		return n, fmt.Errorf("status %d", res.StatusCode)
	}
	return n, nil
}

// probe fetches t once and checks that the body contains want: a load run
// is only worth its figures if it measures the page it claims to.
func probe(ctx context.Context, t target, want string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return 0, err
	}
	for k, v := range t.Header {
		req.Header[k] = v
	}
	c := newLoadClient(1)
	defer c.CloseIdleConnections()
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: status %d, want 200 (Location %q)", t.URL, res.StatusCode, res.Header.Get("Location"))
	}
	if !bytes.Contains(body, []byte(want)) {
		return 0, fmt.Errorf("GET %s: body (%d bytes) lacks %q", t.URL, len(body), want)
	}
	return len(body), nil
}
