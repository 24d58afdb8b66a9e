package db_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestPoolForgetsALostServer: when the server goes away under a busy
// pool (a failover, a restart: here every connection of the database is
// terminated) the next requests succeed on new connections. Over TCP a
// query on a connection the server has closed is sent before the loss
// shows, so pgx cannot hand it back to database/sql to retry; and pgx
// pings a pooled connection only after a second idle. Without dropIdle,
// each connection used within the last second failed the first query
// given it — a request failed long after the new server was up.
func TestPoolForgetsALostServer(t *testing.T) {
	ctx := context.Background()
	// The test cluster listens on a Unix socket only, where a write to
	// a closed connection fails before anything is sent (and is
	// retried): TCP is what servers elsewhere are reached by.
	u := tcpURL(t, testdb.PostgresEmptyURL(t))
	d, err := db.Open(ctx, u, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	time.Sleep(pollSettle) // the listener is connected
	// Three rounds: pgx pings a connection at its first reuse, and at a
	// later one only after a second idle.
	for range 3 {
		if err := busy(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	admin, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var n int
	if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("terminated %d connections; the pool should have held at least 5", n)
	}
	time.Sleep(300 * time.Millisecond) // well under the second after which pgx pings
	if err := busy(ctx, d); err != nil {
		t.Fatalf("after the server lost every connection: %v", err)
	}
}

// busy runs eight queries at once, so the pool holds eight connections.
func busy(ctx context.Context, d *db.DB) error {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			if _, err := d.Exec(ctx, `SELECT pg_sleep(0.05)`); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// tcpURL serves the Unix-socket database of raw on a loopback TCP port
// (a forwarder that closes its side when the server closes its own) and
// returns that URL.
func tcpURL(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	sock := filepath.Join(q.Get("host"), ".s.PGSQL."+q.Get("port"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go forward(c, sock)
		}
	}()
	q.Del("host")
	q.Del("port")
	u.Host = ln.Addr().String()
	u.RawQuery = q.Encode()
	return u.String()
}

func forward(c net.Conn, sock string) {
	defer c.Close()
	s, err := net.Dial("unix", sock)
	if err != nil {
		return
	}
	defer s.Close()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
}
