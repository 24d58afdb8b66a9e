package files

import (
	"context"
	"fmt"

	"halfsky/internal/db"
	"halfsky/internal/vault"
)

// The sealed columns of a stored file: its name, the SHA-256 of its
// content (in the clear it would let anyone confirm a guess of the
// content) and the pieces of the content.
var (
	nameCol  = vault.Register("files", "id", "name")
	sumCol   = vault.Register("files", "id", "sha256")
	chunkCol = vault.Register("file_chunks", "id", "data")
)

// PieceSize is how many bytes one sealed piece holds: key rotation
// re-seals 500 rows per transaction, so it never holds more than a few
// tens of megabytes, however large the files.
const PieceSize = 64 << 10

// Pieces is a table of files' content in sealed pieces — (id, file_id,
// seq, data), data sealed for Column — so no file is ever one large
// sealed value. Pieces carry no order or owner of their own in what is
// sealed: whoever reads them checks the whole content against a digest
// kept sealed (or keyed) with the file.
type Pieces struct {
	Table  string       // a constant, never input
	Column vault.Column // the data column, registered for rotation
}

var filePieces = Pieces{Table: "file_chunks", Column: chunkCol}

// Seal cuts data into sealed pieces, at least one (an empty content is
// one empty piece), outside any transaction.
func (p Pieces) Seal(k *vault.Keyring, data []byte) ([]string, error) {
	if k == nil {
		return nil, vault.ErrNoKeys
	}
	out := []string{}
	for len(out) == 0 || len(data) > 0 {
		n := min(len(data), PieceSize)
		s, err := k.Seal(p.Column.Purpose(), string(data[:n]))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		data = data[n:]
	}
	return out, nil
}

// Insert stores a file's sealed pieces in order.
func (p Pieces) Insert(ctx context.Context, tx *db.Tx, fileID int64, parts []string) error {
	for i, s := range parts {
		if _, err := tx.Exec(ctx, `INSERT INTO `+p.Table+` (file_id, seq, data) VALUES (?, ?, ?)`, fileID, i, s); err != nil {
			return err
		}
	}
	return nil
}

// Read opens a file's pieces in order and checks there are want of them.
func (p Pieces) Read(ctx context.Context, q db.Querier, k *vault.Keyring, fileID int64, want int) ([]byte, error) {
	if k == nil {
		return nil, vault.ErrNoKeys
	}
	rows, err := q.Query(ctx, `SELECT data FROM `+p.Table+` WHERE file_id = ? ORDER BY seq`, fileID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []byte
	n := 0
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		s, err := k.Open(p.Column.Purpose(), raw)
		if err != nil {
			return nil, fmt.Errorf("%s: file %d piece %d: %w", p.Table, fileID, n, err)
		}
		out = append(out, s...)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n != want {
		return nil, fmt.Errorf("%s: file %d has %d pieces, want %d", p.Table, fileID, n, want)
	}
	return out, nil
}

// Delete removes a file's pieces.
func (p Pieces) Delete(ctx context.Context, tx *db.Tx, fileID int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM `+p.Table+` WHERE file_id = ?`, fileID)
	return err
}
