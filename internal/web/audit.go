package web

import (
	"net/http"
	"strings"
	"time"

	"halfsky/internal/audit"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/httpx"
)

// authFilterAll counts every account in scope (one row fetched).
var authFilterAll = auth.UserFilter{PerPage: 1}

type auditData struct {
	Events   []audit.Event
	Pager    Pager
	Form     map[string]string
	Errors   map[string]string
	Actions  []Option
	Outcomes []Option
}

// auditActions are the common action prefixes offered in the filter.
var auditActions = []Option{
	{Value: audit.AlertPrefix, Label: "警报"},
	{Value: "auth.", Label: "登录与退出"},
	{Value: "auth.login_failed", Label: "登录失败"},
	{Value: "access.denied", Label: "越权访问"},
	{Value: "user.", Label: "账号管理"},
	{Value: "org.", Label: "组织机构"},
}

func (h *handler) auditList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := r.URL.Query()
	d := auditData{Form: map[string]string{}, Errors: map[string]string{}, Actions: auditActions,
		Outcomes: []Option{{Value: audit.OK, Label: "成功"}, {Value: audit.Fail, Label: "失败"}, {Value: audit.Denied, Label: "拒绝"}}}
	for _, k := range []string{"from", "to", "username", "action", "outcome", "q"} {
		d.Form[k] = strings.TrimSpace(q.Get(k))
	}
	f := audit.Filter{Username: d.Form["username"], Action: d.Form["action"], Outcome: d.Form["outcome"], Q: d.Form["q"]}
	var err error
	if f.From, err = parseDay(d.Form["from"], false); err != nil {
		d.Errors["from"] = "日期格式应为 2015-08-11"
	}
	if f.To, err = parseDay(d.Form["to"], true); err != nil {
		d.Errors["to"] = "日期格式应为 2015-08-11"
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		d.Errors["to"] = "结束日期不能早于开始日期"
	}
	switch f.Outcome {
	case "", audit.OK, audit.Fail, audit.Denied:
	default:
		d.Errors["outcome"] = "请选择有效的结果"
	}
	status := http.StatusOK
	if len(d.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		d.Pager = NewPager(r, 50, 0)
	} else {
		pager := NewPager(r, 50, 0)
		f.Page, f.PerPage = pager.Page, 50
		var total int
		if d.Events, total, err = audit.ListFor(r.Context(), h.deps.DB.Q(), c.Actor, f); err != nil {
			return err
		}
		d.Pager = NewPager(r, 50, total)
	}
	h.tpl.Page(w, r, status, "audit", View{Layout: Layout{Title: "审计日志", Active: "audit"}, Data: d})
	return nil
}

// parseDay reads a YYYY-MM-DD day in Beijing time; end selects the end of
// that day.
func parseDay(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, db.Shanghai)
	if err != nil {
		return time.Time{}, err
	}
	if end {
		t = t.AddDate(0, 0, 1).Add(-time.Millisecond)
	}
	return t.UTC(), nil
}
