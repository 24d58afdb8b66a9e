package web

import (
	"net/http"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/httpx"
	"halfsky/internal/visit"
)

type taskListData struct {
	visitPage
	Items     []visit.Task
	Pager     Pager
	F         visit.TaskFilter
	CanRecord bool
	Export    string
	Statuses  []Option
}

func taskFilter(r *http.Request) visit.TaskFilter {
	q := r.URL.Query()
	return visit.TaskFilter{Under: strings.TrimSpace(q.Get("under")), Status: visit.TaskStatus(q.Get("status")), Overdue: q.Get("overdue") == "1",
		DueSoon: q.Get("soon") == "1", Mine: q.Get("mine") == "1", Q: strings.TrimSpace(q.Get("q"))}
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func (d taskListData) query(path string) string {
	return withQuery(path, "under", d.F.Under, "status", string(d.F.Status), "overdue", flag(d.F.Overdue), "soon", flag(d.F.DueSoon),
		"mine", flag(d.F.Mine), "q", d.F.Q)
}

// tasksList is the practical tasks in scope: open ones first by deadline,
// overdue rows red and those due within 3 days yellow.
func (h *handler) tasksList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	f := taskFilter(r)
	f.Page = listPage(r, 20)
	items, total, err := h.deps.Visits.Tasks(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	d := taskListData{visitPage: h.visitPage("tasks"), Items: items, Pager: NewPager(r, 20, total), F: f,
		CanRecord: c.Actor.Can(access.RecordWork), Statuses: options(visit.TaskStatuses)}
	d.Export = d.query("/tasks/export.xlsx")
	h.tpl.Page(w, r, http.StatusOK, "task_list", View{Layout: Layout{Title: "办实事", Active: "visits"}, Data: d})
	return nil
}

// tasksExport writes the filtered task list, every row, as Excel.
func (h *handler) tasksExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	f := taskFilter(r)
	f.All, f.Full = true, true
	svc := h.deps.Visits
	items, _, err := svc.Tasks(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	sh, err := newSheet("办实事", []Column{{"实事", 36}, {"单位", 24}, {"责任人", 12}, {"开始日期", 12}, {"截止日期", 12},
		{"状态", 10}, {"预警", 8}, {"办结日期", 12}, {"办理结果", 40}, {"群众评价", 10}})
	if err != nil {
		return err
	}
	defer sh.Close()
	today := svc.Today()
	for _, t := range items {
		warn := ""
		switch t.Colour(today) {
		case "red":
			warn = "逾期"
		case "yellow":
			warn = "临期"
		}
		if err := sh.Add(t.Title, t.OrgName, t.OwnerName, t.StartsOn, t.DueOn, t.Status.Label(), warn, t.ClosedOn, t.Result, t.FeedbackLabel()); err != nil {
			return err
		}
	}
	h.visitExported(r, c, "task.export", "task", len(items))
	return sh.Send(w, r, "办实事")
}
