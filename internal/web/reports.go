package web

import (
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/doc"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/report"
	"halfsky/internal/study"
)

type reportTodoData struct {
	Reports []reportRow
}

// reportsTodo lists what the actor's unit still has to report.
func (h *handler) reportsTodo(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	list, err := h.deps.Reports.Todo(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	h.tpl.Page(w, r, http.StatusOK, "report_todo", View{Layout: Layout{Title: "督办报送", Active: "reports"},
		Data: reportTodoData{Reports: reportRows(list, h.deps.Reports)}})
	return nil
}

// reportShowData is one report: the unit's form, or the issuing side's
// read-only view with its decisions.
type reportShowData struct {
	R           reportRow
	Requirement report.Requirement
	Doc         doc.Document
	Files       []files.File
	Mine        bool // the actor's unit writes it
	Theirs      bool // the actor's unit issued the document
	CanEdit     bool // Mine and not yet reported
	CanExtend   bool // Mine, not reported, before the deadline, no request pending
	Body        string
	Numbers     map[string]string
	Errors      map[string]string
	Form        map[string]string
	FileError   string
	Allowed     string
	MaxMB       int
	Dashboard   string
	Study       *study.ReportStudy // the 学习活动 counted in it
}

func (h *handler) reportShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.renderReport(w, r, c, id, http.StatusOK, nil)
}

// renderReport renders a report page; d, when given, carries a refused
// form back with its messages and the user's input.
func (h *handler) renderReport(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int, d *reportShowData) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Reports
	rep, err := svc.Get(ctx, a, id)
	if err != nil {
		return err
	}
	req, document, err := svc.Requirement(ctx, a, rep.DocID, rep.RequirementID)
	if err != nil {
		return err
	}
	if d == nil {
		d = &reportShowData{Body: rep.Body, Numbers: map[string]string{}}
		for k, v := range rep.Numbers {
			d.Numbers[k] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	now := svc.Now()
	d.R = reportRow{Report: rep, State: rep.StateAt(now)}
	d.Requirement, d.Doc = req, document
	d.Mine = rep.OrgID == a.OrgID && a.Can(access.ReceiveDocs)
	d.Theirs = rep.IssuerOrgID == a.OrgID && a.Can(access.ManageReports)
	d.CanEdit = d.Mine && !rep.Done()
	d.CanExtend = d.CanEdit && !now.After(rep.DueAt) && rep.ExtStatus != report.ExtRequested
	d.Allowed, d.MaxMB = files.Allowed, files.MaxSize>>20
	if a.Scope().Contains(document.OrgPath) {
		d.Dashboard = "/docs/" + strconv.FormatInt(rep.DocID, 10) + "/requirements/" + strconv.FormatInt(rep.RequirementID, 10)
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	if d.Files, err = svc.Files(ctx, a, id); err != nil {
		return err
	}
	d.Study = h.reportStudy(r, c, id)
	crumbs := []Crumb{{Href: "/reports/todo", Label: "督办报送"}, {Label: rep.RequirementName + " · " + rep.OrgName}}
	if !d.Mine {
		crumbs = []Crumb{{Href: "/docs/" + strconv.FormatInt(rep.DocID, 10), Label: rep.DocTitle}}
		if d.Dashboard != "" {
			crumbs = append(crumbs, Crumb{Href: d.Dashboard, Label: rep.RequirementName})
		}
		crumbs = append(crumbs, Crumb{Label: rep.OrgName})
	}
	h.tpl.Page(w, r, status, "report_show", View{Layout: Layout{Title: rep.RequirementName + " · " + rep.OrgName, Active: "reports", Crumbs: crumbs}, Data: d})
	return nil
}

// reportSave keeps a draft of the unit's report or submits it.
func (h *handler) reportSave(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx, svc := r.Context(), h.deps.Reports
	_ = r.ParseForm()
	d := &reportShowData{Body: r.PostFormValue("body"), Numbers: map[string]string{}, Errors: map[string]string{}}
	in := report.Input{Body: d.Body, Numbers: map[string]float64{}}
	for k, vals := range r.PostForm {
		key, ok := strings.CutPrefix(k, "n.")
		if !ok || len(vals) == 0 {
			continue
		}
		s := strings.TrimSpace(vals[0])
		d.Numbers[key] = s
		if s == "" {
			continue
		}
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			d.Errors["numbers."+key] = "请填写数字"
			continue
		}
		in.Numbers[key] = n
	}
	submit := r.PostFormValue("action") == "submit"
	var err error
	if len(d.Errors) > 0 {
		err = apperr.Invalid(d.Errors)
	} else if submit {
		err = svc.Submit(ctx, c.Actor, id, in)
	} else {
		err = svc.Save(ctx, c.Actor, id, in)
	}
	if fields := refusedFields(err, ""); fields != nil {
		d.Errors = fields
		return h.renderReport(w, r, c, id, http.StatusUnprocessableEntity, d)
	}
	msg := "草稿已保存"
	if submit {
		msg = "已报送，等待报送部门审核"
	}
	return h.finish(w, r, "/reports/"+strconv.FormatInt(id, 10), err, msg)
}

// reportExtension asks for a later deadline.
func (h *handler) reportExtension(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	until, reason := strings.TrimSpace(r.PostFormValue("until")), strings.TrimSpace(r.PostFormValue("reason"))
	err := h.deps.Reports.RequestExtension(r.Context(), c.Actor, id, until, reason)
	if errs := refusedFields(err, "ext."); errs != nil {
		d := h.reportFormFromStored(r, c, id)
		if d == nil {
			return err
		}
		d.Errors = errs
		d.Form = map[string]string{"ext.until": until, "ext.reason": reason}
		return h.renderReport(w, r, c, id, http.StatusUnprocessableEntity, d)
	}
	return h.finish(w, r, "/reports/"+strconv.FormatInt(id, 10), err, "延期申请已提交，等待报送部门审批")
}

// reportFormFromStored is the stored report's text for a page shown again
// after another form on it was refused.
func (h *handler) reportFormFromStored(r *http.Request, c *httpx.Current, id int64) *reportShowData {
	rep, err := h.deps.Reports.Get(r.Context(), c.Actor, id)
	if err != nil {
		return nil
	}
	d := &reportShowData{Body: rep.Body, Numbers: map[string]string{}, Errors: map[string]string{}}
	for k, v := range rep.Numbers {
		d.Numbers[k] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return d
}

// decideReport runs a decision of the issuing side on a report: accept,
// return (reason), grant or refuse an extension (reply).
func (h *handler) decideReport(r *http.Request, c *httpx.Current, id int64, action string) (msg string, known bool, err error) {
	ctx, svc, a := r.Context(), h.deps.Reports, c.Actor
	switch action {
	case "accept":
		return "已采纳", true, svc.Accept(ctx, a, id)
	case "return":
		return "已退回，并通知该单位", true, svc.Return(ctx, a, id, r.PostFormValue("reason"))
	case "grant":
		return "已同意延期", true, svc.DecideExtension(ctx, a, id, true, r.PostFormValue("reply"))
	case "refuse":
		return "已答复不同意延期", true, svc.DecideExtension(ctx, a, id, false, r.PostFormValue("reply"))
	}
	return "", false, nil
}

// reportDecide is a decision posted from the report page.
func (h *handler) reportDecide(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	msg, known, err := h.decideReport(r, c, id, r.PathValue("action"))
	if !known {
		return apperr.ErrNotFound
	}
	if errs := refusedFields(err, "decide."); errs != nil {
		d := h.reportFormFromStored(r, c, id)
		if d == nil {
			return err
		}
		d.Errors = errs
		d.Form = map[string]string{"decide.reason": r.PostFormValue("reason"), "decide.reply": r.PostFormValue("reply")}
		return h.renderReport(w, r, c, id, http.StatusUnprocessableEntity, d)
	}
	return h.finish(w, r, "/reports/"+strconv.FormatInt(id, 10), err, msg)
}

func (h *handler) reportFileUpload(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	defer cleanupMultipart(r)
	name, data, err := upload(r, "file")
	if err == nil {
		var f files.File
		if f, err = h.deps.Reports.Attach(r.Context(), c.Actor, id, name, data); err == nil {
			redirectFlash(w, r, "/reports/"+strconv.FormatInt(id, 10), "success", "已添加附件“"+f.Name+"”")
			return nil
		}
	}
	if fields := refusedFields(err, ""); fields != nil {
		d := h.reportFormFromStored(r, c, id)
		if d == nil {
			return err
		}
		d.FileError = errorText(err)
		return h.renderReport(w, r, c, id, http.StatusUnprocessableEntity, d)
	}
	return h.finish(w, r, "/reports/"+strconv.FormatInt(id, 10), err, "")
}
