// Package backup writes and restores halfsky's encrypted backups, and
// proves a restore: the backup carries a manifest of every table — its
// rows and a SHA-256 of its content in primary-key order — taken at the
// backup's own snapshot, and a restore compares every table of the
// restored copy against it before it counts as done.
//
// A backup file is
//
//	"HALFSKY-BACKUP 1\n"  magic and format version
//	uint32 + JSON         the header (Header): whose installation, which
//	                      key, the engine and schema version, when
//	32 bytes              HMAC-SHA-256 of the above
//	chunks                the payload — uint32 + JSON manifest, then the
//	                      database (SQLite: the VACUUM INTO copy;
//	                      PostgreSQL: pg_dump's custom archive) — in
//	                      AES-256-GCM chunks of 64 KiB, each nonce holding
//	                      the chunk's index and whether it is the last
//	                      (the STREAM construction): a chunk moved, dropped
//	                      or changed does not open
//	trailer               "HALFSKY-END\n", the payload's size and chunks,
//	                      and an HMAC over them and the header's HMAC
//
// The keys come from the installation's key file (internal/vault), kept
// apart from the backups: the file key is derived (HKDF) from the active
// data key, a salt of the file's own and the installation's name, so a
// backup without the key file is bytes, and one key file's backups do not
// open with another's. The header is readable without the key: a refusal
// can say whose backup it is and which key it wants.
//
// Every refusal (Refusal) is in Chinese and is given before anything is
// written to the target: a restore writes only once the whole file has
// been read and every chunk has opened.
package backup

import "fmt"

// Refusal is a backup that is not restored, with the reason the operator
// reads. Its Kind lets tests and callers tell the reasons apart.
type Refusal struct {
	Kind Kind
	Msg  string
}

func (r *Refusal) Error() string { return r.Msg }

// Kind is why a backup is refused.
type Kind string

const (
	NotBackup   Kind = "not-backup"    // not a halfsky backup file at all
	Truncated   Kind = "truncated"     // the file ends early
	Tampered    Kind = "tampered"      // a byte differs from what was written
	Foreign     Kind = "foreign"       // another installation's backup
	WrongKey    Kind = "wrong-key"     // this installation, but not the key it was written with
	Unsupported Kind = "unsupported"   // a newer format or schema, another engine
	TargetInUse Kind = "target-in-use" // the target already holds a database
	Mismatch    Kind = "mismatch"      // the restored copy differs from the manifest
)

func refuse(kind Kind, format string, args ...any) error {
	return &Refusal{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// untouched ends every refusal of a restore: the operator must know
// nothing was written.
const untouched = "，未做任何恢复"
