// Package desk holds what the work desk (工作台) of the study, visit and
// rectify packages share: a short-lived memo for the scope statistics, so
// a city's home page does not recount a year of records on every visit,
// and the fold of per-unit counts into per-child roll-up rows.
package desk

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// TTL is how long statistics are reused. The due items on a desk are
// always read fresh; only counts over the whole scope are memoized, and a
// minute's delay in them is invisible to their readers.
const TTL = time.Minute

// Memo keeps computed values for TTL. Keys must be comparable and should
// include the database (so tests on fresh databases never share values)
// and the day (so nothing crosses midnight).
type Memo[T any] struct {
	mu sync.Mutex
	m  map[any]entry[T]
}

type entry[T any] struct {
	v       T
	expires time.Time
	epoch   int64
}

// epoch invalidates every memo at once when bumped.
var epoch atomic.Int64

// Expire makes every memoized value stale: the next desk recomputes its
// counts. Benchmarks use it to measure the cold page; an operator's bulk
// import could too.
func Expire() { epoch.Add(1) }

// Get returns the value under key, computing it when absent or expired.
// Two concurrent misses both compute; the later one is kept.
func (m *Memo[T]) Get(key any, compute func() (T, error)) (T, error) {
	now := time.Now()
	m.mu.Lock()
	ep := epoch.Load()
	if e, ok := m.m[key]; ok && now.Before(e.expires) && e.epoch == ep {
		m.mu.Unlock()
		return e.v, nil
	}
	m.mu.Unlock()
	v, err := compute()
	if err != nil {
		return v, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[any]entry[T]{}
	}
	if len(m.m) >= 4096 {
		for k, e := range m.m {
			if !now.Before(e.expires) {
				delete(m.m, k)
			}
		}
	}
	m.m[key] = entry[T]{v: v, expires: now.Add(TTL), epoch: ep}
	return v, nil
}

// Child returns the path of node's child whose subtree holds the unit at
// path, node's own path for its own records, and "" outside the subtree.
func Child(node, path string) string {
	if !strings.HasPrefix(path, node) {
		return ""
	}
	rest := path[len(node):]
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return node
	}
	return node + rest[:i+1]
}

// Fold adds per-unit numbers into per-child rows of width columns, the
// numbers going to columns at, at+1, …: the shape org.Store.Rollup takes.
func Fold(into map[string][]int64, node, path string, width, at int, ns ...int64) {
	c := Child(node, path)
	if c == "" {
		return
	}
	row := into[c]
	if row == nil {
		row = make([]int64, width)
		into[c] = row
	}
	for i, n := range ns {
		row[at+i] += n
	}
}
