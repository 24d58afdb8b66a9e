package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/doc"
	"halfsky/internal/files"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
)

// docFormData is the drafting form (new, edit, and a draft prefilled from
// an imported text).
type docFormData struct {
	Doc     *doc.Document // nil for a new draft
	Action  string        // where the form posts
	F       doc.Fields
	Body    string // one paragraph per line
	Att     string // one 附件说明 item per line
	Signers string
	Version int

	Groups  []doc.GroupOption
	Main    targetForm
	CC      targetForm
	Errors  map[string]string
	Message string // a form-level error (e.g. someone saved in between)

	Types, Secrets, Urgencies []Option

	// The edit page also manages the attachments.
	Files     []files.File
	FileError string
	Allowed   string
	MaxMB     int

	// Set when the form was prefilled from an imported text.
	Imported *importNote
}

// targetForm is one recipients block of the form: group checkboxes, typed
// unit codes (optionally with everything under them) and the printed text.
type targetForm struct {
	Groups  []string // selected group kinds
	Units   string   // typed unit codes
	Subtree bool     // 及下属
	Text    string   // printed override; empty = generated
}

func optionsOf(list []string, blank string) []Option {
	out := make([]Option, 0, len(list))
	for _, s := range list {
		label := s
		if s == "" {
			label = blank
		}
		out = append(out, Option{Value: s, Label: label})
	}
	return out
}

// specOf turns a recipients block into targets.
func (t targetForm) spec() []doc.Target {
	out := []doc.Target{}
	for _, g := range t.Groups {
		out = append(out, doc.Target{Group: org.Kind(g)})
	}
	for _, code := range splitCodes(t.Units) {
		out = append(out, doc.Target{Unit: code, Subtree: t.Subtree})
	}
	return out
}

// targetFormOf shows stored targets in the form; the printed text is shown
// only when it differs from what the targets would generate.
func (h *handler) targetFormOf(ctx context.Context, issuer org.Org, ts []doc.Target, printed string) targetForm {
	var f targetForm
	var codes []string
	for _, t := range ts {
		if t.Group != "" {
			f.Groups = append(f.Groups, string(t.Group))
			continue
		}
		codes = append(codes, t.Unit)
		if t.Subtree {
			f.Subtree = true
		}
	}
	f.Units = strings.Join(codes, " ")
	if gen, err := h.deps.Docs.RecipientsText(ctx, issuer, ts); err != nil || gen != printed {
		f.Text = printed
	}
	return f
}

// readTargets reads a recipients block posted under prefix ("r" or "cc").
func readTargets(r *http.Request, prefix string) targetForm {
	return targetForm{
		Groups:  r.PostForm[prefix+"_group"],
		Units:   strings.TrimSpace(r.PostFormValue(prefix + "_units")),
		Subtree: r.PostFormValue(prefix+"_subtree") != "",
		Text:    strings.TrimSpace(r.PostFormValue(prefix + "_text")),
	}
}

// readDocForm reads the posted drafting form.
func readDocForm(r *http.Request) (doc.Fields, docFormData) {
	_ = r.ParseForm()
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	d := docFormData{Body: r.PostFormValue("body"), Att: r.PostFormValue("attachment_note"), Signers: v("signers"),
		Main: readTargets(r, "r"), CC: readTargets(r, "cc")}
	d.Version, _ = strconv.Atoi(v("version"))
	f := doc.Fields{Type: v("type"), CopyNo: v("copy_no"), Secret: v("secret"), SecretTerm: v("secret_term"), Urgency: v("urgency"),
		IssuerMark: v("issuer_mark"), Abbr: v("abbr"), Title: v("title"),
		Recipients: d.Main.Text, RecipientSpec: d.Main.spec(), CC: d.CC.Text, CCSpec: d.CC.spec(),
		Body: splitLines(d.Body), AttachmentNote: splitLines(d.Att), Signature: v("signature"), DocDate: v("doc_date"),
		Seal: r.PostFormValue("seal") != "", Note: v("note"), PrintedBy: v("printed_by"), PrintedDate: v("printed_date"),
		Signers: strings.Fields(d.Signers)}
	d.F = f
	return f, d
}

// formFromFields fills the form data from stored or suggested fields.
func (h *handler) formFromFields(ctx context.Context, issuer org.Org, f doc.Fields) docFormData {
	return docFormData{F: f, Body: strings.Join(f.Body, "\n"), Att: strings.Join(f.AttachmentNote, "\n"),
		Signers: strings.Join(f.Signers, " "),
		Main:    h.targetFormOf(ctx, issuer, f.RecipientSpec, f.Recipients),
		CC:      h.targetFormOf(ctx, issuer, f.CCSpec, f.CC)}
}

// renderDocForm completes the form data and renders the page.
func (h *handler) renderDocForm(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, d docFormData) error {
	ctx := r.Context()
	issuer, err := h.deps.Orgs.ByCode(ctx, c.Actor, c.Actor.OrgCode)
	if err != nil {
		return err
	}
	if d.Groups, err = h.deps.Docs.GroupOptions(ctx, issuer); err != nil {
		return err
	}
	d.Types = optionsOf(doc.Types, "")
	d.Secrets = optionsOf(doc.SecretLevels, "不标注（非涉密）")
	d.Urgencies = optionsOf(doc.Urgencies, "不标注（普通）")
	d.Allowed, d.MaxMB = files.Allowed, files.MaxSize>>20
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	title, crumbs := "起草公文", []Crumb{{Href: "/docs", Label: "公文"}, {Label: "起草公文"}}
	if d.Doc != nil {
		title = "修改公文"
		crumbs = []Crumb{{Href: "/docs", Label: "公文"}, {Href: "/docs/" + strconv.FormatInt(d.Doc.ID, 10), Label: d.Doc.Title}, {Label: "修改"}}
		if d.Files == nil {
			d.Files, _ = h.deps.Docs.Files(ctx, c.Actor, d.Doc.ID)
		}
	}
	h.tpl.Page(w, r, status, "doc_form", View{Layout: Layout{Title: title, Active: "docs", Crumbs: crumbs}, Data: d})
	return nil
}

func (h *handler) docNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx := r.Context()
	f, err := h.deps.Docs.Defaults(ctx, c.Actor)
	if err != nil {
		return err
	}
	issuer, err := h.deps.Orgs.ByCode(ctx, c.Actor, c.Actor.OrgCode)
	if err != nil {
		return err
	}
	d := h.formFromFields(ctx, issuer, f)
	d.Action = "/docs"
	return h.renderDocForm(w, r, c, http.StatusOK, d)
}

func (h *handler) docCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	f, d := readDocForm(r)
	d.Action = "/docs"
	created, err := h.deps.Docs.Create(r.Context(), c.Actor, f)
	if err != nil {
		return h.docFormError(w, r, c, d, err)
	}
	redirectFlash(w, r, "/docs/"+strconv.FormatInt(created.ID, 10), "success", "公文草稿已保存（第 1 版）")
	return nil
}

// docFormError shows the posted form again with the domain's messages
// beside the fields (422), or the conflict message when someone saved in
// between (409); the user's text is kept either way.
func (h *handler) docFormError(w http.ResponseWriter, r *http.Request, c *httpx.Current, d docFormData, err error) error {
	fields, msg := fieldErrors(err)
	if fields == nil || !refused(err) {
		return err
	}
	d.Errors = fields
	status := http.StatusUnprocessableEntity
	if len(fields) == 0 {
		d.Message = msg
		status = statusOf(err)
	}
	return h.renderDocForm(w, r, c, status, d)
}

func (h *handler) docEdit(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	d, ok, err := h.editableDoc(w, r, c, id)
	if !ok {
		return err
	}
	fd, err := h.docEditForm(r.Context(), c, d)
	if err != nil {
		return err
	}
	return h.renderDocForm(w, r, c, http.StatusOK, fd)
}

// docEditForm is the edit page's form filled from draft d.
func (h *handler) docEditForm(ctx context.Context, c *httpx.Current, d doc.Document) (docFormData, error) {
	issuer, err := h.deps.Orgs.ByCode(ctx, c.Actor, c.Actor.OrgCode)
	if err != nil {
		return docFormData{}, err
	}
	fd := h.formFromFields(ctx, issuer, d.Fields)
	fd.Doc, fd.Version, fd.Action = &d, d.Version, "/docs/"+strconv.FormatInt(d.ID, 10)+"/edit"
	return fd, nil
}

// editableDoc loads a document for its edit page: a draft of the actor's
// own unit. Others get the document page with a message (the domain
// refuses their saves anyway). When ok is false the handler returns err:
// nil when that page is the answer, else the error to answer.
func (h *handler) editableDoc(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) (d doc.Document, ok bool, err error) {
	if d, err = h.deps.Docs.Get(r.Context(), c.Actor, id); err != nil {
		return doc.Document{}, false, err
	}
	back := "/docs/" + strconv.FormatInt(id, 10)
	switch {
	case d.OrgID != c.Actor.OrgID || !c.Actor.Can(access.DraftDocs):
		redirectFlash(w, r, back, "error", "只有本单位的起草人员可以修改该公文")
		return doc.Document{}, false, nil
	case !d.Status.Editable():
		redirectFlash(w, r, back, "error", "该公文当前状态为“"+d.Status.Label()+"”，不能修改")
		return doc.Document{}, false, nil
	}
	return d, true, nil
}

func (h *handler) docUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx := r.Context()
	current, err := h.deps.Docs.Get(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	f, d := readDocForm(r)
	d.Doc, d.Action = &current, "/docs/"+strconv.FormatInt(id, 10)+"/edit"
	saved, err := h.deps.Docs.Update(ctx, c.Actor, id, d.Version, f)
	if err != nil {
		return h.docFormError(w, r, c, d, err)
	}
	redirectFlash(w, r, "/docs/"+strconv.FormatInt(id, 10), "success", "已保存（第 "+strconv.Itoa(saved.Version)+" 版）")
	return nil
}
