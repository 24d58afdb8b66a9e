package backup

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/vault"
)

// Options say whose backup is written and how to reach the database.
type Options struct {
	Keys    *vault.Keyring // the installation's key file: the backup is encrypted under its active key
	Name    string         // the installation's name (its top unit), written in the header
	Version string         // the halfsky writing it
	URL     string         // PostgreSQL: the database's URL, for pg_dump
}

// Written is what Write wrote.
type Written struct {
	Header   Header
	Manifest Manifest
	Bytes    int64
	Took     time.Duration
}

// Write takes a consistent backup of d while it keeps serving and writes
// it, encrypted, to path, which must not exist. The file appears whole or
// not at all: it is written beside path and linked into place at the end.
func Write(ctx context.Context, d *db.DB, path string, o Options) (Written, error) {
	start := time.Now()
	if _, err := os.Lstat(path); err == nil {
		return Written{}, fmt.Errorf("refusing to overwrite %s", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Written{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".part-*")
	if err != nil {
		return Written{}, err
	}
	defer os.Remove(tmp.Name())
	w := Written{}
	if d.Dialect == db.Postgres {
		w.Header, w.Manifest, err = writePostgres(ctx, d, tmp, o)
	} else {
		w.Header, w.Manifest, err = writeSQLite(ctx, d, tmp, o)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Written{}, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return Written{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return Written{}, err
	}
	w.Bytes, w.Took = st.Size(), time.Since(start)
	return w, nil
}

// encrypt writes the header, then the manifest and what dump writes, in
// sealed chunks, then the trailer.
func encrypt(out io.Writer, h Header, m Manifest, k *vault.Keyring, dump func(io.Writer) error) error {
	fk, _ := fileKeys(k, h)
	mac, err := writeHeader(out, h, fk)
	if err != nil {
		return err
	}
	s := newSealer(out, fk, mac)
	if err := writeManifest(s, m); err != nil {
		return err
	}
	if err := dump(s); err != nil {
		return err
	}
	return s.Close()
}

// writeSQLite copies the database with VACUUM INTO — one read
// transaction, so a consistent snapshot while writers go on — and digests
// the copy itself: the manifest is of exactly what is backed up. (VACUUM
// cannot run inside a transaction, so the live database cannot be
// digested at the copy's point; the copy is that point.) The plain copy
// is kept beside the database, as protected as it is, and removed.
func writeSQLite(ctx context.Context, d *db.DB, out io.Writer, o Options) (Header, Manifest, error) {
	snap := filepath.Join(filepath.Dir(d.Path), ".halfsky-backup-"+randomHex()+".db")
	defer os.Remove(snap)
	if _, err := d.Raw().ExecContext(ctx, `VACUUM INTO ?`, snap); err != nil {
		return Header{}, Manifest{}, fmt.Errorf("backup: %w", err)
	}
	m, err := sqliteManifest(ctx, snap)
	if err != nil {
		return Header{}, Manifest{}, err
	}
	h, err := newHeader(o.Keys, "sqlite", m.Schema, o.Name, o.Version)
	if err != nil {
		return Header{}, Manifest{}, err
	}
	err = encrypt(out, h, m, o.Keys, func(w io.Writer) error {
		f, err := os.Open(snap)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	return h, m, err
}

// sqliteManifest digests the SQLite file at path, read only.
func sqliteManifest(ctx context.Context, path string) (Manifest, error) {
	f, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return Manifest{}, err
	}
	defer f.Close()
	m := Manifest{Engine: "sqlite"}
	if m.Tables, err = sumTables(ctx, f, "sqlite"); err != nil {
		return m, err
	}
	m.Schema, err = schemaOf(ctx, f)
	return m, err
}

func schemaOf(ctx context.Context, q queryer) (int, error) {
	rows, err := q.QueryContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var v int
	if rows.Next() {
		err = rows.Scan(&v)
	}
	if err == nil {
		err = rows.Err()
	}
	return v, err
}

// writePostgres opens a REPEATABLE READ transaction, exports its
// snapshot, digests every table in it and has pg_dump dump that same
// snapshot (--snapshot) into the encrypted stream: the manifest and the
// dump are of one point in time, whatever commits meanwhile.
func writePostgres(ctx context.Context, d *db.DB, out io.Writer, o Options) (Header, Manifest, error) {
	conn, err := d.Raw().Conn(ctx)
	if err != nil {
		return Header{}, Manifest{}, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return Header{}, Manifest{}, err
	}
	defer tx.Rollback()
	var snapshot string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return Header{}, Manifest{}, err
	}
	m := Manifest{Engine: "postgres"}
	if m.Tables, err = sumTables(ctx, tx, "postgres"); err != nil {
		return Header{}, Manifest{}, err
	}
	if m.Schema, err = schemaOf(ctx, tx); err != nil {
		return Header{}, Manifest{}, err
	}
	h, err := newHeader(o.Keys, "postgres", m.Schema, o.Name, o.Version)
	if err != nil {
		return Header{}, Manifest{}, err
	}
	err = encrypt(out, h, m, o.Keys, func(w io.Writer) error {
		return run(ctx, w, "pg_dump", "--format=custom", "--snapshot="+snapshot, "--dbname="+o.URL)
	})
	if err != nil {
		return Header{}, Manifest{}, err
	}
	return h, m, tx.Commit()
}

// run runs a PostgreSQL client program, its output to stdout; its error
// output goes into the error.
func run(ctx context.Context, stdout io.Writer, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func randomHex() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
