package api

import (
	"errors"
	"halfsky/internal/apperr"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reading request bodies: text the databases can store, optional bodies,
// uploads, and a domain error's field names in the API's words.

// textOK reports whether s can be stored and searched on both databases:
// valid UTF-8 without NUL bytes (PostgreSQL refuses both).
func textOK(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// texts checks that the named values can be stored (see textOK), adding
// a message per offending field to e.
func texts(e map[string]string, field string, values ...string) {
	for _, s := range values {
		if !textOK(s) {
			e[field] = "含有无效字符"
			return
		}
	}
}

// decodeOptional decodes an action's JSON body into dst; an empty body
// leaves dst as it is.
func decodeOptional(r *http.Request, dst any) error {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	return httpx.DecodeJSON(r, dst)
}

// noBody accepts an empty body or {}.
func noBody(r *http.Request) error {
	var b struct{}
	return decodeOptional(r, &b)
}

// renameFields renames the field keys of a domain error to the names the
// API's input uses.
func renameFields(err error, names map[string]string) error {
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		if n, ok := names[k]; ok {
			k = n
		}
		out.Fields[k] = v
	}
	return &out
}

// stripPrefix drops a prefix from an error's field names (a type error
// inside a nested object names it by its path).
func stripPrefix(err error, prefix string) error {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return err
	}
	names := map[string]string{}
	for k := range e.Fields {
		names[k] = strings.TrimPrefix(k, prefix)
	}
	return renameFields(err, names)
}

// errTooLarge answers an upload bigger than the request limit.
var errTooLarge = apperr.New(http.StatusRequestEntityTooLarge, "too_large",
	"上传的文件过大，单个附件不能超过 "+strconv.Itoa(files.MaxSize>>20)+" MB")

// readUpload reads the "file" part of a multipart/form-data body: its
// name and at most files.MaxSize+1 bytes (the domain refuses anything
// larger with a message next to the field).
func readUpload(r *http.Request) (string, []byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", nil, apperr.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "请以 multipart/form-data 格式上传文件（字段名 file）")
	}
	readErr := func(err error) error {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errTooLarge
		}
		return apperr.New(http.StatusBadRequest, "invalid_multipart", "上传的内容格式不正确")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return "", nil, apperr.Field("file", "请选择要上传的文件")
		}
		if err != nil {
			return "", nil, readErr(err)
		}
		if p.FormName() != "file" {
			continue
		}
		name := p.FileName()
		data, err := io.ReadAll(io.LimitReader(p, files.MaxSize+1))
		if err != nil {
			return "", nil, readErr(err)
		}
		if !textOK(name) || len(name) > 1000 {
			return "", nil, apperr.Field("file", "文件名含有无效字符或过长")
		}
		return name, data, nil
	}
}
