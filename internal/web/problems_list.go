package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
	"halfsky/internal/rectify"
)

// problemTab is one tab above the ledger pages.
type problemTab struct {
	Href, Label, Key string
}

func (h *handler) problemTabs(r *http.Request, c *httpx.Current) []problemTab {
	tabs := []problemTab{{"/problems", "整改台账", "list"}}
	if c.Actor.Can(access.ManageWork) {
		label := "待我审核"
		if n, err := h.deps.Rectify.VerifyCount(r.Context(), c.Actor); err == nil && n > 0 {
			label += "（" + strconv.Itoa(n) + "）"
		}
		tabs = append(tabs, problemTab{"/problems/verify", label, "verify"})
	}
	return append(tabs, problemTab{"/problems/stats", "统计汇总", "stats"})
}

type problemListData struct {
	Tabs       []problemTab
	Tab        string
	Items      []rectify.Problem
	Pager      Pager
	F          rectify.Filter
	Node       org.Org
	Today      string
	CanRecord  bool
	Export     string
	Categories []Option
	Sources    []Option
	Modes      []Option
	Statuses   []Option
	Colours    []Option
}

// problemFilter reads the ledger's filters from the query string.
func problemFilter(q url.Values) rectify.Filter {
	return rectify.Filter{Under: strings.TrimSpace(q.Get("under")), Category: q.Get("category"), Source: q.Get("source"),
		Mode: q.Get("mode"), Status: rectify.Status(q.Get("status")), Colour: q.Get("colour")}
}

func (f problemListData) query(path string) string {
	s, _ := queryURL(path, "under", f.F.Under, "category", f.F.Category, "source", f.F.Source, "mode", f.F.Mode,
		"status", f.F.Status, "colour", f.F.Colour)
	return s
}

func (h *handler) problemList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	return h.renderProblemList(w, r, c, false)
}

// problemVerify is the verifier's queue: what the units below applied to close.
func (h *handler) problemVerify(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if !c.Actor.Can(access.ManageWork) {
		return access.ErrDenied
	}
	return h.renderProblemList(w, r, c, true)
}

func (h *handler) renderProblemList(w http.ResponseWriter, r *http.Request, c *httpx.Current, verify bool) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Rectify
	d := problemListData{Tabs: h.problemTabs(r, c), Tab: "list", F: problemFilter(r.URL.Query()), Today: svc.Today(),
		CanRecord: a.Can(access.RecordWork), Categories: options(rectify.Categories), Sources: options(rectify.Sources),
		Modes: options(rectify.Modes), Statuses: options(rectify.Statuses), Colours: options(rectify.Colours)}
	if verify {
		d.Tab, d.F = "verify", rectify.Filter{Verify: true}
	}
	node, err := h.deps.Orgs.Node(ctx, a, d.F.Under)
	if err != nil {
		return err
	}
	d.Node = node
	pager := NewPager(r, rectify.PerPageDefault, 0)
	d.F.Page, d.F.PerPage = pager.Page, rectify.PerPageDefault
	items, total, err := svc.List(ctx, a, d.F)
	if err != nil {
		return err
	}
	d.Items, d.Pager = items, NewPager(r, rectify.PerPageDefault, total)
	d.Export = d.query("/problems/export.xlsx")
	title := "问题整改台账"
	if verify {
		d.Export, title = "/problems/export.xlsx?queue=verify", "待我审核的销号申请"
	}
	h.tpl.Page(w, r, http.StatusOK, "problem_list", View{Layout: Layout{Title: title, Active: "problems"}, Data: d})
	return nil
}

// problemExport writes the ledger (or the verifier's queue) as it is
// filtered, every row, to Excel.
func (h *handler) problemExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Rectify
	f := problemFilter(r.URL.Query())
	name := "问题整改台账"
	if r.URL.Query().Get("queue") == "verify" {
		f, name = rectify.Filter{Verify: true}, "待审核销号申请"
	}
	f.Full = true
	items, _, err := svc.List(ctx, a, f)
	if err != nil {
		return err
	}
	sh, err := newSheet("台账", []Column{{"单位代码", 14}, {"单位", 24}, {"问题类别", 10}, {"问题来源", 10}, {"问题表现", 40},
		{"整改措施", 40}, {"责任人", 12}, {"整改方式", 10}, {"整改计划", 30}, {"发现日期", 12}, {"整改期限/下次复查", 16},
		{"状态", 10}, {"预警", 8}, {"申请销号时间", 18}, {"销号时间", 18}, {"销号单位", 20}, {"退回理由", 30}})
	if err != nil {
		return err
	}
	defer sh.Close()
	today := svc.Today()
	for _, p := range items {
		if err := sh.Add(p.OrgCode, p.OrgName, p.CategoryLabel(), p.SourceLabel(), p.Description, p.Measures, p.Responsible,
			p.ModeLabel(), p.Plan, p.FoundOn, p.NextDate(), p.Status.Label(), rectify.ColourLabel(p.ColourAt(today)),
			formatDateTime(p.AppliedAt), formatDateTime(p.ClosedAt), p.ClosedByOrg, p.ReturnReason); err != nil {
			return err
		}
	}
	_ = audit.Log(ctx, h.deps.DB, audit.FromActor(a, "problem.export", "problem", "", audit.OK,
		name+" "+f.Under+" "+strconv.Itoa(len(items))+" 条"))
	return sh.Send(w, r, name)
}
