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

// namedFile is the shape of a domain's uploaded file: its name as sent
// and its content.
type namedFile interface {
	~struct {
		Name string
		Data []byte
	}
}

// formFiles reads the files sent in field of a multipart form (none is
// fine), each cut at max+1 bytes so that the domain refuses a bigger one.
// A body over the server's cap is refused beside field with tooBig and a
// broken one with failed; a form that is not multipart is returned as
// http.ErrNotMultipart for the caller to decide.
func formFiles[T namedFile](r *http.Request, field string, max int64, tooBig, failed string) ([]T, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		switch {
		case errors.As(err, new(*http.MaxBytesError)):
			return nil, apperr.Field(field, tooBig)
		case errors.Is(err, http.ErrNotMultipart):
			return nil, err
		}
		return nil, apperr.Field(field, failed)
	}
	var out []T
	for _, hdr := range r.MultipartForm.File[field] {
		if hdr.Filename == "" && hdr.Size == 0 {
			continue // the empty file input of a form sent without files
		}
		f, err := hdr.Open()
		if err != nil {
			return nil, apperr.Field(field, failed)
		}
		data, err := io.ReadAll(io.LimitReader(f, max+1))
		f.Close()
		if err != nil {
			return nil, apperr.Field(field, failed)
		}
		out = append(out, T{Name: hdr.Filename, Data: data})
	}
	return out, nil
}

// photoFiles reads the photos of a form (field "photos"), each up to
// files.MaxImageSize.
func photoFiles[T namedFile](r *http.Request) ([]T, error) {
	return formFiles[T](r, "photos", files.MaxImageSize, fmt.Sprintf("照片合计超过 %d MB，请分几次上传", files.MaxSize>>20), "上传失败，请重新选择照片")
}

// servePhoto writes a checked JPG or PNG for the page to show (inline),
// never sniffed as anything else, cached as cache says.
func servePhoto(w http.ResponseWriter, contentType string, data []byte, cache string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", "inline")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", cache)
	w.Write(data)
}
