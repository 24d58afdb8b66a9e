// Package cluster drives scripts/cluster.sh — a pg_auto_failover pair
// of PostgreSQL 15 nodes, two halfsky processes and HAProxy in front, all
// on loopback — for the failover drill (TestClusterDrill, `make
// cluster-drill`) and the load run. What the script starts and why is in
// the script and in the README's "The cluster".
package cluster

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Tools are the programs the cluster needs (scripts/deps.sh installs
// them): Missing names those absent.
var Tools = []string{"/usr/lib/postgresql/15/bin/initdb", "/usr/bin/pg_autoctl", "/usr/sbin/haproxy"}

// Missing returns the tools of Tools that are not installed.
func Missing() []string {
	var out []string
	for _, p := range Tools {
		if _, err := os.Stat(p); err != nil {
			out = append(out, p)
		}
	}
	return out
}

// Cluster is one cluster started by scripts/cluster.sh up.
type Cluster struct {
	Dir    string
	Script string
	// Env is the script's DIR/env: ports, URLs, the admin password.
	Env map[string]string
}

// Up starts a cluster in dir (new or empty) with the halfsky binary bin,
// every process bounded by ttl (HALFSKY_CLUSTER_TTL).
func Up(ctx context.Context, root, dir, bin string, ttl time.Duration) (*Cluster, error) {
	c := &Cluster{Dir: dir, Script: filepath.Join(root, "scripts", "cluster.sh")}
	env := []string{"HALFSKY_BIN=" + bin, "HALFSKY_CLUSTER_TTL=" + strconv.Itoa(int(ttl.Seconds()))}
	if out, err := c.run(ctx, env, "up", dir); err != nil {
		return c, fmt.Errorf("cluster.sh up: %v\n%s", err, out)
	}
	return c, c.loadEnv()
}

// run runs the script with args, its output (stdout and stderr) kept.
func (c *Cluster) run(ctx context.Context, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", append([]string{c.Script}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (c *Cluster) loadEnv() error {
	f, err := os.Open(filepath.Join(c.Dir, "env"))
	if err != nil {
		return err
	}
	defer f.Close()
	c.Env = map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			c.Env[k] = strings.Trim(v, "'")
		}
	}
	return sc.Err()
}

// Down stops everything and removes the directory. It runs without the
// caller's context: a cleanup must finish even after a test's deadline.
func (c *Cluster) Down() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return c.run(ctx, nil, "down", c.Dir)
}

// Failover kills the primary's node and returns its number and when it
// was killed.
func (c *Cluster) Failover(ctx context.Context) (int, time.Time, error) {
	return c.killed(ctx, "failover")
}

// KillApp kills halfsky n (1 or 2) with SIGKILL and returns its pid and
// when it was killed.
func (c *Cluster) KillApp(ctx context.Context, n int) (int, time.Time, error) {
	return c.killed(ctx, "kill-app", strconv.Itoa(n))
}

// killed runs an action whose last line is "NUMBER UNIX-SECONDS": the
// moment of the kill, as the script saw it, not when the action started
// (it asks the monitor which node is the primary first).
func (c *Cluster) killed(ctx context.Context, action string, args ...string) (int, time.Time, error) {
	out, err := c.run(ctx, nil, append([]string{action, c.Dir}, args...)...)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("cluster.sh %s: %v\n%s", action, err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var n int
	var at float64
	if _, err := fmt.Sscanf(lines[len(lines)-1], "%d %f", &n, &at); err != nil {
		return 0, time.Time{}, fmt.Errorf("cluster.sh %s: %q: %v", action, out, err)
	}
	sec := int64(at)
	return n, time.Unix(sec, int64((at-float64(sec))*1e9)), nil
}

// Rejoin restarts the killed node and waits until it is the synchronous
// standby again.
func (c *Cluster) Rejoin(ctx context.Context) error {
	if out, err := c.run(ctx, nil, "rejoin", c.Dir); err != nil {
		return fmt.Errorf("cluster.sh rejoin: %v\n%s", err, out)
	}
	return nil
}

// State is the monitor's table of the nodes.
func (c *Cluster) State(ctx context.Context) string {
	out, _ := c.run(ctx, nil, "state", c.Dir)
	return out
}

// LB, Apps: the balancer's and each halfsky's base URL.
func (c *Cluster) LB() string       { return c.Env["LB_URL"] }
func (c *Cluster) Apps() []string   { return []string{c.Env["APP1_URL"], c.Env["APP2_URL"]} }
func (c *Cluster) Password() string { return c.Env["ADMIN_PASSWORD"] }

// Ready reports whether base answers /readyz with 200.
func Ready(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	if err != nil {
		return false
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// Halfsky runs the cluster's halfsky binary as a command (audit verify,
// stats check) against the cluster's database.
func (c *Cluster) Halfsky(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.Dir, "halfsky"), args...)
	cmd.Env = append(os.Environ(), "HALFSKY_DATABASE_URL="+c.Env["DATABASE_URL"],
		"HALFSKY_KEY_FILE="+filepath.Join(c.Dir, "keys.txt"), "HALFSKY_DATA_DIR="+filepath.Join(c.Dir, "app1"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}
