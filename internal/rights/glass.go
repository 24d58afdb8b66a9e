package rights

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/vocab"
)

// BreakGlass opens, for a while (Limits.Glass), a case that a leader of a
// unit above sees only as a line: she must give a reason; the opening is
// audited, shown on the case's timeline, and its handler (or, with none,
// its unit) is told at once. Reading is all it opens.
func (s *Service) BreakGlass(ctx context.Context, a access.Actor, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if !a.Can(access.BreakGlass) {
		return s.deny(ctx, a, "case.glass", strconv.FormatInt(id, 10))
	}
	switch {
	case len([]rune(reason)) < 5:
		return apperr.Field("reason", "请写明查看的理由（至少 5 个字）")
	case vocab.TooLong(reason, 500):
		return apperr.Field("reason", "理由不能超过 500 字")
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		c, _, err := s.read(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if c.Sight == SightFull {
			return apperr.New(http.StatusConflict, "already_open", "您已可以查看该案件，无需破窗")
		}
		sealed, err := s.seal(sealedGlassReason, reason)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_glass (case_id, user_id, reason, at, until_at) VALUES (?, ?, ?, ?, ?)`,
			id, a.UserID, sealed, db.Millis(now), db.Millis(now.Add(s.Limits.Glass))); err != nil {
			return err
		}
		if err := s.event(ctx, tx, id, "glass", a.OrgName+"负责人"+a.Name+"破窗查看。理由："+reason, a.UserID, now); err != nil {
			return err
		}
		if err := notifyHandler(ctx, tx, c, "维权案件被破窗查看", a.OrgName+"负责人"+a.Name+"破窗查看了案件 "+c.Number()+"，理由已记录在案件时间线上。", now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "case.glass", "case", strconv.FormatInt(id, 10), audit.OK,
			"until="+now.Add(s.Limits.Glass).Format("2006-01-02T15:04Z")))
	})
}
