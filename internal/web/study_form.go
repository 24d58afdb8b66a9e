package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/study"
)

// studyFormData is the record/edit form, blank, stored or refused.
type studyFormData struct {
	ID        int64 // 0 for a new activity
	Version   int
	Form      map[string]string
	Errors    map[string]string
	Kinds     []Option
	Docs      []Option
	Today     string
	MaxPhotos int
	MaxMB     int
}

func (h *handler) studyForm(r *http.Request, c *httpx.Current, d *studyFormData) error {
	docs, err := h.deps.Study.LinkableDocs(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	for _, x := range docs {
		d.Docs = append(d.Docs, Option{Value: strconv.FormatInt(x.ID, 10), Label: x.Label()})
	}
	d.Kinds, d.MaxPhotos, d.MaxMB = studyKindOptions(), study.MaxPhotos, files.MaxImageSize>>20
	d.Today = h.deps.Study.Now().In(db.Shanghai).Format("2006-01-02")
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	return nil
}

func (h *handler) renderStudyForm(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, d *studyFormData) error {
	if err := h.studyForm(r, c, d); err != nil {
		return err
	}
	title, crumbs := "登记学习活动", []Crumb{{Href: "/study", Label: "学习动态"}, {Label: "登记学习活动"}}
	if d.ID != 0 {
		title = "修改学习活动"
		crumbs = []Crumb{{Href: "/study", Label: "学习动态"}, {Href: "/study/" + strconv.FormatInt(d.ID, 10), Label: d.Form["topic"]}, {Label: "修改"}}
	}
	h.tpl.Page(w, r, status, "study_form", View{Layout: Layout{Title: title, Active: "study", Crumbs: crumbs}, Data: d})
	return nil
}

// studyNew is the blank form; ?doc= preselects the document studied.
func (h *handler) studyNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	form := map[string]string{"kind": string(study.KindStudy), "held_on": h.deps.Study.Now().In(db.Shanghai).Format("2006-01-02"),
		"doc_id": r.URL.Query().Get("doc")}
	return h.renderStudyForm(w, r, c, http.StatusOK, &studyFormData{Form: form})
}

// studyInput reads the form fields; a participant count that is not a
// number is an error beside its field.
func studyInput(r *http.Request) (study.Input, map[string]string, map[string]string) {
	form, errs := map[string]string{}, map[string]string{}
	for _, k := range []string{"kind", "held_on", "topic", "doc_id", "place", "speaker", "participants", "summary", "version"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	in := study.Input{Kind: study.Kind(form["kind"]), HeldOn: form["held_on"], Topic: form["topic"], Place: form["place"],
		Speaker: form["speaker"], Summary: form["summary"]}
	if form["participants"] != "" {
		n, err := strconv.Atoi(form["participants"])
		if err != nil {
			errs["participants"] = "参加人数应为大于 0 的整数"
		}
		in.Participants = n
	}
	if form["doc_id"] != "" {
		n, err := strconv.ParseInt(form["doc_id"], 10, 64)
		if err != nil {
			errs["doc_id"] = "请从列表中选择公文"
		}
		in.DocID = n
	}
	return in, form, errs
}

// studyUploads reads the photos of a form (none is fine).
func studyUploads(r *http.Request) ([]study.Upload, error) {
	photos, err := photoFiles[study.Upload](r)
	if errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	return photos, err
}

// studyCreate records an activity with its photos.
func (h *handler) studyCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	defer cleanupMultipart(r)
	photos, uerr := studyUploads(r)
	in, form, errs := studyInput(r)
	var err error
	switch {
	case uerr != nil:
		err = uerr
	case len(errs) > 0:
		err = apperr.Invalid(errs)
	}
	var x study.Activity
	if err == nil {
		x, err = h.deps.Study.Create(r.Context(), c.Actor, in, photos)
	}
	if fields := refusedFields(err, ""); fields != nil {
		for k, m := range errs {
			if fields[k] == "" {
				fields[k] = m
			}
		}
		return h.renderStudyForm(w, r, c, http.StatusUnprocessableEntity, &studyFormData{Form: form, Errors: fields})
	}
	if err != nil {
		return err
	}
	redirectFlash(w, r, "/study/"+strconv.FormatInt(x.ID, 10), "success", "学习活动已登记")
	return nil
}

// studyEdit is the form over the stored activity.
func (h *handler) studyEdit(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	x, err := h.deps.Study.Get(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	if !study.CanEdit(c.Actor, x) {
		return apperr.New(http.StatusForbidden, "forbidden", "只能修改本单位登记的学习活动")
	}
	form := map[string]string{"kind": string(x.Kind), "held_on": x.HeldOn, "topic": x.Topic, "place": x.Place, "speaker": x.Speaker,
		"participants": strconv.Itoa(x.Participants), "summary": x.Summary}
	if x.DocID != 0 {
		form["doc_id"] = strconv.FormatInt(x.DocID, 10)
	}
	return h.renderStudyForm(w, r, c, http.StatusOK, &studyFormData{ID: id, Version: x.Version, Form: form})
}

// studyUpdate saves the edit form.
func (h *handler) studyUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	_ = r.ParseForm()
	in, form, errs := studyInput(r)
	version, _ := strconv.Atoi(form["version"])
	var err error
	if len(errs) > 0 {
		err = apperr.Invalid(errs)
	} else {
		_, err = h.deps.Study.Update(r.Context(), c.Actor, id, version, in)
	}
	if fields := refusedFields(err, ""); fields != nil {
		return h.renderStudyForm(w, r, c, http.StatusUnprocessableEntity, &studyFormData{ID: id, Version: version, Form: form, Errors: fields})
	}
	return h.finish(w, r, "/study/"+strconv.FormatInt(id, 10), err, "已保存")
}
