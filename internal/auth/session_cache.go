package auth

import (
	"sync"
	"time"
)

// sessionCache keeps each session with its user, as the database gave them,
// for as long as the database's write generation has not moved (see
// db.DB.Generation): a request of a known session then costs no query.
// Anything that could change the answer — a logout, a revocation, a
// disabled account, a role or unit changed, a session's second factor
// completed, another process's write — is a write, and moves the
// generation. Only the time-dependent checks (expiry, idle timeout) are
// made again on every request, against the clock.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]cachedSession
}

type cachedSession struct {
	gen  uint64
	user User
	ss   Session
}

// maxCachedSessions bounds the cache: past it, it starts again empty
// (a few kilobytes a session; the city has some thousands of cadres).
const maxCachedSessions = 20000

func (c *sessionCache) get(hash string, gen uint64) (User, Session, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || e.gen != gen {
		return User{}, Session{}, false
	}
	return e.user, e.ss, true
}

// put keeps a session read at generation gen (read before the query).
func (c *sessionCache) put(hash string, gen uint64, u User, ss Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedSessions {
		c.m = make(map[string]cachedSession)
	}
	c.m[hash] = cachedSession{gen: gen, user: u, ss: ss}
}

// drop forgets a session (expired, or its refresh written).
func (c *sessionCache) drop(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, hash)
}

// lastSeen keeps sessions' last-seen times in memory and writes them once
// a minute for all sessions at once. Written one by one on the request
// that noticed, every signed-in user's refresh would, once a minute, make
// every other process (and on PostgreSQL this one's watcher) see a write
// and drop every cache; batched, that happens once a minute in all. The
// database's copy lags by at most touchEvery, against a 30-minute idle
// timeout, and a lookup that goes to the database takes the newer of the
// two (seen).
type lastSeen struct {
	// write is held by whoever writes a batch (one at a time).
	write   sync.Mutex
	mu      sync.Mutex
	pending map[string]time.Time
	// writing is the batch being written (nil when none): still the
	// newest word on its sessions until it is in the database.
	writing map[string]time.Time
	flushed time.Time
}

// note records that the session was seen at t.
func (l *lastSeen) note(hash string, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == nil {
		l.pending = make(map[string]time.Time)
	}
	l.pending[hash] = t
}

// seen is the session's last-seen time not yet written, if any.
func (l *lastSeen) seen(hash string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.pending[hash]; ok {
		return t, true
	}
	t, ok := l.writing[hash]
	return t, ok
}

// due takes the pending times when every has passed since the last write;
// the caller holds write (so no other batch is being written) and must
// call done with what was not written.
func (l *lastSeen) due(now time.Time, every time.Duration) map[string]time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) == 0 || now.Sub(l.flushed) < every {
		return nil
	}
	batch := l.pending
	l.pending, l.flushed, l.writing = nil, now, batch
	return batch
}

// done puts back what could not be written (unless seen again since).
func (l *lastSeen) done(failed map[string]time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writing = nil
	for h, t := range failed {
		if _, newer := l.pending[h]; !newer {
			if l.pending == nil {
				l.pending = make(map[string]time.Time)
			}
			l.pending[h] = t
		}
	}
}
