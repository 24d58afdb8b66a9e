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
