package db_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

func collectTable(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := d.Exec(ctx, `CREATE TABLE collect (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO collect (id, name, note) VALUES (1, '甲', 'x'), (2, '乙', NULL), (3, '丙', 'z')`); err != nil {
		t.Fatal(err)
	}
}

func TestAll(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		collectTable(t, d)
		type row struct {
			ID   int64
			Name string
		}
		scan := func(r db.Scanner) (x row, err error) {
			err = r.Scan(&x.ID, &x.Name)
			return x, err
		}
		got, err := db.All(ctx, d.Q(), scan, `SELECT id, name FROM collect WHERE id >= ? ORDER BY id`, 2)
		if err != nil || !slices.Equal(got, []row{{2, "乙"}, {3, "丙"}}) {
			t.Fatalf("All = %v, %v", got, err)
		}
		// Inside a transaction, through the same Querier.
		err = d.InTx(ctx, func(tx *db.Tx) error {
			got, err := db.All(ctx, tx, scan, `SELECT id, name FROM collect ORDER BY id DESC`)
			if err == nil && len(got) != 3 {
				t.Errorf("All in a transaction read %d rows", len(got))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// No rows is nil, not an error.
		if got, err := db.All(ctx, d.Q(), scan, `SELECT id, name FROM collect WHERE id > 9`); err != nil || got != nil {
			t.Fatalf("All of no rows = %#v, %v", got, err)
		}
		// The scan's error is All's, with no rows.
		boom := errors.New("boom")
		if got, err := db.All(ctx, d.Q(), func(db.Scanner) (row, error) { return row{}, boom }, `SELECT id, name FROM collect`); !errors.Is(err, boom) || got != nil {
			t.Fatalf("All with a failing scan = %v, %v", got, err)
		}
		// So is the query's.
		if _, err := db.All(ctx, d.Q(), scan, `SELECT id, name FROM no_such_table`); err == nil {
			t.Fatal("All of a missing table: no error")
		}
	})
}

func TestColumn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		collectTable(t, d)
		ids, err := db.Column[int64](ctx, d.Q(), `SELECT id FROM collect WHERE id <> ? ORDER BY id`, 2)
		if err != nil || !slices.Equal(ids, []int64{1, 3}) {
			t.Fatalf("Column[int64] = %v, %v", ids, err)
		}
		names, err := db.Column[string](ctx, d.Q(), `SELECT name FROM collect ORDER BY id DESC`)
		if err != nil || !slices.Equal(names, []string{"丙", "乙", "甲"}) {
			t.Fatalf("Column[string] = %v, %v", names, err)
		}
		n, err := db.Column[int](ctx, d.Q(), `SELECT COUNT(*) FROM collect`)
		if err != nil || !slices.Equal(n, []int{3}) {
			t.Fatalf("Column[int] = %v, %v", n, err)
		}
		notes, err := db.Column[sql.NullString](ctx, d.Q(), `SELECT note FROM collect ORDER BY id`)
		if err != nil || len(notes) != 3 || notes[0].String != "x" || notes[1].Valid || !notes[2].Valid {
			t.Fatalf("Column[sql.NullString] = %v, %v", notes, err)
		}
		if got, err := db.Column[int64](ctx, d.Q(), `SELECT id FROM collect WHERE id > 9`); err != nil || got != nil {
			t.Fatalf("Column of no rows = %#v, %v", got, err)
		}
		// A NULL into a plain string is the scan's error, and Column's.
		if got, err := db.Column[string](ctx, d.Q(), `SELECT note FROM collect ORDER BY id`); err == nil || got != nil {
			t.Fatalf("Column[string] of a NULL = %v, %v", got, err)
		}
		// So is more than one column.
		if _, err := db.Column[int64](ctx, d.Q(), `SELECT id, name FROM collect`); err == nil {
			t.Fatal("Column of two columns: no error")
		}
		err = d.InTx(ctx, func(tx *db.Tx) error {
			ids, err := db.Column[int64](ctx, tx, `SELECT id FROM collect ORDER BY id`)
			if err == nil && !slices.Equal(ids, []int64{1, 2, 3}) {
				t.Errorf("Column in a transaction = %v", ids)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
