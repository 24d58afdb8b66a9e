package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// out is where figures are printed: straight to stdout, so they appear in
// the order measured (and in data/bench.txt) whatever -v says.
func printf(format string, args ...any) { fmt.Fprintf(os.Stdout, format, args...) }

var envOnce sync.Once

// printEnv prints, once per run, what the figures were measured on.
//
// Call it at the start of each top-level benchmark; it also prints the
// load average then, so figures taken on a busy machine say so.
func printEnv() {
	defer func() { printf("   load average now %s\n", loadavg()) }()
	envOnce.Do(func() {
		p := auth.DefaultArgon2
		printf("== halfsky benchmarks: %s %s/%s, GOMAXPROCS=%d, %d CPUs (%s)\n",
			runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.NumCPU(), cpuModel())
		printf("   the client, the servers and the databases share these CPUs with whatever else runs on the machine\n")
		printf("   argon2id params in this process: memory=%d KiB time=%d threads=%d (testapp lowers them; no figure below includes a password hash)\n",
			p.Memory, p.Time, p.Threads)
	})
}

// perEngine runs fn as a sub-benchmark on SQLite and then on PostgreSQL,
// each on a fresh database, named by the engine and suffix, and returns
// the summary lines they give.
func perEngine(b *testing.B, suffix string, fn func(b *testing.B, engine string, d *db.DB) []string) []string {
	var out []string
	for _, e := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"SQLite", testdb.SQLite}, {"PostgreSQL", testdb.Postgres}} {
		b.Run(e.name+suffix, func(b *testing.B) {
			out = append(out, fn(b, e.name, e.open(b))...)
		})
	}
	return out
}

// printSummary prints a benchmark's summary lines under its title, with
// the load average at the end of the run.
func printSummary(title string, lines []string) {
	printf("== %s (load average now %s)\n", title, loadavg())
	for _, s := range lines {
		printf("   %s\n", s)
	}
}

// loadavg is the 1-minute load average: other work on the machine takes
// CPU from both the client and the servers measured here.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// num formats n with thousands separators: 665276 → 665,276.
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// dur formats a duration with about three significant digits in a unit
// that suits it: 41µs, 6.12ms, 19.4ms, 1.23s, 2m05s.
func dur(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return sig(float64(d)/float64(time.Microsecond)) + "µs"
	case d < time.Second:
		return sig(float64(d)/float64(time.Millisecond)) + "ms"
	case d < time.Minute:
		return sig(d.Seconds()) + "s"
	}
	m := int(d / time.Minute)
	return fmt.Sprintf("%dm%02ds", m, int((d-time.Duration(m)*time.Minute)/time.Second))
}

// sig prints x (≥ 1) with three significant digits.
func sig(x float64) string {
	switch {
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

// ms is a duration in milliseconds, for ReportMetric.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ratio formats a/b as 0.093× (or "?" when b is unknown).
func ratio(a, b float64) string {
	if b <= 0 {
		return "? × bare"
	}
	r := a / b
	switch {
	case r >= 0.1:
		return strconv.FormatFloat(r, 'f', 2, 64) + "× bare"
	case r >= 0.01:
		return strconv.FormatFloat(r, 'f', 3, 64) + "× bare"
	}
	return strconv.FormatFloat(r, 'f', 4, 64) + "× bare"
}
