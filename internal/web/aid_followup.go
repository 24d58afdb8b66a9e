package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/audit"
	"halfsky/internal/httpx"
)

// aidFollowupRoutes are the follow-up records of approved applications —
// 爱心妈妈 visits, 慈善助孤 checks, 春蕾圆梦 school years — and the
// 待跟踪 list of those due or overdue. The literal /aid/followups is more
// specific than /aid/{id}; /aid/{id}/followups shares its shape with no
// other three-segment pattern.
func (h *handler) aidFollowupRoutes(mux httpx.Mux) {
	mux.Handle("GET /aid/followups", h.can(access.ViewAid, h.aidDue))
	mux.Handle("GET /aid/followups.xlsx", h.can(access.ViewAid, h.aidDueExport))
	mux.Handle("GET /aid/{id}/followups", h.can(access.ViewAid, httpx.ID(aidPage(h.renderFollowups))))
	mux.Handle("POST /aid/{id}/followups", h.can(access.RecordAid, httpx.ID(h.aidFollowupAdd)))
	mux.Handle("POST /aid/{id}/followups/reveal", h.can(access.RevealAid, httpx.ID(h.aidFollowupReveal)))
}

// aidFollowupData is an application's follow-up page: the records, the
// add form for the programme's kind, and the leader's reveal.
type aidFollowupData struct {
	X         aid.Application
	Kind      string // the programme's follow-up kind; "" when it takes none
	KindLabel string
	Items     []aid.Followup
	Ended     bool // a school follow-up said she left school
	CanAdd    bool
	CanReveal bool
	Revealed  bool
	Today     string
	InSchool  []Option
	Errors    map[string]string
	Form      map[string]string
}

// renderFollowups renders the page; d carries a refused form's messages
// and input, or the revealed records.
func (h *handler) renderFollowups(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int, d aidFollowupData) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Aid
	x, err := svc.Application(ctx, a, id)
	if err != nil {
		return err
	}
	d.X = x
	if d.Kind, err = svc.FollowupKindFor(ctx, x); err != nil {
		return err
	}
	for _, k := range aid.FollowupKinds {
		if k.Key == d.Kind {
			d.KindLabel = k.Label
		}
	}
	if !d.Revealed {
		if d.Items, err = svc.Followups(ctx, a, id); err != nil {
			return err
		}
	}
	for _, f := range d.Items {
		d.Ended = d.Ended || f.Last()
	}
	live := d.Kind != "" && x.Status == aid.Approved && !x.Purged
	d.CanAdd = live && !d.Ended && a.Can(access.RecordAid)
	d.CanReveal = !x.Purged && len(d.Items) > 0 && a.Can(access.RevealAid) && !d.Revealed
	d.Today = svc.Today()
	d.InSchool = []Option{{"1", "在校"}, {"0", "已不在校（最后一次跟踪）"}}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Form == nil {
		d.Form = map[string]string{"date": d.Today, "school_year": aid.SchoolYearOf(d.Today)}
	}
	title := x.ProgrammeName + "跟踪记录 " + strconv.Itoa(x.Year) + "-" + strconv.FormatInt(x.ID, 10)
	h.tpl.Page(w, r, status, "aid_followups", View{Layout: Layout{Title: title, Active: "aid",
		Crumbs: []Crumb{{Href: "/aid", Label: "关爱救助"}, {Href: aidLink(id), Label: x.ProgrammeName + "申请 " + strconv.Itoa(x.Year) + "-" +
			strconv.FormatInt(x.ID, 10)}, {Label: "跟踪记录"}}}, Data: d})
	return nil
}

// aidFollowupAdd records a follow-up; bad input re-renders the form with
// the messages beside the fields and changes nothing.
func (h *handler) aidFollowupAdd(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	in := aid.FollowupInput{Date: r.PostFormValue("date"), SchoolYear: r.PostFormValue("school_year"),
		School: r.PostFormValue("school"), Grade: r.PostFormValue("grade"), Notes: r.PostFormValue("notes")}
	switch r.PostFormValue("in_school") {
	case "1":
		in.InSchool = boolPtr(true)
	case "0":
		in.InSchool = boolPtr(false)
	}
	f, err := h.deps.Aid.AddFollowup(r.Context(), c.Actor, id, in)
	if fields, msg := fieldErrors(err); fields != nil && refused(err) {
		if len(fields) == 0 {
			fields = map[string]string{"form": msg}
		}
		form := map[string]string{}
		for _, k := range []string{"date", "school_year", "in_school", "school", "grade", "notes"} {
			form[k] = r.PostFormValue(k)
		}
		return h.renderFollowups(w, r, c, id, http.StatusUnprocessableEntity, aidFollowupData{Errors: fields, Form: form})
	}
	msg := "已记录" + f.KindLabel()
	if f.Last() {
		msg = "已记录：该学生已不在校，学年跟踪结束"
	}
	return h.finish(w, r, aidLink(id)+"/followups", err, msg)
}

func boolPtr(b bool) *bool { return &b }

// aidFollowupReveal opens the records for a leader with a typed reason and
// answers with the page itself, unstored.
func (h *handler) aidFollowupReveal(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	w.Header().Set("Cache-Control", "no-store")
	reason := r.PostFormValue("reason")
	fs, err := h.deps.Aid.RevealFollowups(r.Context(), c.Actor, id, reason)
	if fields, _ := fieldErrors(err); fields["reason"] != "" && refused(err) {
		return h.renderFollowups(w, r, c, id, http.StatusUnprocessableEntity, aidFollowupData{Errors: map[string]string{"reason": fields["reason"]},
			Form: map[string]string{"reason": reason}})
	}
	if err != nil {
		return err
	}
	return h.renderFollowups(w, r, c, id, http.StatusOK, aidFollowupData{Items: fs, Revealed: true})
}

const aidDuePerPage = 30

// aidDueData is the 待跟踪 list.
type aidDueData struct {
	Tabs       []aidTab
	Tab        string
	Items      []aid.DueItem
	Pager      Pager
	F          aid.DueFilter
	Programmes []Option
	Export     string
	SoonDays   int
}

func aidDueFilter(q url.Values) aid.DueFilter {
	return aid.DueFilter{Programme: strings.TrimSpace(q.Get("programme")), Under: strings.TrimSpace(q.Get("under"))}
}

// aidDueProgrammes are the programmes that take follow-ups, for the filter.
func (h *handler) aidDueProgrammes(r *http.Request, c *httpx.Current) ([]Option, error) {
	progs, err := h.deps.Aid.Programmes(r.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	var out []Option
	for _, p := range progs {
		if aid.FollowupKindOf(p.Kind) != "" {
			out = append(out, Option{p.Code, p.Name})
		}
	}
	return out, nil
}

func (h *handler) aidDue(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	d := aidDueData{Tabs: h.aidTabs(r, c), Tab: "followups", F: aidDueFilter(r.URL.Query()), SoonDays: aid.DueSoonDays}
	var err error
	if d.Programmes, err = h.aidDueProgrammes(r, c); err != nil {
		return err
	}
	pager := NewPager(r, aidDuePerPage, 0)
	d.F.Page = aid.Page{Page: pager.Page, PerPage: aidDuePerPage}
	items, total, err := h.deps.Aid.Due(r.Context(), c.Actor, d.F)
	if err != nil {
		return err
	}
	d.Items, d.Pager = items, NewPager(r, aidDuePerPage, total)
	d.Export, _ = queryURL("/aid/followups.xlsx", "programme", d.F.Programme, "under", d.F.Under)
	h.tpl.Page(w, r, http.StatusOK, "aid_followup_due", View{Layout: Layout{Title: "待跟踪", Active: "aid",
		Crumbs: []Crumb{{Href: "/aid", Label: "关爱救助"}, {Label: "待跟踪"}}}, Data: d})
	return nil
}

// aidDueExport writes the 待跟踪 list, as filtered, every row, to Excel:
// names masked as on the page; audited.
func (h *handler) aidDueExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a := r.Context(), c.Actor
	f := aidDueFilter(r.URL.Query())
	f.Page = aid.Page{All: true}
	items, _, err := h.deps.Aid.Due(ctx, a, f)
	if err != nil {
		return err
	}
	sh, err := newSheet("待跟踪", []Column{{"申请编号", 10}, {"项目", 12}, {"跟踪类型", 14}, {"对象（脱敏）", 12}, {"单位", 28},
		{"批准日期", 14}, {"上次跟踪", 14}, {"应跟踪日期", 14}, {"状态", 12}})
	if err != nil {
		return err
	}
	defer sh.Close()
	for _, it := range items {
		state := "即将到期"
		if it.Overdue() {
			state = "逾期 " + strconv.Itoa(-it.DaysLeft) + " 天"
		}
		if err := sh.Add(it.ApplicationID, it.ProgrammeName, it.KindLabel(), it.Name, it.OrgName, it.ApprovedOn,
			it.LastDate, it.DueOn, state); err != nil {
			return err
		}
	}
	detail := "masked " + f.Programme + " " + f.Under + " " + strconv.Itoa(len(items)) + " rows"
	_ = audit.Log(ctx, h.deps.DB, audit.FromActor(a, "aid.followup.export", "aid_application", "", audit.OK, detail))
	return sh.Send(w, r, "待跟踪")
}
