package aid

import (
	"context"
	"net/http"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/duty"
	"halfsky/internal/notify"
	"halfsky/internal/vocab"
)

// Errors of the decision.
var (
	errDecided = apperr.New(http.StatusConflict, "decided", "该导出申请已处理，不能再次审批")
)

// DecideExport approves or rejects a pending request: a leader
// (RevealAid) of the requester's unit or of an ancestor unit, never the
// requester nor an account tied to her (four eyes, internal/duty: the
// decider's account existed when the request was made, and neither
// account created, reset, enabled or re-roled the other in the last 180
// days). A rejection needs a note saying why. An approval is good for
// ExportValidFor.
func (s *Service) DecideExport(ctx context.Context, a access.Actor, id int64, approve bool, note string) (Export, error) {
	action := "aid.export.reject"
	if approve {
		action = "aid.export.approve"
	}
	if err := s.need(ctx, a, access.RevealAid, id); err != nil {
		return Export{}, err
	}
	note = strings.TrimSpace(note)
	switch {
	case !approve && note == "":
		return Export{}, apperr.Field("note", "请填写不予批准的理由")
	case vocab.TooLong(note, 200):
		return Export{}, apperr.Field("note", "审批意见不能超过 200 字")
	}
	e, err := s.visibleExport(ctx, s.DB.Q(), a, id)
	if err != nil {
		return Export{}, err
	}
	if e.Status != ExportPending {
		return Export{}, errDecided
	}
	now := s.now()
	if err := duty.Require(ctx, s.DB, a, now, e.CreatedAt, action, "aid_export", id, e.RequestedBy); err != nil {
		return Export{}, err
	}
	status, expires := ExportRejected, any(nil)
	if approve {
		status, expires = ExportApproved, db.Millis(now.Add(ExportValidFor))
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE aid_exports SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?, expires_at = ?,
			updated_at = ?, version = version + 1 WHERE id = ? AND status = ? AND version = ?`,
			status, a.UserID, db.Millis(now), note, expires, db.Millis(now), id, ExportPending, e.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errDecided
		}
		if err := audit.Record(ctx, tx, audit.FromActor(a, action, "aid_export", ids(id), audit.OK, "kind="+e.Kind)); err != nil {
			return err
		}
		msg := notify.Message{Kind: action, Title: "导出申请未获批准", Body: e.Summary + "。理由：" + note, Link: "/aid/exports"}
		if approve {
			msg.Title, msg.Body = "导出申请已批准", e.Summary+"。请申请人在 24 小时内下载，仅可下载一次。"
		}
		return notify.ToOrgs(ctx, tx, []int64{e.OrgID}, msg, now)
	})
	if err != nil {
		return Export{}, err
	}
	return s.exportByID(ctx, s.DB.Q(), id)
}
