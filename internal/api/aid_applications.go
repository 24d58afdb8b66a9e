package api

import (
	"net/http"
	"time"

	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// aidAppJSON is an application as every list and show response gives it:
// personal data masked (the *_masked fields), address and facts never —
// only POST …/reveal opens them. Amounts are in fen.
type aidAppJSON struct {
	ID                 int64      `json:"id"`
	Programme          string     `json:"programme"`
	ProgrammeName      string     `json:"programme_name"`
	CycleID            int64      `json:"cycle_id"`
	Year               int        `json:"year"`
	OrgCode            string     `json:"org_code"`
	OrgName            string     `json:"org_name"`
	Level              string     `json:"level"`
	LevelLabel         string     `json:"level_label"`
	Status             string     `json:"status"`
	StatusLabel        string     `json:"status_label"`
	NameMasked         string     `json:"name_masked"`
	IDNumberMasked     string     `json:"id_number_masked"`
	PhoneMasked        string     `json:"phone_masked"`
	AddressMasked      string     `json:"address_masked"`
	GuardianNameMasked string     `json:"guardian_name_masked"`
	HasFacts           bool       `json:"has_facts"`
	Sex                string     `json:"sex"`
	SexLabel           string     `json:"sex_label"`
	BirthYear          int        `json:"birth_year"`
	Minor              bool       `json:"minor"`
	Household          string     `json:"household"`
	HouseholdLabel     string     `json:"household_label"`
	MedicalConsent     bool       `json:"medical_consent"`
	GuardianConsent    bool       `json:"guardian_consent"`
	Documents          []string   `json:"documents"`
	Amount             int64      `json:"amount"`
	AmountYuan         string     `json:"amount_yuan"`
	SubmittedAt        *time.Time `json:"submitted_at"`
	ClosedAt           *time.Time `json:"closed_at"`
	Purged             bool       `json:"purged"`
	Creator            string     `json:"creator"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	Version            int        `json:"version"`
}

// toAidAppJSON copies the domain's masked values; aid.Application holds
// nothing in the clear.
func toAidAppJSON(x aid.Application) aidAppJSON {
	return aidAppJSON{ID: x.ID, Programme: x.ProgrammeCode, ProgrammeName: x.ProgrammeName, CycleID: x.CycleID, Year: x.Year,
		OrgCode: x.OrgCode, OrgName: x.OrgName, Level: x.Level, LevelLabel: x.LevelLabel(), Status: string(x.Status),
		StatusLabel: x.Status.Label(), NameMasked: x.Name, IDNumberMasked: x.IDNumber, PhoneMasked: x.Phone,
		AddressMasked: x.Address, GuardianNameMasked: x.GuardianName, HasFacts: x.HasFacts, Sex: x.Sex, SexLabel: x.SexLabel(),
		BirthYear: x.BirthYear, Minor: x.Minor, Household: x.Household, HouseholdLabel: x.HouseholdLabel(),
		MedicalConsent: x.MedicalConsent, GuardianConsent: x.GuardianConsent, Documents: orEmpty(x.Documents), Amount: x.Amount,
		AmountYuan: aid.Yuan(x.Amount), SubmittedAt: optTime(x.SubmittedAt), ClosedAt: optTime(x.ClosedAt), Purged: x.Purged,
		Creator: x.Creator, CreatedAt: x.CreatedAt.UTC(), UpdatedAt: x.UpdatedAt.UTC(), Version: x.Version}
}

// aidApplications: GET /api/v1/aid/applications?programme=&status=&level=
// &year=&under=&todo=1&page=&per_page= — masked, in scope.
func (h *handler) aidApplications(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := aid.Filter{Programme: q.text("programme", 40), Status: aid.Status(q.text("status", 20)), Level: q.text("level", 20),
		Year: q.number("year", 0, 2015, 2100), Under: q.text("under", 40), Todo: q.v.Get("todo") == "1"}
	page, per := q.page(20, 200)
	if err := q.err(); err != nil {
		return err
	}
	f.Page = aid.Page{Page: page, PerPage: per}
	list, total, err := h.deps.Aid.Applications(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(httpx.Map(list, toAidAppJSON), total, page, per))
	return nil
}

// aidInputText refuses text neither database can store, beside its field.
func aidInputText(in aid.Input) error {
	e := map[string]string{}
	texts(e, "programme", in.Programme)
	texts(e, "name", in.Name)
	texts(e, "id_number", in.IDNumber)
	texts(e, "phone", in.Phone)
	texts(e, "address", in.Address)
	texts(e, "household", in.Household)
	texts(e, "guardian_name", in.GuardianName)
	for k, v := range in.Facts {
		texts(e, "facts", k, v)
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	return nil
}

// aidCreate: POST /api/v1/aid/applications {programme, year, name,
// id_number, phone, address, household, facts, medical_consent,
// guardian_name, guardian_consent, amount} — a draft at the actor's
// village, community or street unit; 201 with it masked.
func (h *handler) aidCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in aid.Input
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := aidInputText(in); err != nil {
		return err
	}
	x, err := h.deps.Aid.Create(r.Context(), c.Actor, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"application": toAidAppJSON(x)})
	return nil
}

// aidShow: GET /api/v1/aid/applications/{id} — masked.
func (h *handler) aidShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	x, err := h.deps.Aid.Application(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"application": toAidAppJSON(x)})
	return nil
}

// aidUpdate: PUT /api/v1/aid/applications/{id} with the create body and
// version — a draft or returned application, by its collecting unit.
// Personal fields left empty keep their stored values; facts absent keep
// the stored facts; consents must be given again.
func (h *handler) aidUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in aid.Input
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := aidInputText(in); err != nil {
		return err
	}
	x, err := h.deps.Aid.Update(r.Context(), c.Actor, id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"application": toAidAppJSON(x)})
	return nil
}

// aidSubmit: POST /api/v1/aid/applications/{id}/submit {version} — up to
// the first reviewing level.
func (h *handler) aidSubmit(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in struct {
		Version int `json:"version"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	x, err := h.deps.Aid.Submit(r.Context(), c.Actor, id, in.Version)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"application": toAidAppJSON(x)})
	return nil
}

// aidDecide: POST /api/v1/aid/applications/{id}/decide {decision: pass |
// return | reject, reason, version} — the step of the level it waits at.
func (h *handler) aidDecide(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in aid.Decision
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "decision", in.Decision)
	texts(e, "reason", in.Reason)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	x, err := h.deps.Aid.Decide(r.Context(), c.Actor, id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"application": toAidAppJSON(x)})
	return nil
}

// aidStepJSON is one step of the review history.
type aidStepJSON struct {
	ID            int64     `json:"id"`
	Level         string    `json:"level"`
	LevelLabel    string    `json:"level_label"`
	Decision      string    `json:"decision"`
	DecisionLabel string    `json:"decision_label"`
	Reason        string    `json:"reason"`
	ByName        string    `json:"by_name"`
	OrgName       string    `json:"org_name"`
	At            time.Time `json:"at"`
}

func toAidStepJSON(t aid.Step) aidStepJSON {
	return aidStepJSON{ID: t.ID, Level: t.Level, LevelLabel: t.LevelLabel(), Decision: t.Decision,
		DecisionLabel: t.DecisionLabel(), Reason: t.Reason, ByName: t.ByName, OrgName: t.OrgName, At: t.At.UTC()}
}

// aidSteps: GET /api/v1/aid/applications/{id}/steps — oldest first.
func (h *handler) aidSteps(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	steps, err := h.deps.Aid.Steps(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	out := httpx.Map(steps, toAidStepJSON)
	httpx.WriteJSON(w, http.StatusOK, newList(out, len(out), 1, len(out)))
	return nil
}

// aidReveal: POST /api/v1/aid/applications/{id}/reveal {reason} — the
// personal data in the clear, for a leader, audited with the reason by
// the domain before it is returned. The reason is 4 to 200 characters and
// is kept in the audit log: it must not carry personal data (the field
// error says so). Never cached: a shared or back-button
// copy would outlive the reason it was opened for.
func (h *handler) aidReveal(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	reason, err := revealReason(r)
	if err != nil {
		return err
	}
	p, err := h.deps.Aid.Reveal(r.Context(), c.Actor, id, reason)
	if err != nil {
		return err
	}
	if p.Facts == nil {
		p.Facts = map[string]string{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"id": id, "personal": p})
	return nil
}

// noStore marks a reveal's answer, error or not, as never to be cached.
// It wraps httpx.ID so that a path naming no application is answered
// uncached too.
func noStore(fn httpx.Handler) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		return fn(w, r, c)
	}
}

// revealReason reads a reveal's {reason}.
func revealReason(r *http.Request) (string, error) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return "", err
	}
	if !textOK(in.Reason) {
		return "", apperr.Field("reason", "含有无效字符")
	}
	return in.Reason, nil
}
