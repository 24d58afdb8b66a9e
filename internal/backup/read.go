package backup

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"halfsky/internal/vault"
)

// File is a backup whose header is authenticated and whose trailer
// matches it; its chunks are opened as they are read.
type File struct {
	Header Header
	Size   int64
	f      *os.File
	o      *opener
}

// Open opens the backup at path with the installation's keys and refuses
// (a *Refusal) a file that is not a backup, is another installation's,
// wants a key the keyring lacks, or is truncated or changed where that
// shows before its chunks are read.
func Open(path string, k *vault.Keyring) (*File, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("找不到备份文件 %s", path)
	}
	if err != nil {
		return nil, err
	}
	b, err := open(f, k)
	if err != nil {
		f.Close()
		return nil, err
	}
	return b, nil
}

func open(f *os.File, k *vault.Keyring) (*File, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	rh, err := readHeader(bufio.NewReader(io.NewSectionReader(f, 0, st.Size())))
	if err != nil {
		return nil, err
	}
	fk, err := checkHeader(k, rh)
	if err != nil {
		return nil, err
	}
	o, err := checkTrailer(f, st.Size(), rh.size, fk, rh.mac)
	if err != nil {
		return nil, err
	}
	return &File{Header: rh.Header, Size: st.Size(), f: f, o: o}, nil
}

// Close closes the file.
func (b *File) Close() error { return b.f.Close() }

// Payload reads the manifest and returns it with the reader of the
// database's bytes after it. Every chunk is authenticated before its
// bytes are handed on; a changed one fails the read with a *Refusal.
func (b *File) Payload() (Manifest, io.Reader, error) {
	m, err := readManifest(b.o)
	if err != nil {
		var r *Refusal
		if errors.As(err, &r) {
			return m, nil, err
		}
		return m, nil, refuse(Tampered, "备份文件已被改动（清单无法读取）"+untouched)
	}
	if m.Engine != b.Header.Engine || m.Schema != b.Header.Schema {
		return m, nil, refuse(Tampered, "备份文件已被改动（清单与文件头不符）"+untouched)
	}
	return m, b.o, nil
}

// Checked is what Check found in a whole backup.
type Checked struct {
	Header   Header
	Manifest Manifest
	Size     int64 // the file's bytes
	Database int64 // the database's bytes inside
	Chunks   uint64
}

// Check reads the whole backup at path and opens every chunk without
// restoring anything: the check of a copy kept off the machine. It needs
// the key file and nothing else (no database, no PostgreSQL tools).
func Check(path string, k *vault.Keyring) (Checked, error) {
	b, err := Open(path, k)
	if err != nil {
		return Checked{}, err
	}
	defer b.Close()
	m, r, err := b.Payload()
	if err != nil {
		return Checked{}, err
	}
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return Checked{}, err
	}
	return Checked{Header: b.Header, Manifest: m, Size: b.Size, Database: n, Chunks: b.o.chunks}, nil
}
