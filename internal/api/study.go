package api

import (
	"net/http"
	"strconv"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/study"
)

// studyRoutes adds 学习's endpoints: the feed, one activity, recording and
// editing, statistics, the documents an activity can be about, and
// counting activities in a 督办 report.
func (h *handler) studyRoutes(mux httpx.Mux) {
	route(mux, "/api/v1/study", methods{"GET": h.can(access.ViewWork, h.studyList), "POST": h.can(access.ViewWork, h.studyCreate)})
	routeBeside(mux, "/api/v1/study/stats", methods{"GET": h.can(access.ViewWork, h.studyStats)})
	routeBeside(mux, "/api/v1/study/docs", methods{"GET": h.can(access.ViewWork, h.studyDocs)})
	route(mux, "/api/v1/study/{id}", methods{"GET": h.can(access.ViewWork, httpx.ID(h.studyShow)), "PUT": h.can(access.ViewWork, httpx.ID(h.studyUpdate))})
	route(mux, "/api/v1/reports/{id}/study", methods{"GET": h.can(access.ViewWork, httpx.ID(h.reportStudy)), "POST": h.can(access.ViewWork, httpx.ID(h.reportStudyAttach))})
}

// activityJSON is one study activity.
type activityJSON struct {
	ID           int64       `json:"id"`
	OrgCode      string      `json:"org_code"`
	OrgName      string      `json:"org_name"`
	Kind         string      `json:"kind"`
	KindLabel    string      `json:"kind_label"`
	HeldOn       string      `json:"held_on"`
	Topic        string      `json:"topic"`
	DocID        *int64      `json:"doc_id"`
	DocNumber    string      `json:"doc_number"`
	DocTitle     string      `json:"doc_title"`
	Place        string      `json:"place"`
	Speaker      string      `json:"speaker"`
	Participants int         `json:"participants"`
	Summary      string      `json:"summary"`
	PhotoCount   int         `json:"photo_count"`
	Photos       []photoJSON `json:"photos,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	Version      int         `json:"version"`
}

// photoJSON is a photo's metadata; url is the web page's address of it.
type photoJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
	URL  string `json:"url"`
}

func toActivityJSON(x study.Activity) activityJSON {
	out := activityJSON{ID: x.ID, OrgCode: x.OrgCode, OrgName: x.OrgName, Kind: string(x.Kind), KindLabel: x.Kind.Label(),
		HeldOn: x.HeldOn, Topic: x.Topic, DocNumber: x.DocNumber, DocTitle: x.DocTitle, Place: x.Place, Speaker: x.Speaker,
		Participants: x.Participants, Summary: x.Summary, PhotoCount: x.PhotoCount, CreatedAt: x.CreatedAt.UTC(),
		UpdatedAt: x.UpdatedAt.UTC(), Version: x.Version}
	if x.DocID != 0 {
		id := x.DocID
		out.DocID = &id
	}
	return out
}

func toPhotos(id int64, list []files.File) []photoJSON {
	return httpx.Map(list, func(f files.File) photoJSON {
		return photoJSON{ID: f.ID, Name: f.Name, Size: f.Size,
			URL: "/study/" + strconv.FormatInt(id, 10) + "/photos/" + strconv.FormatInt(f.ID, 10)}
	})
}

// studyList: GET /api/v1/study — the feed, with the web page's filters.
func (h *handler) studyList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := study.Filter{Kind: study.Kind(q.text("kind", 20)), Under: q.text("under", 40), Month: q.text("month", 7),
		From: q.text("from", 10), To: q.text("to", 10), Q: q.text("q", 100)}
	f.Page, f.PerPage = q.page(20, 200)
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := h.deps.Study.List(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(httpx.Map(items, toActivityJSON), total, f.Page, f.PerPage))
	return nil
}

// activityInput is a recorded activity; photos carry base64 data.
type activityInput struct {
	Kind         string `json:"kind"`
	HeldOn       string `json:"held_on"`
	Topic        string `json:"topic"`
	DocID        int64  `json:"doc_id"`
	Place        string `json:"place"`
	Speaker      string `json:"speaker"`
	Participants int    `json:"participants"`
	Summary      string `json:"summary"`
	Version      int    `json:"version"`
	Photos       []struct {
		Name string `json:"name"`
		Data []byte `json:"data"`
	} `json:"photos"`
}

func (in activityInput) input() study.Input {
	return study.Input{Kind: study.Kind(in.Kind), HeldOn: in.HeldOn, Topic: in.Topic, DocID: in.DocID, Place: in.Place,
		Speaker: in.Speaker, Participants: in.Participants, Summary: in.Summary}
}

func (in activityInput) texts() error {
	e := map[string]string{}
	texts(e, "topic", in.Topic)
	texts(e, "place", in.Place)
	texts(e, "speaker", in.Speaker)
	texts(e, "summary", in.Summary)
	texts(e, "held_on", in.HeldOn)
	texts(e, "kind", in.Kind)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	return nil
}

// studyCreate: POST /api/v1/study.
func (h *handler) studyCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in activityInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := in.texts(); err != nil {
		return err
	}
	var photos []study.Upload
	for _, p := range in.Photos {
		photos = append(photos, study.Upload{Name: p.Name, Data: p.Data})
	}
	x, err := h.deps.Study.Create(r.Context(), c.Actor, in.input(), photos)
	if err != nil {
		return err
	}
	return h.writeActivity(w, r, c, x.ID, http.StatusCreated)
}

// studyShow: GET /api/v1/study/{id}, with its photos.
func (h *handler) studyShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.writeActivity(w, r, c, id, http.StatusOK)
}

// writeActivity answers with the activity and its photos.
func (h *handler) writeActivity(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int) error {
	x, err := h.deps.Study.Get(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	photos, err := h.deps.Study.Photos(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	out := toActivityJSON(x)
	out.Photos = toPhotos(id, photos)
	httpx.WriteJSON(w, status, out)
	return nil
}

// studyUpdate: PUT /api/v1/study/{id} with the version read; photos are
// not changed here.
func (h *handler) studyUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in activityInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := in.texts(); err != nil {
		return err
	}
	if len(in.Photos) > 0 {
		return apperr.Field("photos", "修改时不能上传照片，请在活动页面上传")
	}
	if in.Version <= 0 {
		return apperr.Field("version", "请提供读取时的 version")
	}
	if _, err := h.deps.Study.Update(r.Context(), c.Actor, id, in.Version, in.input()); err != nil {
		return err
	}
	return h.writeActivity(w, r, c, id, http.StatusOK)
}

// statRowJSON is one row of the roll-up.
type statRowJSON struct {
	OrgCode      string           `json:"org_code"`
	OrgName      string           `json:"org_name"`
	Self         bool             `json:"self"`
	Activities   int64            `json:"activities"`
	Participants int64            `json:"participants"`
	ByKind       map[string]int64 `json:"by_kind"`
}

func toStatRow(x study.StatRow) statRowJSON {
	out := statRowJSON{OrgCode: x.Org.Code, OrgName: x.Org.Name, Self: x.Self, Activities: x.Activities,
		Participants: x.Participants, ByKind: map[string]int64{}}
	for i, k := range study.Kinds {
		out.ByKind[string(k)] = x.ByKind[i]
	}
	return out
}

// studyStats: GET /api/v1/study/stats?under=CODE&year=YYYY.
func (h *handler) studyStats(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	under := q.text("under", 40)
	year := q.number("year", h.deps.Study.Now().In(db.Shanghai).Year(), 2000, 2100)
	if err := q.err(); err != nil {
		return err
	}
	st, err := h.deps.Study.Stats(r.Context(), c.Actor, under, year)
	if err != nil {
		return err
	}
	rows := httpx.Map(st.Rows, toStatRow)
	type month struct {
		Month        int   `json:"month"`
		Activities   int64 `json:"activities"`
		Participants int64 `json:"participants"`
	}
	months := httpx.Map(st.Months, func(m study.MonthStat) month { return month{m.Month, m.Activities, m.Participants} })
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"org_code": st.Node.Code, "org_name": st.Node.Name, "year": year,
		"total": toStatRow(st.Total), "rows": rows, "months": months})
	return nil
}

// studyDocs: GET /api/v1/study/docs — documents an activity can be about.
func (h *handler) studyDocs(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	docs, err := h.deps.Study.LinkableDocs(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	type docJSON struct {
		ID       int64      `json:"id"`
		Number   string     `json:"number"`
		Title    string     `json:"title"`
		IssuedAt *time.Time `json:"issued_at"`
	}
	out := httpx.Map(docs, func(d study.LinkedDoc) docJSON { return docJSON{d.ID, d.Number, d.Title, optTime(d.IssuedAt)} })
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// reportStudyJSON is the study side of a report.
type reportStudyJSON struct {
	ReportID     int64              `json:"report_id"`
	Since        string             `json:"since"`
	CanAttach    bool               `json:"can_attach"`
	Sessions     int                `json:"sessions"`
	Participants int                `json:"participants"`
	Attached     []int64            `json:"attached"`
	Activities   []activityJSON     `json:"activities"`
	Numbers      map[string]float64 `json:"numbers"`
}

func toReportStudyJSON(rs study.ReportStudy) reportStudyJSON {
	out := reportStudyJSON{ReportID: rs.Report.ID, Since: rs.Since, CanAttach: rs.CanAttach, Sessions: rs.Sessions,
		Participants: rs.Participants, Attached: []int64{}, Activities: []activityJSON{}, Numbers: rs.Report.Numbers}
	for _, x := range rs.Activities {
		out.Activities = append(out.Activities, toActivityJSON(x))
		if rs.Attached[x.ID] {
			out.Attached = append(out.Attached, x.ID)
		}
	}
	return out
}

// reportStudy: GET /api/v1/reports/{id}/study.
func (h *handler) reportStudy(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	rs, err := h.deps.Study.ForReport(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, toReportStudyJSON(rs))
	return nil
}

// reportStudyAttach: POST /api/v1/reports/{id}/study {"activity_ids": […]}
// counts those activities in the report and fills its numbers.
func (h *handler) reportStudyAttach(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in struct {
		ActivityIDs []int64 `json:"activity_ids"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	rs, err := h.deps.Study.AttachToReport(r.Context(), c.Actor, id, in.ActivityIDs)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, toReportStudyJSON(rs))
	return nil
}
