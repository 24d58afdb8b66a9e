package aid

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/duty"
	"halfsky/internal/org"
	"halfsky/internal/vocab"
)

// The review chain: the collecting unit (village/community, or a street
// federation that collects itself) submits; the street federation above it
// verifies; the district federation reviews; the city federation approves.
// Each level passes (up one level), returns (back to the collecting unit,
// with a reason, to edit and resubmit) or rejects (the end, with a
// reason). Street and district steps are taken by a leader or staff member
// (RecordAid) of exactly that ancestor unit; every city step by the city
// federation's leader (ManageAid), since approval spends the budget. No
// decider is, or is tied to, the account that entered the application or
// one that took an earlier step of its round (internal/duty).

// Decisions as stored in aid_steps.
const (
	Submit  = "submit"
	Pass    = "pass"
	Return  = "return"
	Reject  = "reject"
	Approve = "approve" // a pass at city level
)

// Decisions in display order.
var Decisions = []Option{{Key: Submit, Label: "提交"}, {Key: Pass, Label: "审核通过"}, {Key: Return, Label: "退回"}, {Key: Reject, Label: "不予通过"}, {Key: Approve, Label: "批准"}}

// Step is one entry of an application's review history.
type Step struct {
	ID       int64
	Level    string
	Decision string
	Reason   string
	ByUser   int64
	ByName   string
	ByOrg    int64
	OrgName  string
	At       time.Time
}

// DecisionLabel is the decision's Chinese name.
func (t Step) DecisionLabel() string { return vocab.Label(Decisions, t.Decision) }

// LevelLabel is the level's Chinese name.
func (t Step) LevelLabel() string { return vocab.Label(Levels, t.Level) }

// rung is one level of an application's chain and the unit at it.
type rung struct {
	level string
	org   org.Org
}

// chain is the collecting unit and its reviewing ancestors, bottom up:
// one unit per level, the collecting unit first, ending at the
// programme's owner unit (level "city"); units above the owner take no
// part. A path outside the owner's subtree has no top rung.
func (s *Service) chain(ctx context.Context, q db.Querier, path string, owner int64) ([]rung, error) {
	units, err := s.Orgs.OnPath(ctx, q, path)
	if err != nil {
		return nil, err
	}
	var out []rung
	seen := map[string]bool{}
	for i := len(units) - 1; i >= 0; i-- {
		o := units[i]
		l := LevelOf(o, owner)
		if l == "" || seen[l] {
			continue
		}
		seen[l] = true
		out = append(out, rung{l, o})
		if l == "city" {
			break
		}
	}
	return out, nil
}

// chainOf is the chain of an application, ending at its programme's owner.
func (s *Service) chainOf(ctx context.Context, q db.Querier, x Application) ([]rung, Programme, error) {
	p, err := s.programmeByID(ctx, q, x.ProgrammeID)
	if err != nil {
		return nil, p, err
	}
	ch, err := s.chain(ctx, q, x.OrgPath, p.OwnerID)
	return ch, p, err
}

// next returns the rung above level in the chain.
func next(ch []rung, level string) (rung, bool) {
	for i, r := range ch {
		if r.level == level && i+1 < len(ch) {
			return ch[i+1], true
		}
	}
	return rung{}, false
}

func at(ch []rung, level string) (rung, bool) {
	for _, r := range ch {
		if r.level == level {
			return r, true
		}
	}
	return rung{}, false
}

var errState = apperr.New(http.StatusConflict, "state", "该申请当前不能进行此操作，请刷新后查看")

// Submit sends a draft or returned application to the first level above
// the collecting unit (the collecting unit's RecordAid users). Every
// required document must have a file: otherwise bad input on the field
// "documents" naming the missing ones.
func (s *Service) Submit(ctx context.Context, a access.Actor, id int64, version int) (Application, error) {
	x, _, err := s.editable(ctx, a, id, "aid.submit", errState)
	if err != nil {
		return Application{}, err
	}
	ch, _, err := s.chainOf(ctx, s.DB.Q(), x)
	if err != nil {
		return Application{}, err
	}
	up, ok := next(ch, ch[0].level)
	if !ok {
		return Application{}, errState
	}
	now := db.Millis(s.now())
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		err := track(ctx, tx, id, func() error {
			res, err := tx.Exec(ctx, `UPDATE aid_applications SET status = ?, level = ?, submitted_at = COALESCE(submitted_at, ?), updated_at = ?,
				version = version + 1 WHERE id = ? AND version = ? AND status IN ('draft', 'returned')`, Reviewing, up.level, now, now, id, version)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errStale
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Checked after the UPDATE, which orders it with a file's removal.
		missing, err := s.missingDocuments(ctx, tx, x)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			return errMissing(missing)
		}
		return s.step(ctx, tx, a, x, ch[0].level, Submit, "", now, "aid.submit")
	})
	if err != nil {
		return Application{}, err
	}
	return s.Application(ctx, a, id)
}

// Decision is a reviewer's answer.
type Decision struct {
	Decision string `json:"decision"` // pass, return, reject
	Reason   string `json:"reason"`   // required to return or reject
	Version  int    `json:"version"`
}

// Decide takes the step of the level the application waits at: pass
// (approve at city level), return or reject. See the package comment for
// who may.
func (s *Service) Decide(ctx context.Context, a access.Actor, id int64, d Decision) (Application, error) {
	if err := s.need(ctx, a, access.RecordAid, id); err != nil {
		return Application{}, err
	}
	x, _, err := s.load(ctx, s.DB.Q(), a, id)
	if err != nil {
		return Application{}, err
	}
	d.Reason = strings.TrimSpace(d.Reason)
	switch d.Decision {
	case Pass:
	case Return, Reject:
		if d.Reason == "" {
			return Application{}, apperr.Field("reason", "请填写理由")
		}
		if vocab.TooLong(d.Reason, 500) {
			return Application{}, apperr.Field("reason", "理由不能超过 500 字")
		}
	default:
		return Application{}, apperr.Field("decision", "请选择审核意见")
	}
	if x.Status != Reviewing {
		return Application{}, errState
	}
	ch, p, err := s.chainOf(ctx, s.DB.Q(), x)
	if err != nil {
		return Application{}, err
	}
	holder, ok := at(ch, x.Level)
	if !ok || holder.org.ID != a.OrgID {
		return Application{}, s.deny(ctx, a, "aid."+d.Decision, id)
	}
	if x.Level == "city" {
		if err := s.manage(ctx, a, "aid."+d.Decision, id, p); err != nil {
			return Application{}, err
		}
	}
	// Four eyes: each level's decider is independent of whoever entered,
	// submitted or decided it before her in this round.
	firsts, err := s.firsts(ctx, s.DB.Q(), x)
	if err != nil {
		return Application{}, err
	}
	if err := duty.Require(ctx, s.DB, a, s.now(), x.SubmittedAt, "aid."+d.Decision, "aid_application", id, firsts...); err != nil {
		return Application{}, err
	}
	now := db.Millis(s.now())
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		switch {
		case d.Decision == Return:
			return s.move(ctx, tx, a, x, d, Returned, ch[0].level, "dedupe_key", now, Return)
		case d.Decision == Reject:
			return s.move(ctx, tx, a, x, d, Rejected, x.Level, "NULL", now, Reject)
		case x.Level == "city":
			return s.approve(ctx, tx, a, x, d, now)
		}
		up, ok := next(ch, x.Level)
		if !ok {
			return errState
		}
		return s.move(ctx, tx, a, x, d, Reviewing, up.level, "dedupe_key", now, Pass)
	})
	if err != nil {
		return Application{}, err
	}
	return s.Application(ctx, a, id)
}

// move sets an application's status and level, guarded by its version,
// and records the step. dedupe is the SQL for the new dedupe_key: a
// rejected application no longer blocks the person.
func (s *Service) move(ctx context.Context, tx *db.Tx, a access.Actor, x Application, d Decision, status Status, level, dedupe string,
	now int64, decision string) error {
	closed := "closed_at"
	if status == Rejected || status == Approved {
		closed = "?"
	}
	args := []any{status, level}
	if closed == "?" {
		args = append(args, now)
	}
	args = append(args, now, x.ID, d.Version)
	err := track(ctx, tx, x.ID, func() error {
		res, err := tx.Exec(ctx, `UPDATE aid_applications SET status = ?, level = ?, dedupe_key = `+dedupe+`, closed_at = `+closed+`,
			updated_at = ?, version = version + 1 WHERE id = ? AND version = ? AND status = 'reviewing'`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.step(ctx, tx, a, x, x.Level, decision, d.Reason, now, "aid."+decision)
}

// step records a review step and its audit event. The reason stays in the
// step, sealed (it describes her circumstances); the audit detail says
// only what happened.
func (s *Service) step(ctx context.Context, tx *db.Tx, a access.Actor, x Application, level, decision, reason string, now int64, action string) error {
	reason, err := s.Vault.Seal(sealedStepReason.Purpose(), reason)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO aid_steps (application_id, level, decision, reason, by_user, by_org, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		x.ID, level, decision, reason, a.UserID, a.OrgID, now); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.FromActor(a, action, "aid_application", ids(x.ID), audit.OK,
		fmt.Sprintf("%s %d level=%s", x.ProgrammeCode, x.Year, level)))
}

// Refusals at approval.
var (
	ErrOverQuota  = apperr.New(http.StatusConflict, "over_quota", "超出本区年度名额")
	ErrOverBudget = apperr.New(http.StatusConflict, "over_budget", "超出年度预算")
)

// approve is the city's pass. Inside the transaction: the cycle row is
// updated first, which serializes approvals of the same cycle on both
// databases, so the quota and budget sums that follow see every earlier
// approval; then the lifetime grant is inserted, the UNIQUE constraint
// deciding a second one.
func (s *Service) approve(ctx context.Context, tx *db.Tx, a access.Actor, x Application, d Decision, now int64) error {
	if _, err := tx.Exec(ctx, `UPDATE aid_cycles SET version = version + 1 WHERE id = ?`, x.CycleID); err != nil {
		return err
	}
	var quota int
	err := tx.QueryRow(ctx, `SELECT quota FROM aid_quotas WHERE cycle_id = ? AND org_id = ?`, x.CycleID, x.DistrictID).Scan(&quota)
	switch err = db.NoRows(err); err {
	case nil:
		var used int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM aid_applications WHERE cycle_id = ? AND district_id = ? AND status = 'approved'`,
			x.CycleID, x.DistrictID).Scan(&used); err != nil {
			return err
		}
		if used+1 > quota {
			return ErrOverQuota
		}
	case db.ErrNotFound:
	default:
		return err
	}
	if x.Amount > 0 {
		var budget, spent int64
		if err := tx.QueryRow(ctx, `SELECT c.budget, (SELECT COALESCE(SUM(amount), 0) FROM aid_applications
			WHERE cycle_id = c.id AND status = 'approved') FROM aid_cycles c WHERE c.id = ?`, x.CycleID).Scan(&budget, &spent); err != nil {
			return err
		}
		if spent+x.Amount > budget {
			return ErrOverBudget
		}
	}
	p, err := s.programmeByID(ctx, tx, x.ProgrammeID)
	if err != nil {
		return err
	}
	var hash string
	if err := tx.QueryRow(ctx, `SELECT id_hash FROM aid_applications WHERE id = ?`, x.ID).Scan(&hash); err != nil {
		return err
	}
	if err := s.grant(ctx, tx, p, x, hash, now); err != nil {
		return err
	}
	return s.move(ctx, tx, a, x, d, Approved, "city", "dedupe_key", now, Approve)
}
