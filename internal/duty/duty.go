// Package duty is separation of duties: the four-eyes rules that a second
// account held by the same person cannot satisfy.
//
// Wherever a rule says "someone else" approves, decides or closes, the
// second person must be a different account that the first did not
// create, reset, enable or re-role in the last Window (nor the other way
// round: an approver who made the requester's account controls it just
// as well), and that existed before the request was made. Account
// changes record a Link in the same transaction as the change; rules call
// Require, which checks and audits a refusal.
package duty

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// Window is how long an account change ties two accounts together.
const Window = 180 * 24 * time.Hour

// Kind is what one account did to another.
type Kind string

const (
	Created       Kind = "create"
	ResetPassword Kind = "reset_password"
	ResetTOTP     Kind = "reset_totp"
	Enabled       Kind = "enable"
	SetRole       Kind = "set_role"
)

// Kinds are every kind of link, in the order Backfill reads them.
var Kinds = []Kind{Created, ResetPassword, ResetTOTP, Enabled, SetRole}

// label is the kind in the words of a refusal.
func (k Kind) label() string {
	switch k {
	case Created:
		return "创建"
	case ResetPassword:
		return "重置密码"
	case ResetTOTP:
		return "重置动态验证码"
	case Enabled:
		return "启用"
	case SetRole:
		return "调整角色"
	}
	return string(k)
}

// Link records that by did kind to target at the given time. It belongs in
// the transaction of the account change itself. by = 0 (the server's
// operator on the command line) records nothing: the operator is not an
// account that could approve anything.
func Link(ctx context.Context, q db.Querier, by, target int64, kind Kind, at time.Time) error {
	if by == 0 || by == target {
		return nil
	}
	_, err := q.Exec(ctx, `INSERT INTO account_links (by_user, target_user, kind, at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, by, target, string(kind), db.Millis(at))
	return err
}

// Codes of the refusals, for callers and tests that tell them apart.
const (
	CodeSame   = "same_person"
	CodeLinked = "linked_account"
	CodeNewer  = "account_too_new"
)

// ErrFourEyes is what every refusal of this package wraps.
var ErrFourEyes = errors.New("four-eyes rule")

// Refusal is a four-eyes refusal: an *apperr.Error for the front ends
// that also matches ErrFourEyes with errors.Is.
type Refusal struct{ E *apperr.Error }

func (r Refusal) Error() string { return r.E.Error() }

// Code is the refusal's code (CodeSame, CodeLinked or CodeNewer).
func (r Refusal) Code() string { return r.E.Code }

// Is makes errors.Is(r, ErrFourEyes) true.
func (r Refusal) Is(target error) bool { return target == ErrFourEyes }

// Unwrap gives the front ends the *apperr.Error (status, code, message).
func (r Refusal) Unwrap() error { return r.E }

func refuse(code, msg string) Refusal {
	return Refusal{apperr.New(http.StatusForbidden, code, msg)}
}

// Check reports whether second may act after firsts (the requester, the
// drafter, earlier reviewers…) under a four-eyes rule: nil, or a Refusal
// saying why in Chinese. requested is when the request was made; now
// bounds the window of links.
func Check(ctx context.Context, q db.Querier, second int64, now, requested time.Time, firsts ...int64) error {
	for _, first := range firsts {
		if first == second {
			return refuse(CodeSame, "不能由同一账号完成申请和审批，须由另一位同志办理")
		}
	}
	var created int64
	if err := q.QueryRow(ctx, `SELECT created_at FROM users WHERE id = ?`, second).Scan(&created); err != nil {
		return db.NoRows(err)
	}
	if !requested.IsZero() && created > db.Millis(requested) {
		return refuse(CodeNewer, "您的账号在该事项提出之后才创建，不能审批此事项，须由其他同志办理")
	}
	for _, first := range firsts {
		if first == 0 {
			continue
		}
		var kind string
		var by int64
		err := q.QueryRow(ctx, `SELECT kind, by_user FROM account_links
			WHERE ((by_user = ? AND target_user = ?) OR (by_user = ? AND target_user = ?)) AND at > ?
			ORDER BY at DESC LIMIT 1`, first, second, second, first, db.Millis(now.Add(-Window))).Scan(&kind, &by)
		switch err = db.NoRows(err); {
		case err == nil:
			who := "您的账号由该事项的经办人"
			if by == second {
				who = "该事项经办人的账号由您"
			}
			return refuse(CodeLinked, fmt.Sprintf("%s在 180 天内%s过，不能由您审批，须由与其无账号管理关系的其他同志办理", who, Kind(kind).label()))
		case !errors.Is(err, db.ErrNotFound):
			return err
		}
	}
	return nil
}

// Require is Check for an actor taking action on an object; a refusal is
// audited (in its own transaction: the refused change never started one)
// with the refusal's code and nothing else.
func Require(ctx context.Context, d *db.DB, a access.Actor, now, requested time.Time, action, objectType string, objectID int64,
	firsts ...int64) error {
	err := Check(ctx, d.Q(), a.UserID, now, requested, firsts...)
	var r Refusal
	if errors.As(err, &r) {
		_ = audit.Log(ctx, d, audit.FromActor(a, action, objectType, strconv.FormatInt(objectID, 10), audit.Denied, "four_eyes="+r.Code()))
		return audit.Recorded(err)
	}
	return err
}

// Backfill records the links of account changes made before links were
// kept, from the audit log's events of the last Window (their object is
// the target's username). It can run again: an event is linked once.
func Backfill(ctx context.Context, d *db.DB, now time.Time) (int, error) {
	n := 0
	for _, k := range Kinds {
		res, err := d.Exec(ctx, `INSERT INTO account_links (by_user, target_user, kind, at)
			SELECT e.user_id, t.id, ?, e.at FROM audit_events e JOIN users t ON t.username = e.object_id
			WHERE e.action = ? AND e.outcome = 'ok' AND e.object_type = 'user' AND e.user_id IS NOT NULL
			  AND e.user_id <> t.id AND e.at > ?
			ON CONFLICT DO NOTHING`, string(k), "user."+string(k), db.Millis(now.Add(-Window)))
		if err != nil {
			return n, fmt.Errorf("back-filling %s links: %w", k, err)
		}
		c, _ := res.RowsAffected()
		n += int(c)
	}
	return n, nil
}
