package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"halfsky/internal/db"
	"halfsky/internal/vault"
)

// Files stored by a version before they were sealed have chunks = 0 and
// their bytes in files.data, name and checksum in the clear. The sealer
// below moves each into sealed pieces — name, checksum and pieces sealed,
// files.data emptied — one transaction per few files, and is registered
// so that `halfsky keys reseal|rotate` and the server's start-up step run
// it. It can be stopped at any point and run again, by several processes
// at once: a file is claimed by an UPDATE … WHERE chunks = 0.
func init() {
	vault.RegisterSealer(vault.Sealer{Column: vault.Column{Table: "files", Key: "id", Name: "data"}, Batch: sealBatch, Left: plainLeft})
}

// sealBatchBytes bounds the plain bytes one transaction seals (a single
// larger file goes alone).
const sealBatchBytes = 32 << 20

func plainLeft(ctx context.Context, d *db.DB) (int, error) {
	var n int
	err := d.QueryRow(ctx, `SELECT COUNT(*) FROM files WHERE chunks = 0`).Scan(&n)
	return n, err
}

func sealBatch(ctx context.Context, d *db.DB, k *vault.Keyring) (int, error) {
	for {
		n, picked, err := sealSome(ctx, d, k)
		// All of the batch taken by another process: look again.
		if err != nil || n > 0 || picked == 0 {
			return n, err
		}
	}
}

// sealSome seals the first plain files, and reports how many it sealed
// and how many it picked.
func sealSome(ctx context.Context, d *db.DB, k *vault.Keyring) (n, picked int, err error) {
	rows, err := d.Query(ctx, `SELECT id, size FROM files WHERE chunks = 0 ORDER BY id LIMIT 100`)
	if err != nil {
		return 0, 0, err
	}
	var ids []int64
	var total int64
	for rows.Next() {
		var id, size int64
		if err := rows.Scan(&id, &size); err != nil {
			rows.Close()
			return 0, 0, err
		}
		if len(ids) > 0 && total+size > sealBatchBytes {
			break
		}
		ids, total = append(ids, id), total+size
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return 0, 0, err
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		n = 0
		for _, id := range ids {
			var name, sum string
			var data []byte
			err := tx.QueryRow(ctx, `SELECT name, sha256, data FROM files WHERE id = ? AND chunks = 0`, id).Scan(&name, &sum, &data)
			if errors.Is(db.NoRows(err), db.ErrNotFound) {
				continue // sealed meanwhile
			}
			if err != nil {
				return err
			}
			if name, err = sealPlain(k, nameCol, name); err != nil {
				return err
			}
			if vault.KeyOf(sum) == "" {
				// Recomputed rather than trusted: it is checked on every read.
				s := sha256.Sum256(data)
				sum = hex.EncodeToString(s[:])
			}
			if sum, err = sealPlain(k, sumCol, sum); err != nil {
				return err
			}
			parts, err := filePieces.Seal(k, data)
			if err != nil {
				return err
			}
			res, err := tx.Exec(ctx, `UPDATE files SET name = ?, sha256 = ?, data = ?, chunks = ? WHERE id = ? AND chunks = 0`,
				name, sum, []byte{}, len(parts), id)
			if err != nil {
				return err
			}
			if m, _ := res.RowsAffected(); m != 1 {
				continue // another process claimed it first
			}
			if err := filePieces.Insert(ctx, tx, id, parts); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return n, len(ids), nil
}

// sealPlain seals a value of c that is still in the clear and leaves a
// sealed one as it is.
func sealPlain(k *vault.Keyring, c vault.Column, v string) (string, error) {
	if v == "" || vault.KeyOf(v) != "" {
		return v, nil
	}
	return k.Seal(c.Purpose(), v)
}
