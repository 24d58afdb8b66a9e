package doc

import (
	"context"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/files"
)

// Attach stores an attachment (附件) with a draft of the actor's unit.
func (s *Service) Attach(ctx context.Context, a access.Actor, id int64, name string, data []byte) (files.File, error) {
	d, err := s.own(ctx, a, id, access.DraftDocs, "doc.attach")
	if err != nil {
		return files.File{}, err
	}
	if !d.Status.Editable() {
		return files.File{}, wrongState(d, "添加附件")
	}
	var f files.File
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM document_files WHERE doc_id = ?`, d.ID).Scan(&n); err != nil {
			return err
		}
		if n >= 20 {
			return apperr.Field("file", "每份公文最多 20 个附件")
		}
		if f, err = files.Save(ctx, tx, s.Vault, a.OrgID, a.UserID, "file", name, data, s.Now()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO document_files (doc_id, file_id, position) VALUES (?, ?, ?)`, d.ID, f.ID, n+1); err != nil {
			return err
		}
		// The file's id and size, never its name.
		return audit.Record(ctx, tx, audit.FromActor(a, "doc.attach", "document", strconv.FormatInt(d.ID, 10), audit.OK,
			"file="+strconv.FormatInt(f.ID, 10)+" size="+strconv.FormatInt(f.Size, 10)))
	})
	return f, err
}

// RemoveFile takes an attachment off a draft.
func (s *Service) RemoveFile(ctx context.Context, a access.Actor, id, fileID int64) error {
	d, err := s.own(ctx, a, id, access.DraftDocs, "doc.detach")
	if err != nil {
		return err
	}
	if !d.Status.Editable() {
		return wrongState(d, "删除附件")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM document_files WHERE doc_id = ? AND file_id = ?`, d.ID, fileID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.ErrNotFound
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "doc.detach", "document", strconv.FormatInt(d.ID, 10), audit.OK, "file="+strconv.FormatInt(fileID, 10)))
	})
}

// Files lists a visible document's attachments in order.
func (s *Service) Files(ctx context.Context, a access.Actor, id int64) ([]files.File, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	return files.DocumentLinks.List(ctx, s.DB.Q(), s.Vault, id)
}

// File returns an attachment of a visible document with its bytes.
func (s *Service) File(ctx context.Context, a access.Actor, id, fileID int64) (files.File, []byte, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return files.File{}, nil, err
	}
	return files.DocumentLinks.Get(ctx, s.DB.Q(), s.Vault, id, fileID)
}
