package rights

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// MaxFiles is how many photos and files a case holds: enough for every
// injury photographed and every paper the agencies send.
const MaxFiles = 40

// Upload is a photo or a file as received.
type Upload struct {
	Name string
	Data []byte
}

// CaseFile is a photo or a file on a case.
type CaseFile struct {
	files.File
	Photo bool   // a JPG or PNG, shown in the page, its metadata removed
	By    string // who added it
}

// isPhoto says whether a name is a photo's (checked by content later).
func isPhoto(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".png":
		return true
	}
	return false
}

// prepare checks the uploads and takes every photo's metadata out
// (files.Scrub) before anything is stored.
func prepare(ups []Upload) ([]Upload, error) {
	if len(ups) == 0 {
		return nil, apperr.Field("files", "请选择要上传的照片或文件")
	}
	out := make([]Upload, len(ups))
	for i, u := range ups {
		out[i] = u
		var err error
		if isPhoto(u.Name) {
			out[i].Data, err = files.Scrub("files", u.Name, u.Data)
		} else {
			_, err = files.Check("files", u.Name, u.Data)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddFiles attaches photos and files to a case the actor handles, in one
// transaction: all or none. Photos lose their EXIF and GPS first; every
// file is sealed (internal/files). The timeline says how many, never
// their names (those are sealed with the files).
func (s *Service) AddFiles(ctx context.Context, a access.Actor, id int64, version int, ups []Upload) error {
	now := s.Now()
	photos := 0
	for _, u := range ups {
		if isPhoto(u.Name) {
			photos++
		}
	}
	return s.change(ctx, a, id, version, "case.files", func(tx *db.Tx, c *Case) error {
		if c.Status == Closed {
			return errClosed
		}
		// Checked once she may act on the case: nothing of it is told to
		// anyone else, not even whether the file would have been taken.
		ups, err := prepare(ups)
		if err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_files WHERE case_id = ? AND removed_at IS NULL`, id).Scan(&have); err != nil {
			return err
		}
		if have+len(ups) > MaxFiles {
			return apperr.Field("files", fmt.Sprintf("每个案件最多 %d 个照片和文件，已有 %d 个", MaxFiles, have))
		}
		for _, u := range ups {
			f, err := files.Save(ctx, tx, s.Vault, c.OrgID, a.UserID, "files", u.Name, u.Data, now)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO case_files (case_id, file_id, photo, by_user, added_at) VALUES (?, ?, ?, ?, ?)`,
				id, f.ID, db.Bit(isPhoto(u.Name)), a.UserID, db.Millis(now)); err != nil {
				return err
			}
		}
		return s.event(ctx, tx, id, "file", uploadNote(photos, len(ups)-photos), a.UserID, now)
	}, fmt.Sprintf("photos=%d files=%d", photos, len(ups)-photos))
}

// uploadNote is the timeline's line for an upload.
func uploadNote(photos, others int) string {
	var parts []string
	if photos > 0 {
		parts = append(parts, fmt.Sprintf("照片 %d 张（已去除拍摄位置等信息）", photos))
	}
	if others > 0 {
		parts = append(parts, fmt.Sprintf("文件 %d 个", others))
	}
	return "上传" + strings.Join(parts, "、")
}

// RemoveFile takes a photo or file off a case, with the reason: it stays
// stored (evidence is never deleted), no longer listed or served, and the
// timeline and the audit log say who took it off and why.
func (s *Service) RemoveFile(ctx context.Context, a access.Actor, id int64, version int, fileID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return apperr.Field("reason", "请说明移除的原因")
	case vocab.TooLong(reason, 500):
		return apperr.Field("reason", "原因不能超过 500 字")
	}
	now := s.Now()
	return s.change(ctx, a, id, version, "case.file_remove", func(tx *db.Tx, c *Case) error {
		if c.Status == Closed {
			return errClosed
		}
		res, err := tx.Exec(ctx, `UPDATE case_files SET removed_at = ? WHERE case_id = ? AND file_id = ? AND removed_at IS NULL`,
			db.Millis(now), id, fileID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return db.ErrNotFound
		}
		return s.event(ctx, tx, id, "file_removed", "移除一个照片或文件："+reason, a.UserID, now)
	}, "file="+strconv.FormatInt(fileID, 10))
}

// File returns a photo or file of a case the actor reads in full, with
// its bytes; through a broken glass the read is audited.
func (s *Service) File(ctx context.Context, a access.Actor, id, fileID int64) (CaseFile, []byte, error) {
	if !a.Can(access.ViewCases) {
		return CaseFile{}, nil, s.deny(ctx, a, "case.file", strconv.FormatInt(id, 10))
	}
	q := s.DB.Q()
	c, _, err := s.read(ctx, q, a, id)
	if err != nil {
		return CaseFile{}, nil, err
	}
	if c.Sight == SightLine {
		return CaseFile{}, nil, s.deny(ctx, a, "case.file", strconv.FormatInt(id, 10))
	}
	var photo bool
	if err := q.QueryRow(ctx, `SELECT photo FROM case_files WHERE case_id = ? AND file_id = ? AND removed_at IS NULL`, id, fileID).Scan(&photo); err != nil {
		return CaseFile{}, nil, db.NoRows(err)
	}
	f, data, err := files.CaseFiles.Get(ctx, q, s.Vault, id, fileID)
	if err != nil {
		return CaseFile{}, nil, err
	}
	if c.Glass {
		if err := audit.Log(ctx, s.DB, audit.FromActor(a, "case.glass_read", "case", strconv.FormatInt(id, 10), audit.OK,
			"file="+strconv.FormatInt(fileID, 10))); err != nil {
			return CaseFile{}, nil, err
		}
	}
	return CaseFile{File: f, Photo: photo}, data, nil
}

// caseFiles lists a case's photos and files still on it, names opened.
func caseFiles(ctx context.Context, q db.Querier, k *vault.Keyring, caseID int64) ([]CaseFile, error) {
	return db.All(ctx, q, func(sc db.Scanner) (x CaseFile, err error) {
		var at int64
		err = sc.Scan(&x.ID, &x.OrgID, &x.Name, &x.ContentType, &x.Size, &x.SHA256, &at, &x.Photo, &x.By)
		x.CreatedAt = db.FromMillis(at)
		if err == nil {
			err = files.OpenMeta(k, &x.File)
		}
		return x, err
	}, `SELECT f.id, f.org_id, f.name, f.content_type, f.size, f.sha256, f.created_at, x.photo, u.display_name
		FROM case_files x JOIN files f ON f.id = x.file_id JOIN users u ON u.id = x.by_user
		WHERE x.case_id = ? AND x.removed_at IS NULL ORDER BY x.added_at, x.file_id`, caseID)
}
