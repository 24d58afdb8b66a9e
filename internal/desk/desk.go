// Package desk holds what the work desks (工作台) of the study, visit and
// rectify packages share: the fold of per-unit counts into per-child
// roll-up rows. (Their scope numbers are counters, internal/tally: read
// afresh on every request, at the same cost at every level.)
package desk

import (
	"strconv"
	"strings"
)

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

// ChildPath is the path of node's child with id (its path is node's
// followed by its id): where a child's counters, read by id, go in a
// roll-up keyed by path.
func ChildPath(node string, id int64) string {
	return node + strconv.FormatInt(id, 10) + "/"
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
