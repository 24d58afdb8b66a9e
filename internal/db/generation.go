package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// The write generation is what lets a cache (sessions, rendered pages) keep
// a value for as long as the database has not changed, and no longer: a
// cache stores what it computed beside the generation it read before
// computing it, and serves it only while Generation still returns that
// number.
//
// It moves
//   - exactly, for this process's own writes: after every transaction's
//     commit (InTx) and every statement outside one (Exec), before the call
//     returns — so a user who has just changed something sees the change on
//     her next page;
//   - within a moment for other processes' writes (the command line, a
//     second server): on SQLite a watcher asks PRAGMA data_version, on a
//     connection of its own, every pollEvery (it moves when any other
//     connection, of any process, commits); on PostgreSQL every process
//     announces its commits on the channel halfsky_changes (NOTIFY, at most
//     every announceEvery, coalesced) and listens to the others'. NOTIFY is
//     the database's own, so another database's traffic in the same
//     cluster moves nothing (its WAL position, which every commit in the
//     cluster moves, emptied the caches five times a second under load).
//     Neither can tell one table from another, so they over-invalidate,
//     never under-. A watcher that loses its connection moves the
//     generation on every look until it is back.
//
// A change can be counted a moment before it is visible to new readers: a
// page rendered in that moment would carry the new generation and the old
// data. So the watchers move the generation once more on their next look
// after any change they saw; by then the transaction they counted is long
// visible.
//
// Writes that no page shows and that would otherwise invalidate every
// cache once a minute per signed-in user (a session's last-seen time) go
// through ExecNoWait, which does not move the generation here nor announce
// itself; see auth.Service.Authenticate. Writes made past halfsky (psql)
// reach another process's caches only on SQLite; on PostgreSQL restart the
// server after them, as after any change of its data behind its back.
type generation struct {
	n atomic.Uint64
	// stop ends the watchers; running counts them.
	stop    context.CancelFunc
	running sync.WaitGroup
	once    sync.Once
	// announce (PostgreSQL) wakes the announcer after a commit of this
	// process; nonce tells this process's announcements from the others'.
	announce chan struct{}
	nonce    string
	ctx      context.Context
}

// pollEvery is how often the SQLite watcher asks for other processes'
// writes, and how long after a change the watchers move the generation
// once more; announceEvery bounds how often a PostgreSQL process announces
// its commits (one NOTIFY for all the commits of the interval).
const (
	pollEvery     = 200 * time.Millisecond
	announceEvery = 20 * time.Millisecond
)

// changesChannel is the PostgreSQL channel the processes announce on.
const changesChannel = "halfsky_changes"

// Generation is the database's write generation as this process knows it.
func (d *DB) Generation() uint64 { return d.gen.n.Load() }

// Changed moves the write generation after a write of this process:
// every cached value computed before is stale, here and (announced) in the
// other processes. InTx and Exec call it; so must anything that writes
// past them (a snapshot restored through Raw).
func (d *DB) Changed() {
	d.gen.n.Add(1)
	if d.gen.announce != nil {
		select {
		case d.gen.announce <- struct{}{}:
		default: // one is pending already
		}
	}
}

// seen moves the generation for another process's write.
func (d *DB) seen() { d.gen.n.Add(1) }

// changeProbe returns a value that differs after any commit since the
// previous call, on the connection it was opened for.
type changeProbe func(ctx context.Context) (string, error)

// start runs fn as a watcher until stopWatch.
func (d *DB) start(fn func(ctx context.Context)) {
	if d.gen.stop == nil {
		ctx, cancel := context.WithCancel(context.Background())
		d.gen.stop = cancel
		d.gen.ctx = ctx
	}
	d.gen.running.Add(1)
	go func() {
		defer d.gen.running.Done()
		fn(d.gen.ctx)
	}()
}

// watchSQLite asks probe every pollEvery until ctx ends, and closes what
// it holds (release) then.
func (d *DB) watchSQLite(probe changeProbe, release func()) {
	d.start(func(ctx context.Context) {
		defer release()
		d.pollLoop(ctx, probe)
	})
}

func (d *DB) pollLoop(ctx context.Context, probe changeProbe) {
	last, err := probe(ctx)
	if err != nil && ctx.Err() == nil {
		slog.Warn("watching the database for other processes' writes", "err", err)
	}
	settle := false
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, err := probe(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			// Unknown is changed: no cache may outlive a blind spell.
			d.seen()
			settle = true
			continue
		}
		if v != last || settle {
			d.seen()
		}
		settle = v != last
		last = v
	}
}

// stopWatch ends the watchers and waits for them.
func (d *DB) stopWatch() {
	d.gen.once.Do(func() {
		if d.gen.stop != nil {
			d.gen.stop()
			d.gen.running.Wait()
		}
	})
}

// sqliteProbe asks SQLite's data_version on a connection of its own
// (data_version moves when any other connection, of any process, commits).
func sqliteProbe(ctx context.Context, sdb *sql.DB) (changeProbe, func(), error) {
	conn, err := sdb.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	probe := func(ctx context.Context) (string, error) {
		var v string
		err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v)
		return v, err
	}
	return probe, func() { conn.Close() }, nil
}

// watchPostgres announces this process's commits and listens to the
// others' (see the top of this file).
func (d *DB) watchPostgres(cfg *pgx.ConnConfig) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	d.gen.nonce = hex.EncodeToString(b[:])
	d.gen.announce = make(chan struct{}, 1)
	d.start(d.announceLoop)
	d.start(func(ctx context.Context) { d.listenLoop(ctx, cfg) })
}

// announceLoop sends one NOTIFY for the commits since the last, at most
// every announceEvery; when the handle closes it sends the one still
// owed (a command-line process writes and exits at once).
func (d *DB) announceLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			select {
			case <-d.gen.announce:
				d.announceNow(ctx)
			default:
			}
			return
		case <-d.gen.announce:
		}
		d.announceNow(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(announceEvery):
		}
	}
}

// announceNow sends one announcement. Closing the handle does not cancel
// it (Close waits for it): a change owed is a change sent.
func (d *DB) announceNow(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := d.sql.ExecContext(ctx, `SELECT pg_notify($1, $2)`, changesChannel, d.gen.nonce); err != nil {
		slog.Warn("announcing a change to the other processes", "err", err)
	}
}

// listenLoop listens on its own connection and moves the generation for
// every other process's announcement, and once more pollEvery after; while
// it has no connection, on every look.
func (d *DB) listenLoop(ctx context.Context, cfg *pgx.ConnConfig) {
	// While the database is away the loop tries every pollEvery: it says
	// so once, and once more when it listens again, not five times a
	// second.
	away := false
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			_, err = conn.Exec(ctx, `LISTEN `+changesChannel)
		}
		d.seen() // whatever was announced while it was not listening
		if err == nil {
			if away {
				slog.Info("listening for other processes' changes again")
				away = false
			}
			err = d.listen(ctx, conn)
		}
		if conn != nil {
			conn.Close(context.WithoutCancel(ctx))
		}
		if ctx.Err() != nil {
			return
		}
		if !away {
			slog.Warn("listening for other processes' changes", "err", err)
			away = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pollEvery):
		}
	}
}

// dropIdle closes the pool's idle connections; the next queries open new
// ones (on a multi-host URL, to the host that now accepts writes). It is
// called when the listening connection breaks: blocked on a read, it
// learns first that the server is gone. The pool's connections do not:
// over TCP a query on one the server has closed is sent before the loss
// shows, so it fails instead of being retried on a new connection, and
// pgx pings a pooled connection only after a second idle. Without this,
// each connection in use in the last second failed one request after a
// failover, however long after.
func (d *DB) dropIdle() {
	d.sql.SetMaxIdleConns(0)
	d.sql.SetMaxIdleConns(pgMaxIdle)
}

func (d *DB) listen(ctx context.Context, conn *pgx.Conn) error {
	settle := false
	for {
		wctx, cancel := context.WithTimeout(ctx, pollEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && errors.Is(err, context.DeadlineExceeded):
			if settle {
				d.seen()
				settle = false
			}
			continue
		case err != nil:
			// The server it listened to is gone (a failover, a
			// restart), and with it every connection of the pool.
			d.dropIdle()
			return err
		}
		if n.Payload != d.gen.nonce {
			d.seen()
			settle = true
		}
	}
}
