package study

import (
	"context"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
)

func fieldErr(field, msg string) error { return apperr.Field(field, msg) }

// LinkedDoc is an issued document an activity can be about.
type LinkedDoc struct {
	ID       int64
	Number   string
	Title    string
	IssuedAt time.Time
}

// Label is how a form lists the document.
func (d LinkedDoc) Label() string { return d.Number + " " + d.Title }

// docSource is the set of documents a unit studies: issued ones its own
// unit issued, and issued ones sent to it or to a unit above it (a notice
// to the districts is studied down to the villages). ids are the unit's
// path, root first.
func docSource(ids []int64) (string, []any) {
	ph := db.Marks(len(ids))
	args := make([]any, 0, 2*len(ids)+1)
	for _, id := range ids {
		args = append(args, id)
	}
	last := ids[len(ids)-1]
	args = append([]any{last}, args...)
	return `d.status = 'issued' AND (d.org_id = ? OR d.id IN (SELECT r.doc_id FROM document_recipients r WHERE r.org_id IN (` + ph + `)))`, args
}

// LinkableDocs lists the documents the actor's unit may link an activity
// to, newest first.
func (s *Service) LinkableDocs(ctx context.Context, a access.Actor) ([]LinkedDoc, error) {
	if !a.Can(access.ViewWork) {
		return nil, access.ErrDenied
	}
	ids := access.PathIDs(a.OrgPath)
	if len(ids) == 0 {
		return nil, nil
	}
	where, args := docSource(ids)
	return db.All(ctx, s.DB.Q(), func(row db.Scanner) (d LinkedDoc, err error) {
		var at int64
		err = row.Scan(&d.ID, &d.Number, &d.Title, &at)
		d.IssuedAt = db.FromMillis(at)
		return d, err
	}, `SELECT d.id, d.number, d.title, COALESCE(d.issued_at, 0) FROM documents d WHERE `+where+`
		ORDER BY d.issued_at DESC, d.id DESC LIMIT 100`, args...)
}

// linkable reports whether the actor's unit may link the document.
func (s *Service) linkable(ctx context.Context, a access.Actor, docID int64) (bool, error) {
	ids := access.PathIDs(a.OrgPath)
	if len(ids) == 0 {
		return false, nil
	}
	where, args := docSource(ids)
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM documents d WHERE d.id = ? AND `+where, append([]any{docID}, args...)...).Scan(&n)
	return n > 0, err
}
