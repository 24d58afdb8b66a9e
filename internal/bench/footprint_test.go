package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"halfsky/internal/httpx"
)

// footprintPassword is the demo accounts' password in the footprint run.
const footprintPassword = "Footprint-bench-2026"

// BenchmarkFootprint measures the real binary as an operator runs it, in a
// process of its own (the HTTP table's servers share the client's): how
// long a start on an existing database takes to its first served request
// (median of 5), and its resident memory at rest and at its peak while the
// pages of the HTTP table are asked for at 32 connections, cache and all.
func BenchmarkFootprint(b *testing.B) {
	printEnv()
	dir := b.TempDir()
	bin := filepath.Join(dir, "halfsky")
	build := exec.Command("go", "build", "-o", bin, "./cmd/halfsky")
	build.Dir = moduleRoot(b)
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	printf("== footprint: the binary (%s) on SQLite in %s\n", bin, data)

	// The first start seeds the demo; it is not what is measured.
	srv, _ := startBinary(b, bin, data)
	srv.stop(b)

	var starts []time.Duration
	for range 5 {
		s, took := startBinary(b, bin, data)
		starts = append(starts, took)
		s.stop(b)
	}
	slices.Sort(starts)
	printf("   start on an existing database to the first served request: median %s (of 5: %s … %s)\n",
		dur(starts[len(starts)/2]), dur(starts[0]), dur(starts[len(starts)-1]))

	// The pages with the page cache off first: the baseline beside the
	// figure with it on (a fresh process each).
	var peak int64
	for _, mb := range []string{"0", "16"} {
		s, _ := startBinary(b, bin, data, "HALFSKY_PAGE_CACHE_MB="+mb)
		rest := s.memory(b)
		// Signing in hashes a password (argon2id, 19 MiB a hash): its
		// peak is the sign-ins', measured apart from the pages'.
		targets := make([]target, len(benchPages))
		for i, p := range benchPages {
			targets[i] = s.target(b, p.User, p.Path)
		}
		signIn := s.memory(b)
		// The hashes' memory goes back to the system over some seconds
		// (the runtime's scavenger); the pages are measured from there.
		time.Sleep(settleMemory)
		settled := s.memory(b)
		s.resetPeak(b)
		for i, p := range benchPages {
			t := targets[i]
			if _, err := probe(context.Background(), t, p.Want); err != nil {
				s.stop(b)
				b.Fatal(err)
			}
			r, err := runLoad(context.Background(), loadConfig{Conns: 32, Warmup: 200 * time.Millisecond, Duration: time.Second, MaxReqs: 2_000_000}, t)
			if err != nil || r.Errors > 0 {
				s.stop(b)
				b.Fatalf("%s: %v, %d of %d requests failed (first: %s)", p.Label, err, r.Errors, r.Requests, r.FirstErr)
			}
		}
		load := s.memory(b)
		s.stop(b)
		printf("   page cache %s MB: resident at rest after the start %s; peak while %d users sign in %s, %s resident %s later; "+
			"under the HTTP table's pages (%d pages × 1 s at 32 connections) peak %s, %s resident after\n",
			mb, mib(rest.rss), len(benchPages), mib(signIn.peak), mib(settled.rss), dur(settleMemory), len(benchPages), mib(load.peak), mib(load.rss))
		peak = load.peak
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	b.ReportMetric(ms(starts[len(starts)/2]), "start-ms")
}

// settleMemory is how long the footprint waits after the sign-ins.
const settleMemory = 10 * time.Second

// binary is a running halfsky.
type binary struct {
	cmd *exec.Cmd
	url string
}

// startBinary starts bin on data at a free loopback port and returns it
// with the time from exec to its first answered request.
func startBinary(b *testing.B, bin, data string, env ...string) (*binary, time.Duration) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "HALFSKY_ADDR="+addr, "HALFSKY_DATA_DIR="+data, "HALFSKY_DEMO=true",
		"HALFSKY_ADMIN_PASSWORD="+footprintPassword, "HALFSKY_DATABASE_URL=", "HALFSKY_LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &binary{cmd: cmd, url: "http://" + addr}
	client := &http.Client{Timeout: time.Second}
	deadline := start.Add(5 * time.Minute) // the first start seeds the demo
	for {
		res, err := client.Get(s.url + "/login")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, time.Since(start)
			}
		}
		if time.Now().After(deadline) {
			s.stop(b)
			b.Fatalf("halfsky did not answer within 5 minutes (last: %v)", err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// stop ends the server as an operator would (SIGTERM) and waits for it.
func (s *binary) stop(b *testing.B) {
	if s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
		b.Error("halfsky did not stop within 30 s of SIGTERM")
	}
}

// target signs username in and returns path with that session.
func (s *binary) target(b *testing.B, username, path string) target {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(s.url+"/login", url.Values{"username": {username}, "password": {footprintPassword}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == httpx.SessionCookie && ck.Value != "" {
			h := http.Header{}
			h.Set("Cookie", (&http.Cookie{Name: ck.Name, Value: ck.Value}).String())
			return target{URL: s.url + path, Header: h}
		}
	}
	b.Fatalf("signing in %s: status %d, no session cookie", username, res.StatusCode)
	return target{}
}

type memory struct{ rss, peak int64 }

// memory reads the server's resident set now and at its peak (VmRSS and
// VmHWM of /proc/<pid>/status).
func (s *binary) memory(b *testing.B) memory {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	var m memory
	for _, line := range strings.Split(string(raw), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			m.rss = kb << 10
		case "VmHWM":
			m.peak = kb << 10
		}
	}
	return m
}

// resetPeak starts the server's peak resident set (VmHWM) again from now
// (/proc/<pid>/clear_refs, 5).
func (s *binary) resetPeak(b *testing.B) {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0); err != nil {
		b.Fatal(err)
	}
}

func mib(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB" }

// moduleRoot is the directory of go.mod.
func moduleRoot(b *testing.B) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		b.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
