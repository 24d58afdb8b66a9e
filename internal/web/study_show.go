package web

import (
	"net/http"
	"strconv"

	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/study"
)

type studyShowData struct {
	X          study.Activity
	Photos     []files.File
	CanEdit    bool
	DocVisible bool // the linked document opens for this user
	PhotoError string
	MaxPhotos  int
	MaxMB      int
}

func (h *handler) studyShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.renderStudy(w, r, c, id, http.StatusOK, "")
}

func (h *handler) renderStudy(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int, photoErr string) error {
	ctx, svc := r.Context(), h.deps.Study
	x, err := svc.Get(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	d := studyShowData{X: x, CanEdit: study.CanEdit(c.Actor, x), PhotoError: photoErr, MaxPhotos: study.MaxPhotos,
		MaxMB: files.MaxImageSize >> 20}
	if d.Photos, err = svc.Photos(ctx, c.Actor, id); err != nil {
		return err
	}
	if x.DocID != 0 {
		// A street studies a notice sent to its district: it may not open
		// the document itself, so the link shows only where it would work.
		_, err := h.deps.Docs.Get(ctx, c.Actor, x.DocID)
		d.DocVisible = err == nil
	}
	crumbs := []Crumb{{Href: "/study", Label: "学习动态"}, {Label: x.Topic}}
	h.tpl.Page(w, r, status, "study_show", View{Layout: Layout{Title: x.Topic, Active: "study", Crumbs: crumbs}, Data: d})
	return nil
}

// studyPhotoAdd uploads more photos to an activity.
func (h *handler) studyPhotoAdd(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	defer cleanupMultipart(r)
	photos, err := studyUploads(r)
	if err == nil {
		err = h.deps.Study.AddPhotos(r.Context(), c.Actor, id, photos)
	}
	if fields := refusedFields(err, ""); fields != nil {
		return h.renderStudy(w, r, c, id, http.StatusUnprocessableEntity, fields["photos"])
	}
	return h.finish(w, r, "/study/"+strconv.FormatInt(id, 10)+"#photos", err, "照片已上传")
}

// studyPhoto shows a photo inline: it is a checked JPG or PNG, so the
// browser may display it in the page.
func (h *handler) studyPhoto(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	f, data, err := h.deps.Study.Photo(r.Context(), c.Actor, id, fid)
	if err != nil {
		return err
	}
	servePhoto(w, f.ContentType, data, "private, max-age=3600")
	return nil
}

// studyPhotoRemove takes a photo off an activity.
func (h *handler) studyPhotoRemove(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	err := h.deps.Study.RemovePhoto(r.Context(), c.Actor, id, fid)
	return h.finish(w, r, "/study/"+strconv.FormatInt(id, 10)+"#photos", err, "照片已删除")
}
