package publicweb

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxKeys bounds each limiter's memory: at most this many addresses (or
// codes) are remembered, the least recently seen forgotten first. A
// rate.Limiter with its key and list entry is about 200 bytes, so a
// limiter holds at most some 2 MB. Forgetting a key gives it a fresh
// allowance: a client that rotates through more than maxKeys addresses
// within the hour escapes the per-address limits, but not the per-code
// one, and never more than its addresses allow.
const maxKeys = 10000

// limiter is a token bucket per key (a client address, a tracking code):
// n a key may spend in an hour, refilled evenly. The buckets live in this
// process: behind several processes each keeps its own, so a client may
// reach n per process — counters in the database would make them agree,
// at a write per request.
type limiter struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	now   func() time.Time
	order *list.List // of *bucket, most recently used first
	keys  map[string]*list.Element
}

type bucket struct {
	key string
	lim *rate.Limiter
}

func newLimiter(perHour int, now func() time.Time) *limiter {
	if perHour < 1 {
		perHour = 1
	}
	return &limiter{every: rate.Every(time.Hour / time.Duration(perHour)), burst: perHour, now: now,
		order: list.New(), keys: map[string]*list.Element{}}
}

// get returns key's bucket, making it (and forgetting the oldest key past
// maxKeys) when it is new. Callers hold mu.
func (l *limiter) get(key string) *rate.Limiter {
	if e, ok := l.keys[key]; ok {
		l.order.MoveToFront(e)
		return e.Value.(*bucket).lim
	}
	b := &bucket{key: key, lim: rate.NewLimiter(l.every, l.burst)}
	l.keys[key] = l.order.PushFront(b)
	for l.order.Len() > maxKeys {
		old := l.order.Back()
		l.order.Remove(old)
		delete(l.keys, old.Value.(*bucket).key)
	}
	return b.lim
}

// ok reports whether key has one left to spend, without spending it; when
// not, wait is how long until it has.
func (l *limiter) ok(key string) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	lim := l.get(key)
	if lim.TokensAt(now) >= 1 {
		return true, 0
	}
	r := lim.ReserveN(now, 1)
	wait = r.DelayFrom(now)
	r.CancelAt(now)
	return false, wait
}

// spend takes one from key's allowance (past zero it stays empty: the
// request went through by a CAPTCHA).
func (l *limiter) spend(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.get(key).AllowN(l.now(), 1)
}

// limits are the public door's limiters.
type limits struct {
	submits  *limiter // accepted requests for help, per address
	attempts *limiter // every submission, accepted or refused, per address
	lookups  *limiter // wrong or malformed codes looked up, per address
	codes    *limiter // lookups of one code
}

func newLimits(submits, lookups, codes int, now func() time.Time) *limits {
	return &limits{submits: newLimiter(submits, now), attempts: newLimiter(10*submits, now),
		lookups: newLimiter(lookups, now), codes: newLimiter(codes, now)}
}

// submitOK reports whether a submission from ip may go without a CAPTCHA.
func (l *limits) submitOK(ip string) (bool, time.Duration) {
	ok, wait := l.submits.ok(ip)
	ok2, wait2 := l.attempts.ok(ip)
	return ok && ok2, max(wait, wait2)
}

// lookupOK reports whether a lookup of code from ip may go without a
// CAPTCHA.
func (l *limits) lookupOK(ip, code string) (bool, time.Duration) {
	ok, wait := l.lookups.ok(ip)
	ok2, wait2 := l.codes.ok(code)
	return ok && ok2, max(wait, wait2)
}
