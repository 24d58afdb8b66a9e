package rights

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/notify"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// Move kinds: 上报 to the unit above (it reads the case and stays with
// the unit handling it) and 转办 to another unit (which takes it over).
const (
	MoveEscalate = "escalate"
	MoveTransfer = "transfer"
)

// MoveKinds in display order.
var MoveKinds = []vocab.Option{{Key: MoveEscalate, Label: "上报"}, {Key: MoveTransfer, Label: "转办"}}

// MoveStatuses in display order.
var MoveStatuses = []vocab.Option{{Key: "pending", Label: "待接收"}, {Key: "accepted", Label: "已接收"}, {Key: "refused", Label: "已拒收"}}

// Move is an escalation or a transfer with the receiving unit's answer.
type Move struct {
	ID        int64
	Kind      string
	FromName  string
	ToOrgID   int64
	ToName    string
	Reason    string
	Status    string
	Reply     string
	SentBy    string
	SentAt    time.Time
	DecidedBy string
}

// KindLabel and StatusLabel say the move in Chinese.
func (m Move) KindLabel() string   { return vocab.Label(MoveKinds, m.Kind) }
func (m Move) StatusLabel() string { return vocab.Label(MoveStatuses, m.Status) }

func (s *Service) moves(ctx context.Context, q db.Querier, f *vault.Fields, caseID int64) ([]Move, error) {
	return db.All(ctx, q, func(sc db.Scanner) (m Move, err error) {
		var at int64
		err = sc.Scan(&m.ID, &m.Kind, &m.FromName, &m.ToOrgID, &m.ToName, &m.Reason, &m.Status, &m.Reply, &m.SentBy, &at, &m.DecidedBy)
		f.Open(sealedMoveReason, m.ID, &m.Reason)
		f.Open(sealedMoveReply, m.ID, &m.Reply)
		m.SentAt = db.FromMillis(at)
		return m, err
	}, `SELECT m.id, m.kind, fo.name, m.to_org_id, t.name, m.reason, m.status, m.reply, u.display_name, m.sent_at, COALESCE(d.display_name, '')
		FROM case_moves m JOIN orgs fo ON fo.id = m.from_org_id JOIN orgs t ON t.id = m.to_org_id JOIN users u ON u.id = m.sent_by
		LEFT JOIN users d ON d.id = m.decided_by WHERE m.case_id = ? ORDER BY m.sent_at, m.id`, caseID)
}

// errMovePending refuses a second move while one waits.
var errMovePending = apperr.New(http.StatusConflict, "move_pending", "该案件已有待接收的上报或转办，请等待对方处理")

// Escalate sends the case up to the unit above (上报): its leader then
// reads it in full; the case stays with its unit and handler.
func (s *Service) Escalate(ctx context.Context, a access.Actor, id int64, version int, reason string) error {
	return s.send(ctx, a, id, version, MoveEscalate, "", reason)
}

// Transfer offers the case to another unit (转办) in the actor's tree —
// any unit her own unit's parent reaches, as a need's hand-over does; it
// moves there when that unit accepts.
func (s *Service) Transfer(ctx context.Context, a access.Actor, id int64, version int, toCode, reason string) error {
	return s.send(ctx, a, id, version, MoveTransfer, strings.TrimSpace(toCode), reason)
}

func (s *Service) send(ctx context.Context, a access.Actor, id int64, version int, kind, toCode, reason string) error {
	reason = strings.TrimSpace(reason)
	e := map[string]string{}
	switch {
	case reason == "":
		e["reason"] = "请写明理由"
	case vocab.TooLong(reason, 500):
		e["reason"] = "理由不能超过 500 字"
	}
	if kind == MoveTransfer && toCode == "" {
		e["to"] = "请选择接收单位"
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	now := s.Now()
	action := "case." + kind
	return s.change(ctx, a, id, version, action, func(tx *db.Tx, c *Case) error {
		if c.Status == Closed {
			return errClosed
		}
		if c.OrgID != a.OrgID {
			return apperr.New(http.StatusForbidden, "not_handling_unit", "只有正在办理该案件的单位可以上报或转办")
		}
		to, err := s.target(ctx, tx, a, c, kind, toCode)
		if err != nil {
			return err
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_moves WHERE case_id = ? AND status = 'pending'`, id).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			return errMovePending
		}
		sealed, err := s.seal(sealedMoveReason, reason)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_moves (case_id, kind, from_org_id, to_org_id, to_path, reason, status, sent_by, sent_at)
			VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`, id, kind, c.OrgID, to.ID, to.Path, sealed, a.UserID, db.Millis(now)); err != nil {
			return err
		}
		leaders, err := leadersOf(ctx, tx, []int64{to.ID})
		if err != nil {
			return err
		}
		label := vocab.Label(MoveKinds, kind)
		if err := notify.ToUsers(ctx, tx, leaders, notify.Message{Kind: "case." + kind, Title: "维权案件" + label + "待接收",
			Body: c.OrgName + label + "了案件 " + c.Number() + "，请接收或说明理由拒收。", Link: Link(id)}, now); err != nil {
			return err
		}
		return s.event(ctx, tx, id, kind, label+"至"+to.Name+"。理由："+reason, a.UserID, now)
	}, "to="+toCode)
}

// target is the unit a move goes to: for 上报 the parent; for 转办 an
// active unit other than the case's, under her unit's parent (a sibling
// or a unit below), as a need's hand-over reaches.
func (s *Service) target(ctx context.Context, tx *db.Tx, a access.Actor, c *Case, kind, code string) (orgT, error) {
	if kind == MoveEscalate {
		ids := access.PathIDs(c.OrgPath)
		if len(ids) < 2 {
			return orgT{}, apperr.New(http.StatusConflict, "no_parent", "本单位没有上级单位，无法上报")
		}
		o, err := s.Orgs.ByID(ctx, tx, ids[len(ids)-2])
		return orgT{ID: o.ID, Path: o.Path, Name: o.Name}, err
	}
	o, err := s.Orgs.ByCodeUnscoped(ctx, tx, code)
	if err != nil {
		return orgT{}, apperr.Field("to", "没有找到该单位")
	}
	reach := c.OrgPath
	if ids := access.PathIDs(c.OrgPath); len(ids) >= 2 {
		p, err := s.Orgs.ByID(ctx, tx, ids[len(ids)-2])
		if err != nil {
			return orgT{}, err
		}
		reach = p.Path
	}
	switch {
	case !o.Active:
		return orgT{}, apperr.Field("to", "该单位已撤销或合并")
	case o.ID == c.OrgID:
		return orgT{}, apperr.Field("to", "不能转办给本单位")
	case !(access.Scope{Path: reach}).Contains(o.Path):
		return orgT{}, apperr.Field("to", "只能转办给上级单位所辖的单位")
	}
	return orgT{ID: o.ID, Path: o.Path, Name: o.Name}, nil
}

type orgT struct {
	ID   int64
	Path string
	Name string
}

// DecideMove is the receiving unit's leader accepting or refusing a move.
// An accepted 转办 moves the case there, into its inbox (no handler yet);
// a refusal says why and leaves the case where it was.
func (s *Service) DecideMove(ctx context.Context, a access.Actor, id int64, moveID int64, accept bool, reply string) error {
	reply = strings.TrimSpace(reply)
	if !accept && reply == "" {
		return apperr.Field("reply", "拒收请写明理由")
	}
	if vocab.TooLong(reply, 500) {
		return apperr.Field("reply", "说明不能超过 500 字")
	}
	if !a.Can(access.RecordCases) {
		return s.deny(ctx, a, "case.decide_move", strconv.FormatInt(id, 10))
	}
	now := s.Now()
	status := "refused"
	if accept {
		status = "accepted"
	}
	var wrongUnit bool
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var kind string
		var to int64
		var toPath string
		err := tx.QueryRow(ctx, `SELECT kind, to_org_id, to_path FROM case_moves WHERE id = ? AND case_id = ? AND status = 'pending'`,
			moveID, id).Scan(&kind, &to, &toPath)
		if err != nil {
			return db.ErrNotFound
		}
		if to != a.OrgID || a.Role != access.Leader {
			// Not hers to decide (another unit's, or she is not its
			// leader): refused (recorded) if the case is in her scope or
			// sent to her unit, and as if it did not exist otherwise.
			c, _, err := load(ctx, tx, id)
			if err == nil && (to == a.OrgID || a.Scope().Contains(c.OrgPath)) {
				wrongUnit = true
				return access.ErrDenied
			}
			return db.ErrNotFound
		}
		sealed, err := s.seal(sealedMoveReply, reply)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE case_moves SET status = ?, reply = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'`,
			status, sealed, a.UserID, db.Millis(now), moveID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale
		}
		c, _, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if accept && kind == MoveTransfer {
			// The case's counters move with it to its new unit.
			if err := track(ctx, tx, id, func() error {
				_, err := tx.Exec(ctx, `UPDATE cases SET org_id = ?, org_path = ?, handler_id = NULL, version = version + 1, updated_at = ? WHERE id = ?`,
					to, toPath, db.Millis(now), id)
				return err
			}); err != nil {
				return err
			}
			if err := notify.ToOrgs(ctx, tx, []int64{to}, notify.Message{Kind: "case.new", Title: "转办来的维权案件待接案",
				Body: "请尽快确定承办人。", Link: Link(id)}, now); err != nil {
				return err
			}
		}
		if err := notifyHandler(ctx, tx, c, "维权案件"+vocab.Label(MoveKinds, kind)+vocab.Label(MoveStatuses, status), c.Number()+"的"+
			vocab.Label(MoveKinds, kind)+"已被"+a.OrgName+vocab.Label(MoveStatuses, status)+"。", now); err != nil {
			return err
		}
		note := a.OrgName + vocab.Label(MoveStatuses, status) + vocab.Label(MoveKinds, kind)
		if reply != "" {
			note += "。说明：" + reply
		}
		if err := s.event(ctx, tx, id, kind+"_"+status, note, a.UserID, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "case.decide_move", "case", strconv.FormatInt(id, 10), audit.OK,
			fmt.Sprintf("move=%d %s %s", moveID, kind, status)))
	})
	if wrongUnit {
		return s.deny(ctx, a, "case.decide_move", strconv.FormatInt(id, 10))
	}
	return err
}

// notifyHandler tells the case's handler (or, with none, its unit).
func notifyHandler(ctx context.Context, tx *db.Tx, c Case, title, body string, now time.Time) error {
	msg := notify.Message{Kind: "case.update", Title: title, Body: body, Link: Link(c.ID)}
	if c.HandlerID != 0 {
		return notify.ToUsers(ctx, tx, []int64{c.HandlerID}, msg, now)
	}
	return notify.ToOrgs(ctx, tx, []int64{c.OrgID}, msg, now)
}
