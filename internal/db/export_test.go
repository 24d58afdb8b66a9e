package db

// Test hooks: how many statements the cache holds, and how many cached
// statements a transaction has bound.

func (d *DB) CachedStmts() int {
	if d.stmts == nil {
		return 0
	}
	d.stmts.mu.Lock()
	defer d.stmts.mu.Unlock()
	return len(d.stmts.m)
}

func (t *Tx) BoundStmts() int { return len(t.bound) + len(t.missed) }

// StopWatching ends the watcher of other processes' writes, so a test sees
// only what this process's own calls do to the generation.
func (d *DB) StopWatching() { d.stopWatch() }
