package org

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/tally"
)

// 区划调整: the tree changes shape — a unit moves with its subtree, is
// merged into another, split, renamed, recoded or deactivated — and every
// record, account and count follows in the same transaction. Each
// operation here:
//
//   - is taken by the system administrator (a unit in her scope) or a
//     leader of a unit strictly above the unit changed (access.CanReshape),
//     with the other end (new parent, unit merged into) in scope too;
//     every other role is refused (403), a unit outside the scope is not
//     found (404), and every refusal is audited;
//   - runs in one transaction that holds the tree's lock (operations
//     never interleave), rewrites every registered path copy, lets the
//     followers follow, writes the unit's history (org_changes) and the
//     audit event (codes and ids, never names);
//   - refuses bad input with a Chinese message beside the field at fault,
//     changing nothing.

// Refusals of a change of the tree's shape.
var (
	ErrMoveIntoItself = refusal(http.StatusUnprocessableEntity, "move_into_subtree", "under", "不能把单位调整到它自己或它的下级单位之下")
	ErrAlreadyThere   = refusal(http.StatusConflict, "already_there", "under", "该单位已在此上级单位之下")
	ErrMergeItself    = refusal(http.StatusUnprocessableEntity, "merge_into_itself", "into", "不能把单位合并到它自己")
	ErrMergeSubtree   = refusal(http.StatusUnprocessableEntity, "merge_into_subtree", "into", "不能把单位合并到它自己的下级单位")
	ErrMergeAcross    = refusal(http.StatusUnprocessableEntity, "merge_across_roots", "into", "不能合并到另一个组织体系（另一套安装）的单位")
	ErrCodeInUse      = refusal(http.StatusConflict, "code_in_use", "new_code", "该组织代码已被使用")
	ErrSameName       = refusal(http.StatusUnprocessableEntity, "same_name", "name", "新名称与原名称相同")
	ErrSameCode       = refusal(http.StatusUnprocessableEntity, "same_code", "new_code", "新代码与原代码相同")
	// ErrMergedStays refuses to move a merged unit away from the unit it
	// was merged into: what it keeps (receipts, reports) stays in that
	// unit's scope only while it stays below it.
	ErrMergedStays = refusal(http.StatusConflict, "unit_merged", "under", "已撤并的单位随并入的单位一起调整，不能单独调整上级")
	// ErrNotAbove refuses a leader's change of her own unit or of a unit
	// beside it: units are reshaped from above.
	ErrNotAbove = apperr.New(http.StatusForbidden, "not_above", "只有上级单位的负责人或系统管理员可以调整该单位")
	// ErrInactive refuses a change of, or a new record at, a unit that is
	// deactivated or merged into another (已停用、已撤并).
	ErrInactive       = apperr.New(http.StatusConflict, "unit_inactive", InactiveMessage)
	ErrHasChildren    = apperr.New(http.StatusConflict, "has_active_children", "该单位还有未停用的下级单位：请先调整或停用它们")
	ErrHasAccounts    = apperr.New(http.StatusConflict, "has_accounts", "该单位还有启用的账号：请先停用它们，或把单位合并到另一个单位（账号随之调入）")
	ErrNoParent       = apperr.New(http.StatusConflict, "no_parent", "该单位没有上级单位，不能拆分")
	codeRE            = regexp.MustCompile(`^[0-9A-Za-z]{2,32}$`)
	operatorScopePath = "/"
)

// InactiveMessage is why nothing new may be made at a deactivated or
// merged unit.
const InactiveMessage = "该单位已停用或已撤并，不能再在其下新建单位、账号或记录"

// refusal is a refusal of one field, with its own code.
func refusal(status int, code, field, msg string) *apperr.Error {
	return &apperr.Error{Status: status, Code: code, Message: msg, Fields: map[string]string{field: msg}}
}

// Operator is the actor of the server's command line: the system
// administrator of the whole database (every root), audited as
// "operator". Nothing else has a scope of "/".
func Operator() access.Actor {
	return access.Actor{Username: "operator", Name: "命令行", Role: access.Sysadmin, OrgPath: operatorScopePath}
}

func isOperator(a access.Actor) bool { return a.UserID == 0 && a.OrgPath == operatorScopePath }

// lockTree serializes the tree's changes of shape: each reads the tree
// after the lock, so two can never interleave (one moving X under Y while
// another moves Y under X). SQLite's write transactions are serial already.
func lockTree(ctx context.Context, tx *db.Tx) error {
	if tx.Dialect() != db.Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(110017)`)
	return err
}

// reshape runs one operation on the unit with code: the role, the lock,
// the unit in scope and from above, then do (which checks the rest of the
// input, makes the change and returns the audit detail), the audit event,
// all in one transaction. Refusals are audited after the rollback.
func (s *Store) reshape(ctx context.Context, a access.Actor, action, code string,
	do func(tx *db.Tx, unit Org) (string, error)) error {
	code = strings.TrimSpace(code)
	refuse := func(outcome, detail string, err error) error {
		ev := audit.FromActor(a, action, "org", code, outcome, detail)
		_ = audit.Log(ctx, s.DB, ev)
		return audit.Recorded(err)
	}
	if !a.Can(access.ReshapeTree) {
		return refuse(audit.Denied, "role", access.ErrDenied)
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := lockTree(ctx, tx); err != nil {
			return err
		}
		unit, err := Org{}, db.ErrNotFound
		if lookable(code) {
			unit, err = s.ByCodeUnscoped(ctx, tx, code)
		}
		if err == nil && !a.Scope().Contains(unit.Path) {
			err = db.ErrNotFound
		}
		if err != nil {
			if errors.Is(err, db.ErrNotFound) && isOperator(a) {
				return apperr.Field("unit", "没有这个组织代码")
			}
			return err
		}
		if !a.CanReshape(unit.Path) {
			return ErrNotAbove
		}
		detail, err := do(tx, unit)
		if err != nil {
			return err
		}
		ev := audit.FromActor(a, action, "org", unit.Code, audit.OK, detail)
		if ev.OrgID == 0 { // the operator has no unit: file it under the unit changed
			ev.OrgID, ev.OrgCode = unit.ID, unit.Code
		}
		return audit.Record(ctx, tx, ev)
	})
	var e *apperr.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, db.ErrNotFound):
		return refuse(audit.Denied, "not_found", err)
	case errors.As(err, &e) && e.Status == http.StatusForbidden:
		return refuse(audit.Denied, e.Code, err)
	case errors.As(err, &e) && e.Status < 500:
		return refuse(audit.Fail, refusalDetail(e), err)
	}
	return err
}

// refusalDetail names a refusal's code and the fields at fault.
func refusalDetail(e *apperr.Error) string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	d := "code=" + e.Code
	if len(keys) > 0 {
		d += " fields=" + strings.Join(keys, ",")
	}
	return d
}

// other resolves the other end of an operation (field names the input):
// a unit in the actor's scope, else the same answer whether it exists or
// not.
func (s *Store) other(ctx context.Context, tx *db.Tx, a access.Actor, field, code string) (Org, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return Org{}, apperr.Field(field, "请填写单位代码")
	}
	var o Org
	err := db.ErrNotFound
	if lookable(code) {
		o, err = s.ByCodeUnscoped(ctx, tx, code)
	}
	if err == nil && !a.Scope().Contains(o.Path) {
		err = db.ErrNotFound
	}
	if errors.Is(err, db.ErrNotFound) {
		if isOperator(a) {
			return Org{}, apperr.Field(field, "没有这个组织代码")
		}
		return Org{}, apperr.Field(field, "没有这个组织代码，或不在您的管理范围内")
	}
	return o, err
}

// Move puts the unit with code, with its subtree and every record in it,
// under the unit with code under.
func (s *Store) Move(ctx context.Context, a access.Actor, code, under string) (Org, error) {
	var moved Org
	err := s.reshape(ctx, a, "org.move", code, func(tx *db.Tx, unit Org) (string, error) {
		parent, err := s.other(ctx, tx, a, "under", under)
		if err != nil {
			return "", err
		}
		old, err := s.parentOf(ctx, tx, unit)
		if err != nil {
			return "", err
		}
		switch {
		case unit.MergedInto != 0:
			return "", ErrMergedStays
		case strings.HasPrefix(parent.Path, unit.Path):
			return "", ErrMoveIntoItself
		case unit.ParentID == parent.ID:
			return "", ErrAlreadyThere
		case !parent.Active:
			return "", refusal(http.StatusConflict, "unit_inactive", "under", "该单位已停用或已撤并，不能作为上级单位")
		}
		if err := s.moveUnder(ctx, tx, a, unit, old, parent); err != nil {
			return "", err
		}
		if moved, err = s.ByID(ctx, tx, unit.ID); err != nil {
			return "", err
		}
		return "from=" + old.Code + " to=" + parent.Code, nil
	})
	return moved, err
}

// MoveAsOperator is Move from the server's command line.
func (s *Store) MoveAsOperator(ctx context.Context, code, under string) (Org, error) {
	return s.Move(ctx, Operator(), code, under)
}

// parentOf is the unit's parent (the zero Org for a root).
func (s *Store) parentOf(ctx context.Context, q db.Querier, o Org) (Org, error) {
	if o.ParentID == 0 {
		return Org{}, nil
	}
	return s.ByID(ctx, q, o.ParentID)
}

// moveUnder reparents unit (whose parent is old) under parent in tx and
// keeps it in the unit's history.
func (s *Store) moveUnder(ctx context.Context, tx *db.Tx, a access.Actor, unit, old, parent Org) error {
	if err := reparent(ctx, tx, unit, parent); err != nil {
		return err
	}
	return s.remember(ctx, tx, a, unit.ID, ChangeMove, old.Name, parent.Name, old.ID)
}

// Rename gives the unit a new name; the old one stays in its history.
func (s *Store) Rename(ctx context.Context, a access.Actor, code, name string) (Org, error) {
	var out Org
	err := s.reshape(ctx, a, "org.rename", code, func(tx *db.Tx, unit Org) (string, error) {
		name = strings.TrimSpace(name)
		if msg := checkName(name); msg != "" {
			return "", apperr.Field("name", msg)
		}
		if name == unit.Name {
			return "", ErrSameName
		}
		if _, err := tx.Exec(ctx, `UPDATE orgs SET name = ?, updated_at = ? WHERE id = ?`, name, db.Millis(db.Now()), unit.ID); err != nil {
			return "", err
		}
		if err := s.remember(ctx, tx, a, unit.ID, ChangeRename, unit.Name, name, 0); err != nil {
			return "", err
		}
		var err error
		out, err = s.ByID(ctx, tx, unit.ID)
		return "unit=" + unit.Code, err
	})
	return out, err
}

// checkName returns why a unit name is refused, or "".
func checkName(name string) string {
	switch {
	case name == "":
		return "请填写单位名称"
	case utf8.RuneCountInString(name) > 100:
		return "单位名称不能超过 100 个字"
	case strings.IndexFunc(name, unicode.IsControl) >= 0 || !utf8.ValidString(name):
		return "单位名称含有无效字符"
	}
	return ""
}

// lookable reports whether a unit could have the code: both databases
// can compare it (valid UTF-8 without NUL bytes) and it is not absurdly
// long. Anything else is simply not found.
func lookable(code string) bool {
	return code != "" && len(code) <= 64 && utf8.ValidString(code) && !strings.ContainsRune(code, 0)
}

// checkCode returns why a unit code is refused, or "".
func checkCode(code string) string {
	switch {
	case code == "":
		return "请填写组织代码"
	case !codeRE.MatchString(code):
		return "组织代码为 2–32 位数字或字母"
	}
	return ""
}

// codeTaken reports whether a unit has the code.
func codeTaken(ctx context.Context, q db.Querier, code string) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE code = ?`, code).Scan(&n)
	return n > 0, err
}

// Recode gives the unit a new code (when the national division list
// renumbers it); the old one stays in its history. A code in use is
// refused. What keeps a copy of the code follows: reports' order column
// and the recipient lists of documents not yet issued.
func (s *Store) Recode(ctx context.Context, a access.Actor, code, newCode string) (Org, error) {
	var out Org
	err := s.reshape(ctx, a, "org.recode", code, func(tx *db.Tx, unit Org) (string, error) {
		newCode = strings.TrimSpace(newCode)
		if msg := checkCode(newCode); msg != "" {
			return "", apperr.Field("new_code", msg)
		}
		if newCode == unit.Code {
			return "", ErrSameCode
		}
		taken, err := codeTaken(ctx, tx, newCode)
		if err != nil {
			return "", err
		}
		if taken {
			return "", ErrCodeInUse
		}
		if _, err := tx.Exec(ctx, `UPDATE orgs SET code = ?, sort_key = ?, updated_at = ? WHERE id = ?`,
			newCode, sortKey(unit.Kind, newCode), db.Millis(db.Now()), unit.ID); err != nil {
			if db.IsUniqueViolation(err) {
				return "", ErrCodeInUse
			}
			return "", err
		}
		if _, err := tx.Exec(ctx, `UPDATE reports SET org_code = ? WHERE org_id = ?`, newCode, unit.ID); err != nil {
			return "", err
		}
		// Drafts name their recipient units by code (doc.Target); issued
		// documents keep theirs as issued.
		from, to := `"unit":"`+unit.Code+`"`, `"unit":"`+newCode+`"`
		if _, err := tx.Exec(ctx, `UPDATE documents SET recipient_spec = REPLACE(recipient_spec, ?, ?), cc_spec = REPLACE(cc_spec, ?, ?)
			WHERE status <> 'issued' AND (recipient_spec LIKE ? OR cc_spec LIKE ?)`,
			from, to, from, to, "%"+from+"%", "%"+from+"%"); err != nil {
			return "", err
		}
		if err := s.remember(ctx, tx, a, unit.ID, ChangeRecode, unit.Code, newCode, 0); err != nil {
			return "", err
		}
		out, err = s.ByID(ctx, tx, unit.ID)
		return "from=" + unit.Code + " to=" + newCode, err
	})
	return out, err
}

// Deactivate marks the unit inactive: no new units, accounts or records
// there from then on; its records and history stay, and so does it in the
// tree. It is refused while the unit has an active child or an enabled
// account (move or deactivate those first, or merge the unit instead).
func (s *Store) Deactivate(ctx context.Context, a access.Actor, code string) (Org, error) {
	var out Org
	err := s.reshape(ctx, a, "org.deactivate", code, func(tx *db.Tx, unit Org) (string, error) {
		if !unit.Active {
			return "", ErrInactive
		}
		var kids, users int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE parent_id = ? AND active = 1`, unit.ID).Scan(&kids); err != nil {
			return "", err
		}
		if kids > 0 {
			return "", ErrHasChildren
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE org_id = ? AND disabled = 0`, unit.ID).Scan(&users); err != nil {
			return "", err
		}
		if users > 0 {
			return "", ErrHasAccounts
		}
		for _, w := range registeredOpenWork() {
			n, err := w.Count(ctx, tx, unit)
			if err != nil {
				return "", err
			}
			if n > 0 {
				return "", apperr.New(http.StatusConflict, "has_open_work", w.Message)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE orgs SET active = 0, updated_at = ? WHERE id = ?`, db.Millis(db.Now()), unit.ID); err != nil {
			return "", err
		}
		if err := s.remember(ctx, tx, a, unit.ID, ChangeDeactivate, "", "", 0); err != nil {
			return "", err
		}
		var err error
		out, err = s.ByID(ctx, tx, unit.ID)
		return "unit=" + unit.Code, err
	})
	return out, err
}

// TableCount is how many rows of one table (column) an operation moves
// from one unit to another, or leaves where they are.
type TableCount struct {
	What  string // table.column, e.g. "visits.org_id"
	Count int
}

// MergeResult is what a merge did.
type MergeResult struct {
	From, Into Org
	Children   []string // codes of the children moved under Into
	Users      int      // accounts moved to Into
	Moved      []TableCount
	// Kept are the records that stay with From because moving them would
	// break a unique rule (Into has its own report for the requirement;
	// From's receipts of documents): From stays under Into, so they stay
	// in Into's scope.
	Kept []TableCount
}

// Merge merges the unit with code into the unit with code into (撤并): the
// unit's children move under into, its accounts to into (their sessions
// follow: a user's unit is read at every request), its own records to
// into (each registered path copy, documents, reports, notifications),
// except what a unique rule keeps with it. The unit stays as history —
// inactive, merged_into set, under into, so what stays with it stays in
// into's scope.
func (s *Store) Merge(ctx context.Context, a access.Actor, code, into string) (MergeResult, error) {
	var res MergeResult
	err := s.reshape(ctx, a, "org.merge", code, func(tx *db.Tx, unit Org) (string, error) {
		target, err := s.other(ctx, tx, a, "into", into)
		if err != nil {
			return "", err
		}
		switch {
		case target.ID == unit.ID:
			return "", ErrMergeItself
		case strings.HasPrefix(target.Path, unit.Path):
			return "", ErrMergeSubtree
		case rootOf(target.Path) != rootOf(unit.Path):
			return "", ErrMergeAcross
		case !unit.Active:
			return "", ErrInactive
		case !target.Active:
			return "", refusal(http.StatusConflict, "unit_inactive", "into", "该单位已停用或已撤并，不能并入")
		}
		res, err = s.merge(ctx, tx, a, unit, target)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("into=%s children=%d users=%d moved=%s kept=%s", target.Code, len(res.Children), res.Users,
			formatCounts(res.Moved), formatCounts(res.Kept)), nil
	})
	return res, err
}

func (s *Store) merge(ctx context.Context, tx *db.Tx, a access.Actor, unit, target Org) (MergeResult, error) {
	res := MergeResult{}
	kids, err := db.All(ctx, tx, scanOrg, `SELECT `+columns+` FROM orgs WHERE parent_id = ? ORDER BY sort_key, code`, unit.ID)
	if err != nil {
		return res, err
	}
	for _, k := range kids {
		if err := s.moveUnder(ctx, tx, a, k, unit, target); err != nil {
			return res, err
		}
		res.Children = append(res.Children, k.Code)
	}
	now := db.Millis(db.Now())
	r, err := tx.Exec(ctx, `UPDATE users SET org_id = ?, updated_at = ? WHERE org_id = ?`, target.ID, now, unit.ID)
	if err != nil {
		return res, err
	}
	n, _ := r.RowsAffected()
	res.Users = int(n)
	if res.Moved, res.Kept, err = handOver(ctx, tx, unit, target, true); err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, `UPDATE orgs SET active = 0, merged_into = ?, updated_at = ? WHERE id = ?`, target.ID, now, unit.ID); err != nil {
		return res, err
	}
	if unit.ParentID != target.ID {
		if err := reparent(ctx, tx, unit, target); err != nil {
			return res, err
		}
	}
	if err := follow(ctx, tx, target.Path); err != nil {
		return res, err
	}
	if err := s.remember(ctx, tx, a, unit.ID, ChangeMergedInto, "", target.Name, target.ID); err != nil {
		return res, err
	}
	if err := s.remember(ctx, tx, a, target.ID, ChangeMergedFrom, unit.Name, "", unit.ID); err != nil {
		return res, err
	}
	if res.From, err = s.ByID(ctx, tx, unit.ID); err != nil {
		return res, err
	}
	res.Into, err = s.ByID(ctx, tx, target.ID)
	return res, err
}

// rootOf is the first id of a path: the root of the installation it is in.
func rootOf(path string) string {
	p := strings.TrimPrefix(path, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return p
}

// follow lets every follower follow the subtree at root (records given
// to another unit there, not only moved with a subtree).
func follow(ctx context.Context, tx *db.Tx, root string) error {
	for _, f := range registeredFollowers() {
		if err := f.Follow(ctx, tx, root); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return nil
}

// What a unit's own records are, beyond the registered path copies.
const (
	docsOwn       = "documents.org_id"
	reportsOwn    = "reports.org_id"
	recipientsOwn = "document_recipients.org_id"
	noticesOwn    = "notifications.org_id"
)

// handOver gives the records of unit from to unit to in tx: every
// registered path copy whose unit is from (the unit and the path), the
// documents from issued or drafts, every registered hand-over (what
// from runs: aid programmes and district quotas), from's reports unless to has one for
// the same requirement, and (with notices) its notifications. Receipts
// (document_recipients) are kept: to may have received the same
// document, and a receipt is a fact about from. It returns what moved and
// what was kept, per table.
func handOver(ctx context.Context, tx *db.Tx, from, to Org, notices bool) (moved, kept []TableCount, err error) {
	// The counters (internal/tally) follow the records handed over.
	err = tally.TrackUnits(ctx, tx, []int64{from.ID, to.ID}, func() error {
		moved, kept, err = handOverRecords(ctx, tx, from, to, notices)
		return err
	})
	return moved, kept, err
}

func handOverRecords(ctx context.Context, tx *db.Tx, from, to Org, notices bool) (moved, kept []TableCount, err error) {
	add := func(list *[]TableCount, what string, n int64) {
		if n > 0 {
			*list = append(*list, TableCount{What: what, Count: int(n)})
		}
	}
	exec := func(what, q string, args ...any) error {
		r, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("handing over %s: %w", what, err)
		}
		n, _ := r.RowsAffected()
		add(&moved, what, n)
		return nil
	}
	for _, c := range PathCopies() {
		if err := exec(c.Table+"."+c.OrgCol, `UPDATE `+c.Table+` SET `+c.OrgCol+` = ?, `+c.PathCol+` = ? WHERE `+c.OrgCol+` = ?`,
			to.ID, to.Path, from.ID); err != nil {
			return nil, nil, err
		}
	}
	if err := exec(docsOwn, `UPDATE documents SET org_id = ? WHERE org_id = ?`, to.ID, from.ID); err != nil {
		return nil, nil, err
	}
	for _, h := range registeredHandOvers() {
		n, err := h.Move(ctx, tx, from, to)
		if err != nil {
			return nil, nil, fmt.Errorf("handing over %s: %w", h.Name, err)
		}
		add(&moved, h.Name, n)
	}
	if err := exec(reportsOwn, `UPDATE reports SET org_id = ?, org_code = ? WHERE org_id = ?
		AND NOT EXISTS (SELECT 1 FROM reports r2 WHERE r2.requirement_id = reports.requirement_id AND r2.org_id = ?)`,
		to.ID, to.Code, from.ID, to.ID); err != nil {
		return nil, nil, err
	}
	if notices {
		if err := exec(noticesOwn, `UPDATE notifications SET org_id = ? WHERE org_id = ?`, to.ID, from.ID); err != nil {
			return nil, nil, err
		}
	}
	for _, k := range []struct{ what, q string }{
		{reportsOwn, `SELECT COUNT(*) FROM reports WHERE org_id = ?`},
		{recipientsOwn, `SELECT COUNT(*) FROM document_recipients WHERE org_id = ?`},
	} {
		var n int64
		if err := tx.QueryRow(ctx, k.q, from.ID).Scan(&n); err != nil {
			return nil, nil, err
		}
		add(&kept, k.what, n)
	}
	return moved, kept, nil
}

// countHandOver is what handOver would do, counted without a change (for
// a preview).
func countHandOver(ctx context.Context, q db.Querier, from, to Org, notices bool) (moved, kept []TableCount, err error) {
	count := func(list *[]TableCount, what, query string, args ...any) error {
		var n int
		if err := q.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			return fmt.Errorf("counting %s: %w", what, err)
		}
		if n > 0 {
			*list = append(*list, TableCount{What: what, Count: n})
		}
		return nil
	}
	for _, c := range PathCopies() {
		if err := count(&moved, c.Table+"."+c.OrgCol, `SELECT COUNT(*) FROM `+c.Table+` WHERE `+c.OrgCol+` = ?`, from.ID); err != nil {
			return nil, nil, err
		}
	}
	if err := count(&moved, docsOwn, `SELECT COUNT(*) FROM documents WHERE org_id = ?`, from.ID); err != nil {
		return nil, nil, err
	}
	for _, h := range registeredHandOvers() {
		n, err := h.Count(ctx, q, from)
		if err != nil {
			return nil, nil, fmt.Errorf("counting %s: %w", h.Name, err)
		}
		if n > 0 {
			moved = append(moved, TableCount{What: h.Name, Count: int(n)})
		}
	}
	clash := `EXISTS (SELECT 1 FROM reports r2 WHERE r2.requirement_id = reports.requirement_id AND r2.org_id = ?)`
	if err := count(&moved, reportsOwn, `SELECT COUNT(*) FROM reports WHERE org_id = ? AND NOT `+clash, from.ID, to.ID); err != nil {
		return nil, nil, err
	}
	if notices {
		if err := count(&moved, noticesOwn, `SELECT COUNT(*) FROM notifications WHERE org_id = ?`, from.ID); err != nil {
			return nil, nil, err
		}
	}
	if err := count(&kept, reportsOwn, `SELECT COUNT(*) FROM reports WHERE org_id = ? AND `+clash, from.ID, to.ID); err != nil {
		return nil, nil, err
	}
	if err := count(&kept, recipientsOwn, `SELECT COUNT(*) FROM document_recipients WHERE org_id = ?`, from.ID); err != nil {
		return nil, nil, err
	}
	return moved, kept, nil
}

// formatCounts is "visits.org_id:3,documents.org_id:1" for an audit
// detail ("0" when empty).
func formatCounts(xs []TableCount) string {
	if len(xs) == 0 {
		return "0"
	}
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = x.What + ":" + strconv.Itoa(x.Count)
	}
	return strings.Join(parts, ",")
}

// CountTotal is the number of rows in counts.
func CountTotal(xs []TableCount) int {
	n := 0
	for _, x := range xs {
		n += x.Count
	}
	return n
}
