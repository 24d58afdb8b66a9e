package org

import (
	"context"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/db"
)

// Statistics everywhere are "rolled up by tree level": under the unit being
// looked at, one row per child with everything in that child's subtree, and
// a row for the unit's own records. The helpers here let a module do that
// in one GROUP BY over its own table, as long as the table keeps the owning
// unit's path (org_path) beside each record.

// ChildPathSQL is an SQL expression that maps the path column col of a row
// in node's subtree to the path of node's child holding it — or to node's
// own path for the node's own rows. Group by it and join with Rollup.
func ChildPathSQL(d db.Dialect, node Org, col string) string {
	n := strconv.Itoa(len(node.Path))
	next := strconv.Itoa(len(node.Path) + 1)
	return `SUBSTR(` + col + `, 1, ` + n + ` + ` + d.Instr() + `(SUBSTR(` + col + `, ` + next + `), '/'))`
}

// Node resolves the unit a roll-up is looked at from: the unit with the
// given code when it is in the actor's scope, the actor's own unit when
// code is empty.
func (s *Store) Node(ctx context.Context, a access.Actor, code string) (Org, error) {
	if code == "" {
		code = a.OrgCode
	}
	return s.ByCode(ctx, a, code)
}

// ByPaths returns the units with the given paths, keyed by path.
func (s *Store) ByPaths(ctx context.Context, q db.Querier, paths []string) (map[string]Org, error) {
	out := make(map[string]Org, len(paths))
	for len(paths) > 0 {
		n := min(len(paths), 500)
		args := make([]any, n)
		for i, p := range paths[:n] {
			args[i] = p
		}
		list, err := db.All(ctx, q, scanOrg, `SELECT `+columns+` FROM orgs WHERE path IN (`+db.Marks(n)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			out[o.Path] = o
		}
		paths = paths[n:]
	}
	return out, nil
}

// RollupRow is one row of a roll-up: a child of the node (or the node
// itself, Self) and the numbers of its subtree, in the module's order.
type RollupRow struct {
	Org  Org
	Self bool
	N    []int64
}

// Rollup turns per-child-path numbers (from a GROUP BY ChildPathSQL) into
// rows in tree order, the node's own row first, and their column totals.
// Children without records get a row of zeros, so every child is listed.
func (s *Store) Rollup(ctx context.Context, node Org, width int, byPath map[string][]int64) ([]RollupRow, []int64, error) {
	kids, err := s.rollupKids(ctx, node)
	if err != nil {
		return nil, nil, err
	}
	return rollup(node, kids, width, byPath)
}

// RollupIDs is Rollup for numbers read by child id — from counters
// (internal/tally), which hold each child's subtree — with own, the
// node's own records' numbers (its row is listed when they are not all
// zero).
func (s *Store) RollupIDs(ctx context.Context, node Org, width int, own []int64, byID map[int64][]int64) ([]RollupRow, []int64, error) {
	kids, err := s.rollupKids(ctx, node)
	if err != nil {
		return nil, nil, err
	}
	byPath := make(map[string][]int64, len(byID)+1)
	for _, n := range own {
		if n != 0 {
			byPath[node.Path] = own
			break
		}
	}
	for _, k := range kids {
		if n, ok := byID[k.ID]; ok {
			byPath[k.Path] = n
		}
	}
	return rollup(node, kids, width, byPath)
}

func (s *Store) rollupKids(ctx context.Context, node Org) ([]Org, error) {
	return db.All(ctx, s.DB.Q(), scanOrg, `SELECT `+columns+` FROM orgs WHERE parent_id = ? ORDER BY sort_key, code`, node.ID)
}

func rollup(node Org, kids []Org, width int, byPath map[string][]int64) ([]RollupRow, []int64, error) {
	total := make([]int64, width)
	row := func(o Org, self bool) RollupRow {
		n := byPath[o.Path]
		if len(n) < width {
			n = append(n, make([]int64, width-len(n))...)
		}
		for i := range total {
			total[i] += n[i]
		}
		return RollupRow{Org: o, Self: self, N: n}
	}
	rows := make([]RollupRow, 0, len(kids)+1)
	if _, ok := byPath[node.Path]; ok {
		rows = append(rows, row(node, true))
	}
	for _, k := range kids {
		rows = append(rows, row(k, false))
	}
	return rows, total, nil
}
