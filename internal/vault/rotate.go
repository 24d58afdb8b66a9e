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

// A Sealer seals, batch by batch, what a module stored in the clear
// before it was sealed and what re-sealing a column cannot reach by
// itself: an uploaded file's bytes moved into sealed pieces, a search
// index built from fields that were plain. Modules register one from init.
type Sealer struct {
	// Column names what it seals, for progress and status ("files.data").
	Column Column
	// Batch seals some of what is left in one committed transaction and
	// reports how many items it sealed; 0 when nothing is left. It must be
	// safe to run twice at once (a compare-and-set on what it read).
	Batch func(ctx context.Context, d *db.DB, k *Keyring) (int, error)
	// Left counts the items still to seal.
	Left func(ctx context.Context, d *db.DB) (int, error)
}

var sealers []Sealer

// RegisterSealer declares a Sealer; a second one for the same column
// replaces nothing and is ignored.
func RegisterSealer(s Sealer) {
	regMu.Lock()
	defer regMu.Unlock()
	for _, x := range sealers {
		if x.Column == s.Column {
			return
		}
	}
	sealers = append(sealers, s)
}

// Sealers lists the registered sealers.
func Sealers() []Sealer {
	regMu.Lock()
	defer regMu.Unlock()
	return append([]Sealer(nil), sealers...)
}

// batchSize is how many values one re-sealing transaction takes.
const batchSize = 500

// Rotate re-seals, under the keyring's active key, every value of every
// registered column sealed with another key (or not sealed at all), in
// batches of one transaction each, after running every Sealer, and
// returns how many values it sealed per column. It can be interrupted and
// run again: each batch commits on its own and only stale values are
// picked up.
func Rotate(ctx context.Context, d *db.DB, k *Keyring, progress func(Column, int)) (map[Column]int, error) {
	return run(ctx, d, k, false, progress)
}

// SealPlain seals what earlier versions stored in the clear — every
// Sealer's work, and the plain values of every registered column — and
// leaves values sealed under an older key as they are. The server runs it
// at start; `halfsky keys reseal` does it too, with the rest.
func SealPlain(ctx context.Context, d *db.DB, k *Keyring, progress func(Column, int)) (map[Column]int, error) {
	return run(ctx, d, k, true, progress)
}

func run(ctx context.Context, d *db.DB, k *Keyring, plainOnly bool, progress func(Column, int)) (map[Column]int, error) {
	if k == nil {
		return nil, ErrNoKeys
	}
	done := map[Column]int{}
	step := func(c Column, batch func() (int, error)) error {
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			n, err := batch()
			if err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			done[c] += n
			if progress != nil {
				progress(c, done[c])
			}
		}
	}
	for _, s := range Sealers() {
		if err := step(s.Column, func() (int, error) { return s.Batch(ctx, d, k) }); err != nil {
			return done, err
		}
	}
	for _, c := range Columns() {
		var after int64
		if err := step(c, func() (int, error) { return rotateBatch(ctx, d, k, c, plainOnly, &after, batchSize) }); err != nil {
			return done, err
		}
	}
	return done, nil
}

// rotateBatch re-seals up to limit stale values (plain ones only, when
// plainOnly) of column c with keys above *after, in key order, and moves
// *after past them.
func rotateBatch(ctx context.Context, d *db.DB, k *Keyring, c Column, plainOnly bool, after *int64, limit int) (int, error) {
	// Identifiers come from Register calls in code, never from input.
	mark := prefix + k.Active() + "."
	if plainOnly {
		mark = prefix
	}
	sel := `SELECT ` + c.Key + `, ` + c.Name + ` FROM ` + c.Table + ` WHERE ` + c.Key + ` > ? AND ` + c.Name + ` <> '' AND SUBSTR(` + c.Name +
		`, 1, ` + fmt.Sprint(len(mark)) + `) <> ? ORDER BY ` + c.Key + ` LIMIT ?`
	upd := `UPDATE ` + c.Table + ` SET ` + c.Name + ` = ? WHERE ` + c.Key + ` = ? AND ` + c.Name + ` = ?`
	var n int
	err := d.InTx(ctx, func(tx *db.Tx) error {
		type item struct {
			key    int64
			sealed string
		}
		items, err := db.All(ctx, tx, func(row db.Scanner) (it item, err error) {
			err = row.Scan(&it.key, &it.sealed)
			return it, err
		}, sel, *after, mark, limit)
		if err != nil {
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
		if n > 0 {
			*after = items[n-1].key
		}
		return nil
	})
	return n, err
}
