package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/incoming"
)

// 收文登记: the unit's register of documents received from outside.
func (h *handler) incomingRoutes(mux httpx.Mux) {
	route(mux, "/api/v1/incoming", methods{"GET": h.can(access.ViewDocs, h.incomingList),
		"POST": upload{h.can(access.ReceiveDocs, h.incomingCreate)}})
	route(mux, "/api/v1/incoming/{id}", methods{"GET": h.can(access.ViewDocs, httpx.ID(h.incomingShow)), "PUT": h.can(access.ViewDocs, httpx.ID(h.incomingUpdate))})
	route(mux, "/api/v1/incoming/{id}/void", methods{"POST": h.can(access.ViewDocs, httpx.ID(h.incomingVoid))})
	route(mux, "/api/v1/incoming/{id}/files", methods{"GET": h.can(access.ViewDocs, httpx.ID(h.incomingFiles))})
	route(mux, "/api/v1/incoming/{id}/files/{fid}", methods{"GET": h.can(access.ViewDocs, httpx.IDs("fid", h.incomingFile))})
}

type incomingJSON struct {
	ID         int64  `json:"id"`
	Number     string `json:"number"` // 收文编号
	Year       int    `json:"year"`
	Seq        int    `json:"seq"`
	RegisterOf string `json:"register_of,omitempty"` // the unit whose register numbered it, when not the holder
	incoming.Fields
	Source     string     `json:"source"`
	Warnings   []string   `json:"warnings"`
	Pages      int        `json:"pages"`
	Voided     bool       `json:"voided"`
	VoidedAt   *time.Time `json:"voided_at"`
	VoidReason string     `json:"void_reason,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	Version    int        `json:"version"`
}

func toIncomingJSON(r incoming.Record) incomingJSON {
	return incomingJSON{ID: r.ID, Number: r.Number(), Year: r.Year, Seq: r.Seq, RegisterOf: r.RegisterName, Fields: r.Fields,
		Source: string(r.Source), Warnings: r.Warnings, Pages: r.Pages, Voided: r.Voided(), VoidedAt: optTime(r.VoidedAt),
		VoidReason: r.VoidReason, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), Version: r.Version}
}

type incomingItemJSON struct {
	ID         int64  `json:"id"`
	Number     string `json:"number"`
	FromUnit   string `json:"from_unit"`
	FromNumber string `json:"from_number"`
	Title      string `json:"title"`
	ReceivedOn string `json:"received_on"`
	Secret     string `json:"secret"`
	Urgency    string `json:"urgency"`
	Source     string `json:"source"`
	Warnings   int    `json:"warnings"`
	Voided     bool   `json:"voided"`
	HasFile    bool   `json:"has_file"`
}

func toIncomingItemJSON(it incoming.ListItem) incomingItemJSON {
	return incomingItemJSON{ID: it.ID, Number: it.Number(), FromUnit: it.FromUnit, FromNumber: it.FromNumber, Title: it.Title,
		ReceivedOn: it.ReceivedOn, Secret: it.Secret, Urgency: it.Urgency, Source: string(it.Source), Warnings: it.Warnings,
		Voided: it.Voided, HasFile: it.HasFile}
}

func (h *handler) incomingList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	year := q.number("year", 0, 1900, 2999)
	text := q.text("q", 100)
	page, per := q.page(30, 200)
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := h.deps.Incoming.List(r.Context(), c.Actor, incoming.Filter{Year: year, Q: text, Page: db.Page{Page: page, PerPage: per}})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(httpx.Map(items, toIncomingItemJSON), total, page, per))
	return nil
}

// incomingCreate registers a received document: a multipart upload (the
// file in "file", typed fields beside it), or JSON with the pasted "text"
// and typed fields. The answer carries what the reader recognized.
func (h *handler) incomingCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	up, err := readIncomingUpload(r)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err != nil {
		return err
	}
	in, rd, err := incoming.Read(r.Context(), up)
	if err != nil {
		return err
	}
	rec, err := h.deps.Incoming.Register(r.Context(), c.Actor, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"incoming": toIncomingJSON(rec),
		"reading": map[string]any{"kind": string(rd.Kind), "found": orEmpty(rd.Found), "missing": orEmpty(rd.Missing)}})
	return nil
}

// incomingInput is the JSON form of a registration.
type incomingInput struct {
	incoming.Fields
	Text    string `json:"text"`
	Version int    `json:"version"`
}

func readIncomingUpload(r *http.Request) (incoming.Upload, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		var in incomingInput
		if err := httpx.DecodeJSON(r, &in); err != nil {
			return incoming.Upload{}, err
		}
		return incoming.Upload{Text: in.Text, Typed: in.Fields}, nil
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return incoming.Upload{}, errTooLarge
		}
		return incoming.Upload{}, apperr.New(http.StatusBadRequest, "invalid_multipart", "上传的内容格式不正确")
	}
	v := r.PostFormValue
	up := incoming.Upload{Text: v("text"), Typed: incoming.Fields{FromUnit: v("from_unit"), FromNumber: v("from_number"), Title: v("title"),
		DocDate: v("doc_date"), ReceivedOn: v("received_on"), Secret: v("secret"), Urgency: v("urgency"), Note: v("note")}}
	if fh := r.MultipartForm.File["file"]; len(fh) > 0 {
		f, err := fh[0].Open()
		if err != nil {
			return up, apperr.Field("file", "上传失败，请重新选择文件")
		}
		defer f.Close()
		if fh[0].Size > files.MaxSize {
			return up, errTooLarge
		}
		up.FileName = fh[0].Filename
		up.File = make([]byte, fh[0].Size)
		if _, err := io.ReadFull(f, up.File); err != nil {
			return up, apperr.Field("file", "上传失败，请重新选择文件")
		}
	}
	return up, nil
}

func (h *handler) incomingShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	rec, err := h.deps.Incoming.Get(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"incoming": toIncomingJSON(rec)})
	return nil
}

func (h *handler) incomingUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in incomingInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	rec, err := h.deps.Incoming.Update(r.Context(), c.Actor, id, in.Version, in.Fields)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"incoming": toIncomingJSON(rec)})
	return nil
}

func (h *handler) incomingVoid(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeOptional(r, &in); err != nil {
		return err
	}
	if err := h.deps.Incoming.Void(r.Context(), c.Actor, id, in.Reason); err != nil {
		return err
	}
	rec, err := h.deps.Incoming.Get(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"incoming": toIncomingJSON(rec)})
	return nil
}

func (h *handler) incomingFiles(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	fs, err := h.deps.Incoming.FileList(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": httpx.Map(fs, toFileJSON), "total": len(fs)})
	return nil
}

func (h *handler) incomingFile(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	f, data, err := h.deps.Incoming.File(r.Context(), c.Actor, id, fid)
	if err != nil {
		return err
	}
	files.Serve(w, f, data)
	return nil
}
