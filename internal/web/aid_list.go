package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/audit"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
)

const aidPerPage = 20

// aidListData is the application list: masked, filtered, paged.
type aidListData struct {
	Tabs       []aidTab
	Tab        string
	Items      []aid.Application
	Pager      Pager
	F          aid.Filter
	Node       org.Org
	Years      []int
	CanNew     bool
	Export     string
	FullExport string // the request for the same list unmasked, to a leader's approval
	Programmes []Option
	Statuses   []Option
	Levels     []Option
}

// aidFilter reads the list's filters from the query string.
func aidFilter(q url.Values) aid.Filter {
	f := aid.Filter{Programme: q.Get("programme"), Status: aid.Status(q.Get("status")), Level: q.Get("level"),
		Under: strings.TrimSpace(q.Get("under")), Todo: q.Get("todo") == "1"}
	f.Year, _ = strconv.Atoi(q.Get("year"))
	return f
}

func (d aidListData) query(path string) string {
	todo := ""
	if d.F.Todo {
		todo = "1"
	}
	year := ""
	if d.F.Year != 0 {
		year = strconv.Itoa(d.F.Year)
	}
	s, _ := queryURL(path, "programme", d.F.Programme, "status", d.F.Status, "level", d.F.Level, "year", year,
		"under", d.F.Under, "todo", todo)
	return s
}

// aidYears are the years of the cycles, newest first, for the filters.
func (h *handler) aidYears(r *http.Request, c *httpx.Current) []int {
	years, err := h.deps.Aid.Years(r.Context(), c.Actor)
	if err != nil {
		return nil
	}
	if y := h.deps.Aid.Year(); !slices.Contains(years, y) {
		years = append([]int{y}, years...)
	}
	return years
}

func (h *handler) aidList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Aid
	d := aidListData{Tabs: h.aidTabs(r, c), Tab: "list", F: aidFilter(r.URL.Query()), Years: h.aidYears(r, c),
		Statuses: options(aid.Statuses), Levels: options(aid.Levels)}
	if d.F.Todo {
		d.Tab = "todo"
	}
	progs, err := svc.Programmes(ctx, a)
	if err != nil {
		return err
	}
	d.Programmes = aidProgrammeOptions(progs)
	unit, err := h.aidUnitOf(ctx, a)
	if err != nil {
		return err
	}
	d.CanNew = a.Can(access.RecordAid) && unit.Collects()
	if d.Node, err = h.deps.Orgs.Node(ctx, a, d.F.Under); err != nil {
		return err
	}
	pager := NewPager(r, aidPerPage, 0)
	d.F.Page = aid.Page{Page: pager.Page, PerPage: aidPerPage}
	items, total, err := svc.Applications(ctx, a, d.F)
	if err != nil {
		return err
	}
	d.Items, d.Pager, d.Export = items, NewPager(r, aidPerPage, total), d.query("/aid/export.xlsx")
	d.FullExport, _ = queryURL(d.query("/aid/exports/new"), "kind", aid.ExportApplications)
	title := "关爱救助申请"
	if d.F.Todo {
		title = "待我处理的救助申请"
	}
	h.tpl.Page(w, r, http.StatusOK, "aid_list", View{Layout: Layout{Title: title, Active: "aid"}, Data: d})
	return nil
}

// aidExport writes the list as filtered, every row, to Excel: personal
// data masked, always. An unmasked export needs a leader's approval: the
// page links to the request (/aid/exports/new) with the same filters.
func (h *handler) aidExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a := r.Context(), c.Actor
	f := aidFilter(r.URL.Query())
	f.Page = aid.Page{All: true}
	items, _, err := h.deps.Aid.Applications(ctx, a, f)
	if err != nil {
		return err
	}
	sh, err := newSheet("救助申请", []Column{{"编号", 8}, {"项目", 12}, {"年度", 8}, {"申请人", 10}, {"身份证号（脱敏）", 22},
		{"性别", 6}, {"出生年份", 10}, {"联系电话（脱敏）", 16}, {"家庭类别", 12}, {"录入单位", 28}, {"当前环节", 12}, {"状态", 10},
		{"金额（元）", 12}, {"首次提交", 18}, {"办结时间", 18}})
	if err != nil {
		return err
	}
	defer sh.Close()
	for _, x := range items {
		if err := sh.Add(x.ID, x.ProgrammeName, x.Year, x.Name, x.IDNumber, x.SexLabel(), x.BirthYear, x.Phone, x.HouseholdLabel(),
			x.OrgName, x.LevelLabel(), x.Status.Label(), money(x.Amount), formatDateTime(x.SubmittedAt), formatDateTime(x.ClosedAt)); err != nil {
			return err
		}
	}
	detail := "masked " + f.Programme + " " + string(f.Status) + " " + f.Under + " " + strconv.Itoa(len(items)) + " rows"
	_ = audit.Log(ctx, h.deps.DB, audit.FromActor(a, "aid.export", "aid_application", "", audit.OK, detail))
	return sh.Send(w, r, "关爱救助申请")
}
