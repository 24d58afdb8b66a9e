package visit

import (
	"context"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/duty"
)

// independentOfSender refuses (and audits) an answer to a hand-over by
// the account that sent the need, by one tied to it, or by one made after
// it was sent (four eyes, internal/duty): the receiving unit takes the
// need on by its own people, never by the sender's second account.
func (s *Service) independentOfSender(ctx context.Context, a access.Actor, h Handover, action string) error {
	var by int64
	if err := s.DB.QueryRow(ctx, `SELECT sent_by FROM need_handovers WHERE id = ?`, h.ID).Scan(&by); err != nil {
		return db.NoRows(err)
	}
	return duty.Require(ctx, s.DB, a, s.Now(), h.SentAt, action, "need", h.NeedID, by)
}
