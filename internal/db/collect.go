package db

import "context"

// Scanner is a *sql.Row or *sql.Rows: what a scan function reads from.
type Scanner interface{ Scan(dest ...any) error }

// All runs a query and reads every row with scan: the loop every list
// query would otherwise write out again. No rows is a nil slice.
func All[T any](ctx context.Context, q Querier, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Column runs a query of one column and reads it into a slice of T (ids,
// keys, names): All with the scan every such query would write. No rows
// is a nil slice.
func Column[T any](ctx context.Context, q Querier, query string, args ...any) ([]T, error) {
	return All(ctx, q, func(r Scanner) (v T, err error) {
		err = r.Scan(&v)
		return v, err
	}, query, args...)
}
