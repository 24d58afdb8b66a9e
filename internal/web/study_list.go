package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/httpx"
	"halfsky/internal/study"
)

// studyKindOptions are the kinds for forms and filters.
func studyKindOptions() []Option {
	out := make([]Option, 0, len(study.Kinds))
	for _, k := range study.Kinds {
		out = append(out, Option{Value: string(k), Label: k.Label()})
	}
	return out
}

const studyPerPage = 20

// studyFilter reads the feed's filters from the query string; the feed,
// its export and its pager share it.
func studyFilter(r *http.Request) study.Filter {
	q := r.URL.Query()
	return study.Filter{Kind: study.Kind(strings.TrimSpace(q.Get("kind"))), Under: strings.TrimSpace(q.Get("under")),
		Month: strings.TrimSpace(q.Get("month")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Q: strings.TrimSpace(q.Get("q"))}
}

type studyListData struct {
	Items     []study.Activity
	Pager     Pager
	F         study.Filter
	Kinds     []Option
	Errors    map[string]string
	CanRecord bool
	Export    string
	Filtered  bool
}

// studyList is the 学习动态 feed: the latest activities of every unit in
// the actor's scope.
func (h *handler) studyList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	f := studyFilter(r)
	d := studyListData{F: f, Kinds: studyKindOptions(), Errors: map[string]string{}, CanRecord: c.Actor.Can(access.RecordWork)}
	d.Filtered = f != (study.Filter{})
	d.Export = "/study/export.xlsx"
	if r.URL.RawQuery != "" {
		d.Export += "?" + r.URL.RawQuery
	}
	pager := NewPager(r, studyPerPage, 0)
	f.Page, f.PerPage = pager.Page, studyPerPage
	items, total, err := h.deps.Study.List(r.Context(), c.Actor, f)
	status := http.StatusOK
	if errors.Is(err, db.ErrNotFound) && f.Under != "" {
		// a unit code typed into the filter: say so beside it
		err = apperr.Field("under", "没有这个单位代码，或该单位不在本单位范围内")
	}
	if fields := refusedFields(err, ""); fields != nil {
		d.Errors, status, err = fields, http.StatusUnprocessableEntity, nil
	}
	if err != nil {
		return err
	}
	d.Items, d.Pager = items, NewPager(r, studyPerPage, total)
	h.tpl.Page(w, r, status, "study_list", View{Layout: Layout{Title: "学习动态", Active: "study"}, Data: d})
	return nil
}

// studyExport is the feed as Excel: the same filters, every row in scope.
func (h *handler) studyExport(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx := r.Context()
	items, _, err := h.deps.Study.List(ctx, c.Actor, studyFilter(r))
	if err != nil {
		return err
	}
	sh, err := newSheet("学习动态", []Column{{"活动日期", 12}, {"单位", 24}, {"单位代码", 14}, {"形式", 10}, {"主题", 40},
		{"学习公文", 36}, {"地点", 20}, {"主讲人", 14}, {"参加人数", 10}, {"照片", 6}, {"活动内容", 60}})
	if err != nil {
		return err
	}
	for _, x := range items {
		docLabel := ""
		if x.DocID != 0 {
			docLabel = strings.TrimSpace(x.DocNumber + " " + x.DocTitle)
		}
		if err := sh.Add(x.HeldOn, x.OrgName, x.OrgCode, x.Kind.Label(), x.Topic, docLabel, x.Place, x.Speaker,
			x.Participants, x.PhotoCount, x.Summary); err != nil {
			sh.Close()
			return err
		}
	}
	_ = audit.Log(ctx, h.deps.DB, audit.FromActor(c.Actor, "study.export", "study_activity", "", audit.OK,
		strconv.Itoa(len(items))+" 条"))
	return sh.Send(w, r, "学习动态")
}
