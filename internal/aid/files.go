package aid

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// The attachments of an application: the documents its programme requires
// (the keys copied into the application at entry), uploaded by the
// collecting unit while the application is a draft or returned to it.
// Reviewers above read them but do not add or remove any: what was
// submitted is what each level reviews, and a missing paper goes back
// with a return. Names and bytes are sealed (see 0009_aid_files.sql);
// every upload, removal and read is audited, with the document key and
// size only.

// MaxFileSize is the largest attachment: a phone photo of a certificate is
// 3–8 MB, a scanned PDF less.
const MaxFileSize = 10 << 20

// MaxFilesPerDocument bounds the pages kept for one required document.
const MaxFilesPerDocument = 10

// FileTypes names the accepted types, for forms and messages.
const FileTypes = "PDF、JPG、PNG"

var (
	sealedFileName = vault.Register("aid_files", "id", "name")
	sealedChunk    = vault.Register("aid_file_chunks", "id", "data")
	// pieces hold the bytes, sealed, as internal/files keeps every upload.
	pieces = files.Pieces{Table: "aid_file_chunks", Column: sealedChunk}
)

// digestPurpose is the keyed-hash purpose of a file's whole content.
const digestPurpose = "aid_files.data"

// File is an attachment's metadata; its name is opened for those who may
// see the application.
type File struct {
	ID            int64
	ApplicationID int64
	DocKey        string
	Name          string
	ContentType   string
	Size          int64
	OrgID         int64
	UploadedBy    int64
	Uploader      string
	CreatedAt     time.Time
}

// DocumentFiles is one required document of an application and its files.
type DocumentFiles struct {
	Key   string
	Label string
	Files []File
}

// Missing reports whether no file has been uploaded for it.
func (d DocumentFiles) Missing() bool { return len(d.Files) == 0 }

// fileTypeOK accepts PDF, JPG and PNG by name; files.Check then checks
// the content matches.
func fileTypeOK(name string) bool {
	switch strings.ToLower(filepath.Ext(strings.ReplaceAll(name, `\`, "/"))) {
	case ".pdf", ".jpg", ".jpeg", ".png":
		return true
	}
	return false
}

// checkFile validates an upload; errors name the form field "file".
func checkFile(name string, data []byte) (string, string, error) {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	if name != "" && name != "." && len(data) > 0 && !fileTypeOK(name) {
		return "", "", apperr.Field("file", "不接受“"+name+"”，材料只能上传 "+FileTypes+" 文件")
	}
	if len(data) > MaxFileSize {
		return "", "", apperr.Field("file", fmt.Sprintf("文件“%s”超过 %d MB 的上限", name, MaxFileSize>>20))
	}
	if vocab.TooLong(name, 100) {
		return "", "", apperr.Field("file", "文件名不能超过 100 字")
	}
	ct, err := files.Check("file", name, data)
	return name, ct, err
}

// touch marks the application changed, inside tx, if it is still editable.
// On PostgreSQL the row lock orders it with a concurrent Submit, which
// checks the documents after its own UPDATE of the same row.
func touch(ctx context.Context, tx *db.Tx, id, now int64) error {
	res, err := tx.Exec(ctx, `UPDATE aid_applications SET updated_at = ? WHERE id = ? AND status IN ('draft', 'returned')`, now, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errState
	}
	return nil
}

// errFilesClosed refuses a change to the files of a submitted or closed
// application.
var errFilesClosed = apperr.New(http.StatusConflict, "state", "只有待提交或已退回的申请可以修改材料")

// AddFile attaches a file to one of the application's required documents
// (the collecting unit's RecordAid users, while draft or returned). The
// type (PDF, JPG, PNG) is checked by name and content; errors name the
// field "doc_key" or "file".
func (s *Service) AddFile(ctx context.Context, a access.Actor, id int64, docKey, name string, data []byte) (File, error) {
	x, _, err := s.editable(ctx, a, id, "aid.file.add", errFilesClosed)
	if err != nil {
		return File{}, err
	}
	docKey = strings.TrimSpace(docKey)
	if !contains(x.Documents, docKey) {
		return File{}, apperr.Field("doc_key", "请选择材料类别")
	}
	name, ct, err := checkFile(name, data)
	if err != nil {
		return File{}, err
	}
	sealedName, err := s.Vault.Seal(sealedFileName.Purpose(), name)
	if err != nil {
		return File{}, err
	}
	parts, err := pieces.Seal(s.Vault, data)
	if err != nil {
		return File{}, err
	}
	now := s.now()
	f := File{ApplicationID: id, DocKey: docKey, Name: name, ContentType: ct, Size: int64(len(data)), OrgID: a.OrgID,
		UploadedBy: a.UserID, Uploader: a.Name, CreatedAt: now}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := touch(ctx, tx, id, db.Millis(now)); err != nil {
			return err
		}
		// Counted after touch, whose row lock makes concurrent uploads wait.
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM aid_files WHERE application_id = ? AND doc_key = ?`, id, docKey).Scan(&n); err != nil {
			return err
		}
		if n >= MaxFilesPerDocument {
			return apperr.Field("file", fmt.Sprintf("每类材料最多上传 %d 个文件，请先删除不需要的", MaxFilesPerDocument))
		}
		f.ID, err = db.InsertID(ctx, tx, `INSERT INTO aid_files (application_id, doc_key, name, content_type, size, digest, chunks,
			org_id, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, docKey, sealedName, ct, f.Size,
			s.Vault.Lookup(digestPurpose, string(data)), len(parts), a.OrgID, a.UserID, db.Millis(now))
		if err != nil {
			return err
		}
		if err := pieces.Insert(ctx, tx, f.ID, parts); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.file.add", "aid_application", ids(id), audit.OK,
			fmt.Sprintf("file=%d doc=%s type=%s size=%d", f.ID, docKey, ct, f.Size)))
	})
	if err != nil {
		return File{}, err
	}
	return f, nil
}

// RemoveFile deletes an attachment (the collecting unit, while draft or
// returned).
func (s *Service) RemoveFile(ctx context.Context, a access.Actor, id, fileID int64) error {
	if _, _, err := s.editable(ctx, a, id, "aid.file.remove", errFilesClosed); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := touch(ctx, tx, id, db.Millis(s.now())); err != nil {
			return err
		}
		var docKey string
		var size int64
		err := tx.QueryRow(ctx, `SELECT doc_key, size FROM aid_files WHERE id = ? AND application_id = ?`, fileID, id).Scan(&docKey, &size)
		if err != nil {
			return db.NoRows(err)
		}
		if err := pieces.Delete(ctx, tx, fileID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM aid_files WHERE id = ? AND application_id = ?`, fileID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return db.ErrNotFound
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.file.remove", "aid_application", ids(id), audit.OK,
			fmt.Sprintf("file=%d doc=%s size=%d", fileID, docKey, size)))
	})
}

const fileCols = `f.id, f.application_id, f.doc_key, f.name, f.content_type, f.size, f.org_id, f.uploaded_by, u.display_name, f.created_at`

// Files lists an application's attachments (ViewAid, in scope), names
// opened, in upload order.
func (s *Service) Files(ctx context.Context, a access.Actor, id int64) ([]File, error) {
	if err := s.need(ctx, a, access.ViewAid, id); err != nil {
		return nil, err
	}
	if _, _, err := s.load(ctx, s.DB.Q(), a, id); err != nil {
		return nil, err
	}
	return s.files(ctx, s.DB.Q(), id)
}

func (s *Service) files(ctx context.Context, q db.Querier, id int64) ([]File, error) {
	if s.Vault == nil {
		return nil, errNoVault
	}
	out, err := db.All(ctx, q, func(row db.Scanner) (File, error) { return s.scanFile(row) }, `SELECT `+fileCols+` FROM aid_files f JOIN users u ON u.id = f.uploaded_by
		WHERE f.application_id = ? ORDER BY f.id`, id)
	if out == nil && err == nil {
		out = []File{} // none is an empty list, not null
	}
	return out, err
}

func (s *Service) scanFile(row scanner, extra ...any) (File, error) {
	var f File
	var at int64
	if err := row.Scan(append([]any{&f.ID, &f.ApplicationID, &f.DocKey, &f.Name, &f.ContentType, &f.Size, &f.OrgID, &f.UploadedBy,
		&f.Uploader, &at}, extra...)...); err != nil {
		return f, err
	}
	f.CreatedAt = db.FromMillis(at)
	name, err := s.Vault.Open(sealedFileName.Purpose(), f.Name)
	if err != nil {
		return f, fmt.Errorf("aid file %d name: %w", f.ID, err)
	}
	f.Name = name
	return f, nil
}

// Documents is the application's required documents in the programme's
// order, each with its files (ViewAid, in scope).
func (s *Service) Documents(ctx context.Context, a access.Actor, id int64) ([]DocumentFiles, error) {
	if err := s.need(ctx, a, access.ViewAid, id); err != nil {
		return nil, err
	}
	x, _, err := s.load(ctx, s.DB.Q(), a, id)
	if err != nil {
		return nil, err
	}
	fs, err := s.files(ctx, s.DB.Q(), id)
	if err != nil {
		return nil, err
	}
	p, err := s.programmeByID(ctx, s.DB.Q(), x.ProgrammeID)
	if err != nil {
		return nil, err
	}
	return group(x.Documents, p.Documents, fs), nil
}

func group(keys []string, docs []Document, fs []File) []DocumentFiles {
	out := make([]DocumentFiles, 0, len(keys))
	for _, k := range keys {
		d := DocumentFiles{Key: k, Label: docLabel(docs, k), Files: []File{}}
		for _, f := range fs {
			if f.DocKey == k {
				d.Files = append(d.Files, f)
			}
		}
		out = append(out, d)
	}
	return out
}

// File returns one attachment with its bytes (ViewAid, in scope). It is a
// read of personal data: audited before the bytes are returned.
func (s *Service) File(ctx context.Context, a access.Actor, id, fileID int64) (File, []byte, error) {
	if err := s.need(ctx, a, access.ViewAid, id); err != nil {
		return File{}, nil, err
	}
	if s.Vault == nil {
		return File{}, nil, errNoVault
	}
	if _, _, err := s.load(ctx, s.DB.Q(), a, id); err != nil {
		return File{}, nil, err
	}
	var f File
	var data []byte
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var digest string
		var chunks int
		var err error
		f, err = s.scanFile(tx.QueryRow(ctx, `SELECT `+fileCols+`, f.digest, f.chunks FROM aid_files f JOIN users u ON u.id = f.uploaded_by
			WHERE f.id = ? AND f.application_id = ?`, fileID, id), &digest, &chunks)
		if err != nil {
			return db.NoRows(err)
		}
		if data, err = s.openChunks(ctx, tx, f.ID, chunks, digest); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.file.read", "aid_application", ids(id), audit.OK,
			fmt.Sprintf("file=%d doc=%s size=%d", f.ID, f.DocKey, f.Size)))
	})
	if err != nil {
		return File{}, nil, err
	}
	return f, data, nil
}

// openChunks reads a file's pieces in order and checks they are the
// whole content that was uploaded.
func (s *Service) openChunks(ctx context.Context, tx *db.Tx, fileID int64, chunks int, digest string) ([]byte, error) {
	out, err := pieces.Read(ctx, tx, s.Vault, fileID, chunks)
	if err != nil {
		return nil, err
	}
	if s.Vault.Lookup(digestPurpose, string(out)) != digest {
		return nil, fmt.Errorf("aid file %d: content does not match its digest", fileID)
	}
	return out, nil
}

// missingDocuments lists the labels of the application's required
// documents without a file, in q (Submit's transaction).
func (s *Service) missingDocuments(ctx context.Context, q db.Querier, x Application) ([]string, error) {
	if len(x.Documents) == 0 {
		return nil, nil
	}
	keys, err := db.Column[string](ctx, q, `SELECT DISTINCT doc_key FROM aid_files WHERE application_id = ?`, x.ID)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, k := range keys {
		have[k] = true
	}
	p, err := s.programmeByID(ctx, q, x.ProgrammeID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range x.Documents {
		if !have[k] {
			out = append(out, docLabel(p.Documents, k))
		}
	}
	return out, nil
}

// ErrDocumentsField is the field Submit names when required documents
// are missing.
const ErrDocumentsField = "documents"

func errMissing(labels []string) error {
	return apperr.Field(ErrDocumentsField, "请上传："+strings.Join(labels, "、"))
}

// docLabel is a document key's label in the programme, the key itself if
// the programme no longer lists it.
func docLabel(docs []Document, key string) string {
	for _, d := range docs {
		if d.Key == key {
			return d.Label
		}
	}
	return key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
