// Package auth is accounts and sign-in: argon2id passwords, server-side
// sessions, TOTP second factors, lockout and per-IP throttling. Who may do
// what is decided by package access; auth applies it to accounts.
package auth

import (
	"context"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/duty"
	"halfsky/internal/org"
	"halfsky/internal/vault"
)

// User is an account.
type User struct {
	ID                 int64
	Username           string
	DisplayName        string
	Role               access.Role
	OrgID              int64
	OrgCode            string
	OrgName            string
	OrgPath            string
	TOTPEnabled        bool
	Disabled           bool
	FailedLogins       int
	LockedUntil        time.Time
	MustChangePassword bool
	Email              string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	// TOTPDueAt is when enrolling a second factor becomes compulsory (zero:
	// not due, e.g. staff, who may enrol if they like).
	TOTPDueAt time.Time
	// Who last set this user's password for them (SetKind "create" or
	// "reset"; SetBy 0 is the command-line operator) and when; shown to
	// the user at the next sign-in and on the profile.
	SetKind                  string
	SetBy                    int64
	SetAt                    time.Time
	SetByUsername, SetByName string

	passwordHash string
	totpSecret   string
	totpLastStep int64
}

// Locked reports whether the account is locked at time now.
func (u User) Locked(now time.Time) bool { return u.LockedUntil.After(now) }

// Actor is the user acting from ip.
func (u User) Actor(ip string) access.Actor {
	return access.Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, Role: u.Role,
		OrgID: u.OrgID, OrgCode: u.OrgCode, OrgName: u.OrgName, OrgPath: u.OrgPath, IP: ip}
}

// Service holds accounts and sessions.
type Service struct {
	DB   *db.DB
	Orgs *org.Store
	// Now is the clock (tests move it).
	Now func() time.Time
	// Vault seals second-factor secrets; without it none can be enrolled.
	Vault *vault.Keyring
	// TOTPGrace is how long a new leader may sign in before enrolling a
	// second factor (at most MaxTOTPGrace).
	TOTPGrace time.Duration

	// cache and seen keep sessions between requests (session_cache.go).
	cache sessionCache
	seen  lastSeen
}

// The grace period for leaders' second factor.
const (
	DefaultTOTPGrace = 7 * 24 * time.Hour
	MaxTOTPGrace     = 7 * 24 * time.Hour
)

// NewService returns a Service on the real clock.
func NewService(d *db.DB, orgs *org.Store) *Service {
	return &Service{DB: d, Orgs: orgs, Now: db.Now, TOTPGrace: DefaultTOTPGrace}
}

// grace is the configured grace period, bounded.
func (s *Service) grace() time.Duration {
	return min(max(s.TOTPGrace, 0), MaxTOTPGrace)
}

const userColumns = `u.id, u.username, u.display_name, u.role, u.org_id, o.code, o.name, o.path,
	u.totp_enabled, u.disabled, u.failed_logins, u.locked_until, u.must_change_password, u.email, u.created_at, u.updated_at,
	u.password_hash, u.totp_secret, u.totp_last_step,
	u.totp_due_at, u.reset_kind, u.reset_by, u.reset_at, COALESCE(r.username, ''), COALESCE(r.display_name, '')`

const userFrom = ` FROM users u JOIN orgs o ON o.id = u.org_id LEFT JOIN users r ON r.id = u.reset_by`

func scanUser(row db.Scanner) (User, error) {
	var u User
	var totp, disabled, mustChange int
	var locked, created, updated, due, setAt int64
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.OrgID, &u.OrgCode, &u.OrgName, &u.OrgPath,
		&totp, &disabled, &u.FailedLogins, &locked, &mustChange, &u.Email, &created, &updated,
		&u.passwordHash, &u.totpSecret, &u.totpLastStep,
		&due, &u.SetKind, &u.SetBy, &setAt, &u.SetByUsername, &u.SetByName)
	u.TOTPEnabled, u.Disabled, u.MustChangePassword = totp != 0, disabled != 0, mustChange != 0
	u.LockedUntil, u.CreatedAt, u.UpdatedAt = db.FromMillis(locked), db.FromMillis(created), db.FromMillis(updated)
	u.TOTPDueAt, u.SetAt = optTime(due), optTime(setAt)
	return u, err
}

// optTime is a stored time where 0 means none.
func optTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return db.FromMillis(ms)
}

// SetByLabel names who last set the user's password for them: "杨杰
// （city.leader）", or the command-line operator; "" when nobody did.
func (u User) SetByLabel() string {
	switch {
	case u.SetKind == "":
		return ""
	case u.SetBy == 0:
		return "服务器命令行操作员"
	case u.SetByUsername == "":
		return "已删除的账号"
	}
	return u.SetByName + "（" + u.SetByUsername + "）"
}

// SetKindLabel is what was done: 创建账号 or 重置密码.
func (u User) SetKindLabel() string {
	if u.SetKind == "create" {
		return "创建账号并设置临时密码"
	}
	return "重置密码"
}

func (s *Service) userWhere(ctx context.Context, q db.Querier, where string, args ...any) (User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+userFrom+` WHERE `+where, args...))
	return u, db.NoRows(err)
}

// UserByUsername looks an account up without scope (sign-in, operator CLI).
func (s *Service) UserByUsername(ctx context.Context, username string) (User, error) {
	return s.userWhere(ctx, s.DB.Q(), `u.username = ?`, normalizeUsername(username))
}

// userByID looks an account up without scope.
func (s *Service) userByID(ctx context.Context, q db.Querier, id int64) (User, error) {
	return s.userWhere(ctx, q, `u.id = ?`, id)
}

// User returns an account the actor may see: their own, or one in their
// scope if their role may view accounts.
func (s *Service) User(ctx context.Context, a access.Actor, id int64) (User, error) {
	if id != a.UserID && !a.Can(access.ViewUsers) { // roles first: the same answer for any id
		return User{}, access.ErrDenied
	}
	u, err := s.userByID(ctx, s.DB.Q(), id)
	if err != nil {
		return User{}, err
	}
	if u.ID != a.UserID && !a.CanAt(access.ViewUsers, u.OrgPath) {
		return User{}, db.ErrNotFound
	}
	return u, nil
}

// UserFilter selects accounts for a list.
type UserFilter struct {
	Under   string // unit code; "" = the actor's unit
	Q       string // substring of username or display name
	Role    access.Role
	NoRole  bool // only accounts still waiting for a role
	Page    int
	PerPage int
}

// Users lists accounts in the actor's scope.
func (s *Service) Users(ctx context.Context, a access.Actor, f UserFilter) ([]User, int, error) {
	if !a.Can(access.ViewUsers) {
		return nil, 0, access.ErrDenied
	}
	scope := a.Scope()
	if f.Under != "" {
		o, err := s.Orgs.ByCode(ctx, a, f.Under)
		if err != nil {
			return nil, 0, err
		}
		scope = access.Scope{Path: o.Path}
	}
	where, args := scope.Where("o.path")
	if q := strings.TrimSpace(f.Q); q != "" {
		where += ` AND (u.username LIKE ? ESCAPE '\' OR u.display_name LIKE ? ESCAPE '\')`
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		args = append(args, like, like)
	}
	if f.Role != "" || f.NoRole {
		where += ` AND u.role = ?`
		args = append(args, string(f.Role))
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*)`+userFrom+` WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	per := f.PerPage
	if per <= 0 || per > 200 {
		per = 50
	}
	page := max(f.Page, 1)
	out, err := db.All(ctx, s.DB.Q(), scanUser, `SELECT `+userColumns+userFrom+` WHERE `+where+` ORDER BY o.path, u.username LIMIT ? OFFSET ?`,
		append(args, per, (page-1)*per)...)
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// NewUser is the input for creating an account.
type NewUser struct {
	Username    string
	DisplayName string
	// Password is chosen only by the command-line operator; an account
	// opened in the application gets a one-time password the system
	// generates.
	Password string
	OrgCode  string
	Role     access.Role
	// MustChangePassword makes the user set their own password at first
	// sign-in. It is always so for accounts opened in the application;
	// the operator chooses.
	MustChangePassword bool
	// Email receives 催办 and other notices when mail is configured.
	Email string
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

func normalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validateNew checks the fields of a new account; the returned map is empty
// when all is well. The password is checked when the operator chose it.
func validateNew(n *NewUser, operator bool) map[string]string {
	f := map[string]string{}
	n.Username = normalizeUsername(n.Username)
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	n.OrgCode = strings.TrimSpace(n.OrgCode)
	if !usernameRE.MatchString(n.Username) {
		f["username"] = "用户名为 3–32 位小写字母、数字或 . _ -，以字母或数字开头"
	}
	if n.DisplayName == "" {
		f["display_name"] = "请填写姓名"
	} else if utf8.RuneCountInString(n.DisplayName) > 40 {
		f["display_name"] = "姓名不能超过 40 个字"
	}
	if operator {
		if msg := ValidatePassword(n.Password, n.Username); msg != "" {
			f["password"] = msg
		}
	} else if n.Password != "" {
		f["password"] = "初始密码由系统生成并只显示一次，不能自行设定"
	}
	if n.OrgCode == "" {
		f["org"] = "请选择所属单位"
	}
	if msg := checkEmail(&n.Email); msg != "" {
		f["email"] = msg
	}
	if !n.Role.Valid() && (operator || n.Role != access.NoRole) {
		f["role"] = "请选择角色"
	}
	return f
}

// CreateUser opens an account at a unit in the actor's scope: the system
// administrator opens it without a role (the security administrator
// grants one); a leader opens staff at their own unit and leader or staff
// accounts of units below. The password is a one-time one the system
// generates, returned here to be shown once to the creator; the user must
// change it at first sign-in.
func (s *Service) CreateUser(ctx context.Context, a access.Actor, n NewUser) (User, string, error) {
	if !a.Can(access.ManageUsers) {
		return User{}, "", s.refuse(ctx, a, "user.create", "user", n.Username, access.ErrDenied)
	}
	fields := validateNew(&n, false)
	if n.Role == access.NoRole && a.Role != access.Sysadmin && fields["role"] == "" {
		fields["role"] = "请选择角色"
	}
	var unit org.Org
	if _, bad := fields["org"]; !bad {
		var err error
		if unit, err = s.Orgs.ByCode(ctx, a, n.OrgCode); err != nil {
			fields["org"] = "单位不存在，或不在您的管理范围内"
		} else if !unit.Active {
			fields["org"] = org.InactiveMessage
		}
	}
	if _, bad := fields["role"]; !bad && fields["org"] == "" && !a.CanCreateAt(n.Role, unit.Path) {
		switch {
		case a.Role == access.Sysadmin:
			fields["role"] = "系统管理员新建的账号没有角色，须由安全管理员授予"
		case n.Role == access.Leader && unit.Path == a.OrgPath:
			fields["role"] = "不能为本单位开设负责人账号：负责人账号只能开在下级单位"
		case n.Role == access.NoRole:
			fields["role"] = "请选择角色"
		default:
			fields["role"] = "您不能授予该角色"
		}
	}
	if len(fields) > 0 {
		if fields["role"] != "" && n.Role != access.NoRole {
			s.deny(ctx, a, "user.create", "user", n.Username)
		}
		return User{}, "", apperr.Invalid(fields)
	}
	temp, err := TemporaryPassword()
	if err != nil {
		return User{}, "", err
	}
	n.Password, n.MustChangePassword = temp, true
	u, err := s.insertUser(ctx, audit.FromActor(a, "user.create", "user", n.Username, audit.OK, ""), n, unit, a.UserID)
	if err != nil {
		return User{}, "", err
	}
	return u, temp, nil
}

// CreateUserAsOperator creates an account from the server's command line
// (the operator is trusted: no actor scope, any role, a password of their
// choosing, but the same validation).
func (s *Service) CreateUserAsOperator(ctx context.Context, n NewUser) (User, error) {
	fields := validateNew(&n, true)
	unit, err := s.Orgs.ByCodeUnscoped(ctx, s.DB.Q(), n.OrgCode)
	if err != nil && fields["org"] == "" {
		fields["org"] = "单位代码不存在：" + n.OrgCode
	} else if err == nil && !unit.Active {
		fields["org"] = org.InactiveMessage
	}
	if len(fields) > 0 {
		return User{}, apperr.Invalid(fields)
	}
	ev := audit.Event{Username: "operator", Action: "user.create", ObjectType: "user", ObjectID: n.Username, Outcome: audit.OK, Detail: "命令行创建"}
	return s.insertUser(ctx, ev, n, unit, 0)
}

func (s *Service) insertUser(ctx context.Context, ev audit.Event, n NewUser, unit org.Org, by int64) (User, error) {
	hash, err := HashPassword(ctx, n.Password)
	if err != nil {
		return User{}, err
	}
	at := s.Now()
	now := db.Millis(at)
	var due int64
	if n.Role == access.Leader {
		due = db.Millis(at.Add(s.grace()))
	}
	kind, setAt := "", int64(0)
	if n.MustChangePassword {
		kind, setAt = "create", now
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err = db.InsertID(ctx, tx, `INSERT INTO users (username, display_name, password_hash, org_id, role, must_change_password, email,
			totp_due_at, reset_kind, reset_by, reset_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.Username, n.DisplayName, hash, unit.ID, string(n.Role), db.Bit(n.MustChangePassword), n.Email,
			due, kind, by, setAt, now, now)
		if err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Field("username", "用户名已被使用")
			}
			return err
		}
		if err := duty.Link(ctx, tx, by, id, duty.Created, at); err != nil {
			return err
		}
		role := string(n.Role)
		if role == "" {
			role = "无"
		}
		ev.Detail = strings.TrimSpace(ev.Detail + " 单位 " + unit.Code + " 角色 " + role)
		if ev.OrgID == 0 { // the operator has no unit: file it under the account's
			ev.OrgID, ev.OrgCode = unit.ID, unit.Code
		}
		return audit.Record(ctx, tx, ev)
	})
	if err != nil {
		return User{}, err
	}
	return s.userByID(ctx, s.DB.Q(), id)
}

// errSelf refuses an administrative change to one's own account.
func errSelf(msg string) error { return apperr.New(http.StatusUnprocessableEntity, "self", msg) }

// manage loads a target account for a change by the actor: it must be in
// scope (else it is not found), the action allowed, and for account
// management the account one the actor looks after (access.ManagesAccount:
// downward only). Denials are audited.
func (s *Service) manage(ctx context.Context, a access.Actor, act access.Action, action string, id int64) (User, error) {
	// A role that may never take the action is refused before the
	// account is looked up: the answer is the same for any id.
	if !a.Can(act) {
		return User{}, s.refuse(ctx, a, action, "user", strconv.FormatInt(id, 10), access.ErrDenied)
	}
	u, err := s.userByID(ctx, s.DB.Q(), id)
	if err != nil {
		return User{}, err
	}
	if !a.Scope().Contains(u.OrgPath) {
		return User{}, db.ErrNotFound
	}
	if act == access.ManageUsers && !a.ManagesAccount(u.Role, u.OrgPath) {
		return User{}, s.refuse(ctx, a, action, "user", u.Username, access.ErrDenied)
	}
	return u, nil
}

// self refuses (and audits) a change the actor tries on their own account.
func (s *Service) self(ctx context.Context, a access.Actor, action, msg string) error {
	s.deny(ctx, a, action, "user", a.Username)
	return errSelf(msg)
}

// change runs one UPDATE on an account with its audit event, in one
// transaction.
func (s *Service) change(ctx context.Context, a access.Actor, action string, u User, detail, q string, args ...any) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, action, "user", u.Username, audit.OK, detail))
	})
}

// unitActive refuses an account at a deactivated or merged unit
// (org.ErrInactive): nobody acts for a unit that is history.
func unitActive(ctx context.Context, q db.Querier, orgID int64) error {
	var active int
	if err := q.QueryRow(ctx, `SELECT active FROM orgs WHERE id = ?`, orgID).Scan(&active); err != nil {
		return err
	}
	if active == 0 {
		return org.ErrInactive
	}
	return nil
}

// SetDisabled disables or re-enables an account; disabling ends its sessions.
func (s *Service) SetDisabled(ctx context.Context, a access.Actor, id int64, disabled bool) error {
	action := "user.disable"
	if !disabled {
		action = "user.enable"
	}
	if id == a.UserID {
		return s.self(ctx, a, action, "不能停用或启用自己的账号")
	}
	u, err := s.manage(ctx, a, access.ManageUsers, action, id)
	if err != nil {
		return err
	}
	at := s.Now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if !disabled {
			if err := unitActive(ctx, tx, u.OrgID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`, db.Bit(disabled), db.Millis(at), u.ID); err != nil {
			return err
		}
		if disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
				return err
			}
		} else if err := duty.Link(ctx, tx, a.UserID, u.ID, duty.Enabled, at); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, action, "user", u.Username, audit.OK, ""))
	})
}

// ResetPassword gives an account a one-time password the system generates,
// returned to be shown once to the actor (never one the actor chooses).
// The user must change it at next sign-in and is shown who reset it and
// when; their sessions end. One's own password is changed on the profile,
// with the current one, never reset.
func (s *Service) ResetPassword(ctx context.Context, a access.Actor, id int64) (string, error) {
	if id == a.UserID {
		return "", s.self(ctx, a, "user.reset_password", "不能重置自己的密码：请在“个人设置”中输入当前密码后修改")
	}
	u, err := s.manage(ctx, a, access.ManageUsers, "user.reset_password", id)
	if err != nil {
		return "", err
	}
	temp, err := TemporaryPassword()
	if err != nil {
		return "", err
	}
	hash, err := HashPassword(ctx, temp)
	if err != nil {
		return "", err
	}
	at := s.Now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = 1, failed_logins = 0, locked_until = 0,
			reset_kind = 'reset', reset_by = ?, reset_at = ?, updated_at = ? WHERE id = ?`,
			hash, a.UserID, db.Millis(at), db.Millis(at), u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		if err := duty.Link(ctx, tx, a.UserID, u.ID, duty.ResetPassword, at); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "user.reset_password", "user", u.Username, audit.OK, "系统生成一次性密码"))
	})
	if err != nil {
		return "", err
	}
	return temp, nil
}

// ResetPasswordAsOperator is ResetPassword from the server's command line:
// the trusted operator chooses the password and whether the user must
// change it.
func (s *Service) ResetPasswordAsOperator(ctx context.Context, username, password string, mustChange bool) error {
	u, err := s.UserByUsername(ctx, username)
	if err != nil {
		return err
	}
	if msg := ValidatePassword(password, u.Username); msg != "" {
		return apperr.Field("password", msg)
	}
	hash, err := HashPassword(ctx, password)
	if err != nil {
		return err
	}
	now := db.Millis(s.Now())
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = 0,
			reset_kind = 'reset', reset_by = 0, reset_at = ?, updated_at = ? WHERE id = ?`,
			hash, db.Bit(mustChange), now, now, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Username: "operator", Action: "user.reset_password", ObjectType: "user", ObjectID: u.Username, Outcome: audit.OK, Detail: "命令行重置",
			OrgID: u.OrgID, OrgCode: u.OrgCode})
	})
}

// SetDisabledAsOperator disables an account from the command line.
func (s *Service) SetDisabledAsOperator(ctx context.Context, username string, disabled bool) error {
	u, err := s.UserByUsername(ctx, username)
	if err != nil {
		return err
	}
	action := "user.disable"
	if !disabled {
		action = "user.enable"
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if !disabled {
			if err := unitActive(ctx, tx, u.OrgID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`, db.Bit(disabled), db.Millis(s.Now()), u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Username: "operator", Action: action, ObjectType: "user", ObjectID: u.Username, Outcome: audit.OK, Detail: "命令行",
			OrgID: u.OrgID, OrgCode: u.OrgCode})
	})
}

// SetRoleAsOperator gives an account any role (or none) from the server's
// command line: the trusted bootstrap, e.g. for the second administrator
// when there is nobody yet to approve a request.
func (s *Service) SetRoleAsOperator(ctx context.Context, username string, role access.Role) error {
	u, err := s.UserByUsername(ctx, username)
	if err != nil {
		return err
	}
	if !role.Valid() && role != access.NoRole {
		return apperr.Field("role", "没有这种角色："+string(role))
	}
	op := access.Actor{Username: "operator", OrgID: u.OrgID, OrgCode: u.OrgCode}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		return s.applyRole(ctx, tx, op, u, role, "命令行")
	})
}

// ResetTOTPAsOperator removes an account's second factor from the command
// line (e.g. every administrator lost their phone); the user enrols again
// at the next sign-in.
func (s *Service) ResetTOTPAsOperator(ctx context.Context, username string) error {
	u, err := s.UserByUsername(ctx, username)
	if err != nil {
		return err
	}
	now := db.Millis(s.Now())
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = '', totp_enabled = 0, totp_last_step = 0, totp_due_at = ?, updated_at = ? WHERE id = ?`,
			now, now, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Username: "operator", Action: "user.reset_totp", ObjectType: "user", ObjectID: u.Username, Outcome: audit.OK, Detail: "命令行重置",
			OrgID: u.OrgID, OrgCode: u.OrgCode})
	})
}

// ErrNeedsApproval refuses changing to or from an administrator role
// directly: one administrator asks (RequestRole), another approves.
var ErrNeedsApproval = apperr.New(http.StatusForbidden, "needs_approval",
	"管理员角色的授予或撤销须由一名管理员提出申请、另一名管理员批准，不能直接修改")

// SetRole gives an account a business role: the security administrator
// anywhere in scope, a leader to accounts they look after (staff of their
// own unit; leader or staff below). Nobody changes their own role, and no
// administrator role is given or taken this way.
func (s *Service) SetRole(ctx context.Context, a access.Actor, id int64, role access.Role) error {
	if !a.Can(access.GrantRoles) { // before the account: the same answer for any id
		return s.refuse(ctx, a, "user.set_role", "user", strconv.FormatInt(id, 10), access.ErrDenied)
	}
	if id == a.UserID {
		return s.self(ctx, a, "user.set_role", "不能修改自己的角色")
	}
	u, err := s.userByID(ctx, s.DB.Q(), id)
	if err != nil {
		return err
	}
	if !a.Scope().Contains(u.OrgPath) {
		return db.ErrNotFound
	}
	if a.Role == access.Leader && !a.ManagesAccount(u.Role, u.OrgPath) {
		return s.refuse(ctx, a, "user.set_role", "user", u.Username, access.ErrDenied)
	}
	if role.Admin() || u.Role.Admin() {
		s.deny(ctx, a, "user.set_role", "user", u.Username)
		return ErrNeedsApproval
	}
	if !role.Valid() {
		return apperr.Field("role", "请选择有效的角色")
	}
	if !a.CanGrantAt(role, u.OrgPath) {
		s.deny(ctx, a, "user.set_role", "user", u.Username)
		return apperr.Field("role", "不能为本单位授予负责人角色：负责人只能由上级单位或安全管理员授予")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		return s.applyRole(ctx, tx, a, u, role, "")
	})
}

// applyRole changes an account's role in tx: the old sessions end, a new
// leader's second factor is scheduled, the link and the audit event are
// recorded.
func (s *Service) applyRole(ctx context.Context, tx *db.Tx, a access.Actor, u User, role access.Role, detail string) error {
	at := s.Now()
	due := db.Millis(u.TOTPDueAt)
	if u.TOTPDueAt.IsZero() {
		due = 0
	}
	switch {
	case role == access.Leader:
		if limit := db.Millis(at.Add(s.grace())); due == 0 || due > limit {
			due = limit
		}
	case role == access.Staff || role == access.NoRole:
		due = 0 // staff may enrol; it is not due
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET role = ?, totp_due_at = ?, updated_at = ? WHERE id = ?`, string(role), due, db.Millis(at), u.ID); err != nil {
		return err
	}
	// A role change takes effect at once: the old sessions end.
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
		return err
	}
	if err := duty.Link(ctx, tx, a.UserID, u.ID, duty.SetRole, at); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.FromActor(a, "user.set_role", "user", u.Username, audit.OK,
		strings.TrimSpace(roleCode(u.Role)+" → "+roleCode(role)+" "+detail)))
}

// roleCode is a role as the audit log writes it ("none" for no role).
func roleCode(r access.Role) string {
	if r == access.NoRole {
		return "none"
	}
	return string(r)
}

// Unlock clears a lockout (security administrator).
func (s *Service) Unlock(ctx context.Context, a access.Actor, id int64) error {
	u, err := s.manage(ctx, a, access.SecureUsers, "user.unlock", id)
	if err != nil {
		return err
	}
	return s.change(ctx, a, "user.unlock", u, "", `UPDATE users SET failed_logins = 0, locked_until = 0, updated_at = ? WHERE id = ?`, db.Millis(s.Now()), u.ID)
}

// ResetTOTP removes an account's second factor and recovery codes
// (security administrator), e.g. after a lost phone: the user's sessions
// end and they must enrol again at the next sign-in, with no grace.
func (s *Service) ResetTOTP(ctx context.Context, a access.Actor, id int64) error {
	if id == a.UserID {
		return s.self(ctx, a, "user.reset_totp", "不能重置自己的动态验证码")
	}
	u, err := s.manage(ctx, a, access.SecureUsers, "user.reset_totp", id)
	if err != nil {
		return err
	}
	at := s.Now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = '', totp_enabled = 0, totp_last_step = 0, totp_due_at = ?, updated_at = ? WHERE id = ?`,
			db.Millis(at), db.Millis(at), u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		if err := duty.Link(ctx, tx, a.UserID, u.ID, duty.ResetTOTP, at); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "user.reset_totp", "user", u.Username, audit.OK, "须在下次登录时重新绑定"))
	})
}

// RevokeSessions ends every session of an account (administrators).
func (s *Service) RevokeSessions(ctx context.Context, a access.Actor, id int64) (int64, error) {
	u, err := s.manage(ctx, a, access.RevokeSessions, "user.revoke_sessions", id)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return audit.Record(ctx, tx, audit.FromActor(a, "user.revoke_sessions", "user", u.Username, audit.OK, ""))
	})
	return n, err
}

// ChangePassword lets a user change their own password, given the current
// one. Other sessions of the user end; the current one is kept.
func (s *Service) ChangePassword(ctx context.Context, a access.Actor, current, next, keepToken string) error {
	u, err := s.userByID(ctx, s.DB.Q(), a.UserID)
	if err != nil {
		return err
	}
	ok, err := CheckPassword(ctx, u.passwordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Field("current", "当前密码不正确")
	}
	if msg := ValidatePassword(next, u.Username); msg != "" {
		return apperr.Field("password", msg)
	}
	if current == next {
		return apperr.Field("password", "新密码不能与当前密码相同")
	}
	hash, err := HashPassword(ctx, next)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = 0, updated_at = ? WHERE id = ?`, hash, db.Millis(s.Now()), u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, u.ID, tokenHash(keepToken)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "user.change_password", "user", u.Username, audit.OK, ""))
	})
}

// deny records a refused attempt; it uses its own transaction because the
// refused change never started one.
func (s *Service) deny(ctx context.Context, a access.Actor, action, objType, objID string) {
	_ = s.refuse(ctx, a, action, objType, objID, access.ErrDenied)
}

// refuse is deny returning err marked as recorded (audit.Refused), for
// the front end not to record it again.
func (s *Service) refuse(ctx context.Context, a access.Actor, action, objType, objID string, err error) error {
	return audit.Refused(ctx, s.DB, a, objType, objID, action, err)
}

// CountUsers counts all accounts (for start-up decisions, unscoped).
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// checkEmail normalizes an optional email address in place and returns a
// Chinese message when it is not one.
func checkEmail(email *string) string {
	e := strings.TrimSpace(*email)
	*email = e
	if e == "" {
		return ""
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 200 {
		return "邮箱地址格式不正确，如 name@example.org"
	}
	return ""
}

// SetEmail sets the address notices are mailed to: one's own, or (for
// those who manage accounts) an account in scope.
func (s *Service) SetEmail(ctx context.Context, a access.Actor, id int64, email string) error {
	var u User
	var err error
	if id == a.UserID {
		u, err = s.userByID(ctx, s.DB.Q(), id)
	} else {
		u, err = s.manage(ctx, a, access.ManageUsers, "user.set_email", id)
	}
	if err != nil {
		return err
	}
	if msg := checkEmail(&email); msg != "" {
		return apperr.Field("email", msg)
	}
	return s.change(ctx, a, "user.set_email", u, "", `UPDATE users SET email = ?, updated_at = ? WHERE id = ?`, email, db.Millis(s.Now()), u.ID)
}
