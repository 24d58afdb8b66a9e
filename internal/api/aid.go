package api

import (
	"net/http"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// aidRoutes is 巾帼关爱 under /api/v1/aid: programmes, yearly cycles with
// district quotas, applications (masked everywhere; personal data only
// from …/reveal), the review chain and statistics. The aid package audits
// its own refusals, so every failure goes to h.fail as audited.
func (h *handler) aidRoutes(mux httpx.Mux) {
	const base = "/api/v1/aid"
	route(mux, base+"/programmes", methods{"GET": h.can(access.ViewAid, h.aidProgrammes)})
	route(mux, base+"/programmes/{code}", methods{"GET": h.can(access.ViewAid, h.aidProgramme), "PUT": h.can(access.ViewAid, h.aidProgrammeUpdate)})
	route(mux, base+"/cycles", methods{"GET": h.can(access.ViewAid, h.aidCycles), "POST": h.can(access.ViewAid, h.aidCycleSave)})
	route(mux, base+"/cycles/{id}", methods{"GET": h.can(access.ViewAid, httpx.ID(h.aidCycle))})
	route(mux, base+"/cycles/{id}/quotas", methods{"GET": h.can(access.ViewAid, httpx.ID(h.aidQuotas))})
	route(mux, base+"/cycles/{id}/quotas/{district}", methods{"PUT": h.can(access.ViewAid, httpx.ID(h.aidQuotaSet))})
	route(mux, base+"/applications", methods{"GET": h.can(access.ViewAid, h.aidApplications), "POST": h.can(access.ViewAid, h.aidCreate)})
	route(mux, base+"/applications/{id}", methods{"GET": h.can(access.ViewAid, httpx.ID(h.aidShow)), "PUT": h.can(access.ViewAid, httpx.ID(h.aidUpdate))})
	route(mux, base+"/applications/{id}/submit", methods{"POST": h.can(access.ViewAid, httpx.ID(h.aidSubmit))})
	route(mux, base+"/applications/{id}/decide", methods{"POST": h.can(access.ViewAid, httpx.ID(h.aidDecide))})
	route(mux, base+"/applications/{id}/steps", methods{"GET": h.can(access.ViewAid, httpx.ID(h.aidSteps))})
	route(mux, base+"/applications/{id}/reveal", methods{"POST": h.can(access.ViewAid, noStore(httpx.ID(h.aidReveal)))})
	route(mux, base+"/applications/{id}/documents", methods{"GET": h.can(access.ViewAid, httpx.ID(h.aidDocuments)), "POST": upload{h.can(access.ViewAid, httpx.ID(h.aidFileAdd))}})
	route(mux, base+"/applications/{id}/documents/{file}", methods{"GET": h.can(access.ViewAid, httpx.IDs("file", h.aidFile)), "DELETE": h.can(access.ViewAid, httpx.IDs("file", h.aidFileRemove))})
	route(mux, base+"/stats", methods{"GET": h.can(access.ViewAid, h.aidStats)})
	h.aidExportRoutes(mux, base)
	h.aidPayRoutes(mux, base)
	h.aidFollowupRoutes(mux, base)
}

// aidProgrammeJSON is one programme with its rules. Amounts are in fen.
type aidProgrammeJSON struct {
	Code          string         `json:"code"`
	Name          string         `json:"name"`
	Kind          string         `json:"kind"`
	KindLabel     string         `json:"kind_label"`
	Amount        int64          `json:"amount"`
	AmountYuan    string         `json:"amount_yuan"`
	OncePerLife   bool           `json:"once_per_life"`
	Rules         aid.Rules      `json:"rules"`
	Documents     []aid.Document `json:"documents"`
	RetentionDays int            `json:"retention_days"`
	Active        bool           `json:"active"`
	UpdatedAt     time.Time      `json:"updated_at"`
	Version       int            `json:"version"`
	// The unit that runs it, and whether the caller manages it (a leader
	// of that unit).
	OwnerCode string `json:"owner_code"`
	OwnerName string `json:"owner_name"`
	CanManage bool   `json:"can_manage"`
}

func toAidProgrammeJSON(p aid.Programme, a access.Actor) aidProgrammeJSON {
	docs := p.Documents
	if docs == nil {
		docs = []aid.Document{}
	}
	return aidProgrammeJSON{Code: p.Code, Name: p.Name, Kind: p.Kind, KindLabel: p.KindLabel(), Amount: p.Amount,
		AmountYuan: aid.Yuan(p.Amount), OncePerLife: p.OncePerLife, Rules: p.Rules, Documents: docs,
		RetentionDays: p.RetentionDays, Active: p.Active, UpdatedAt: p.UpdatedAt.UTC(), Version: p.Version,
		OwnerCode: p.OwnerCode, OwnerName: p.OwnerName, CanManage: aid.Manages(a, p)}
}

// aidProgrammes: GET /api/v1/aid/programmes — every programme, and the
// keys a client needs to build an application form and read a list.
func (h *handler) aidProgrammes(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	list, err := h.deps.Aid.Programmes(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	out := httpx.Map(list, func(p aid.Programme) aidProgrammeJSON { return toAidProgrammeJSON(p, c.Actor) })
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out), "households": aid.Households,
		"facts": aid.Facts, "kinds": aid.Kinds, "statuses": aid.Statuses, "levels": aid.Levels, "decisions": aid.Decisions})
	return nil
}

// aidProgramme: GET /api/v1/aid/programmes/{code} — the programme and
// its cycles, newest first.
func (h *handler) aidProgramme(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, svc := r.Context(), h.deps.Aid
	p, err := svc.Programme(ctx, c.Actor, r.PathValue("code"))
	if err != nil {
		return err
	}
	cycles, err := svc.Cycles(ctx, c.Actor, p.Code)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"programme": toAidProgrammeJSON(p, c.Actor), "cycles": h.aidCyclesJSON(cycles)})
	return nil
}

// aidProgrammeUpdate: PUT /api/v1/aid/programmes/{code} {name, amount,
// once_per_life, rules, documents, retention_days, active, version} — the
// city leader's configuration.
func (h *handler) aidProgrammeUpdate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in aid.ProgrammeInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "name", in.Name)
	texts(e, "households", in.Rules.Households...)
	texts(e, "facts", in.Rules.Facts...)
	for _, d := range in.Rules.Diagnoses {
		texts(e, "diagnoses", d.Key, d.Label)
	}
	for _, d := range in.Documents {
		texts(e, "documents", d.Key, d.Label)
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	p, err := h.deps.Aid.UpdateProgramme(r.Context(), c.Actor, r.PathValue("code"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"programme": toAidProgrammeJSON(p, c.Actor)})
	return nil
}

// aidCycleJSON is a programme's year; amounts in fen. open says whether
// applications are taken today.
type aidCycleJSON struct {
	ID             int64     `json:"id"`
	Programme      string    `json:"programme"`
	ProgrammeName  string    `json:"programme_name"`
	Year           int       `json:"year"`
	Budget         int64     `json:"budget"`
	OpensOn        string    `json:"opens_on"`
	ClosesOn       string    `json:"closes_on"`
	Open           bool      `json:"open"`
	Approved       int       `json:"approved"`
	ApprovedAmount int64     `json:"approved_amount"`
	Remaining      int64     `json:"remaining"`
	UpdatedAt      time.Time `json:"updated_at"`
	Version        int       `json:"version"`
}

func (h *handler) aidCyclesJSON(list []aid.Cycle) []aidCycleJSON {
	today := h.deps.Aid.Today()
	return httpx.Map(list, func(x aid.Cycle) aidCycleJSON {
		return aidCycleJSON{ID: x.ID, Programme: x.ProgrammeCode, ProgrammeName: x.ProgrammeName, Year: x.Year,
			Budget: x.Budget, OpensOn: x.OpensOn, ClosesOn: x.ClosesOn, Open: x.OpenOn(today), Approved: x.Approved,
			ApprovedAmount: x.ApprovedAmount, Remaining: x.Remaining(), UpdatedAt: x.UpdatedAt.UTC(), Version: x.Version}
	})
}

// aidCycles: GET /api/v1/aid/cycles?programme=CODE — newest first.
func (h *handler) aidCycles(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	programme := q.text("programme", 40)
	if err := q.err(); err != nil {
		return err
	}
	list, err := h.deps.Aid.Cycles(r.Context(), c.Actor, programme)
	if err != nil {
		return err
	}
	out := h.aidCyclesJSON(list)
	httpx.WriteJSON(w, http.StatusOK, newList(out, len(out), 1, len(out)))
	return nil
}

// aidCycleSave: POST /api/v1/aid/cycles {programme, year, budget,
// opens_on, closes_on} opens a programme's year (201) or changes the
// year already open (200). City leader only.
func (h *handler) aidCycleSave(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in aid.CycleInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "programme", in.Programme)
	texts(e, "opens_on", in.OpensOn)
	texts(e, "closes_on", in.ClosesOn)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	ctx, svc := r.Context(), h.deps.Aid
	// Whether the year exists only chooses the status code; SaveCycle
	// decides everything else inside its transaction.
	existed := false
	if c.Actor.Can(access.ManageAid) {
		if list, err := svc.Cycles(ctx, c.Actor, strings.TrimSpace(in.Programme)); err == nil {
			for _, x := range list {
				existed = existed || x.Year == in.Year
			}
		}
	}
	x, err := svc.SaveCycle(ctx, c.Actor, in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if existed {
		status = http.StatusOK
	}
	httpx.WriteJSON(w, status, map[string]any{"cycle": h.aidCyclesJSON([]aid.Cycle{x})[0]})
	return nil
}

// aidCycle: GET /api/v1/aid/cycles/{id} — the cycle and the quotas of the
// districts the actor reaches.
func (h *handler) aidCycle(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx, svc := r.Context(), h.deps.Aid
	x, err := svc.Cycle(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	quotas, err := svc.Quotas(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"cycle": h.aidCyclesJSON([]aid.Cycle{x})[0], "quotas": httpx.Map(quotas, toAidQuotaJSON)})
	return nil
}

// aidQuotaJSON is a district's share of a cycle; quota is null when the
// city has set none (no limit).
type aidQuotaJSON struct {
	OrgCode  string `json:"org_code"`
	OrgName  string `json:"org_name"`
	Quota    *int   `json:"quota"`
	Approved int    `json:"approved"`
}

func toAidQuotaJSON(q aid.Quota) aidQuotaJSON {
	row := aidQuotaJSON{OrgCode: q.Org.Code, OrgName: q.Org.Name, Approved: q.Approved}
	if q.Set {
		n := q.Quota
		row.Quota = &n
	}
	return row
}

// aidQuotas: GET /api/v1/aid/cycles/{id}/quotas.
func (h *handler) aidQuotas(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	list, err := h.deps.Aid.Quotas(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	out := httpx.Map(list, toAidQuotaJSON)
	httpx.WriteJSON(w, http.StatusOK, newList(out, len(out), 1, len(out)))
	return nil
}

// aidQuotaSet: PUT /api/v1/aid/cycles/{id}/quotas/{district} {quota} —
// the city leader sets a district's quota; the district's row comes back.
func (h *handler) aidQuotaSet(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in struct {
		Quota *int `json:"quota"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	district := r.PathValue("district")
	if !textOK(district) || len(district) > 40 {
		return apperr.ErrNotFound
	}
	ctx, svc := r.Context(), h.deps.Aid
	quota := -1 // absent: refused by SetQuota beside the field
	if in.Quota != nil {
		quota = *in.Quota
	}
	if err := svc.SetQuota(ctx, c.Actor, id, district, quota); err != nil {
		return renameFields(err, map[string]string{"org": "district"})
	}
	list, err := svc.Quotas(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	for _, q := range httpx.Map(list, toAidQuotaJSON) {
		if q.OrgCode == district {
			httpx.WriteJSON(w, http.StatusOK, map[string]any{"quota": q})
			return nil
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
