package web

import (
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/incoming"
)

// The 收文登记簿: a unit's register of documents received from outside.

const incomingPerPage = 30

type incomingListData struct {
	Items       []incoming.ListItem
	Pager       Pager
	Q           string
	Year        int
	Years       []int
	CanRegister bool
}

func (h *handler) incomingList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := r.URL.Query()
	d := incomingListData{Q: strings.TrimSpace(q.Get("q")), CanRegister: c.Actor.Can(access.ReceiveDocs)}
	d.Year, _ = strconv.Atoi(q.Get("year"))
	pager := NewPager(r, incomingPerPage, 0)
	items, total, err := h.deps.Incoming.List(r.Context(), c.Actor, incoming.Filter{Year: d.Year, Q: d.Q,
		Page: db.Page{Page: pager.Page, PerPage: incomingPerPage}})
	if err != nil {
		return err
	}
	if d.Years, err = h.deps.Incoming.Years(r.Context(), c.Actor); err != nil {
		return err
	}
	d.Items, d.Pager = items, NewPager(r, incomingPerPage, total)
	h.tpl.Page(w, r, http.StatusOK, "incoming_list", View{Layout: Layout{Title: "收文登记", Active: "docs",
		Crumbs: []Crumb{{Href: "/docs", Label: "公文"}, {Label: "收文登记"}}}, Data: d})
	return nil
}

// incomingFormData is the registration form, new (an upload) or a
// correction of a registration.
type incomingFormData struct {
	ID      int64 // 0 for a new registration
	Version int
	Number  string
	F       incoming.Fields
	Body    string // 正文 paragraphs, one a line (corrections)
	Attach  string
	Text    string // pasted text (new)
	Errors  map[string]string
	Reading *incoming.Reading // what the reader found, when it refused
	Secrets []Option
	Urgent  []Option
	MaxMB   int
	Manual  bool // open the 手工填写 section
}

func (d incomingFormData) Action() string {
	if d.ID == 0 {
		return "/incoming"
	}
	return "/incoming/" + strconv.FormatInt(d.ID, 10) + "/edit"
}

func (h *handler) renderIncomingForm(w http.ResponseWriter, r *http.Request, status int, d incomingFormData) {
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.Secrets, d.Urgent = plainOptions(incoming.SecretLevels, "不标注"), plainOptions(incoming.Urgencies, "不标注")
	d.MaxMB = files.MaxSize >> 20
	title := "登记收文"
	crumbs := []Crumb{{Href: "/docs", Label: "公文"}, {Href: "/incoming", Label: "收文登记"}, {Label: title}}
	if d.ID != 0 {
		title = "修改收文登记"
		crumbs = []Crumb{{Href: "/docs", Label: "公文"}, {Href: "/incoming", Label: "收文登记"},
			{Href: "/incoming/" + strconv.FormatInt(d.ID, 10), Label: d.Number}, {Label: "修改"}}
	}
	h.tpl.Page(w, r, status, "incoming_form", View{Layout: Layout{Title: title, Active: "docs", Crumbs: crumbs}, Data: d})
}

func plainOptions(values []string, blank string) []Option {
	out := make([]Option, len(values))
	for i, v := range values {
		out[i] = Option{Value: v, Label: v}
		if v == "" {
			out[i].Label = blank
		}
	}
	return out
}

func (h *handler) incomingNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	h.renderIncomingForm(w, r, http.StatusOK, incomingFormData{F: incoming.Fields{ReceivedOn: h.deps.Incoming.Today()}})
	return nil
}

// readIncomingFields reads the typed fields of the form.
func readIncomingFields(r *http.Request) incoming.Fields {
	v := r.PostFormValue
	return incoming.Fields{FromUnit: v("from_unit"), FromNumber: v("from_number"), Title: v("title"), DocDate: v("doc_date"),
		ReceivedOn: v("received_on"), Secret: v("secret"), Urgency: v("urgency"), Recipients: v("recipients"),
		Body: strings.Split(v("body"), "\n"), Attachments: strings.Split(v("attachments"), "\n"), Note: v("note")}
}

// incomingCreate registers an upload: a file read by its content, pasted
// text, or the typed fields alone. Whatever is refused comes back beside
// its field with nothing stored.
func (h *handler) incomingCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	defer cleanupMultipart(r)
	up, err := readUpload(r)
	d := incomingFormData{F: up.Typed, Text: up.Text, Manual: up.Typed.FromUnit != "" || up.Typed.Title != ""}
	if err != nil {
		d.Errors, _ = fieldErrors(err)
		h.renderIncomingForm(w, r, http.StatusUnprocessableEntity, d)
		return nil
	}
	in, rd, err := incoming.Read(r.Context(), up)
	if err == nil {
		var rec incoming.Record
		rec, err = h.deps.Incoming.Register(r.Context(), c.Actor, in)
		if err == nil {
			redirectFlash(w, r, "/incoming/"+strconv.FormatInt(rec.ID, 10), "success", "已登记为"+rec.Number())
			return nil
		}
	}
	fields, msg := fieldErrors(err)
	if fields == nil {
		return err
	}
	if len(fields) == 0 {
		fields = map[string]string{"file": msg}
	}
	d.Errors, d.Reading = fields, &rd
	d.Manual = d.Manual || fields["file"] != "" || fields["from_unit"] != "" || fields["title"] != ""
	h.renderIncomingForm(w, r, statusOf(err), d)
	return nil
}

// readUpload reads the registration form: its file (if one was chosen),
// pasted text and typed fields.
func readUpload(r *http.Request) (incoming.Upload, error) {
	var up incoming.Upload
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		up.FileName, up.File, err = optionalUpload(r, "file")
	} else {
		_ = r.ParseForm()
	}
	up.Text = r.PostFormValue("text")
	up.Typed = readIncomingFields(r)
	up.Typed.Body, up.Typed.Attachments = nil, nil
	return up, err
}

// optionalUpload is upload for a form where the file may be left out.
func optionalUpload(r *http.Request, field string) (string, []byte, error) {
	name, data, err := upload(r, field)
	if err != nil && r.MultipartForm != nil && len(r.MultipartForm.File[field]) == 0 {
		return "", nil, nil // no file chosen
	}
	return name, data, err
}

type incomingShowData struct {
	R       incoming.Record
	Files   []files.File
	CanEdit bool
	Errors  map[string]string
}

func (h *handler) incomingShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	rec, err := h.deps.Incoming.Get(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	fl, err := h.deps.Incoming.FileList(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	d := incomingShowData{R: rec, Files: fl, CanEdit: c.Actor.Can(access.ReceiveDocs) && !rec.Voided(), Errors: map[string]string{}}
	h.tpl.Page(w, r, http.StatusOK, "incoming_show", View{Layout: Layout{Title: rec.Number() + " " + rec.Title, Active: "docs",
		Crumbs: []Crumb{{Href: "/docs", Label: "公文"}, {Href: "/incoming", Label: "收文登记"}, {Label: rec.Number()}}}, Data: d})
	return nil
}

func (h *handler) incomingEdit(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	rec, err := h.deps.Incoming.Get(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	if !c.Actor.Can(access.ReceiveDocs) {
		return access.ErrDenied
	}
	if rec.Voided() {
		redirectFlash(w, r, "/incoming/"+strconv.FormatInt(id, 10), "error", "该收文登记已作废，不能再修改")
		return nil
	}
	h.renderIncomingForm(w, r, http.StatusOK, incomingFormData{ID: id, Version: rec.Version, Number: rec.Number(), F: rec.Fields,
		Body: strings.Join(rec.Body, "\n"), Attach: strings.Join(rec.Attachments, "\n"), Manual: true})
	return nil
}

func (h *handler) incomingUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	_ = r.ParseForm()
	f := readIncomingFields(r)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	rec, err := h.deps.Incoming.Update(r.Context(), c.Actor, id, version, f)
	if fields, _ := fieldErrors(err); len(fields) > 0 {
		h.renderIncomingForm(w, r, http.StatusUnprocessableEntity, incomingFormData{ID: id, Version: version, Number: r.PostFormValue("number"),
			F: f, Body: r.PostFormValue("body"), Attach: r.PostFormValue("attachments"), Errors: fields, Manual: true})
		return nil
	}
	return h.finish(w, r, "/incoming/"+strconv.FormatInt(id, 10), err, "已保存"+rec.Number()+"的修改")
}

func (h *handler) incomingVoid(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	err := h.deps.Incoming.Void(r.Context(), c.Actor, id, r.PostFormValue("reason"))
	return h.finish(w, r, "/incoming/"+strconv.FormatInt(id, 10), err, "收文登记已作废，编号保留")
}

func (h *handler) incomingFile(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, fid int64) error {
	f, data, err := h.deps.Incoming.File(r.Context(), c.Actor, id, fid)
	if err != nil {
		return err
	}
	files.Serve(w, f, data)
	return nil
}
