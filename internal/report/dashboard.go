package report

import (
	"context"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/notify"
	"halfsky/internal/org"
	"halfsky/internal/vocab"
)

// Counts are the numbers of units in each state, and what they add up to.
type Counts struct {
	Total     int
	Unsigned  int // 未签收, not reported, deadline not passed
	Signed    int // 已签收, not reported, deadline not passed
	Submitted int // 已报送
	Returned  int // 已退回, to be resubmitted
	Accepted  int // 已采纳
	Overdue   int // 逾期: past the deadline without a report (returned ones included)
	OnTime    int // reported by the deadline
	DueSoon   int // not reported, deadline within 3 days
}

// add sums another group's counts into c.
func (c *Counts) add(o Counts) {
	c.Total += o.Total
	c.Unsigned += o.Unsigned
	c.Signed += o.Signed
	c.Submitted += o.Submitted
	c.Returned += o.Returned
	c.Accepted += o.Accepted
	c.Overdue += o.Overdue
	c.OnTime += o.OnTime
	c.DueSoon += o.DueSoon
}

// Done is how many have reported.
func (c Counts) Done() int { return c.Submitted + c.Accepted }

// Completeness is the share that has reported, 0–100.
func (c Counts) Completeness() float64 { return pct(c.Done(), c.Total) }

// Timeliness is the share of reports that came in time, 0–100.
func (c Counts) Timeliness() float64 { return pct(c.OnTime, c.Done()) }

func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(int(float64(n)*1000/float64(d)+0.5)) / 10
}

// Colour summarizes a group: red when any unit is overdue, yellow when
// any is due within 3 days, green otherwise.
func (c Counts) Colour() string {
	switch {
	case c.Overdue > 0:
		return "red"
	case c.DueSoon > 0:
		return "yellow"
	}
	return "green"
}

// ColourLabel names the group's colour.
func (c Counts) ColourLabel() string {
	switch c.Colour() {
	case "red":
		return "有逾期"
	case "yellow":
		return "临近截止"
	}
	return "正常"
}

// UnitStates are the states a dashboard's unit rows can be filtered by,
// named as the filter shows them: "" is every unit, "missing" every unit
// that has not reported, the others are State keys.
var UnitStates = []vocab.Option{
	{Key: "", Label: "全部单位"}, {Key: "missing", Label: "未报送（全部）"}, {Key: "unsigned", Label: "未签收"},
	{Key: "signed", Label: "已签收未报送"}, {Key: "submitted", Label: "已报送待审核"}, {Key: "returned", Label: "已退回"},
	{Key: "accepted", Label: "已采纳"}, {Key: "overdue", Label: "逾期"},
}

// InState is how many of the units counted are in the state, a key of
// UnitStates ("" or an unknown key: all of them).
func (c Counts) InState(state string) int {
	switch state {
	case "unsigned":
		return c.Unsigned
	case "signed":
		return c.Signed
	case "submitted":
		return c.Submitted
	case "returned":
		return c.Returned
	case "accepted":
		return c.Accepted
	case "overdue":
		return c.Overdue
	case "missing":
		return c.Total - c.Done()
	}
	return c.Total
}

// KnownUnitState reports whether state is one of UnitStates.
func KnownUnitState(state string) bool { return vocab.Known(UnitStates, state) }

// Group is one row of the roll-up: a unit directly under the node being
// looked at, with the counts of every reporting unit in its subtree.
type Group struct {
	Org    org.Org
	Counts Counts
	// Self is true for the row of the node itself (when it reports too).
	Self bool
}

// Dashboard is the sender's view of one requirement under a node of the
// tree: the totals, one roll-up row per child, and the crumbs back up.
type Dashboard struct {
	Requirement Requirement
	Document    doc.Document
	Node        org.Org
	Crumbs      []org.Org // from the issuer down to Node's parent
	Totals      Counts
	Groups      []Group
	Now         time.Time
}

// countCols aggregates report rows into Counts columns in SQL, so even a
// requirement sent to every unit of the country is summed by the database.
const countCols = `COUNT(*),
	COALESCE(SUM(CASE WHEN rp.status IN ('pending', 'draft') AND rp.due_at >= ? AND rp.received_at IS NULL THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN rp.status IN ('pending', 'draft') AND rp.due_at >= ? AND rp.received_at IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN rp.status = 'submitted' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN rp.status = 'returned' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN rp.status = 'accepted' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN rp.status NOT IN ('submitted', 'accepted') AND rp.due_at < ? THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN rp.status IN ('submitted', 'accepted') AND rp.submitted_at <= rp.due_at THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN rp.status NOT IN ('submitted', 'accepted') AND rp.due_at >= ? AND rp.due_at < ? THEN 1 ELSE 0 END), 0)`

// countArgs are countCols' parameters at time now.
func countArgs(now time.Time) []any {
	n := db.Millis(now)
	return []any{n, n, n, n, db.Millis(now.Add(3 * 24 * time.Hour))}
}

func scanCounts(dest *Counts, extra ...any) []any {
	return append(extra, &dest.Total, &dest.Unsigned, &dest.Signed, &dest.Submitted, &dest.Returned, &dest.Accepted,
		&dest.Overdue, &dest.OnTime, &dest.DueSoon)
}

const countFrom = ` FROM reports rp JOIN orgs o ON o.id = rp.org_id
	WHERE rp.requirement_id = ? AND o.path >= ? AND o.path < ?`

// manager checks the actor may follow up a requirement: the issuing unit,
// or a unit above it.
func (s *Service) manager(ctx context.Context, a access.Actor, docID, reqID int64) (Requirement, doc.Document, error) {
	r, d, err := s.Requirement(ctx, a, docID, reqID)
	if err != nil {
		return Requirement{}, doc.Document{}, err
	}
	if !a.Scope().Contains(d.OrgPath) {
		// a recipient may read the document, not the others' status
		return Requirement{}, doc.Document{}, db.ErrNotFound
	}
	return r, d, nil
}

// Dashboard rolls the requirement's reports up under the node with the
// given code (the issuer when empty): one row per child of the node. The
// counts are the counters (tally.go): a few rows read at any level.
func (s *Service) Dashboard(ctx context.Context, a access.Actor, docID, reqID int64, under string) (Dashboard, error) {
	return s.dashboard(ctx, a, docID, reqID, under, false)
}

// DashboardRecount is Dashboard counted from the reports themselves, over
// the node's whole subtree (what Dashboard did before the counters): the
// benchmark's baseline and the tests' check of the counters.
func (s *Service) DashboardRecount(ctx context.Context, a access.Actor, docID, reqID int64, under string) (Dashboard, error) {
	return s.dashboard(ctx, a, docID, reqID, under, true)
}

func (s *Service) dashboard(ctx context.Context, a access.Actor, docID, reqID int64, under string, recount bool) (Dashboard, error) {
	r, d, err := s.manager(ctx, a, docID, reqID)
	if err != nil {
		return Dashboard{}, err
	}
	issuer, err := s.Orgs.ByID(ctx, s.DB.Q(), d.OrgID)
	if err != nil {
		return Dashboard{}, err
	}
	node := issuer
	if under != "" && under != issuer.Code {
		if node, err = s.Orgs.ByCodeUnscoped(ctx, s.DB.Q(), under); err != nil || !strings.HasPrefix(node.Path, issuer.Path) {
			return Dashboard{}, db.ErrNotFound
		}
	}
	now := s.Now()
	dash := Dashboard{Requirement: r, Document: d, Node: node, Now: now}
	if recount {
		if dash.Groups, err = s.groups(ctx, node, reqID, now); err != nil {
			return Dashboard{}, err
		}
		// The groups partition the node's subtree: their sum is the total.
		for _, g := range dash.Groups {
			dash.Totals.add(g.Counts)
		}
	} else if dash.Groups, dash.Totals, err = s.groupsByCounters(ctx, node, reqID, now); err != nil {
		return Dashboard{}, err
	}
	for _, id := range strings.Split(strings.Trim(strings.TrimPrefix(node.Path, issuer.Path), "/"), "/") {
		if id == "" || id == strconv.FormatInt(node.ID, 10) {
			continue
		}
		n, _ := strconv.ParseInt(id, 10, 64)
		if o, err := s.Orgs.ByID(ctx, s.DB.Q(), n); err == nil {
			dash.Crumbs = append(dash.Crumbs, o)
		}
	}
	if node.ID != issuer.ID {
		dash.Crumbs = append([]org.Org{issuer}, dash.Crumbs...)
	}
	return dash, nil
}

// groups counts per child of node from the reports (the recount): each report unit is attributed to the
// child whose subtree holds it (the path up to the next '/').
func (s *Service) groups(ctx context.Context, node org.Org, reqID int64, now time.Time) ([]Group, error) {
	n := len(node.Path)
	instr := s.DB.Dialect.Instr()
	child := `SUBSTR(o.path, 1, ` + strconv.Itoa(n) + ` + ` + instr + `(SUBSTR(o.path, ` + strconv.Itoa(n+1) + `), '/'))`
	lo, hi := access.Scope{Path: node.Path}.Range()
	args := append(countArgs(now), reqID, lo, hi)
	return db.All(ctx, s.DB.Q(), func(row db.Scanner) (g Group, err error) {
		var childPath string
		err = row.Scan(scanCounts(&g.Counts, &g.Org.ID, &g.Org.Code, &g.Org.Name, &g.Org.Kind, &g.Org.Path, &childPath)...)
		g.Self = g.Org.ID == node.ID
		return g, err
	}, `SELECT c.id, c.code, c.name, c.kind, c.path, g.* FROM (
		SELECT `+child+` AS child_path, `+countCols+countFrom+` GROUP BY `+child+`) g
		JOIN orgs c ON c.path = g.child_path ORDER BY c.sort_key, c.code`, args...)
}

// UnitFilter selects the per-unit rows of a dashboard.
type UnitFilter struct {
	Under   string // code of the node; "" = the issuer
	State   string // a State key, "" = all
	Page    int
	PerPage int
}

// Units lists the reporting units under a node with their reports, by
// tree order, filtered by state.
func (s *Service) Units(ctx context.Context, a access.Actor, docID, reqID int64, f UnitFilter) ([]Report, int, error) {
	_, d, err := s.manager(ctx, a, docID, reqID)
	if err != nil {
		return nil, 0, err
	}
	issuer, err := s.Orgs.ByID(ctx, s.DB.Q(), d.OrgID)
	if err != nil {
		return nil, 0, err
	}
	node := issuer
	if f.Under != "" && f.Under != issuer.Code {
		if node, err = s.Orgs.ByCodeUnscoped(ctx, s.DB.Q(), f.Under); err != nil || !strings.HasPrefix(node.Path, issuer.Path) {
			return nil, 0, db.ErrNotFound
		}
	}
	where := ` WHERE rp.requirement_id = ?`
	args := []any{reqID}
	if node.ID != issuer.ID {
		// Every report of the requirement lies below the issuer, so only a
		// drill-down needs the subtree condition (and its join).
		lo, hi := access.Scope{Path: node.Path}.Range()
		// The page walks the (requirement, unit code) index in code
		// order; starting at the subtree's smallest code skips the codes
		// of every unit before it (a province of the country's tree went
		// through the provinces before it, then sorted).
		var first string
		if err := s.DB.QueryRow(ctx, `SELECT COALESCE(MIN(code), '') FROM orgs WHERE path >= ? AND path < ?`, lo, hi).Scan(&first); err != nil {
			return nil, 0, err
		}
		where += ` AND rp.org_code >= ? AND o.path >= ? AND o.path < ?`
		args = append(args, first, lo, hi)
	}
	at := s.Now()
	now := db.Millis(at)
	switch f.State {
	case "accepted", "submitted":
		where += ` AND rp.status = ?`
		args = append(args, f.State)
	case "returned":
		where += ` AND rp.status = 'returned'`
	case "overdue":
		where += ` AND rp.status NOT IN ('submitted', 'accepted') AND rp.due_at < ?`
		args = append(args, now)
	case "missing":
		where += ` AND rp.status NOT IN ('submitted', 'accepted')`
	case "signed":
		where += ` AND rp.status IN ('pending', 'draft') AND rp.due_at >= ? AND rp.received_at IS NOT NULL`
		args = append(args, now)
	case "unsigned":
		where += ` AND rp.status IN ('pending', 'draft') AND rp.due_at >= ? AND rp.received_at IS NULL`
		args = append(args, now)
	}
	// How many there are is the node's counters, not a count of its
	// subtree's reports.
	total, err := s.unitCount(ctx, node, reqID, f.State, at)
	if err != nil {
		return nil, 0, err
	}
	// The (requirement_id, org_code) index gives the page in tree order
	// without sorting every unit.
	q := `SELECT ` + reportColumns + reportFrom + where + ` ORDER BY rp.org_code`
	if f.PerPage > 0 {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, f.PerPage, (max(f.Page, 1)-1)*f.PerPage)
	}
	out, err := db.All(ctx, s.DB.Q(), scanReport, q, args...)
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Urge (催办) notifies every unit under the requirement that has not
// reported yet, in the app and — for users with an email address — by
// mail through the outbox. It returns how many units were urged.
func (s *Service) Urge(ctx context.Context, a access.Actor, docID, reqID int64) (int, error) {
	r, d, err := s.manager(ctx, a, docID, reqID)
	if err != nil {
		return 0, err
	}
	if err := a.MayChange(access.ManageReports, d.OrgPath, ""); err != nil {
		return 0, s.refuse(ctx, a, "report.urge", strconv.FormatInt(reqID, 10), err)
	}
	if d.OrgID != a.OrgID {
		return 0, s.deny(ctx, a, "report.urge", strconv.FormatInt(reqID, 10))
	}
	now := s.Now()
	var n int
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		ids, err := db.Column[int64](ctx, tx, `SELECT org_id FROM reports WHERE requirement_id = ? AND status NOT IN ('submitted', 'accepted')`, reqID)
		if err != nil {
			return err
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		due := ""
		if t, err := DueAt(r.DueDate); err == nil {
			due = t.In(db.Shanghai).Format("2006年1月2日")
		}
		msg := notify.Message{Kind: "report.urge", Title: "催办：请报送" + r.Title,
			Body: "《" + d.Title + "》（" + d.Number + "）要求于 " + due + " 前向" + r.Department + "报送" + r.Title + "，贵单位尚未报送。",
			Link: "/reports/todo"}
		if err := notify.ToOrgs(ctx, tx, ids, msg, now); err != nil {
			return err
		}
		if err := s.Mail.Enqueue(ctx, tx, ids, msg, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE reports SET last_urged_at = ? WHERE requirement_id = ? AND status NOT IN ('submitted', 'accepted')`,
			db.Millis(now), reqID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "report.urge", "requirement", strconv.FormatInt(reqID, 10), audit.OK,
			strconv.Itoa(n)+" 个单位"))
	})
	return n, err
}
