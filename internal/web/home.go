package web

import (
	"net/http"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
	"halfsky/internal/rights"
)

// homeData is the work desk of the user's unit: what is due, the work
// lines' numbers (rolled up by child unit for a unit with units below it),
// the organizations under it and the accounts the user looks after.
type homeData struct {
	Unit      org.Org
	Counts    []org.LevelCount
	Total     int
	Users     int
	CanUsers  bool
	CanAudit  bool
	Role      access.Role
	TOTPNudge bool
	// TOTPBy is the day (“3月8日”) by which the user must enrol a second
	// factor, while in the grace period; "" otherwise.
	TOTPBy string
	// Alerts are the auditor's alerts of the last week, newest first (at
	// most five), and how many there are.
	Alerts     []audit.Event
	AlertCount int

	// The to-do of the work modules.
	Docs      bool           // the role works with documents
	Reports   []reportRow    // reports the unit still has to send
	ToReceive []doc.ListItem // documents sent to the unit, not yet signed for
	MoreRecv  bool
	Workflow  []doc.ListItem // drafts waiting for this user's step

	// The work lines (学习, 访妇情办实事, 问题整改); nil for administrators.
	Work *homeWork
	// 巾帼维权: this year's cases of the scope and what waits in the
	// inbox, with its charts; nil for those who do not see cases.
	Cases      *rights.Desk
	CaseCharts caseDeskCharts
}

func (h *handler) home(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx := r.Context()
	a := c.Actor
	if a.Role == access.NoRole {
		h.tpl.Page(w, r, http.StatusOK, "home_waiting", View{Layout: Layout{Title: "等待授予角色", Active: "home"}, Data: c.User})
		return nil
	}
	unit, err := h.deps.Orgs.ByCode(ctx, a, a.OrgCode)
	if err != nil {
		return err
	}
	d := homeData{Unit: unit, Role: a.Role, CanUsers: a.Can(access.ViewUsers), CanAudit: a.Can(access.ReadAudit),
		TOTPNudge: !c.User.TOTPEnabled}
	if auth.InTOTPGrace(c.User, h.deps.Auth.Now()) {
		d.TOTPBy, d.TOTPNudge = c.User.TOTPDueAt.In(db.Shanghai).Format("1月2日"), false
	}
	// The desk's parts read different tables. On PostgreSQL they run side
	// by side (each fills its own fields of d), the work lines after the
	// tree's counts, which say whether the unit has units below it: each
	// query runs in a server process of its own, so the parts overlap on
	// both cores (BenchmarkWork, city desk p50 38 → 30 ms, district 29 →
	// 24 ms). SQLite runs its queries in this process, where overlapping
	// them only added switching (48 → 56 ms and 32 → 48 ms): one by one.
	jobs := []func() error{func() (err error) {
		if d.Counts, d.Total, err = h.deps.Orgs.SubtreeCounts(ctx, a, unit); err != nil {
			return err
		}
		d.Work, err = h.homeWorkFor(ctx, a, unit, d.Total > 0)
		return err
	}}
	if d.CanUsers {
		jobs = append(jobs, func() (err error) { _, d.Users, err = h.deps.Auth.Users(ctx, a, authFilterAll); return err })
	}
	if d.CanAudit {
		jobs = append(jobs, func() (err error) {
			f := audit.Filter{Action: audit.AlertPrefix, From: h.deps.Auth.Now().AddDate(0, 0, -7), PerPage: 5}
			d.Alerts, d.AlertCount, err = audit.ListFor(ctx, h.deps.DB.Q(), a, f)
			return err
		})
	}
	if a.Can(access.ViewDocs) {
		jobs = append(jobs, func() error { return h.homeTodo(r, c, &d) })
	}
	if a.Can(access.ViewCases) {
		jobs = append(jobs, func() error {
			k, err := h.deps.Rights.Desk(ctx, a)
			d.Cases, d.CaseCharts = &k, caseChartsFor(k)
			return err
		})
	}
	run := homeAll
	if h.deps.DB.Dialect != db.Postgres {
		run = homeEach
	}
	if err := run(jobs); err != nil {
		return err
	}
	h.tpl.Page(w, r, http.StatusOK, "home", View{Layout: Layout{Title: "工作台", Active: "home"}, Data: d})
	return nil
}

// homeTodo fills the desk's to-do: reports to send with their colour,
// documents to sign for, drafts waiting for the user's review, sign-off or
// registration.
func (h *handler) homeTodo(r *http.Request, c *httpx.Current, d *homeData) error {
	ctx, a := r.Context(), c.Actor
	d.Docs = true
	reps, err := h.deps.Reports.Todo(ctx, a)
	if err != nil {
		return err
	}
	d.Reports = reportRows(reps, h.deps.Reports)
	recv, total, err := h.deps.Docs.List(ctx, a, doc.ListFilter{Box: doc.BoxReceived, ToSign: true, PerPage: 10})
	if err != nil {
		return err
	}
	d.ToReceive, d.MoreRecv = recv, total > len(recv)
	work, _, err := h.deps.Docs.List(ctx, a, doc.ListFilter{Box: doc.BoxWork, PerPage: 200})
	if err != nil {
		return err
	}
	for _, it := range work {
		mine := it.DraftedBy == a.UserID
		switch {
		case it.Status == doc.Reviewing && a.Can(access.ReviewDocs) && !mine,
			it.Status == doc.Reviewed && a.Can(access.SignDocs),
			it.Status == doc.Signed && a.Can(access.DraftDocs) && mine,
			it.Status == doc.Returned && mine:
			d.Workflow = append(d.Workflow, it)
		}
	}
	return nil
}
