package study

import (
	"context"
	"strconv"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/files"
)

// savePhotos stores checked photos and links them, in the caller's
// transaction: one bad photo refuses them all.
func (s *Service) savePhotos(ctx context.Context, tx *db.Tx, a access.Actor, id int64, photos []Upload, now time.Time) error {
	for _, p := range photos {
		f, err := files.SaveImage(ctx, tx, s.Vault, a.OrgID, a.UserID, "photos", p.Name, p.Data, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO study_photos (activity_id, file_id) VALUES (?, ?)`, id, f.ID); err != nil {
			return err
		}
	}
	return nil
}

// AddPhotos adds photos to an activity of the actor's unit (at most
// MaxPhotos in all).
func (s *Service) AddPhotos(ctx context.Context, a access.Actor, id int64, photos []Upload) error {
	x, err := s.own(ctx, a, id, "study.photo_add")
	if err != nil {
		return err
	}
	if len(photos) == 0 {
		return fieldErr("photos", "请选择要上传的照片")
	}
	if x.PhotoCount+len(photos) > MaxPhotos {
		return fieldErr("photos", "每项活动最多 "+strconv.Itoa(MaxPhotos)+" 张照片，已有 "+strconv.Itoa(x.PhotoCount)+" 张")
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		// Counted again inside the transaction: two uploads at once must
		// not pass the limit together.
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM study_photos WHERE activity_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n+len(photos) > MaxPhotos {
			return fieldErr("photos", "每项活动最多 "+strconv.Itoa(MaxPhotos)+" 张照片")
		}
		if err := s.savePhotos(ctx, tx, a, id, photos, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE study_activities SET updated_at = ? WHERE id = ?`, db.Millis(now), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "study.photo_add", "study_activity", strconv.FormatInt(id, 10), audit.OK,
			strconv.Itoa(len(photos))+" 张"))
	})
}

// RemovePhoto takes a photo off an activity of the actor's unit.
func (s *Service) RemovePhoto(ctx context.Context, a access.Actor, id, fileID int64) error {
	if _, err := s.own(ctx, a, id, "study.photo_remove"); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM study_photos WHERE activity_id = ? AND file_id = ?`, id, fileID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `UPDATE study_activities SET updated_at = ? WHERE id = ?`, db.Millis(s.Now()), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "study.photo_remove", "study_activity", strconv.FormatInt(id, 10), audit.OK,
			strconv.FormatInt(fileID, 10)))
	})
}

// Photos lists a visible activity's photos.
func (s *Service) Photos(ctx context.Context, a access.Actor, id int64) ([]files.File, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	return files.StudyPhotos.List(ctx, s.DB.Q(), s.Vault, id)
}

// Photo returns one photo of a visible activity with its bytes.
func (s *Service) Photo(ctx context.Context, a access.Actor, id, fileID int64) (files.File, []byte, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return files.File{}, nil, err
	}
	return files.StudyPhotos.Get(ctx, s.DB.Q(), s.Vault, id, fileID)
}
