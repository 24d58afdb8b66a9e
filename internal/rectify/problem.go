package rectify

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/vocab"
)

// Status is where a problem stands, as stored.
type Status string

// Statuses as stored.
const (
	Open     Status = "open"     // 整改中
	Applied  Status = "applied"  // 申请销号
	Returned Status = "returned" // 退回
	Closed   Status = "closed"   // 已销号
)

// Label is the status's Chinese name.
func (s Status) Label() string { return vocab.Label(Statuses, string(s)) }

// Colour is the status's badge colour: green while the unit works on it,
// blue when it applied to close it, yellow when returned, grey once closed.
func (s Status) Colour() string {
	switch s {
	case Closed:
		return "grey"
	case Applied:
		return "blue"
	case Returned:
		return "yellow"
	}
	return "green"
}

// Modes as stored: how the unit fixes the problem.
const (
	ModeNow      = "now"      // 立行立改
	ModeDeadline = "deadline" // 限期整改
	ModeOngoing  = "ongoing"  // 长期坚持
)

// Choice is a stored key and its Chinese label.
type Choice = vocab.Option

// The notice's categories of 脱离群众 problems, where they come from, how
// they are fixed and where they stand.
var (
	Categories = []Choice{{Key: "organ", Label: "机关化"}, {Key: "admin", Label: "行政化"}, {Key: "elite", Label: "贵族化"}, {Key: "leisure", Label: "娱乐化"},
		{Key: "style", Label: "作风"}, {Key: "ability", Label: "能力"}, {Key: "other", Label: "其他"}}
	Sources  = []Choice{{Key: "self", Label: "自查"}, {Key: "public", Label: "群众反映"}, {Key: "inspection", Label: "上级督查"}}
	Modes    = []Choice{{Key: ModeNow, Label: "立行立改"}, {Key: ModeDeadline, Label: "限期整改"}, {Key: ModeOngoing, Label: "长期坚持"}}
	Statuses = []Choice{{Key: string(Open), Label: "整改中"}, {Key: string(Applied), Label: "申请销号"}, {Key: string(Returned), Label: "退回"}, {Key: string(Closed), Label: "已销号"}}
	Colours  = []Choice{{Key: "red", Label: "逾期"}, {Key: "yellow", Label: "临期"}, {Key: "green", Label: "正常"}}
)

// Problem is one entry of a unit's ledger.
type Problem struct {
	ID           int64
	OrgID        int64
	OrgCode      string
	OrgName      string
	OrgPath      string
	Category     string
	Source       string
	Description  string
	Measures     string
	Responsible  string
	Mode         string
	Plan         string
	FoundOn      string // YYYY-MM-DD
	DueOn        string // "" for 长期坚持
	Status       Status
	AppliedAt    time.Time
	AppliedBy    string
	ClosedAt     time.Time
	ClosedBy     string
	ClosedByOrg  string // name of the unit that closed it
	ReturnReason string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
	// NextReview is the earliest review date of a 长期坚持 item not yet
	// reviewed ("" when none is left).
	NextReview string
	// Reviews are the review dates, loaded by Get only.
	Reviews []Review
}

// Review is one review date of a 长期坚持 item.
type Review struct {
	On     string    `json:"on"`
	DoneAt time.Time `json:"done_at"`
}

// Done reports whether the review was made.
func (r Review) Done() bool { return !r.DoneAt.IsZero() }

// Labels for templates and exports.
func (p Problem) CategoryLabel() string { return vocab.Label(Categories, p.Category) }
func (p Problem) SourceLabel() string   { return vocab.Label(Sources, p.Source) }
func (p Problem) ModeLabel() string     { return vocab.Label(Modes, p.Mode) }

// Editable reports whether the unit may still change the item, add
// progress or apply to close it.
func (p Problem) Editable() bool { return p.Status == Open || p.Status == Returned }

// NextDate is the date the colour is reckoned from: the deadline, or the
// next review of a 长期坚持 item.
func (p Problem) NextDate() string {
	if p.DueOn != "" {
		return p.DueOn
	}
	return p.NextReview
}

// ColourAt is the item's flag on the day today (YYYY-MM-DD): red when not
// closed and its deadline or a review date has passed, yellow when one is
// within 7 days, green otherwise; "" once closed.
func (p Problem) ColourAt(today string) string {
	if p.Status == Closed {
		return ""
	}
	next := p.NextDate()
	switch {
	case next == "":
		return "green"
	case next < today:
		return "red"
	case next <= addDays(today, 7):
		return "yellow"
	}
	return "green"
}

// ColourLabel is the Chinese name of a colour.
func ColourLabel(c string) string {
	if c == "" {
		return "已销号"
	}
	return vocab.Label(Colours, c)
}

// nextDateSQL is NextDate in SQL, on the problems row aliased p.
const nextDateSQL = `COALESCE(p.due_on, (SELECT MIN(r.review_on) FROM problem_reviews r WHERE r.problem_id = p.id AND r.done_at IS NULL))`

// ColourSQL is an SQL condition on the problems row aliased p selecting
// the items of a colour on the day today, with its arguments; ok is false
// for an unknown colour.
func ColourSQL(colour, today string) (cond string, args []any, ok bool) {
	soon := addDays(today, 7)
	switch colour {
	case "red":
		return `p.status <> 'closed' AND ` + nextDateSQL + ` < ?`, []any{today}, true
	case "yellow":
		return `p.status <> 'closed' AND ` + nextDateSQL + ` >= ? AND ` + nextDateSQL + ` <= ?`, []any{today, soon}, true
	case "green":
		return `p.status <> 'closed' AND (` + nextDateSQL + ` IS NULL OR ` + nextDateSQL + ` > ?)`, []any{soon}, true
	}
	return "", nil, false
}

// Today is the date in Beijing at time now.
func Today(now time.Time) string { return now.In(db.Shanghai).Format("2006-01-02") }

func (s *Service) today() string { return Today(s.Now()) }

func addDays(date string, n int) string {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return date
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

func validDate(s string) bool {
	t, err := time.Parse("2006-01-02", s)
	return err == nil && t.Format("2006-01-02") == s
}

const problemColumns = `p.id, p.org_id, o.code, o.name, p.org_path, p.category, p.source, p.description, p.measures,
	p.responsible, p.mode, p.plan, p.found_on, COALESCE(p.due_on, ''), p.status, COALESCE(p.applied_at, 0),
	COALESCE(ua.display_name, ''), COALESCE(p.closed_at, 0), COALESCE(uc.display_name, ''), COALESCE(oc.name, ''),
	p.return_reason, p.created_at, p.updated_at, p.version,
	COALESCE((SELECT MIN(r.review_on) FROM problem_reviews r WHERE r.problem_id = p.id AND r.done_at IS NULL), '')`

// problemListCols are problemColumns for a list page, which shows the
// description alone of the sealed fields: the others are neither read nor
// opened.
var problemListCols = strings.NewReplacer("p.measures", "''", "p.responsible", "''", "p.plan", "''",
	"p.return_reason", "''").Replace(problemColumns)

const problemFrom = ` FROM problems p
	JOIN orgs o ON o.id = p.org_id
	LEFT JOIN users ua ON ua.id = p.applied_by
	LEFT JOIN users uc ON uc.id = p.closed_by
	LEFT JOIN orgs oc ON oc.id = p.closed_by_org`

// scanProblem reads a problem and opens its sealed fields that were read.
func (s *Service) scanProblem(row db.Scanner) (Problem, error) {
	var p Problem
	var applied, closed, created, updated int64
	err := row.Scan(&p.ID, &p.OrgID, &p.OrgCode, &p.OrgName, &p.OrgPath, &p.Category, &p.Source, &p.Description, &p.Measures,
		&p.Responsible, &p.Mode, &p.Plan, &p.FoundOn, &p.DueOn, &p.Status, &applied,
		&p.AppliedBy, &closed, &p.ClosedBy, &p.ClosedByOrg,
		&p.ReturnReason, &created, &updated, &p.Version, &p.NextReview)
	if err != nil {
		return p, err
	}
	p.AppliedAt, p.ClosedAt = opt(applied), opt(closed)
	p.CreatedAt, p.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	sl := s.sealer()
	sl.Open(sealedDescription, p.ID, &p.Description)
	sl.Open(sealedMeasures, p.ID, &p.Measures)
	sl.Open(sealedResponsible, p.ID, &p.Responsible)
	sl.Open(sealedPlan, p.ID, &p.Plan)
	sl.Open(sealedReturn, p.ID, &p.ReturnReason)
	return p, sl.Err
}

func opt(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return db.FromMillis(ms)
}

// Get returns a problem in the actor's subtree with its review dates;
// anything else is db.ErrNotFound.
func (s *Service) Get(ctx context.Context, a access.Actor, id int64) (Problem, error) {
	if !a.Can(access.ViewWork) {
		return Problem{}, s.deny(ctx, a, "problem.view", strconv.FormatInt(id, 10))
	}
	p, err := s.scanProblem(s.DB.QueryRow(ctx, `SELECT `+problemColumns+problemFrom+` WHERE p.id = ?`, id))
	if err != nil {
		return Problem{}, db.NoRows(err)
	}
	if !a.Scope().Contains(p.OrgPath) {
		return Problem{}, db.ErrNotFound
	}
	p.Reviews, err = s.reviews(ctx, s.DB.Q(), id)
	return p, err
}

func (s *Service) reviews(ctx context.Context, q db.Querier, id int64) ([]Review, error) {
	return db.All(ctx, q, func(row db.Scanner) (r Review, err error) {
		var done int64
		err = row.Scan(&r.On, &done)
		r.DoneAt = opt(done)
		return r, err
	}, `SELECT review_on, COALESCE(done_at, 0) FROM problem_reviews WHERE problem_id = ? ORDER BY review_on`, id)
}

// deny records a refusal and returns access.ErrDenied.
func (s *Service) deny(ctx context.Context, a access.Actor, action, id string) error {
	return s.refuse(ctx, a, action, id, access.ErrDenied)
}

// refuse records a refusal and returns err (access.ErrDenied, or
// access.ErrNotOwner whose reason the user is told).
func (s *Service) refuse(ctx context.Context, a access.Actor, action, id string, err error) error {
	if errors.Is(err, access.ErrNotOwner) {
		action += " not_owner"
	}
	return audit.Refused(ctx, s.DB, a, "problem", id, action, err)
}

// Link is the item's page.
func Link(id int64) string { return "/problems/" + strconv.FormatInt(id, 10) }
