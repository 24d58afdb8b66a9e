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

// Order kinds: 人身安全保护令 from a court, 告诫书 from 公安.
const (
	OrderProtection = "protection"
	OrderWarning    = "warning"
)

// OrderKinds and OrderStatuses in display order.
var (
	OrderKinds    = []vocab.Option{{Key: OrderProtection, Label: "人身安全保护令"}, {Key: OrderWarning, Label: "家庭暴力告诫书"}}
	OrderStatuses = []vocab.Option{{Key: "applied", Label: "已申请"}, {Key: "issued", Label: "已签发"}, {Key: "refused", Label: "驳回"}}
)

// The court decides an urgent application within 24 hours and an ordinary
// one within 72 (反家庭暴力法 第二十八条); an order is in force up to 6
// months (第三十条).
const (
	urgentDecision   = 24 * time.Hour
	ordinaryDecision = 72 * time.Hour
	orderMonths      = 6
)

// Order is a protection order or a 告诫书 on a case.
type Order struct {
	ID         int64
	Kind       string
	Urgent     bool
	AppliedAt  time.Time
	DecideBy   time.Time
	Status     string
	IssuedOn   string
	ExpiresOn  string
	Violations int
	Note       string
}

// KindLabel and StatusLabel say the order in Chinese.
func (o Order) KindLabel() string   { return vocab.Label(OrderKinds, o.Kind) }
func (o Order) StatusLabel() string { return vocab.Label(OrderStatuses, o.Status) }

// Late reports whether a court's decision is overdue at now.
func (o Order) Late(now time.Time) bool {
	return o.Status == "applied" && !o.DecideBy.IsZero() && now.After(o.DecideBy)
}

// Expiring reports whether an issued order ends within 14 days of today
// (or has ended).
func (o Order) Expiring(today string) bool {
	return o.Status == "issued" && o.ExpiresOn != "" && o.ExpiresOn <= addDays(today, 14)
}

var sealedOrderNote = vault.Register("case_orders", "id", "note")

func (s *Service) orders(ctx context.Context, q db.Querier, f *vault.Fields, caseID int64) ([]Order, error) {
	return db.All(ctx, q, func(sc db.Scanner) (o Order, err error) {
		var applied, decide *int64
		err = sc.Scan(&o.ID, &o.Kind, &o.Urgent, &applied, &decide, &o.Status, &o.IssuedOn, &o.ExpiresOn, &o.Violations, &o.Note)
		if applied != nil {
			o.AppliedAt = db.FromMillis(*applied)
		}
		if decide != nil {
			o.DecideBy = db.FromMillis(*decide)
		}
		f.Open(sealedOrderNote, o.ID, &o.Note)
		return o, err
	}, `SELECT id, kind, urgent, applied_at, decide_by, status, issued_on, expires_on, violations, note FROM case_orders
		WHERE case_id = ? ORDER BY created_at, id`, caseID)
}

// OrderInput records an order: a protection order applied for (Urgent,
// AppliedOn), or an order issued (IssuedOn, ExpiresOn; a 告诫书 has no
// expiry).
type OrderInput struct {
	Kind      string `json:"kind"`
	Urgent    bool   `json:"urgent"`
	AppliedOn string `json:"applied_on"`
	IssuedOn  string `json:"issued_on"`
	ExpiresOn string `json:"expires_on"`
	Note      string `json:"note"`
}

func pastDate(e map[string]string, field, v, today string, required bool) {
	switch d, err := time.Parse(time.DateOnly, v); {
	case v == "" && required:
		e[field] = "请填写日期"
	case v == "":
	case err != nil || d.Format(time.DateOnly) != v:
		e[field] = "日期格式应为 2026-03-08"
	case v > today:
		e[field] = "日期不能晚于今天"
	}
}

// RecordOrder records a protection order applied for or a 告诫书 issued.
func (s *Service) RecordOrder(ctx context.Context, a access.Actor, id int64, version int, in OrderInput) (int64, error) {
	in.Kind, in.AppliedOn, in.IssuedOn, in.ExpiresOn, in.Note = strings.TrimSpace(in.Kind), strings.TrimSpace(in.AppliedOn),
		strings.TrimSpace(in.IssuedOn), strings.TrimSpace(in.ExpiresOn), strings.TrimSpace(in.Note)
	today := s.today()
	e := map[string]string{}
	switch in.Kind {
	case OrderProtection:
		pastDate(e, "applied_on", in.AppliedOn, today, true)
	case OrderWarning:
		pastDate(e, "issued_on", in.IssuedOn, today, true)
	default:
		e["kind"] = "请选择保护令或告诫书"
	}
	if vocab.TooLong(in.Note, 500) {
		e["note"] = "说明不能超过 500 字"
	}
	if len(e) > 0 {
		return 0, apperr.Invalid(e)
	}
	now := s.Now()
	var oid int64
	err := s.change(ctx, a, id, version, "case.order", func(tx *db.Tx, c *Case) error {
		if c.Status == Closed {
			return errClosed
		}
		note, err := s.seal(sealedOrderNote, in.Note)
		if err != nil {
			return err
		}
		var applied, decide any
		status, text := "issued", "公安机关出具家庭暴力告诫书（"+in.IssuedOn+"）"
		if in.Kind == OrderProtection {
			d, _ := time.ParseInLocation(time.DateOnly, in.AppliedOn, db.Shanghai)
			at := d.Add(9 * time.Hour)
			if in.AppliedOn == today {
				at = now
			}
			limit := ordinaryDecision
			if in.Urgent {
				limit = urgentDecision
			}
			applied, decide = db.Millis(at), db.Millis(at.Add(limit))
			status, text = "applied", fmt.Sprintf("申请人身安全保护令（%s，%s，法院应在 %s 前作出裁定）", in.AppliedOn,
				map[bool]string{true: "紧急", false: "一般"}[in.Urgent], at.Add(limit).In(db.Shanghai).Format("1月2日15:04"))
		}
		oid, err = db.InsertID(ctx, tx, `INSERT INTO case_orders (case_id, kind, urgent, applied_at, decide_by, status, issued_on, note,
			by_user, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.Kind, db.Bit(in.Urgent), applied, decide,
			status, in.IssuedOn, note, a.UserID, db.Millis(now), db.Millis(now))
		if err != nil {
			return err
		}
		if in.Note != "" {
			text += "。" + in.Note
		}
		return s.event(ctx, tx, id, "order", text, a.UserID, now)
	}, "kind="+in.Kind)
	return oid, err
}

// DecideOrder records the court's ruling on a protection order: issued
// (from IssuedOn, until ExpiresOn, at most 6 months on) or refused.
func (s *Service) DecideOrder(ctx context.Context, a access.Actor, id int64, version int, orderID int64, issued bool, issuedOn, expiresOn string) error {
	issuedOn, expiresOn = strings.TrimSpace(issuedOn), strings.TrimSpace(expiresOn)
	today := s.today()
	e := map[string]string{}
	pastDate(e, "issued_on", issuedOn, today, true)
	if issued {
		if d, err := time.Parse(time.DateOnly, expiresOn); err != nil || d.Format(time.DateOnly) != expiresOn {
			e["expires_on"] = "请填写有效期至（格式 2026-03-08）"
		} else if _, bad := e["issued_on"]; !bad {
			from, _ := time.Parse(time.DateOnly, issuedOn)
			switch {
			case expiresOn < issuedOn:
				e["expires_on"] = "有效期不能早于签发日期"
			case d.After(from.AddDate(0, orderMonths, 0)):
				e["expires_on"] = "人身安全保护令有效期不超过六个月"
			}
		}
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	now := s.Now()
	status := map[bool]string{true: "issued", false: "refused"}[issued]
	return s.change(ctx, a, id, version, "case.order_decided", func(tx *db.Tx, c *Case) error {
		if !issued {
			expiresOn = ""
		}
		res, err := tx.Exec(ctx, `UPDATE case_orders SET status = ?, issued_on = ?, expires_on = ?, reminded_at = NULL, updated_at = ?
			WHERE id = ? AND case_id = ? AND kind = 'protection' AND status = 'applied'`, status, issuedOn, expiresOn, db.Millis(now), orderID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(http.StatusConflict, "not_applied", "该保护令不在申请中")
		}
		text := "法院签发人身安全保护令，有效期至 " + expiresOn
		if !issued {
			text = "法院驳回人身安全保护令申请"
		}
		return s.event(ctx, tx, id, "order", text, a.UserID, now)
	}, "order="+strconv.FormatInt(orderID, 10)+" "+status)
}

// RecordViolation counts a violation of an issued order, with a note.
func (s *Service) RecordViolation(ctx context.Context, a access.Actor, id int64, version int, orderID int64, note string) error {
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return apperr.Field("note", "请写明违反的情况")
	case vocab.TooLong(note, 500):
		return apperr.Field("note", "说明不能超过 500 字")
	}
	now := s.Now()
	return s.change(ctx, a, id, version, "case.order_violated", func(tx *db.Tx, c *Case) error {
		res, err := tx.Exec(ctx, `UPDATE case_orders SET violations = violations + 1, updated_at = ? WHERE id = ? AND case_id = ? AND status = 'issued'`,
			db.Millis(now), orderID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(http.StatusConflict, "not_issued", "只有已签发的保护令或告诫书可以记录违反情况")
		}
		return s.event(ctx, tx, id, "violation", "违反保护令或告诫书："+note, a.UserID, now)
	}, "order="+strconv.FormatInt(orderID, 10))
}
