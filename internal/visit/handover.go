package visit

import (
	"context"
	"net/http"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/notify"
	"halfsky/internal/org"
	"halfsky/internal/vocab"
)

// HandoverStatus is where a hand-over stands, as stored.
type HandoverStatus string

// Hand-over statuses.
const (
	HandPending  HandoverStatus = "pending"
	HandAccepted HandoverStatus = "accepted"
	HandRefused  HandoverStatus = "refused"
)

// HandoverStatuses in display order.
var HandoverStatuses = []Option{{Key: string(HandPending), Label: "待接收"}, {Key: string(HandAccepted), Label: "已接收"}, {Key: string(HandRefused), Label: "已拒收"}}

// Label is the hand-over's state in Chinese.
func (s HandoverStatus) Label() string { return vocab.Label(HandoverStatuses, string(s)) }

// Colour is the state's badge colour: yellow while it waits, green when
// accepted, red when refused.
func (s HandoverStatus) Colour() string {
	switch s {
	case HandAccepted:
		return "green"
	case HandRefused:
		return "red"
	}
	return "yellow"
}

// Handover is one step of a need's way between units.
type Handover struct {
	ID        int64
	NeedID    int64
	FromOrgID int64
	FromName  string
	ToOrgID   int64
	ToCode    string
	ToName    string
	ToPath    string
	Reason    string
	Status    HandoverStatus
	Reply     string
	SentBy    string
	SentAt    time.Time
	DecidedBy string
	DecidedAt time.Time
}

// HandoverInput names the receiving unit and why.
type HandoverInput struct {
	ToCode string `json:"to_org_code"`
	Reason string `json:"reason"`
}

// HandOver sends a need to a unit above or below the one now responsible
// for it; it waits there until that unit accepts or refuses it.
func (s *Service) HandOver(ctx context.Context, a access.Actor, needID int64, in HandoverInput) (Handover, error) {
	if !a.Can(access.ManageWork) {
		return Handover{}, s.deny(ctx, a, "need.handover", needID)
	}
	n, err := s.need(ctx, s.DB.Q(), a, needID)
	if err != nil {
		return Handover{}, err
	}
	if err := MayActOn(a, access.ManageWork, n); err != nil {
		return Handover{}, s.refuse(ctx, a, "need.handover", needID, err)
	}
	if n.Status != NeedOpen {
		return Handover{}, apperr.New(http.StatusConflict, "wrong_status", "只有待处理的妇情可以移交")
	}
	in.ToCode, in.Reason = strings.TrimSpace(in.ToCode), strings.TrimSpace(in.Reason)
	e := map[string]string{}
	to, err := s.Orgs.ByCodeUnscoped(ctx, s.DB.Q(), in.ToCode)
	switch {
	case in.ToCode == "":
		e["to_org_code"] = "请选择接收单位"
	case err != nil:
		e["to_org_code"] = "没有找到该单位"
	case !to.Active:
		e["to_org_code"] = org.InactiveMessage
	case to.Path == n.OrgPath || !(strings.HasPrefix(n.OrgPath, to.Path) || strings.HasPrefix(to.Path, n.OrgPath)):
		e["to_org_code"] = "只能移交给上级或下级单位"
	}
	if in.Reason == "" {
		e["reason"] = "请填写移交原因"
	} else if vocab.TooLong(in.Reason, 500) {
		e["reason"] = "移交原因不能超过 500 字"
	}
	if len(e) > 0 {
		return Handover{}, apperr.Invalid(e)
	}
	reason, err := s.Vault.Seal(sealedReason.Purpose(), in.Reason)
	if err != nil {
		return Handover{}, err
	}
	now := s.Now()
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := trackByID(ctx, tx, needFamilies, needID, func() error {
			res, err := tx.Exec(ctx, `UPDATE needs SET status = ?, updated_at = ?, version = version + 1 WHERE id = ? AND status = ?`,
				NeedHanding, db.Millis(now), needID, NeedOpen)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return apperr.New(http.StatusConflict, "wrong_status", "只有待处理的妇情可以移交")
			}
			return nil
		}); err != nil {
			return err
		}
		id, err = db.InsertID(ctx, tx, `INSERT INTO need_handovers (need_id, from_org_id, to_org_id, to_path, reason, status, sent_by, sent_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, needID, n.OrgID, to.ID, to.Path, reason, HandPending, a.UserID, db.Millis(now))
		if err != nil {
			return err
		}
		msg := notify.Message{Kind: "need.handover", Title: n.OrgName + "移交妇情：" + vocab.Label(Categories, n.Category),
			Body: "请在妇情页面接收或拒收。", Link: "/needs/" + ids(needID)}
		if err := notify.ToOrgs(ctx, tx, []int64{to.ID}, msg, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "need.handover", "need", ids(needID), audit.OK, "from="+n.OrgCode+" to="+to.Code))
	})
	if err != nil {
		return Handover{}, err
	}
	return s.handover(ctx, id)
}

// Decide answers the pending hand-over of a need for the receiving unit:
// accepting moves the need there, refusing (with a reply) leaves it where
// it was. The answer is not the sender's, nor an account tied to hers.
func (s *Service) Decide(ctx context.Context, a access.Actor, needID int64, accept bool, reply string) (Handover, error) {
	n, err := s.need(ctx, s.DB.Q(), a, needID)
	if err != nil {
		return Handover{}, err
	}
	h, err := s.pending(ctx, needID)
	if err != nil {
		return Handover{}, apperr.New(http.StatusConflict, "wrong_status", "该妇情没有待接收的移交")
	}
	if !MayDecide(a, h) {
		return Handover{}, s.deny(ctx, a, "need.handover_decide", needID)
	}
	reply = strings.TrimSpace(reply)
	if !accept && reply == "" {
		return Handover{}, apperr.Field("reply", "请填写不接收的理由")
	}
	if vocab.TooLong(reply, 500) {
		return Handover{}, apperr.Field("reply", "答复不能超过 500 字")
	}
	sealedR, err := s.Vault.Seal(sealedReply.Purpose(), reply)
	if err != nil {
		return Handover{}, err
	}
	now := s.Now()
	// The notice names no reason: it is sealed, and notices are not.
	status, action, title, body := HandRefused, "need.handover_refuse", "拒收了移交的妇情", "拒收理由请在妇情页面查看。"
	if accept {
		status, action, title, body = HandAccepted, "need.handover_accept", "接收了移交的妇情", ""
	}
	if err := s.independentOfSender(ctx, a, h, action); err != nil {
		return Handover{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE need_handovers SET status = ?, reply = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = ?`,
			status, sealedR, a.UserID, db.Millis(now), h.ID, HandPending)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return apperr.New(http.StatusConflict, "wrong_status", "该移交已处理")
		}
		if err := trackByID(ctx, tx, needFamilies, needID, func() error {
			if accept {
				// The accepting unit takes the need over: it is now its record.
				_, err := tx.Exec(ctx, `UPDATE needs SET org_id = ?, org_path = ?, owner_org_id = ?, status = ?, updated_at = ?,
					version = version + 1 WHERE id = ?`, h.ToOrgID, h.ToPath, h.ToOrgID, NeedOpen, db.Millis(now), needID)
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE needs SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?`, NeedOpen, db.Millis(now), needID)
			return err
		}); err != nil {
			return err
		}
		msg := notify.Message{Kind: "need.handover_decided", Title: h.ToName + title, Body: body, Link: "/needs/" + ids(needID)}
		if err := notify.ToOrgs(ctx, tx, []int64{n.OrgID}, msg, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, action, "need", ids(needID), audit.OK, "to="+h.ToCode))
	})
	if err != nil {
		return Handover{}, err
	}
	return s.handover(ctx, h.ID)
}

const handCols = `h.id, h.need_id, h.from_org_id, fo.name, h.to_org_id, tor.code, tor.name, h.to_path, h.reason, h.status, h.reply,
	su.display_name, h.sent_at, COALESCE(du.display_name, ''), COALESCE(h.decided_at, 0)`

const handFrom = ` FROM need_handovers h JOIN orgs fo ON fo.id = h.from_org_id JOIN orgs tor ON tor.id = h.to_org_id
	JOIN users su ON su.id = h.sent_by LEFT JOIN users du ON du.id = h.decided_by`

// scanHandover reads a hand-over and opens its reason and reply.
func (s *Service) scanHandover(row db.Scanner) (Handover, error) {
	var h Handover
	var sent, dec int64
	err := row.Scan(&h.ID, &h.NeedID, &h.FromOrgID, &h.FromName, &h.ToOrgID, &h.ToCode, &h.ToName, &h.ToPath, &h.Reason, &h.Status,
		&h.Reply, &h.SentBy, &sent, &h.DecidedBy, &dec)
	if err != nil {
		return h, err
	}
	h.SentAt, h.DecidedAt = db.FromMillis(sent), optTime(dec)
	sl := s.sealer()
	sl.Open(sealedReason, h.ID, &h.Reason)
	sl.Open(sealedReply, h.ID, &h.Reply)
	return h, sl.Err
}

func (s *Service) handover(ctx context.Context, id int64) (Handover, error) {
	h, err := s.scanHandover(s.DB.QueryRow(ctx, `SELECT `+handCols+handFrom+` WHERE h.id = ?`, id))
	return h, db.NoRows(err)
}

func (s *Service) pending(ctx context.Context, needID int64) (Handover, error) {
	h, err := s.scanHandover(s.DB.QueryRow(ctx, `SELECT `+handCols+handFrom+` WHERE h.need_id = ? AND h.status = ?`, needID, HandPending))
	return h, db.NoRows(err)
}

// Handovers is the timeline of a visible need's hand-overs, oldest first.
func (s *Service) Handovers(ctx context.Context, a access.Actor, needID int64) ([]Handover, error) {
	if err := s.view(ctx, a, "handover.list"); err != nil {
		return nil, err
	}
	if _, err := s.need(ctx, s.DB.Q(), a, needID); err != nil {
		return nil, err
	}
	out, err := db.All(ctx, s.DB.Q(), s.scanHandover, `SELECT `+handCols+handFrom+` WHERE h.need_id = ? ORDER BY h.sent_at, h.id`, needID)
	if out == nil && err == nil {
		out = []Handover{} // none is an empty list, not null
	}
	return out, err
}

// MayDecide reports whether the actor answers the pending hand-over h: a
// user of the receiving unit itself, so the sender never accepts for it.
func MayDecide(a access.Actor, h Handover) bool {
	return h.Status == HandPending && a.OrgID == h.ToOrgID && a.CanAt(access.RecordWork, h.ToPath)
}
