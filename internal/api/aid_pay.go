package api

import (
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// aidPayRoutes is disbursement under base (/api/v1/aid): an approved
// application's payee account (masked in every answer), the cycle's
// payable applications, payment batches with their lines (masked), the
// bank's answer per line, and the year's ledger. The bank's file itself is
// an approved export, not here. The aid package audits its own refusals.
func (h *handler) aidPayRoutes(mux httpx.Mux, base string) {
	route(mux, base+"/applications/{id}/account", methods{"GET": h.can(access.ViewAid, httpx.ID(h.aidAccount)), "PUT": h.can(access.ViewAid, httpx.ID(h.aidAccountSet))})
	route(mux, base+"/cycles/{id}/payable", methods{"GET": h.can(access.ViewAid, httpx.ID(h.aidPayable))})
	route(mux, base+"/batches", methods{"GET": h.can(access.ViewAid, h.aidBatches), "POST": h.can(access.ViewAid, h.aidBatchCreate)})
	route(mux, base+"/batches/{id}", methods{"GET": h.can(access.ViewAid, httpx.ID(h.aidBatch))})
	route(mux, base+"/batches/{id}/lines/{line}", methods{"POST": h.can(access.ViewAid, httpx.IDs("line", h.aidBatchResult))})
	route(mux, base+"/ledger", methods{"GET": h.can(access.ViewAid, h.aidLedger)})
}

// aidAccountJSON is a payee account: the number masked, always.
type aidAccountJSON struct {
	ApplicationID int64     `json:"application_id"`
	BankName      string    `json:"bank_name"`
	AccountMasked string    `json:"account_masked"`
	SetByName     string    `json:"set_by_name"`
	SetOrgName    string    `json:"set_org_name"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int       `json:"version"`
}

func toAidAccountJSON(a aid.Account) aidAccountJSON {
	return aidAccountJSON{ApplicationID: a.ApplicationID, BankName: a.BankName, AccountMasked: a.Account, SetByName: a.SetByName,
		SetOrgName: a.SetOrgName, UpdatedAt: a.UpdatedAt.UTC(), Version: a.Version}
}

// aidAccount: GET /api/v1/aid/applications/{id}/account — masked; 404
// no_account when none is recorded.
func (h *handler) aidAccount(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	acc, err := h.deps.Aid.Account(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"account": toAidAccountJSON(acc)})
	return nil
}

// aidAccountSet: PUT /api/v1/aid/applications/{id}/account {bank_name,
// account} — records or corrects an approved application's account; the
// answer has it masked.
func (h *handler) aidAccountSet(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var in struct {
		BankName string `json:"bank_name"`
		Account  string `json:"account"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "bank_name", in.BankName)
	texts(e, "account", in.Account)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	acc, err := h.deps.Aid.SetAccount(r.Context(), c.Actor, id, in.BankName, in.Account)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"account": toAidAccountJSON(acc)})
	return nil
}

// aidPayeeJSON is an application that can be paid: masked, with its
// account masked (null without one) and earlier failures.
type aidPayeeJSON struct {
	aidAppJSON
	BankName       string  `json:"bank_name"`
	AccountMasked  *string `json:"account_masked"`
	FailedPayments int     `json:"failed_payments"`
	LastFailure    string  `json:"last_failure"`
}

func toAidPayeeJSON(p aid.Payee) aidPayeeJSON {
	row := aidPayeeJSON{aidAppJSON: toAidAppJSON(p.Application), BankName: p.BankName, FailedPayments: p.Failed, LastFailure: p.LastNote}
	if p.HasAccount {
		acc := p.Account
		row.AccountMasked = &acc
	}
	return row
}

// aidPayable: GET /api/v1/aid/cycles/{id}/payable — the cycle's approved
// applications in scope neither paid nor waiting in a batch.
func (h *handler) aidPayable(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx, svc := r.Context(), h.deps.Aid
	if _, err := svc.Cycle(ctx, c.Actor, id); err != nil {
		return err
	}
	list, err := svc.Payable(ctx, c.Actor, id)
	if err != nil {
		return err
	}
	out := httpx.Map(list, toAidPayeeJSON)
	httpx.WriteJSON(w, http.StatusOK, newList(out, len(out), 1, len(out)))
	return nil
}

// aidBatchJSON is a batch summed over the lines in the actor's scope.
// Amounts are in fen.
type aidBatchJSON struct {
	ID            int64      `json:"id"`
	CycleID       int64      `json:"cycle_id"`
	Programme     string     `json:"programme"`
	ProgrammeName string     `json:"programme_name"`
	Year          int        `json:"year"`
	Seq           int        `json:"seq"`
	Title         string     `json:"title"`
	Status        string     `json:"status"`
	StatusLabel   string     `json:"status_label"`
	Lines         int        `json:"lines"`
	Amount        int64      `json:"amount"`
	Pending       int        `json:"pending"`
	Paid          int        `json:"paid"`
	PaidAmount    int64      `json:"paid_amount"`
	Failed        int        `json:"failed"`
	FailedAmount  int64      `json:"failed_amount"`
	Creator       string     `json:"creator"`
	CreatedAt     time.Time  `json:"created_at"`
	ClosedAt      *time.Time `json:"closed_at"`
	Version       int        `json:"version"`
}

func toAidBatchJSON(b aid.Batch) aidBatchJSON {
	return aidBatchJSON{ID: b.ID, CycleID: b.CycleID, Programme: b.ProgrammeCode, ProgrammeName: b.ProgrammeName, Year: b.Year,
		Seq: b.Seq, Title: b.Title(), Status: string(b.Status), StatusLabel: b.Status.Label(), Lines: b.Lines, Amount: b.Amount,
		Pending: b.Pending, Paid: b.Paid, PaidAmount: b.PaidAmount, Failed: b.Failed, FailedAmount: b.FailedAmount,
		Creator: b.Creator, CreatedAt: b.CreatedAt.UTC(), ClosedAt: optTime(b.ClosedAt), Version: b.Version}
}

// aidLineJSON is one payment: payee and account masked.
type aidLineJSON struct {
	ID            int64      `json:"id"`
	Seq           int        `json:"seq"`
	ApplicationID int64      `json:"application_id"`
	OrgCode       string     `json:"org_code"`
	OrgName       string     `json:"org_name"`
	NameMasked    string     `json:"name_masked"`
	BankName      string     `json:"bank_name"`
	AccountMasked string     `json:"account_masked"`
	Amount        int64      `json:"amount"`
	Status        string     `json:"status"`
	StatusLabel   string     `json:"status_label"`
	Note          string     `json:"note"`
	ResultAt      *time.Time `json:"result_at"`
}

func toAidLineJSON(l aid.Line) aidLineJSON {
	return aidLineJSON{ID: l.ID, Seq: l.Seq, ApplicationID: l.ApplicationID, OrgCode: l.OrgCode, OrgName: l.OrgName,
		NameMasked: l.Name, BankName: l.BankName, AccountMasked: l.Account, Amount: l.Amount, Status: string(l.Status),
		StatusLabel: l.Status.Label(), Note: l.Note, ResultAt: optTime(l.ResultAt)}
}

// aidBatches: GET /api/v1/aid/batches?year=&cycle=&status=&page=&per_page=
// — newest first, the batches paying units in scope.
func (h *handler) aidBatches(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	f := aid.BatchFilter{Year: q.number("year", 0, 2000, 2100), CycleID: int64(q.number("cycle", 0, 1, 1<<31-1)),
		Status: aid.BatchStatus(q.text("status", 20))}
	page, per := q.page(20, 200)
	if err := q.err(); err != nil {
		return err
	}
	f.Page = aid.Page{Page: page, PerPage: per}
	list, total, err := h.deps.Aid.Batches(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(httpx.Map(list, toAidBatchJSON), total, page, per))
	return nil
}

// aidBatchCreate: POST /api/v1/aid/batches {cycle_id, application_ids} —
// the city leader's new batch (201 with its lines); any application that
// cannot be paid refuses the whole batch, each named in
// fields.application_ids.
func (h *handler) aidBatchCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var in struct {
		CycleID        int64   `json:"cycle_id"`
		ApplicationIDs []int64 `json:"application_ids"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	ctx, svc := r.Context(), h.deps.Aid
	b, err := svc.CreateBatch(ctx, c.Actor, in.CycleID, in.ApplicationIDs)
	if err != nil {
		return renameFields(err, map[string]string{"applications": "application_ids"})
	}
	return h.writeBatch(w, r, c, http.StatusCreated, b)
}

// writeBatch answers with a batch and its lines in scope.
func (h *handler) writeBatch(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, b aid.Batch) error {
	lines, err := h.deps.Aid.BatchLines(r.Context(), c.Actor, b.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, status, map[string]any{"batch": toAidBatchJSON(b), "lines": httpx.Map(lines, toAidLineJSON)})
	return nil
}

// aidBatch: GET /api/v1/aid/batches/{id} — with its lines in scope, masked.
func (h *handler) aidBatch(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	b, err := h.deps.Aid.Batch(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	return h.writeBatch(w, r, c, http.StatusOK, b)
}

// aidBatchResult: POST /api/v1/aid/batches/{id}/lines/{line} {result:
// paid | failed, note} — the bank's answer to a line (the city leader);
// the batch closes with its last answer.
func (h *handler) aidBatchResult(w http.ResponseWriter, r *http.Request, c *httpx.Current, id, line int64) error {
	var in struct {
		Result aid.LineStatus `json:"result"`
		Note   string         `json:"note"`
	}
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := map[string]string{}
	texts(e, "result", string(in.Result))
	texts(e, "note", in.Note)
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	b, err := h.deps.Aid.RecordResult(r.Context(), c.Actor, id, line, in.Result, in.Note)
	if err != nil {
		return err
	}
	return h.writeBatch(w, r, c, http.StatusOK, b)
}

// aidFiguresJSON is money of a year in fen. budget and remaining are null
// where the actor sees only part of the tree, or for a district.
type aidFiguresJSON struct {
	Budget         *int64 `json:"budget"`
	Remaining      *int64 `json:"remaining"`
	Approved       int64  `json:"approved"`
	ApprovedCount  int    `json:"approved_count"`
	Paid           int64  `json:"paid"`
	PaidCount      int    `json:"paid_count"`
	Pending        int64  `json:"pending"`
	PendingCount   int    `json:"pending_count"`
	Failed         int64  `json:"failed"`
	FailedCount    int    `json:"failed_count"`
	Unbatched      int64  `json:"unbatched"`
	UnbatchedCount int    `json:"unbatched_count"`
	FailedAttempts int    `json:"failed_attempts"`
	Balanced       bool   `json:"balanced"`
}

func toAidFiguresJSON(f aid.Figures, budget bool) aidFiguresJSON {
	out := aidFiguresJSON{Approved: f.Approved, ApprovedCount: f.ApprovedCount, Paid: f.Paid, PaidCount: f.PaidCount,
		Pending: f.Pending, PendingCount: f.PendingCount, Failed: f.Failed, FailedCount: f.FailedCount, Unbatched: f.Unbatched,
		UnbatchedCount: f.UnbatchedCount, FailedAttempts: f.FailedAttempts, Balanced: f.Balanced(budget)}
	if budget {
		b, rem := f.Budget, f.Remaining
		out.Budget, out.Remaining = &b, &rem
	}
	return out
}

type aidLedgerDistrictJSON struct {
	OrgCode string `json:"org_code"`
	OrgName string `json:"org_name"`
	aidFiguresJSON
}

type aidLedgerProgrammeJSON struct {
	Programme     string `json:"programme"`
	ProgrammeName string `json:"programme_name"`
	CycleID       int64  `json:"cycle_id"`
	aidFiguresJSON
	Districts []aidLedgerDistrictJSON `json:"districts"`
}

func toAidLedgerDistrictJSON(d aid.LedgerDistrict) aidLedgerDistrictJSON {
	return aidLedgerDistrictJSON{OrgCode: d.Org.Code, OrgName: d.Org.Name, aidFiguresJSON: toAidFiguresJSON(d.Figures, false)}
}

// aidLedger: GET /api/v1/aid/ledger?year= — the year's approved money in
// scope per programme and district, where it is (paid, pending at the
// bank, failed, not yet batched), and for the city federation against
// each programme's budget. No personal data.
func (h *handler) aidLedger(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := newQuery(r)
	year := q.number("year", h.deps.Aid.Year(), 2000, 2100)
	if err := q.err(); err != nil {
		return err
	}
	l, err := h.deps.Aid.Ledger(r.Context(), c.Actor, year)
	if err != nil {
		return err
	}
	progs := httpx.Map(l.Programmes, func(p aid.LedgerProgramme) aidLedgerProgrammeJSON {
		return aidLedgerProgrammeJSON{Programme: p.Programme.Code, ProgrammeName: p.Programme.Name, CycleID: p.CycleID,
			aidFiguresJSON: toAidFiguresJSON(p.Figures, l.Whole), Districts: httpx.Map(p.Districts, toAidLedgerDistrictJSON)}
	})
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"year": l.Year, "whole": l.Whole, "programmes": progs,
		"districts": httpx.Map(l.Districts, toAidLedgerDistrictJSON), "total": toAidFiguresJSON(l.Total, l.Whole)})
	return nil
}
