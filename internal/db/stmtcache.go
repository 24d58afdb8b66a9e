package db

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmtCache keeps SQLite's prepared statements, one per query text, for
// the life of the pool. The pure-Go SQLite driver prepares every statement
// afresh otherwise, and parsing was a quarter of a page's CPU (the work
// desk runs some twenty queries). database/sql prepares a cached statement
// lazily on each connection it runs on, and in a transaction through
// Tx.StmtContext, which reuses the connection's copy. PostgreSQL needs no
// cache here: pgx keeps one per connection itself.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxCachedStmts bounds the cache: queries built with a varying number of
// placeholders could otherwise grow it without end. Past it, queries run
// unprepared as before.
const maxCachedStmts = 4000

// cacheable reports whether q may be cached: SQLite prepares only the
// first statement of a string, and migrations send whole files.
func cacheable(q string) bool { return !strings.Contains(strings.TrimRight(q, " \t\n;"), ";") }

// lookup returns q's statement if it is cached, and whether it could be.
func (c *stmtCache) lookup(q string) (st *sql.Stmt, ok bool) {
	if c == nil || !cacheable(q) {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[q], len(c.m) < maxCachedStmts || c.m[q] != nil
}

// get returns the prepared statement for q, preparing it on first use, or
// nil when q is not cached (see lookup) or does not prepare — the caller
// then runs q unprepared, which reports the error as it always did.
//
// Preparing takes a connection of the pool: never call get while holding
// one (in a transaction), or a full pool of transactions waiting for the
// write lock deadlocks against the one holding it. Transactions use
// lookup and hand their misses to fill after they end.
func (c *stmtCache) get(ctx context.Context, pool *sql.DB, q string) *sql.Stmt {
	st, ok := c.lookup(q)
	if st != nil || !ok {
		return st
	}
	st, err := pool.PrepareContext(context.WithoutCancel(ctx), q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[q]; ok { // prepared by another goroutine meanwhile
		st.Close()
		return prev
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st
}

// fill prepares, for later use, the queries a finished transaction
// missed.
func (c *stmtCache) fill(ctx context.Context, pool *sql.DB, qs map[string]*sql.Stmt) {
	for q := range qs {
		c.get(ctx, pool, q)
	}
}

// close closes every cached statement.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}
