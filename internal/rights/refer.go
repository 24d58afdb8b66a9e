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
	"halfsky/internal/db"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// Consent is her word for one receiving agency, as Primero keeps it: to
// be referred there, and to have her details disclosed to it. Agency ""
// is her consent to the federation's own services.
type Consent struct {
	Agency   string
	Refer    bool
	Disclose bool
	By       string
	At       time.Time
}

// ConsentInput is what a handler records she agreed to.
type ConsentInput struct {
	Services bool     `json:"services"` // to the federation's services
	Refer    []string `json:"refer"`    // agencies she may be referred to
	Disclose []string `json:"disclose"` // agencies her details may go to (a subset of Refer)
}

// RecordConsent records her consent (it replaces what was recorded for
// each agency named, and withdraws it from those not named).
func (s *Service) RecordConsent(ctx context.Context, a access.Actor, id int64, version int, in ConsentInput) error {
	e := map[string]string{}
	for _, ag := range in.Refer {
		if !vocab.Known(Agencies, ag) {
			e["refer"] = "转介机构不在清单中"
		}
	}
	for _, ag := range in.Disclose {
		switch {
		case !vocab.Known(Agencies, ag):
			e["disclose"] = "机构不在清单中"
		case !contains(in.Refer, ag):
			e["disclose"] = "只能向她同意转介的机构提供个人信息"
		}
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	now := s.Now()
	return s.change(ctx, a, id, version, "case.consent", func(tx *db.Tx, c *Case) error {
		if c.Status == Closed {
			return errClosed
		}
		var at any
		if in.Services {
			at = db.Millis(now)
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET consent_services = ?, consent_at = ? WHERE id = ?`, db.Bit(in.Services), at, id); err != nil {
			return err
		}
		for _, ag := range Agencies {
			refer, disclose := contains(in.Refer, ag.Key), contains(in.Disclose, ag.Key)
			if _, err := tx.Exec(ctx, `INSERT INTO case_consents (case_id, agency, refer, disclose, by_user, at) VALUES (?, ?, ?, ?, ?, ?)`,
				id, ag.Key, db.Bit(refer), db.Bit(disclose), a.UserID, db.Millis(now)); err != nil {
				return err
			}
		}
		return s.event(ctx, tx, id, "consent", consentNote(in), a.UserID, now)
	}, fmt.Sprintf("services=%v refer=%s disclose=%s", in.Services, strings.Join(in.Refer, ","), strings.Join(in.Disclose, ",")))
}

func consentNote(in ConsentInput) string {
	var b strings.Builder
	if in.Services {
		b.WriteString("同意接受妇联服务")
	} else {
		b.WriteString("未同意接受妇联服务")
	}
	if len(in.Refer) > 0 {
		b.WriteString("；同意转介：")
		for i, ag := range in.Refer {
			if i > 0 {
				b.WriteString("、")
			}
			b.WriteString(vocab.Label(Agencies, ag))
		}
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// consents reads the latest consent per agency.
func consents(ctx context.Context, q db.Querier, caseID int64) ([]Consent, error) {
	return db.All(ctx, q, func(sc db.Scanner) (c Consent, err error) {
		var at int64
		err = sc.Scan(&c.Agency, &c.Refer, &c.Disclose, &c.By, &at)
		c.At = db.FromMillis(at)
		return c, err
	}, `SELECT k.agency, k.refer, k.disclose, u.display_name, k.at FROM case_consents k JOIN users u ON u.id = k.by_user
		WHERE k.case_id = ? AND k.id = (SELECT MAX(id) FROM case_consents l WHERE l.case_id = k.case_id AND l.agency = k.agency)
		ORDER BY k.agency`, caseID)
}

// ReferralStatus is where a referral stands.
type ReferralStatus string

// Referral statuses.
const (
	RefSent     ReferralStatus = "sent"
	RefReceived ReferralStatus = "received"
	RefReplied  ReferralStatus = "replied"
	RefDone     ReferralStatus = "done"
)

// ReferralStatuses in order.
var ReferralStatuses = []vocab.Option{{Key: string(RefSent), Label: "已转介"}, {Key: string(RefReceived), Label: "已接收"},
	{Key: string(RefReplied), Label: "已回复"}, {Key: string(RefDone), Label: "已办结"}}

// Label is the status in Chinese.
func (r ReferralStatus) Label() string { return vocab.Label(ReferralStatuses, string(r)) }

// Referral is a case referred to an agency.
type Referral struct {
	ID             int64
	Agency         string
	Status         ReferralStatus
	Disclose       bool
	DueOn          string
	Reply          string
	OverrideBy     string
	OverrideReason string
	SentBy         string
	SentAt         time.Time
}

// AgencyLabel names the agency.
func (r Referral) AgencyLabel() string { return vocab.Label(Agencies, r.Agency) }

// Open reports whether the agency has not finished with it.
func (r Referral) Open() bool { return r.Status == RefSent || r.Status == RefReceived }

// Late reports whether the agency's deadline has passed on day today.
func (r Referral) Late(today string) bool { return r.Open() && r.DueOn < today }

func (s *Service) referrals(ctx context.Context, q db.Querier, f *vault.Fields, caseID int64) ([]Referral, error) {
	return db.All(ctx, q, func(sc db.Scanner) (r Referral, err error) {
		var at int64
		err = sc.Scan(&r.ID, &r.Agency, &r.Status, &r.Disclose, &r.DueOn, &r.Reply, &r.OverrideBy, &r.OverrideReason, &r.SentBy, &at)
		f.Open(sealedReply, r.ID, &r.Reply)
		f.Open(sealedOverride, r.ID, &r.OverrideReason)
		r.SentAt = db.FromMillis(at)
		return r, err
	}, `SELECT r.id, r.agency, r.status, r.disclose, r.due_on, r.reply, COALESCE(o.display_name, ''), r.override_reason,
		u.display_name, r.sent_at FROM case_referrals r JOIN users u ON u.id = r.sent_by LEFT JOIN users o ON o.id = r.override_by
		WHERE r.case_id = ? ORDER BY r.sent_at, r.id`, caseID)
}

// ReferInput is a referral as the handler makes it.
type ReferInput struct {
	Agency string `json:"agency"`
	DueOn  string `json:"due_on"` // "" = the city's limit from today
	// Override is a leader's written reason to refer without her consent:
	// imminent danger (a case rated 高 or above) or a minor victim.
	Override string `json:"override"`
}

// ErrNoConsent refuses a referral she has not agreed to.
var ErrNoConsent = &apperr.Error{Status: http.StatusConflict, Code: "no_consent",
	Message: "求助人未同意向该机构转介。请先记录她的同意；危险紧急或受害人为未成年人时，可由负责人写明理由后转介。",
	Fields:  map[string]string{"agency": "求助人未同意向该机构转介"}}

// Refer refers the case to an agency. Without her consent to that agency
// it is refused, unless a leader overrides with a written reason for
// imminent danger or a minor victim — audited and shown on the case. Her
// details go with it only if she agreed to their disclosure there.
func (s *Service) Refer(ctx context.Context, a access.Actor, id int64, version int, in ReferInput) (int64, error) {
	in.Agency, in.DueOn, in.Override = strings.TrimSpace(in.Agency), strings.TrimSpace(in.DueOn), strings.TrimSpace(in.Override)
	today := s.today()
	e := map[string]string{}
	if !vocab.Known(Agencies, in.Agency) {
		e["agency"] = "请选择转介机构"
	}
	if in.DueOn == "" {
		limits, err := s.CurrentLimits(ctx)
		if err != nil {
			return 0, err
		}
		in.DueOn = addDays(today, limits.ReferralDays)
	} else if d, err := time.Parse(time.DateOnly, in.DueOn); err != nil || d.Format(time.DateOnly) != in.DueOn {
		e["due_on"] = "日期格式应为 2026-03-08"
	} else if in.DueOn < today {
		e["due_on"] = "回复期限不能早于今天"
	}
	if vocab.TooLong(in.Override, 500) {
		e["override"] = "理由不能超过 500 字"
	}
	if in.Override != "" && !a.Can(access.OverrideConsent) {
		e["override"] = "只有负责人可以在未取得同意时转介"
	}
	if len(e) > 0 {
		return 0, apperr.Invalid(e)
	}
	now := s.Now()
	var refID int64
	err := s.change(ctx, a, id, version, "case.refer", func(tx *db.Tx, c *Case) error {
		if c.Status == Closed {
			return errClosed
		}
		cons, err := consents(ctx, tx, id)
		if err != nil {
			return err
		}
		var agreed, disclose bool
		for _, k := range cons {
			if k.Agency == in.Agency {
				agreed, disclose = k.Refer, k.Disclose
			}
		}
		var overrideBy any
		reason := ""
		if !agreed {
			if in.Override == "" {
				return ErrNoConsent
			}
			minor, err := minorVictim(ctx, tx, id)
			if err != nil {
				return err
			}
			if !c.Risk.AtLeastHigh() && !minor {
				return apperr.Field("override", "只有危险等级为高及以上或受害人为未成年人时，才可未经同意转介")
			}
			overrideBy, reason = a.UserID, in.Override
		}
		sealedReason, err := s.seal(sealedOverride, reason)
		if err != nil {
			return err
		}
		if refID, err = db.InsertID(ctx, tx, `INSERT INTO case_referrals (case_id, agency, status, disclose, due_on, override_by,
			override_reason, sent_by, sent_at, updated_at) VALUES (?, ?, 'sent', ?, ?, ?, ?, ?, ?, ?)`,
			id, in.Agency, db.Bit(disclose), in.DueOn, overrideBy, sealedReason, a.UserID, db.Millis(now), db.Millis(now)); err != nil {
			return err
		}
		note := "转介至" + vocab.Label(Agencies, in.Agency) + "，回复期限 " + in.DueOn
		if reason != "" {
			note += "。未经求助人同意，负责人决定转介，理由：" + reason
		}
		if err := s.routed(ctx, tx, c, now); err != nil {
			return err
		}
		return s.event(ctx, tx, id, "refer", note, a.UserID, now)
	}, fmt.Sprintf("agency=%s override=%v", in.Agency, in.Override != ""))
	return refID, err
}

// routed marks the case's route decided (and the case in hand), once.
func (s *Service) routed(ctx context.Context, tx *db.Tx, c *Case, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE cases SET routed_at = COALESCE(routed_at, ?), status = CASE WHEN status = 'received' THEN 'handling' ELSE status END
		WHERE id = ?`, db.Millis(now), c.ID)
	return err
}

// minorVictim reports whether a victim (or, with no victim named, the
// complainant, or a child involved) is a minor.
func minorVictim(ctx context.Context, q db.Querier, caseID int64) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM case_parties WHERE case_id = ? AND age_group = 'minor' AND role <> 'respondent'`, caseID).Scan(&n)
	return n > 0, err
}

// UpdateReferral records the agency's progress on a referral: received,
// replied (with its reply) or done.
func (s *Service) UpdateReferral(ctx context.Context, a access.Actor, id int64, version int, refID int64, status, reply string) error {
	reply = strings.TrimSpace(reply)
	st := ReferralStatus(status)
	e := map[string]string{}
	if st != RefReceived && st != RefReplied && st != RefDone {
		e["status"] = "请选择转介进展"
	}
	if st == RefReplied && reply == "" {
		e["reply"] = "请填写机构的回复"
	}
	if vocab.TooLong(reply, 2000) {
		e["reply"] = "回复不能超过 2000 字"
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	now := s.Now()
	return s.change(ctx, a, id, version, "case.referral", func(tx *db.Tx, c *Case) error {
		sealed, err := s.seal(sealedReply, reply)
		if err != nil {
			return err
		}
		set, args := `status = ?`, []any{string(st)}
		if reply != "" {
			set, args = set+`, reply = ?`, append(args, sealed)
		}
		res, err := tx.Exec(ctx, `UPDATE case_referrals SET `+set+`, updated_at = ? WHERE id = ? AND case_id = ? AND status <> 'done'`,
			append(args, db.Millis(now), refID, id)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return db.ErrNotFound
		}
		note := "转介进展：" + st.Label()
		if reply != "" {
			note += "。回复：" + reply
		}
		return s.event(ctx, tx, id, "referral", note, a.UserID, now)
	}, "referral="+strconv.FormatInt(refID, 10)+" status="+status)
}

// addDays adds n days to a YYYY-MM-DD date.
func addDays(day string, n int) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, n).Format(time.DateOnly)
}
