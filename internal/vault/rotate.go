package vault

import (
	"context"
	"fmt"
	"sync"

	"halfsky/internal/db"
)

// Column is a sealed column: the table, its primary key column and the
// column itself. Its values are sealed with the purpose "table.column".
type Column struct{ Table, Key, Name string }

// Purpose is the additional data the column's values are sealed with.
func (c Column) Purpose() string { return c.Table + "." + c.Name }

var (
	regMu   sync.Mutex
	columns []Column
)

// Register declares a sealed column, so key rotation re-seals it. Modules
// call it from init for each column they seal; it returns the column for
// use as a purpose.
func Register(table, key, name string) Column {
	regMu.Lock()
	defer regMu.Unlock()
	c := Column{table, key, name}
	for _, x := range columns {
		if x == c {
			return c
		}
	}
	columns = append(columns, c)
	return c
}

// Columns lists the registered sealed columns.
func Columns() []Column {
	regMu.Lock()
	defer regMu.Unlock()
	return append([]Column(nil), columns...)
}

// Rotate re-seals, under the keyring's active key, every value of every
// registered column sealed with another key (or not sealed at all), in batches of one
// transaction each, and returns how many values it re-sealed per column.
// It can be interrupted and run again: each batch commits on its own and
// only stale values are picked up.
func Rotate(ctx context.Context, d *db.DB, k *Keyring, progress func(Column, int)) (map[Column]int, error) {
	done := map[Column]int{}
	for _, c := range Columns() {
		for {
			n, err := rotateBatch(ctx, d, k, c, 500)
			if err != nil {
				return done, err
			}
			if n == 0 {
				break
			}
			done[c] += n
			if progress != nil {
				progress(c, done[c])
			}
		}
	}
	return done, nil
}

func rotateBatch(ctx context.Context, d *db.DB, k *Keyring, c Column, limit int) (int, error) {
	// Identifiers come from Register calls in code, never from input.
	mark := prefix + k.Active() + "."
	sel := `SELECT ` + c.Key + `, ` + c.Name + ` FROM ` + c.Table + ` WHERE ` + c.Name + ` <> '' AND SUBSTR(` + c.Name +
		`, 1, ` + fmt.Sprint(len(mark)) + `) <> ? LIMIT ?`
	upd := `UPDATE ` + c.Table + ` SET ` + c.Name + ` = ? WHERE ` + c.Key + ` = ? AND ` + c.Name + ` = ?`
	var n int
	err := d.InTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, sel, mark, limit)
		if err != nil {
			return err
		}
		type item struct {
			key    any
			sealed string
		}
		var items []item
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.key, &it.sealed); err != nil {
				rows.Close()
				return err
			}
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, it := range items {
			plain, err := k.Open(c.Purpose(), it.sealed)
			if KeyOf(it.sealed) == "" {
				// Written in the clear by a version before the column was
				// sealed: seal it now.
				plain, err = it.sealed, nil
			}
			if err != nil {
				// Name the row, never the value.
				return fmt.Errorf("%s %s=%v: %w (is a key missing from the key file?)", c.Table, c.Key, it.key, err)
			}
			fresh, err := k.Seal(c.Purpose(), plain)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, upd, fresh, it.key, it.sealed); err != nil {
				return err
			}
		}
		n = len(items)
		return nil
	})
	return n, err
}
