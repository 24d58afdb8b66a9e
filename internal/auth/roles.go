package auth

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
	"halfsky/internal/duty"
)

// Statuses of a role request.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestRejected = "rejected"
)

// RoleRequest asks for a change to or from an administrator role
// (系统管理员, 安全管理员, 安全审计员): one administrator requests it,
// another approves or rejects it. Nobody grants an administrator role alone.
type RoleRequest struct {
	ID                                          int64
	TargetID                                    int64
	TargetUsername, TargetName                  string
	TargetOrgCode, TargetOrgName, TargetOrgPath string
	FromRole, ToRole                            access.Role
	RequestedBy                                 int64
	RequestedByUsername, RequestedByName        string
	RequestedAt                                 time.Time
	Status                                      string
	DecidedBy                                   int64
	DecidedByUsername, DecidedByName            string
	DecidedAt                                   time.Time
}

// StatusLabel is the status in Chinese.
func (r RoleRequest) StatusLabel() string {
	switch r.Status {
	case RequestPending:
		return "待审批"
	case RequestApproved:
		return "已批准"
	case RequestRejected:
		return "已驳回"
	}
	return r.Status
}

const requestColumns = `q.id, q.target_user, t.username, t.display_name, o.code, o.name, o.path, q.from_role, q.to_role,
	q.requested_by, COALESCE(b.username, ''), COALESCE(b.display_name, ''), q.requested_at, q.status,
	COALESCE(q.decided_by, 0), COALESCE(d.username, ''), COALESCE(d.display_name, ''), q.decided_at`

const requestFrom = ` FROM role_requests q JOIN users t ON t.id = q.target_user JOIN orgs o ON o.id = t.org_id
	LEFT JOIN users b ON b.id = q.requested_by LEFT JOIN users d ON d.id = q.decided_by`

func scanRequest(row db.Scanner) (RoleRequest, error) {
	var r RoleRequest
	var requested, decided int64
	err := row.Scan(&r.ID, &r.TargetID, &r.TargetUsername, &r.TargetName, &r.TargetOrgCode, &r.TargetOrgName, &r.TargetOrgPath,
		&r.FromRole, &r.ToRole, &r.RequestedBy, &r.RequestedByUsername, &r.RequestedByName, &requested, &r.Status,
		&r.DecidedBy, &r.DecidedByUsername, &r.DecidedByName, &decided)
	r.RequestedAt, r.DecidedAt = db.FromMillis(requested), optTime(decided)
	return r, err
}

// Refusals of role requests.
var (
	ErrRequestPending = apperr.New(http.StatusConflict, "request_pending", "该账号已有一项待审批的角色申请，请先审批或驳回")
	ErrRequestDecided = apperr.New(http.StatusConflict, "request_decided", "该申请已处理")
	ErrRequestStale   = apperr.New(http.StatusConflict, "request_stale", "申请提出后该账号的角色已有变化，请驳回后重新申请")
)

// RequestRole asks that an account be given, or lose, an administrator
// role. The request waits for another administrator's approval.
func (s *Service) RequestRole(ctx context.Context, a access.Actor, id int64, role access.Role) (RoleRequest, error) {
	if !a.Can(access.RequestAdminRoles) { // before the account: the same answer for any id
		return RoleRequest{}, s.refuse(ctx, a, "user.role_request", "user", strconv.FormatInt(id, 10), access.ErrDenied)
	}
	if id == a.UserID {
		return RoleRequest{}, s.self(ctx, a, "user.role_request", "不能为自己申请或撤销管理员角色")
	}
	u, err := s.userByID(ctx, s.DB.Q(), id)
	if err != nil {
		return RoleRequest{}, err
	}
	if !a.Scope().Contains(u.OrgPath) {
		return RoleRequest{}, db.ErrNotFound
	}
	switch {
	case !role.Valid() && role != access.NoRole:
		return RoleRequest{}, apperr.Field("role", "请选择有效的角色")
	case role == u.Role:
		return RoleRequest{}, apperr.Field("role", "该账号已是这个角色")
	case !role.Admin() && !u.Role.Admin():
		return RoleRequest{}, apperr.Field("role", "业务角色（负责人、工作人员）由安全管理员直接授予，无需申请")
	}
	var out RoleRequest
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM role_requests WHERE target_user = ? AND status = 'pending'`, u.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrRequestPending
		}
		rid, err := db.InsertID(ctx, tx, `INSERT INTO role_requests (target_user, from_role, to_role, requested_by, requested_at, status)
			VALUES (?, ?, ?, ?, ?, 'pending')`, u.ID, string(u.Role), string(role), a.UserID, db.Millis(s.Now()))
		if err != nil {
			return err
		}
		if out, err = scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+requestFrom+` WHERE q.id = ?`, rid)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "user.role_request", "user", u.Username, audit.OK,
			fmt.Sprintf("申请 #%d %s → %s", rid, roleCode(u.Role), roleCode(role))))
	})
	if errors.Is(err, ErrRequestPending) {
		s.deny(ctx, a, "user.role_request", "user", u.Username)
	}
	return out, err
}

// RoleRequest returns one request whose account is in the actor's scope.
func (s *Service) RoleRequest(ctx context.Context, a access.Actor, id int64) (RoleRequest, error) {
	if !a.Can(access.RequestAdminRoles) {
		return RoleRequest{}, access.ErrDenied
	}
	r, err := scanRequest(s.DB.QueryRow(ctx, `SELECT `+requestColumns+requestFrom+` WHERE q.id = ?`, id))
	if err = db.NoRows(err); err != nil {
		return RoleRequest{}, err
	}
	if !a.Scope().Contains(r.TargetOrgPath) {
		return RoleRequest{}, db.ErrNotFound
	}
	return r, nil
}

// RoleRequests lists requests for accounts in the actor's scope, newest
// first; status "" lists all.
func (s *Service) RoleRequests(ctx context.Context, a access.Actor, status string, targetID int64) ([]RoleRequest, error) {
	if !a.Can(access.RequestAdminRoles) {
		return nil, access.ErrDenied
	}
	where, args := a.Scope().Where("o.path")
	if status != "" {
		where += ` AND q.status = ?`
		args = append(args, status)
	}
	if targetID != 0 {
		where += ` AND q.target_user = ?`
		args = append(args, targetID)
	}
	return db.All(ctx, s.DB.Q(), scanRequest, `SELECT `+requestColumns+requestFrom+` WHERE `+where+` ORDER BY q.requested_at DESC, q.id DESC LIMIT 200`, args...)
}

// DecideRoleRequest approves or rejects a pending request. Approval takes
// a second administrator: not the requester, not the account concerned,
// and not one tied to either by an account change of the last 180 days
// (duty.Check), whose account existed before the request. The requester
// may withdraw (reject) their own request.
func (s *Service) DecideRoleRequest(ctx context.Context, a access.Actor, id int64, approve bool) (RoleRequest, error) {
	action := "user.role_request.reject"
	if approve {
		action = "user.role_request.approve"
	}
	r, err := s.RoleRequest(ctx, a, id)
	if errors.Is(err, access.ErrDenied) {
		err = s.refuse(ctx, a, action, "role_request", strconv.FormatInt(id, 10), err)
	}
	if err != nil {
		return RoleRequest{}, err
	}
	if r.Status != RequestPending {
		return RoleRequest{}, ErrRequestDecided
	}
	if approve && r.TargetID == a.UserID {
		return RoleRequest{}, s.self(ctx, a, action, "不能批准与自己账号有关的角色申请")
	}
	now := s.Now()
	if approve {
		if err := duty.Require(ctx, s.DB, a, now, r.RequestedAt, action, "role_request", r.ID, r.RequestedBy, r.TargetID); err != nil {
			return RoleRequest{}, err
		}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		status := RequestRejected
		if approve {
			status = RequestApproved
		}
		res, err := tx.Exec(ctx, `UPDATE role_requests SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'`,
			status, a.UserID, db.Millis(now), r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrRequestDecided
		}
		if approve {
			u, err := s.userByID(ctx, tx, r.TargetID)
			if err != nil {
				return err
			}
			if u.Role != r.FromRole {
				return ErrRequestStale
			}
			if err := s.applyRole(ctx, tx, a, u, r.ToRole, fmt.Sprintf("申请 #%d 批准", r.ID)); err != nil {
				return err
			}
			// The requester changed the account's role as much as the approver.
			if err := duty.Link(ctx, tx, r.RequestedBy, r.TargetID, duty.SetRole, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.FromActor(a, action, "role_request", strconv.FormatInt(r.ID, 10), audit.OK,
			fmt.Sprintf("%s %s → %s", r.TargetUsername, roleCode(r.FromRole), roleCode(r.ToRole))))
	})
	if err != nil {
		return RoleRequest{}, err
	}
	return s.RoleRequest(ctx, a, id)
}

// Upgrade tells what UpgradeAccounts changed.
type Upgrade struct {
	LeadersScheduled int // leaders given a date to enrol a second factor by
	MustChange       int // administrator-created accounts made to change their password
}

// UpgradeAccounts brings accounts from before 三权分立 along; it runs at
// every start and does nothing twice:
//   - leaders without a second factor and without a date get one: now plus
//     the grace period (so the grace counts from the first start with this
//     rule);
//   - accounts a system administrator created (per the audit log) whose
//     user never changed the password must change it at the next sign-in,
//     and are shown who created them.
func (s *Service) UpgradeAccounts(ctx context.Context) (Upgrade, error) {
	var up Upgrade
	now := s.Now()
	res, err := s.DB.Exec(ctx, `UPDATE users SET totp_due_at = ? WHERE role = 'leader' AND totp_enabled = 0 AND totp_due_at = 0`,
		db.Millis(now.Add(s.grace())))
	if err != nil {
		return up, fmt.Errorf("scheduling leaders' second factor: %w", err)
	}
	n, _ := res.RowsAffected()
	up.LeadersScheduled = int(n)

	type created struct{ target, by, at int64 }
	todo, err := db.All(ctx, s.DB.Q(), func(row db.Scanner) (c created, err error) {
		err = row.Scan(&c.target, &c.by, &c.at)
		return c, err
	}, `SELECT t.id, e.user_id, e.at FROM audit_events e
		JOIN users t ON t.username = e.object_id
		JOIN users a ON a.id = e.user_id
		WHERE e.action = 'user.create' AND e.outcome = 'ok' AND e.object_type = 'user' AND a.role = 'sysadmin'
		  AND t.reset_kind = '' AND t.must_change_password = 0 AND e.at >= t.created_at
		  AND NOT EXISTS (SELECT 1 FROM audit_events c WHERE c.action = 'user.change_password' AND c.outcome = 'ok'
		                  AND c.user_id = t.id AND c.at >= e.at)
		ORDER BY e.seq`)
	if err != nil {
		return up, fmt.Errorf("finding administrator-created accounts: %w", err)
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, c := range todo {
			res, err := tx.Exec(ctx, `UPDATE users SET must_change_password = 1, reset_kind = 'create', reset_by = ?, reset_at = ?
				WHERE id = ? AND reset_kind = '' AND must_change_password = 0`, c.by, c.at, c.target)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				up.MustChange++
			}
		}
		if up.MustChange > 0 {
			return audit.Record(ctx, tx, audit.Event{Username: "system", Action: "user.upgrade", ObjectType: "user", Outcome: audit.OK,
				Detail: fmt.Sprintf("系统管理员创建且从未改过密码的账号 %d 个，须在下次登录时修改密码", up.MustChange)})
		}
		return nil
	})
	return up, err
}
