// Package access is halfsky's one authorization policy: who is acting, what
// part of the organization tree they reach, and which actions their role
// allows. Every domain call takes an Actor and asks this package; the UI
// hiding a link is never the check.
package access

import (
	"errors"
	"strconv"
	"strings"
)

// Role is what a user does at the unit that holds it.
type Role string

const (
	// The three separated administrator roles (三权分立).
	Sysadmin Role = "sysadmin" // 系统管理员: accounts and the organization tree
	Secadmin Role = "secadmin" // 安全管理员: roles, lockouts, second factors, sessions
	Auditor  Role = "auditor"  // 安全审计员: the only reader of the audit log
	// The roles of every federation unit.
	Leader Role = "leader" // 负责人: signs off, manages the unit's accounts
	Staff  Role = "staff"  // 工作人员
	// NoRole is an account the system administrator created and the
	// security administrator has not yet given a role: it may sign in to
	// a page that says so and to its profile, and do nothing else.
	NoRole Role = ""
)

// Roles in display order.
var Roles = []Role{Leader, Staff, Sysadmin, Secadmin, Auditor}

// Label is the role's Chinese name.
func (r Role) Label() string {
	switch r {
	case Sysadmin:
		return "系统管理员"
	case Secadmin:
		return "安全管理员"
	case Auditor:
		return "安全审计员"
	case Leader:
		return "负责人"
	case Staff:
		return "工作人员"
	case NoRole:
		return "待授予角色"
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// Admin reports whether r is one of the three administrator roles, which
// must use a second factor.
func (r Role) Admin() bool { return r == Sysadmin || r == Secadmin || r == Auditor }

// Business reports whether r is a role of a federation unit's work.
func (r Role) Business() bool { return r == Leader || r == Staff }

// NeedsTOTP reports whether holders of r must use a second factor: every
// role that can reveal personal data, export, approve or decide.
func (r Role) NeedsTOTP() bool { return r.Admin() || r == Leader }

// Actor is the user on whose behalf a call runs.
type Actor struct {
	UserID   int64
	Username string
	Name     string
	Role     Role
	OrgID    int64
	OrgCode  string
	OrgName  string
	OrgPath  string // materialized path of the unit holding the role
	IP       string
}

// Scope is the part of the tree an actor reaches: the subtree of their unit.
func (a Actor) Scope() Scope { return Scope{Path: a.OrgPath} }

// Scope is a subtree, given by the materialized path of its root.
type Scope struct{ Path string }

// Range is the half-open interval of paths in the subtree: [path, path with
// its final '/' replaced by '0'). Paths hold only digits and '/', and '0'
// sorts right after '/', so this is exactly the subtree — an index range
// scan on both databases.
func (s Scope) Range() (lo, hi string) {
	if s.Path == "" || !strings.HasSuffix(s.Path, "/") {
		// An empty scope reaches nothing: an impossible range.
		return "1", "0"
	}
	return s.Path, s.Path[:len(s.Path)-1] + "0"
}

// Where returns an SQL condition restricting the path column col to the
// scope, with its arguments.
func (s Scope) Where(col string) (string, []any) {
	lo, hi := s.Range()
	return col + " >= ? AND " + col + " < ?", []any{lo, hi}
}

// PathIDs returns the ids of the units on a materialized path, root first
// ('/1/7/93/' → 1, 7, 93): the unit and every unit above it.
func PathIDs(path string) []int64 {
	var ids []int64
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// Contains reports whether the unit with the given path is in the scope.
func (s Scope) Contains(path string) bool {
	return s.Path != "" && strings.HasPrefix(path, s.Path)
}

// Action is something an actor may try.
type Action string

const (
	ViewOrgs   Action = "org.view"
	ManageOrgs Action = "org.manage"
	// ReshapeTree is changing the tree's shape (区划调整): moving, merging,
	// splitting, renaming, recoding and deactivating units. See CanReshape.
	ReshapeTree Action = "org.reshape"
	ViewUsers   Action = "user.view"
	ManageUsers Action = "user.manage"   // create, edit, disable, enable, reset password
	SecureUsers Action = "user.security" // unlock, reset TOTP
	GrantRoles  Action = "user.grant"    // give a business role (leader, staff)
	// RequestAdminRoles is asking for, approving or rejecting a change to
	// or from an administrator role: one administrator asks, another
	// approves; nobody grants one alone.
	RequestAdminRoles Action = "user.admin_role"
	RevokeSessions    Action = "user.sessions"
	ReadAudit         Action = "audit.read"

	// Documents (公文) and reporting (督办/报送): business roles only; the
	// administrators run the system, they do not read its documents.
	ViewDocs      Action = "doc.view"
	DraftDocs     Action = "doc.draft"     // draft, edit, submit for review, issue a signed one
	ReviewDocs    Action = "doc.review"    // 审核
	SignDocs      Action = "doc.sign"      // 签发
	ReceiveDocs   Action = "doc.receive"   // 签收, report back
	ManageReports Action = "report.manage" // accept or return reports, extensions, 催办

	// The notice's work lines — study (学习), visits/needs/tasks (下基层访妇情办实事)
	// and the problem ledger (问题整改台账): business roles only.
	ViewWork   Action = "work.view"   // read the unit's and its subtree's records and statistics
	RecordWork Action = "work.record" // record and update the unit's own activities, visits, needs, tasks, problems
	// ManageWork is what a unit does for the units below it: set quotas,
	// verify and close (销号) or return their problems, hand needs over.
	ManageWork Action = "work.manage"

	// Aid (巾帼关爱): applications carry the most sensitive personal data.
	ViewAid   Action = "aid.view"   // read masked applications and statistics in scope
	RecordAid Action = "aid.record" // enter and submit applications, pass/return/reject at street and district
	ManageAid Action = "aid.manage" // programmes, cycles, quotas and the final approval: a leader of the unit that runs the programme (aid checks which)
	RevealAid Action = "aid.reveal" // open an application's personal data, with a reason, audited

	// Rights cases (巾帼维权): the domain (internal/rights) decides, case by
	// case, who reads one in full: its handler, her unit's leader, the
	// units it was escalated or transferred to, a leader who broke the glass.
	ViewCases       Action = "case.view"     // the inbox, the no-name lines and the statistics in scope
	RecordCases     Action = "case.record"   // intake, take, assess, consent, refer, follow up, close
	OverrideConsent Action = "case.override" // refer without her consent: imminent danger or a minor, with a reason
	BreakGlass      Action = "case.glass"    // open a case of a unit below, with a reason, audited, the handler told
)

// allowed lists, per action, the roles that may take it (within scope).
var allowed = map[Action][]Role{
	ViewOrgs:          {Sysadmin, Secadmin, Auditor, Leader, Staff},
	ManageOrgs:        {Sysadmin},
	ReshapeTree:       {Sysadmin, Leader},
	ViewUsers:         {Sysadmin, Secadmin, Leader},
	ManageUsers:       {Sysadmin, Leader},
	SecureUsers:       {Secadmin},
	GrantRoles:        {Secadmin, Leader},
	RequestAdminRoles: {Sysadmin, Secadmin},
	RevokeSessions:    {Sysadmin, Secadmin},
	ReadAudit:         {Auditor},
	ViewDocs:          {Leader, Staff},
	DraftDocs:         {Leader, Staff},
	ReviewDocs:        {Leader, Staff},
	SignDocs:          {Leader},
	ReceiveDocs:       {Leader, Staff},
	ManageReports:     {Leader, Staff},
	ViewWork:          {Leader, Staff},
	RecordWork:        {Leader, Staff},
	ManageWork:        {Leader, Staff},
	ViewAid:           {Leader, Staff},
	RecordAid:         {Leader, Staff},
	ManageAid:         {Leader},
	RevealAid:         {Leader},
	ViewCases:         {Leader, Staff},
	RecordCases:       {Leader, Staff},
	OverrideConsent:   {Leader},
	BreakGlass:        {Leader},
}

// ErrDenied is returned for an action the actor's role does not allow.
var ErrDenied = errors.New("permission denied")

// Can reports whether the actor's role allows the action at all.
func (a Actor) Can(act Action) bool {
	for _, r := range allowed[act] {
		if r == a.Role {
			return true
		}
	}
	return false
}

// CanAt reports whether the actor may take the action on something that
// belongs to the unit at path.
func (a Actor) CanAt(act Action, path string) bool {
	return a.Can(act) && a.Scope().Contains(path)
}

// Below reports whether the unit at path is strictly below the actor's
// unit (in the subtree, not the unit itself).
func (a Actor) Below(path string) bool {
	return a.Scope().Contains(path) && path != a.OrgPath
}

// CanReshape reports whether the actor may change the unit at path
// (move, merge, split, rename, recode or deactivate it): the system
// administrator any unit in scope, a leader only units strictly below her
// own — a unit is reshaped from above, never by itself. The other end of
// an operation (the new parent, the unit merged into) must be in scope
// too; the domain checks that with the unit in hand.
func (a Actor) CanReshape(path string) bool {
	switch {
	case !a.Can(ReshapeTree):
		return false
	case a.Role == Sysadmin:
		return a.Scope().Contains(path)
	}
	return a.Below(path)
}

// CanGrant reports whether the actor may ever give role r directly (at
// some unit): the security administrator and unit leaders give the
// business roles; nobody gives an administrator role alone (that is a
// request one administrator makes and another approves), and the system
// administrator gives none: the accounts it makes wait for the security
// administrator.
func (a Actor) CanGrant(r Role) bool {
	switch a.Role {
	case Secadmin, Leader:
		return r.Business()
	}
	return false
}

// CanGrantAt reports whether the actor may give role r to an account at
// the unit at path. A leader gives staff at their own unit and either
// business role at units strictly below, never a peer leader; the
// security administrator gives a business role anywhere in scope.
func (a Actor) CanGrantAt(r Role, path string) bool {
	if !a.CanGrant(r) || !a.Scope().Contains(path) {
		return false
	}
	if a.Role == Leader && r == Leader {
		return a.Below(path)
	}
	return true
}

// CanCreateAt reports whether the actor may open an account with role r
// at the unit at path: the system administrator opens accounts without a
// role anywhere in scope; a leader opens the accounts they may grant.
func (a Actor) CanCreateAt(r Role, path string) bool {
	switch a.Role {
	case Sysadmin:
		return r == NoRole && a.Scope().Contains(path)
	case Leader:
		return a.CanGrantAt(r, path)
	}
	return false
}

// ManagesAccount reports whether the actor looks after (disables,
// enables, resets the password of, sets the email of) an account holding
// role at the unit at path: the system administrator every account in
// scope; a leader staff of their own unit and leader or staff accounts of
// units strictly below — never a peer leader, never a unit above or
// beside, never an administrator or an account still waiting for a role.
func (a Actor) ManagesAccount(role Role, path string) bool {
	switch a.Role {
	case Sysadmin:
		return a.Scope().Contains(path)
	case Leader:
		return a.CanGrantAt(role, path)
	}
	return false
}

// ErrNotOwner refuses a change of a record to a unit below the unit that
// owns it or recorded it: the record is about the lower unit, perhaps, but
// it is not the lower unit's to change. errors.Is(ErrNotOwner, ErrDenied)
// holds, so every check for a refusal sees it as one.
var ErrNotOwner error = notOwner{}

type notOwner struct{}

func (notOwner) Error() string        { return "permission denied: the record was made by a unit above" }
func (notOwner) Is(target error) bool { return target == ErrDenied }

// NotOwnerMessage is the Chinese reason given for ErrNotOwner.
const NotOwnerMessage = "该记录由上级单位填报，只能由填报单位或其上级修改"

// MayChange is the one rule for changing a record (writes follow the
// owner): the actor's role must allow act, and her unit must be the unit
// that owns the record (path owner), the unit of the cadre who recorded it
// (path recorder), or a unit above either — never a unit below them, even
// when the record is about that lower unit. Either path may be "" when a
// module has only one. It returns nil, ErrDenied (the role, or a unit
// outside both subtrees) or ErrNotOwner (a unit below the owner or the
// recorder); modules add their own stricter conditions (a document is its
// own unit's only) after it.
func (a Actor) MayChange(act Action, owner, recorder string) error {
	if !a.Can(act) {
		return ErrDenied
	}
	s := a.Scope()
	if (owner != "" && s.Contains(owner)) || (recorder != "" && s.Contains(recorder)) {
		return nil
	}
	below := func(p string) bool { return p != "" && a.OrgPath != "" && strings.HasPrefix(a.OrgPath, p) }
	if below(owner) || below(recorder) {
		return ErrNotOwner
	}
	return ErrDenied
}

// CanChange is MayChange as a yes or no, for pages deciding which buttons
// to show.
func (a Actor) CanChange(act Action, owner, recorder string) bool {
	return a.MayChange(act, owner, recorder) == nil
}
