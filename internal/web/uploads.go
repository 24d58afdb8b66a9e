package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"halfsky/internal/apperr"
	"halfsky/internal/files"
)

// The multipart side of the upload forms: one file read with the size
// message every form gives, and the temporary files removed afterwards.

// upload reads the one file of a multipart form. The server caps the body
// a little above files.MaxSize; a bigger one arrives cut off and is
// reported as too large. The domain checks the type, content and size.
func upload(r *http.Request, field string) (string, []byte, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, apperr.Field(field, fmt.Sprintf("文件超过 %d MB 的上限", files.MaxSize>>20))
		}
		return "", nil, apperr.Field(field, "上传失败，请重新选择文件")
	}
	f, hdr, err := r.FormFile(field)
	if err != nil {
		return "", nil, apperr.Field(field, "请选择要上传的文件")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, files.MaxSize+1))
	if err != nil {
		return "", nil, apperr.Field(field, "上传失败，请重新选择文件")
	}
	return hdr.Filename, data, nil
}

// cleanupMultipart removes the temporary files of a parsed upload.
func cleanupMultipart(r *http.Request) {
	if r.MultipartForm != nil {
		_ = r.MultipartForm.RemoveAll()
	}
}
