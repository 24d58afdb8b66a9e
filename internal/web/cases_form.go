package web

import (
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/httpx"
	"halfsky/internal/rights"
)

// caseFormData is the intake form: quick enough to fill during a 12338
// call with the keyboard alone (the fields in the order a call goes, the
// parties folded away until needed).
type caseFormData struct {
	In         rights.Input
	Parties    []rights.PartyInput // four rows: complainant, victim, respondent, child
	Errors     map[string]string
	Categories []caseCategoryGroup
	Channels   []Option
	Sources    []Option
	Roles      []Option
	Ages       []Option
}

// caseCategoryGroup is a first-level category with its own choices, for
// an <optgroup>.
type caseCategoryGroup struct {
	Label   string
	Options []Option
}

// caseCategoryGroups groups the active categories for a select: the first
// level itself is a choice too (当事人说不清细类时).
func caseCategoryGroups(cats []rights.Category) []caseCategoryGroup {
	var out []caseCategoryGroup
	for _, c := range cats {
		if !c.Active {
			continue
		}
		if c.Parent == "" {
			out = append(out, caseCategoryGroup{Label: c.Label, Options: []Option{{c.Code, c.Label + "（总）"}}})
			continue
		}
		for i := range out {
			if rights.Top(c.Code) == rights.Top(out[i].Options[0].Value) {
				out[i].Options = append(out[i].Options, Option{c.Code, c.Label})
			}
		}
	}
	for i := range out {
		if len(out[i].Options) == 1 {
			out[i].Options[0].Label = out[i].Label
		}
	}
	return out
}

func (h *handler) renderCaseForm(w http.ResponseWriter, r *http.Request, status int, d caseFormData) error {
	cats, err := h.deps.Rights.Categories(r.Context())
	if err != nil {
		return err
	}
	d.Categories = caseCategoryGroups(cats)
	d.Channels = options(rights.Channels[:3])
	d.Channels = append(d.Channels, options(rights.Channels[5:])...)
	d.Sources, d.Roles, d.Ages = options(rights.SourceAgencies), options(rights.PartyRoles), options(rights.AgeGroups)
	d.Parties = caseFormParties(d.In.Parties)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	h.tpl.Page(w, r, status, "case_form", View{Layout: Layout{Title: "登记维权案件", Active: "cases",
		Crumbs: []Crumb{{Href: "/cases", Label: "巾帼维权"}, {Label: "登记案件"}}}, Data: d})
	return nil
}

// caseFormParties lays the typed parties over the four rows the form
// offers, so a refused form comes back with each in its place.
func caseFormParties(typed []rights.PartyInput) []rights.PartyInput {
	rows := []rights.PartyInput{{Role: rights.PartyComplainant}, {Role: rights.PartyVictim}, {Role: rights.PartyRespondent}, {Role: rights.PartyChild}}
	for i, p := range typed {
		if i < len(rows) {
			rows[i] = p
		}
	}
	return rows
}

func (h *handler) caseNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	return h.renderCaseForm(w, r, http.StatusOK, caseFormData{In: rights.Input{Channel: rights.ChannelHotline, Take: true}})
}

// readCaseForm reads the intake form; a party row left empty is no party.
func readCaseForm(r *http.Request) (rights.Input, []int) {
	_ = r.ParseForm()
	f := r.PostForm
	in := rights.Input{Channel: f.Get("channel"), SourceAgency: f.Get("source_agency"), Category: f.Get("category"),
		Anonymous: f.Get("anonymous") == "1", Narrative: f.Get("narrative"), Phone: f.Get("phone"), ContactTime: f.Get("contact_time"),
		NoCall: f.Get("no_call") == "1", ReceivedOn: f.Get("received_on"), Take: f.Get("take") == "1"}
	var rows []int // the form row of each party kept
	for i := range 4 {
		k := "parties." + strconv.Itoa(i) + "."
		p := rights.PartyInput{Role: f.Get(k + "role"), Name: f.Get(k + "name"), Phone: f.Get(k + "phone"), Address: f.Get(k + "address"),
			Relation: f.Get(k + "relation"), AgeGroup: f.Get(k + "age_group"), Disabled: f.Get(k+"disabled") == "1", Ill: f.Get(k+"ill") == "1"}
		if strings.TrimSpace(p.Name+p.Phone+p.Address+p.Relation+p.AgeGroup) == "" && !p.Disabled && !p.Ill {
			continue
		}
		in.Parties = append(in.Parties, p)
		rows = append(rows, i)
	}
	return in, rows
}

func (h *handler) caseCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	in, rows := readCaseForm(r)
	id, err := h.deps.Rights.Intake(r.Context(), c.Actor, in)
	if fields, _ := fieldErrors(err); len(fields) > 0 {
		// The domain names a party by its place among those kept; the
		// form by its row.
		out := map[string]string{}
		for k, m := range fields {
			var i int
			var rest string
			if n, _ := parsePartyKey(k, &i, &rest); n && i < len(rows) {
				k = "parties." + strconv.Itoa(rows[i]) + "." + rest
			}
			out[k] = m
		}
		d := caseFormData{In: in, Errors: out}
		d.In.Parties = make([]rights.PartyInput, 4)
		for j, row := range rows {
			d.In.Parties[row] = in.Parties[j]
		}
		for j := range d.In.Parties {
			if d.In.Parties[j].Role == "" {
				d.In.Parties[j].Role = caseFormParties(nil)[j].Role
			}
		}
		return h.renderCaseForm(w, r, http.StatusUnprocessableEntity, d)
	}
	return h.finish(w, r, rights.Link(id), err, "案件已登记")
}

// parsePartyKey reads "parties.N.field".
func parsePartyKey(k string, i *int, rest *string) (bool, error) {
	parts := strings.SplitN(k, ".", 3)
	if len(parts) != 3 || parts[0] != "parties" {
		return false, nil
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil {
		return false, err
	}
	*i, *rest = n, parts[2]
	return true, nil
}
