package faults_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"halfsky/internal/testdb"
)

// password is the drills' accounts' password.
const password = "Fault-drill-2026"

// long reports whether the long drills run (make fault-drill).
func long() bool { return os.Getenv("HALFSKY_FAULT_DRILL") == "long" }

// need skips the drill for want of what it needs, or fails it when the
// run must exercise everything (testdb.Required).
func need(t *testing.T, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if testdb.Required() {
		t.Fatalf("fault drill: %s (HALFSKY_TEST_REQUIRE_ALL is set)", why)
	}
	t.Skipf("fault drill: %s", why)
}

var built struct {
	once sync.Once
	path string
	err  error
}

// binary builds cmd/halfsky once per test binary.
func binary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "halfsky-faults-bin")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "halfsky")
		cmd := exec.Command("go", "build", "-o", built.path, "halfsky/cmd/halfsky")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}

// proc is a running halfsky.
type proc struct {
	cmd *exec.Cmd
	url string
	out *syncBuffer
}

// syncBuffer is the process's output, read while it writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs `halfsky serve` with env on a free loopback port; it does
// not wait for it. The test's end stops it.
func start(t *testing.T, env ...string) *proc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := &proc{url: "http://" + addr, out: &syncBuffer{}}
	p.cmd = exec.Command(binary(t))
	p.cmd.Env = append(os.Environ(), "HALFSKY_ADDR="+addr, "HALFSKY_ADMIN_PASSWORD="+password, "HALFSKY_LOG_LEVEL=warn",
		"HALFSKY_METRICS_ADDR=", "HALFSKY_DATABASE_URL=")
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop ends the server as an operator would (SIGTERM) and waits for it.
func (p *proc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
		t.Errorf("halfsky did not stop within 30 s of SIGTERM")
	}
}

// until asks path every 20 ms until it answers want, and returns how long
// that took; it fails the test after within.
func (p *proc) until(t *testing.T, path string, want int, within time.Duration) time.Duration {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	start := time.Now()
	var last string
	for time.Since(start) < within {
		res, err := c.Get(p.url + path)
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == want {
				return time.Since(start)
			}
			last = fmt.Sprintf("%d %s", res.StatusCode, body)
		} else {
			last = err.Error()
		}
		if p.cmd.ProcessState != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("GET %s did not answer %d within %s (last: %s)\noutput:\n%s", path, want, within, last, p.out)
	return 0
}

// client is a signed-in user's HTTP client.
type client struct {
	base string
	http *http.Client
}

// answer is one response: its status, body and the time it took.
type answer struct {
	Status int
	Body   []byte
	Took   time.Duration
	Header http.Header
	Err    error
}

// apiError is the API's error shape.
func (a answer) apiError() (code, msg string) {
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(a.Body, &e)
	return e.Error.Code, e.Error.Message
}

func newClient(p *proc) *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: p.url, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a JSON body (nil: none) and reads the answer.
func (c *client) do(method, path string, body any) answer {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req)
}

func (c *client) send(req *http.Request) answer {
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		return answer{Err: err, Took: time.Since(start)}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return answer{Status: res.StatusCode, Body: b, Took: time.Since(start), Header: res.Header, Err: err}
}

// signIn signs username in through the API (staff: no second factor)
// and through the sign-in page, so both front ends carry the session.
func (c *client) signIn(t *testing.T, username string) {
	t.Helper()
	if a := c.do("POST", "/api/v1/session", map[string]string{"username": username, "password": password}); a.Status != 200 {
		t.Fatalf("sign in %s: %d %s %v", username, a.Status, a.Body, a.Err)
	}
}

// visit is a new visit's body, told apart by its place.
func visit(place string) map[string]any {
	return map[string]any{"org_code": "230102001001", "visited_on": time.Now().In(shanghai).Format("2006-01-02"),
		"place": place, "women": 3, "notes": strings.Repeat("走访记录，", 200)}
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// createdID is the id of the visit a 201 answer made.
func createdID(t *testing.T, a answer) int64 {
	t.Helper()
	var v struct{ Visit struct{ ID int64 } }
	if err := json.Unmarshal(a.Body, &v); err != nil || v.Visit.ID == 0 {
		t.Fatalf("a created visit's answer: %s (%v)", a.Body, err)
	}
	return v.Visit.ID
}

// run runs the binary's command line (migrate, user add …) with env.
func run(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(append(os.Environ(), "HALFSKY_LOG_LEVEL=warn"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("halfsky %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ms is a duration for the figures.
func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
