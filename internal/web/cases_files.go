package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/rights"
)

// caseFilesAdd uploads photos and files to a case (field "files"):
// photos lose their EXIF and GPS before they are stored (rights.AddFiles).
func (h *handler) caseFilesAdd(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	defer cleanupMultipart(r)
	ups, err := formFiles[rights.Upload](r, "files", files.MaxSize,
		fmt.Sprintf("上传的照片和文件合计超过 %d MB，请分几次上传", files.MaxSize>>20), "上传失败，请重新选择照片或文件")
	if errors.Is(err, http.ErrNotMultipart) {
		ups, err = nil, nil
	}
	if err == nil {
		v, _ := strconv.Atoi(r.FormValue("version"))
		err = h.deps.Rights.AddFiles(r.Context(), c.Actor, id, v, ups)
	}
	if errs := refusedFields(err, "files."); errs != nil {
		return h.renderCase(w, r, c, id, http.StatusUnprocessableEntity, errs, nil)
	}
	return h.finish(w, r, rights.Link(id)+"#files", err, "已上传；照片的拍摄位置、时间和设备信息已去除")
}

// caseFile serves a case's photo inline (a checked JPG or PNG, its
// metadata removed) or a file as a download; never cached, since a
// broken glass closes by the clock.
func (h *handler) caseFile(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	f, data, err := h.deps.Rights.File(r.Context(), c.Actor, id, fid)
	if err != nil {
		return err
	}
	if !f.Photo || r.URL.Query().Get("download") == "1" {
		files.Serve(w, f.File, data)
		return nil
	}
	servePhoto(w, f.ContentType, data, "private, no-store")
	return nil
}
