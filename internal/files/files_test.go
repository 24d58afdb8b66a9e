package files_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

func keys(t *testing.T) *vault.Keyring {
	t.Helper()
	k, err := vault.Parse(vault.NewFileText(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixture is a unit, its user, and a document to attach files to (with
// document_files, as the modules link files to their owners).
func fixture(t *testing.T, d *db.DB) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := db.InsertID(ctx, d.Q(), `INSERT INTO orgs (code, name, kind, path, depth, created_at, updated_at)
		VALUES ('9901', '测试妇联', 'city', '/9901/', 1, 0, 0)`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO users (username, display_name, password_hash, org_id, role, created_at, updated_at)
		VALUES ('t', '测试', 'x', ?, 'staff', 0, 0)`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO documents (org_id, doc_type, status, issuer_mark, abbr, title, created_at, updated_at)
		VALUES (?, '通知', 'draft', '测试', '测试', '测试', 0, 0)`, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// save stores data as a file of document 1 (position n).
func save(t *testing.T, d *db.DB, k *vault.Keyring, org int64, name string, data []byte, n int) (files.File, error) {
	t.Helper()
	ctx := context.Background()
	var f files.File
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if f, err = files.Save(ctx, tx, k, org, 1, "file", name, data, time.Now()); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO document_files (doc_id, file_id, position) VALUES (1, ?, ?)`, f.ID, n)
		return err
	})
	return f, err
}

// TestSealedFiles: a file of several pieces reads back byte for byte with
// its name and checksum; nothing of it is stored in the clear; pieces
// swapped between files, or moved within one, are refused on read; a
// store without keys keeps nothing.
func TestSealedFiles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := keys(t)
		org := fixture(t, d)
		big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("CANARYPIECE-"), 3*files.PieceSize/12+7)...)
		f, err := save(t, d, k, org, "金丝雀诊断证明.pdf", big, 1)
		if err != nil {
			t.Fatal(err)
		}
		small, err := save(t, d, k, org, "会议记录.txt", []byte("CANARYSMALL 会议记录"), 2)
		if err != nil {
			t.Fatal(err)
		}
		list, err := files.DocumentLinks.List(ctx, d.Q(), k, 1)
		sum := sha256.Sum256(big)
		if err != nil || len(list) != 2 || list[0].Name != "金丝雀诊断证明.pdf" || list[0].SHA256 != hex.EncodeToString(sum[:]) ||
			list[0].Size != int64(len(big)) || list[0].ContentType != "application/pdf" {
			t.Fatalf("list: %+v %v", list, err)
		}
		got, data, err := files.DocumentLinks.Get(ctx, d.Q(), k, 1, f.ID)
		if err != nil || !bytes.Equal(data, big) || got.Name != "金丝雀诊断证明.pdf" {
			t.Fatalf("get: %+v %d bytes %v", got, len(data), err)
		}
		var pieces int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM file_chunks WHERE file_id = ?`, f.ID).Scan(&pieces)
		if pieces != 4 {
			t.Fatalf("%d pieces, want 4", pieces)
		}
		testdb.NoneInTables(t, d, []string{"files", "file_chunks"}, nil, "CANARY", "金丝雀", hex.EncodeToString(sum[:]))
		testdb.NoneInFile(t, d, "测试妇联", "CANARY", "金丝雀")

		// A piece of another file, or out of its place, does not pass.
		var first, second int64
		d.QueryRow(ctx, `SELECT id FROM file_chunks WHERE file_id = ? AND seq = 0`, f.ID).Scan(&first)
		d.QueryRow(ctx, `SELECT id FROM file_chunks WHERE file_id = ? AND seq = 1`, f.ID).Scan(&second)
		var a, b string
		d.QueryRow(ctx, `SELECT data FROM file_chunks WHERE id = ?`, first).Scan(&a)
		d.QueryRow(ctx, `SELECT data FROM file_chunks WHERE id = ?`, second).Scan(&b)
		d.Exec(ctx, `UPDATE file_chunks SET data = ? WHERE id = ?`, b, first)
		d.Exec(ctx, `UPDATE file_chunks SET data = ? WHERE id = ?`, a, second)
		if _, _, err := files.DocumentLinks.Get(ctx, d.Q(), k, 1, f.ID); err == nil || !strings.Contains(err.Error(), "does not match its checksum") {
			t.Fatalf("reordered pieces read: %v", err)
		}
		// Put them back (the file reads again), then slip in another
		// file's piece, which opens under the same column's key.
		d.Exec(ctx, `UPDATE file_chunks SET data = ? WHERE id = ?`, a, first)
		d.Exec(ctx, `UPDATE file_chunks SET data = ? WHERE id = ?`, b, second)
		if _, got, err := files.DocumentLinks.Get(ctx, d.Q(), k, 1, f.ID); err != nil || !bytes.Equal(got, big) {
			t.Fatalf("pieces put back: %v", err)
		}
		d.Exec(ctx, `UPDATE file_chunks SET data = (SELECT data FROM file_chunks WHERE file_id = ?) WHERE id = ?`, small.ID, second)
		if _, _, err := files.DocumentLinks.Get(ctx, d.Q(), k, 1, f.ID); err == nil || !strings.Contains(err.Error(), "does not match its checksum") {
			t.Fatalf("another file's piece read: %v", err)
		}
		// Another keyring opens nothing.
		if _, err := files.DocumentLinks.List(ctx, d.Q(), keys(t), 1); !errors.Is(err, vault.ErrSealed) {
			t.Fatalf("another keyring: %v", err)
		}

		// Without keys: refused, nothing stored.
		var before int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM files`).Scan(&before)
		if _, err := save(t, d, nil, org, "x.txt", []byte("x"), 3); !errors.Is(err, vault.ErrNoKeys) {
			t.Fatalf("without keys: %v", err)
		}
		var after int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM files`).Scan(&after)
		if after != before {
			t.Fatal("stored without keys")
		}
	})
}

// TestSealPlainFiles: files an earlier version stored in the clear read as
// they are, and the sealer moves them into sealed pieces that read back
// the same.
func TestSealPlainFiles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := keys(t)
		org := fixture(t, d)
		data := []byte("CANARYLEGACY 旧版本的附件")
		sum := sha256.Sum256(data)
		id, err := db.InsertID(ctx, d.Q(), `INSERT INTO files (org_id, name, content_type, size, sha256, data, created_at)
			VALUES (?, '金丝雀旧附件.txt', 'text/plain; charset=utf-8', ?, ?, ?, 0)`, org, len(data), hex.EncodeToString(sum[:]), data)
		if err != nil {
			t.Fatal(err)
		}
		d.Exec(ctx, `INSERT INTO document_files (doc_id, file_id, position) VALUES (1, ?, 1)`, id)
		if f, got, err := files.DocumentLinks.Get(ctx, d.Q(), k, 1, id); err != nil || f.Name != "金丝雀旧附件.txt" || !bytes.Equal(got, data) {
			t.Fatalf("plain file reads %+v %q %v", f, got, err)
		}
		done, err := vault.SealPlain(ctx, d, k, nil)
		if err != nil || done[vault.Column{Table: "files", Key: "id", Name: "data"}] != 1 {
			t.Fatalf("sealed %v %v", done, err)
		}
		if f, got, err := files.DocumentLinks.Get(ctx, d.Q(), k, 1, id); err != nil || f.Name != "金丝雀旧附件.txt" || !bytes.Equal(got, data) ||
			f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("sealed file reads %+v %q %v", f, got, err)
		}
		testdb.NoneInTables(t, d, []string{"files", "file_chunks"}, nil, "CANARY", "金丝雀", hex.EncodeToString(sum[:]))
		if done, err := vault.SealPlain(ctx, d, k, nil); err != nil || len(done) != 0 {
			t.Fatalf("second run: %v %v", done, err)
		}
	})
}
