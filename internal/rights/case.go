package rights

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
)

// Sight is how much of a case an actor reads.
type Sight int

// Sights, from nothing to everything.
const (
	// SightNone: outside her scope; the case does not exist for her (404).
	SightNone Sight = iota
	// SightLine: in her scope but not hers to read: a line without names
	// (number, category, channel, risk, status, unit, dates).
	SightLine
	// SightFull: the case with its parties, narrative and timeline.
	SightFull
)

// Case is a rights case. The personal fields (Narrative, Phone,
// ContactTime, Parties, notes) are filled only when Sight is SightFull.
type Case struct {
	ID           int64
	Year, Seq    int
	RegisterName string // the unit whose register numbered it
	OrgID        int64  // the unit handling it
	OrgCode      string
	OrgName      string
	OrgPath      string
	OriginOrgID  int64
	OriginPath   string
	Channel      string
	SourceAgency string
	NeedID       int64
	Category     string
	CategoryTop  string
	CategoryName string
	Anonymous    bool
	Risk         Risk
	Status       Status
	HandlerID    int64
	HandlerName  string
	ReceivedAt   time.Time
	ContactDue   time.Time
	ContactedAt  time.Time // zero until the first contact
	RouteDue     time.Time
	RoutedAt     time.Time
	Consent      bool // consent to services
	NoCall       bool
	Outcome      string
	Satisfaction string
	ClosedAt     time.Time
	Version      int
	Public       bool // came in through the public form

	Sight       Sight
	Narrative   string
	Phone       string
	ContactTime string
	Parties     []Party
	Events      []Event
	Assessments []Assessment
	Consents    []Consent
	Referrals   []Referral
	Moves       []Move
	Orders      []Order
	FollowUps   []FollowUp
	Reports     []MandatoryReport
	Safety      []SafetyItem // nil until a rating of 高 or above opens the plan
	Files       []CaseFile   // photos (metadata removed) and files, sealed
	// Glass is set when she reads it because she broke the glass.
	Glass bool
}

// Number is the case's number in its register: 维〔2026〕15号.
func (c Case) Number() string { return fmt.Sprintf("维〔%d〕%d号", c.Year, c.Seq) }

// Overdue names the time limit the case has missed at now, or "".
func (c Case) Overdue(now time.Time) string {
	switch {
	case c.Status == Closed:
		return ""
	case c.ContactedAt.IsZero() && now.After(c.ContactDue):
		return "超过24小时未联系求助人"
	case c.RoutedAt.IsZero() && now.After(c.RouteDue):
		return "超过7日未确定处置路径"
	}
	return ""
}

// Party is one person in a case.
type Party struct {
	ID       int64
	Role     string
	Name     string
	Phone    string
	Address  string
	Relation string
	AgeGroup string
	Disabled bool
	Ill      bool
}

// Vulnerable reports whether a victim so described must be reported to
// the police (强制报告, 反家庭暴力法 第十四条).
func (p Party) Vulnerable() bool {
	return p.AgeGroup == "minor" || p.AgeGroup == "elderly" || p.Disabled || p.Ill
}

// Event is a step on the case's timeline.
type Event struct {
	Kind string
	Note string
	By   string
	At   time.Time
}

// caseColumns are read by scanCase, in its order.
const caseColumns = `c.id, c.year, c.seq, r.name, c.org_id, o.code, o.name, c.org_path, c.origin_org_id, c.origin_path,
	c.channel, c.source_agency, c.need_id, c.category, c.category_top, c.anonymous, c.risk, c.status,
	c.handler_id, COALESCE(h.display_name, ''), c.received_at, c.contact_due, c.contacted_at, c.route_due, c.routed_at,
	c.consent_services, c.no_call, c.outcome, c.satisfaction, c.closed_at, c.version, c.recorded_by IS NULL,
	c.narrative, c.phone, c.contact_time`

// caseFrom joins what caseColumns name.
const caseFrom = ` FROM cases c JOIN orgs o ON o.id = c.org_id JOIN orgs r ON r.id = c.register_id
	LEFT JOIN users h ON h.id = c.handler_id`

// sealedCase holds a case's sealed columns as stored, until its sight is
// known: they are opened only for SightFull.
type sealedCase struct{ narrative, phone, contactTime string }

func scanCase(sc db.Scanner) (Case, sealedCase, error) {
	var c Case
	var sl sealedCase
	var need, handler sql.NullInt64
	var received, contactDue, routeDue int64
	var contacted, routed, closed sql.NullInt64
	err := sc.Scan(&c.ID, &c.Year, &c.Seq, &c.RegisterName, &c.OrgID, &c.OrgCode, &c.OrgName, &c.OrgPath, &c.OriginOrgID, &c.OriginPath,
		&c.Channel, &c.SourceAgency, &need, &c.Category, &c.CategoryTop, &c.Anonymous, &c.Risk, &c.Status,
		&handler, &c.HandlerName, &received, &contactDue, &contacted, &routeDue, &routed,
		&c.Consent, &c.NoCall, &c.Outcome, &c.Satisfaction, &closed, &c.Version, &c.Public,
		&sl.narrative, &sl.phone, &sl.contactTime)
	c.NeedID, c.HandlerID = need.Int64, handler.Int64
	c.ReceivedAt, c.ContactDue, c.RouteDue = db.FromMillis(received), db.FromMillis(contactDue), db.FromMillis(routeDue)
	c.ContactedAt, c.RoutedAt, c.ClosedAt = optTime(contacted), optTime(routed), optTime(closed)
	return c, sl, err
}

func optTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return db.FromMillis(v.Int64)
}

// sight decides how much of c the actor reads (see the package comment).
// It looks at the case's moves and the actor's broken glass in q.
func (s *Service) sight(ctx context.Context, q db.Querier, a access.Actor, c *Case) (Sight, error) {
	if !a.Can(access.ViewCases) {
		return SightNone, nil
	}
	if lineSight(a, *c) == SightFull {
		return SightFull, nil
	}
	if a.Role == access.Leader {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM case_moves WHERE case_id = ? AND to_org_id = ?
			AND (status = 'pending' OR (kind = 'escalate' AND status = 'accepted'))`, c.ID, a.OrgID).Scan(&n); err != nil {
			return SightNone, err
		}
		if n > 0 {
			return SightFull, nil
		}
	}
	var g int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM case_glass WHERE user_id = ? AND case_id = ? AND until_at > ?`,
		a.UserID, c.ID, db.Millis(s.Now())).Scan(&g); err != nil {
		return SightNone, err
	}
	if g > 0 {
		c.Glass = true
		return SightFull, nil
	}
	if a.Scope().Contains(c.OrgPath) {
		return SightLine, nil
	}
	return SightNone, nil
}
