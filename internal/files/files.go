// Package files stores uploaded attachments in the database: only the
// document and image types a federation office exchanges, checked by
// content as well as by name, and never larger than MaxSize — and sealed:
// the name and the content's SHA-256 each sealed in their column, the
// bytes in sealed pieces of at most 64 KiB (see Pieces), all with
// internal/vault, so nothing of an upload is in the database in the clear
// and key rotation re-seals them like any sealed field.
package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/vault"
)

// MaxSize is the largest attachment accepted.
const MaxSize = 20 << 20

// kind is an accepted file type: its content type and how to recognize
// its content.
type kind struct {
	contentType string
	magic       [][]byte // one of these prefixes; none = text
}

var (
	pdf   = kind{"application/pdf", [][]byte{[]byte("%PDF-")}}
	ole   = [][]byte{{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}} // .doc, .xls, .wps
	zip   = [][]byte{[]byte("PK\x03\x04")}                             // .docx, .xlsx, .ofd
	kinds = map[string]kind{
		".pdf":  pdf,
		".doc":  {"application/msword", ole},
		".wps":  {"application/vnd.ms-works", ole},
		".xls":  {"application/vnd.ms-excel", ole},
		".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", zip},
		".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", zip},
		".ofd":  {"application/ofd", zip},
		".jpg":  {"image/jpeg", [][]byte{{0xFF, 0xD8, 0xFF}}},
		".jpeg": {"image/jpeg", [][]byte{{0xFF, 0xD8, 0xFF}}},
		".png":  {"image/png", [][]byte{[]byte("\x89PNG\r\n\x1a\n")}},
		".txt":  {"text/plain; charset=utf-8", nil},
	}
)

// Allowed is the list of accepted extensions, for forms and messages.
const Allowed = "PDF、Word（doc/docx/wps）、Excel（xls/xlsx）、OFD、JPG、PNG、TXT"

// File is a stored file's metadata.
type File struct {
	ID          int64
	OrgID       int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	CreatedAt   time.Time
}

// Check validates an upload and returns its content type; field names the
// form field for the error.
func Check(field, name string, data []byte) (string, error) {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	switch {
	case name == "" || name == "." || name == "/":
		return "", apperr.Field(field, "文件名为空")
	case len(data) == 0:
		return "", apperr.Field(field, "文件“"+name+"”是空的")
	case len(data) > MaxSize:
		return "", apperr.Field(field, fmt.Sprintf("文件“%s”超过 %d MB 的上限", name, MaxSize>>20))
	}
	k, ok := kinds[strings.ToLower(filepath.Ext(name))]
	if !ok {
		return "", apperr.Field(field, "不接受该类型的文件“"+name+"”，只能上传 "+Allowed)
	}
	if !matches(k, data) {
		return "", apperr.Field(field, "文件“"+name+"”的内容与扩展名不符，可能已损坏或被改名")
	}
	return k.contentType, nil
}

// MaxImageSize is the largest photo accepted (study activities, visits):
// phone cameras give 3–8 MB; anything bigger is not a photo worth storing.
const MaxImageSize = 10 << 20

// CheckImage validates an uploaded photo: JPG or PNG by name and content,
// at most MaxImageSize.
func CheckImage(field, name string, data []byte) (string, error) {
	base := strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	switch strings.ToLower(filepath.Ext(base)) {
	case ".jpg", ".jpeg", ".png":
	default:
		if base != "" && base != "." && len(data) > 0 {
			return "", apperr.Field(field, "“"+base+"”不是照片，只能上传 JPG 或 PNG 图片")
		}
	}
	if len(data) > MaxImageSize {
		return "", apperr.Field(field, fmt.Sprintf("照片“%s”超过 %d MB 的上限", base, MaxImageSize>>20))
	}
	return Check(field, name, data)
}

// SaveImage stores a photo, sealed, in the caller's transaction, with
// its metadata taken out first (Scrub): a photo of a visit to a woman's
// home carries the home's position.
func SaveImage(ctx context.Context, tx *db.Tx, k *vault.Keyring, orgID, userID int64, field, name string, data []byte, now time.Time) (File, error) {
	data, err := Scrub(field, name, data)
	if err != nil {
		return File{}, err
	}
	return Save(ctx, tx, k, orgID, userID, field, name, data, now)
}

func matches(k kind, data []byte) bool {
	if k.magic == nil { // text: UTF-8 without NUL bytes
		return utf8.Valid(data) && bytes.IndexByte(data, 0) < 0
	}
	for _, m := range k.magic {
		if bytes.HasPrefix(data, m) {
			return true
		}
	}
	return false
}

// Save stores a checked file, sealed, in the caller's transaction:
// without keys it stores nothing (vault.ErrNoKeys).
func Save(ctx context.Context, tx *db.Tx, k *vault.Keyring, orgID, userID int64, field, name string, data []byte, now time.Time) (File, error) {
	ct, err := Check(field, name, data)
	if err != nil {
		return File{}, err
	}
	if k == nil {
		return File{}, vault.ErrNoKeys
	}
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	sum := sha256.Sum256(data)
	f := File{OrgID: orgID, Name: name, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: now}
	sealedName, err := k.Seal(nameCol.Purpose(), f.Name)
	if err != nil {
		return File{}, err
	}
	sealedSum, err := k.Seal(sumCol.Purpose(), f.SHA256)
	if err != nil {
		return File{}, err
	}
	parts, err := filePieces.Seal(k, data)
	if err != nil {
		return File{}, err
	}
	f.ID, err = db.InsertID(ctx, tx, `INSERT INTO files (org_id, name, content_type, size, sha256, data, chunks, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, sealedName, f.ContentType, f.Size, sealedSum, []byte{}, len(parts), userID, db.Millis(now))
	if err != nil {
		return File{}, err
	}
	return f, filePieces.Insert(ctx, tx, f.ID, parts)
}

// Serve writes a file as a download with a safe name.
func Serve(w http.ResponseWriter, f File, data []byte) {
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", mimeAttachment(f.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(data)
}

// mimeAttachment is a Content-Disposition for a UTF-8 file name (RFC 6266).
func mimeAttachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + urlEscape(name)
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// Link is a table attaching files to their owner (a document, a report).
type Link struct {
	table, owner, order string // constants, never user input
}

// The owners' link tables.
var (
	DocumentLinks = Link{"document_files", "doc_id", "position"}
	ReportLinks   = Link{"report_files", "report_id", "file_id"}
	// StudyPhotos are a study activity's photos: study_photos(activity_id, file_id).
	StudyPhotos = Link{"study_photos", "activity_id", "file_id"}
	// VisitPhotos are a visit's photos: visit_photos(visit_id, file_id).
	VisitPhotos = Link{"visit_photos", "visit_id", "file_id"}
	// ProblemFiles are a problem's evidence: problem_files(problem_id,
	// file_id, update_id), each file attached with a progress update.
	ProblemFiles = Link{"problem_files", "problem_id", "file_id"}
	// IncomingFiles are a received document's files, the original first:
	// incoming_files(incoming_id, file_id).
	IncomingFiles = Link{"incoming_files", "incoming_id", "file_id"}
	// CaseFiles are a rights case's photos and files, in the order added:
	// case_files(case_id, file_id, …); rights lists those not removed.
	CaseFiles = Link{"case_files", "case_id", "file_id"}
)

const metaCols = `f.id, f.org_id, f.name, f.content_type, f.size, f.sha256, f.created_at`

func scanMeta(row db.Scanner, extra ...any) (File, error) {
	var f File
	var at int64
	err := row.Scan(append([]any{&f.ID, &f.OrgID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &at}, extra...)...)
	f.CreatedAt = db.FromMillis(at)
	return f, err
}

// OpenMeta opens, in place, the name and checksum of a file read as
// stored (for callers with a query of their own); a file stored in the
// clear by an earlier version reads as it is until it is sealed.
func OpenMeta(k *vault.Keyring, f *File) error {
	var err error
	if f.Name, err = k.OpenAny(nameCol.Purpose(), f.Name); err != nil {
		return fmt.Errorf("file %d name: %w", f.ID, err)
	}
	if f.SHA256, err = k.OpenAny(sumCol.Purpose(), f.SHA256); err != nil {
		return fmt.Errorf("file %d checksum: %w", f.ID, err)
	}
	return nil
}

// List returns an owner's files in order, names opened, in one query.
// Callers check the owner is visible first.
func (l Link) List(ctx context.Context, q db.Querier, k *vault.Keyring, owner int64) ([]File, error) {
	out, err := db.All(ctx, q, func(row db.Scanner) (File, error) {
		f, err := scanMeta(row)
		if err != nil {
			return f, err
		}
		return f, OpenMeta(k, &f)
	}, `SELECT `+metaCols+` FROM `+l.table+` x JOIN files f ON f.id = x.file_id
		WHERE x.`+l.owner+` = ? ORDER BY x.`+l.order, owner)
	if out == nil && err == nil {
		out = []File{} // none is an empty list, not null
	}
	return out, err
}

// Get returns one of an owner's files with its bytes, opened and checked
// against the sealed SHA-256 of what was uploaded; db.ErrNotFound when
// the file is not attached to that owner.
func (l Link) Get(ctx context.Context, q db.Querier, k *vault.Keyring, owner, fileID int64) (File, []byte, error) {
	var data []byte
	var chunks int
	f, err := scanMeta(q.QueryRow(ctx, `SELECT `+metaCols+`, f.chunks, f.data FROM `+l.table+` x JOIN files f ON f.id = x.file_id
		WHERE x.`+l.owner+` = ? AND x.file_id = ?`, owner, fileID), &chunks, &data)
	if err != nil {
		return File{}, nil, db.NoRows(err)
	}
	if err := OpenMeta(k, &f); err != nil {
		return File{}, nil, err
	}
	if chunks == 0 {
		return f, data, nil // stored in the clear by an earlier version, not yet sealed
	}
	if data, err = filePieces.Read(ctx, q, k, f.ID, chunks); err != nil {
		return File{}, nil, err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f.SHA256 {
		return File{}, nil, fmt.Errorf("file %d: content does not match its checksum", f.ID)
	}
	return f, data, nil
}
