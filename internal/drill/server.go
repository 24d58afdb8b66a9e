// Package drill proves halfsky's promise that nothing acknowledged is
// lost: it runs the real binary as an operator does, writes to it through
// its JSON API from many clients, kills it (or its database) at random
// moments, restarts it, and checks that every write the server answered
// with a 2xx is there with its exact content. The drills themselves are
// tests (crash_test.go; `make crash-drill` runs the long version); this
// package holds what they, and the cluster and restore drills, share: the
// process supervisor, the API client, the write driver and its ledger.
package drill

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Build compiles cmd/halfsky into dir and returns the binary's path. The
// drills run the binary an operator runs, not the server in-process: a
// SIGKILL must take the whole process, its pools and buffers with it.
func Build(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "halfsky")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/halfsky")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// FreeAddr is a loopback address with a port free at the moment of asking.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Server is one halfsky process, started and killed by the drill.
type Server struct {
	Bin  string
	Addr string   // 127.0.0.1:port
	Env  []string // HALFSKY_* settings beside Addr
	Log  io.Writer

	cmd  *exec.Cmd
	done chan struct{}
}

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.Addr }

// Start runs the binary and waits until /readyz answers 200. It gives up
// after limit; a process that exits first is reported with its status.
// The process runs under `timeout` (an hour), so a drill that dies leaves
// nothing running for long.
func (s *Server) Start(ctx context.Context, limit time.Duration) (time.Duration, error) {
	t0 := time.Now()
	cmd := exec.Command("timeout", "-s", "KILL", "3600", s.Bin, "serve")
	cmd.Env = append(os.Environ(), append([]string{"HALFSKY_ADDR=" + s.Addr}, s.Env...)...)
	cmd.Stdout, cmd.Stderr = s.Log, s.Log
	// A process group of its own: the kill takes `timeout` and halfsky.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return 0, fmt.Errorf("halfsky exited while starting: %v", cmd.ProcessState)
		case <-ctx.Done():
			s.Kill()
			return 0, ctx.Err()
		default:
		}
		if ready(ctx, s.URL()) {
			return time.Since(t0), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Kill()
	return 0, fmt.Errorf("halfsky not ready within %s", limit)
}

// ready says whether /readyz answers 200.
func ready(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// Kill sends SIGKILL to the process group and waits for the exit: no
// shutdown, no deferred close, as when the machine loses the process.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

// Stop asks the process to stop (SIGTERM) and waits; after 15 s it kills.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
		s.cmd = nil
	case <-time.After(15 * time.Second):
		s.Kill()
	}
}

// Running says whether the process has not exited.
func (s *Server) Running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Run runs the binary with args (a command such as `audit verify`) and the
// server's settings, returning its combined output.
func (s *Server) Run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.Bin, args...)
	cmd.Env = append(os.Environ(), s.Env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(out), fmt.Errorf("halfsky %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out), err
	}
	return string(out), nil
}
