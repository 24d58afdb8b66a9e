package web

import (
	"halfsky/internal/access"
	"halfsky/internal/httpx"
)

// caseRoutes is 巾帼维权's route table: the inbox and lists, the intake
// form, a case's page and its actions. No case page is cached: a broken
// glass closes by the clock, and every read through it is audited.
func (h *handler) caseRoutes(mux httpx.Mux) {
	mux.Handle("GET /cases", h.can(access.ViewCases, h.caseList))
	mux.Handle("GET /cases/stats", h.can(access.ViewCases, h.cached(h.caseStats)))
	mux.Handle("GET /cases/stats.xlsx", h.can(access.ViewCases, h.caseStatsExport))
	mux.Handle("GET /cases/categories", h.can(access.ViewCases, h.caseCategories))
	mux.Handle("POST /cases/categories", h.can(access.RecordCases, h.caseCategoryEdit))
	mux.Handle("GET /cases/new", h.can(access.RecordCases, h.caseNew))
	mux.Handle("POST /cases", h.can(access.RecordCases, h.caseCreate))
	mux.Handle("GET /cases/{id}", h.can(access.ViewCases, httpx.ID(h.caseShow)))
	mux.Handle("POST /cases/{id}/{action}", h.can(access.ViewCases, httpx.ID(h.caseAction)))
	mux.HandleUpload("POST /cases/{id}/files", h.can(access.RecordCases, httpx.ID(h.caseFilesAdd)))
	mux.Handle("GET /cases/{id}/files/{fid}", h.can(access.ViewCases, httpx.IDs("fid", h.caseFile)))
	mux.Handle("POST /cases/{id}/moves/{fid}", h.can(access.RecordCases, httpx.IDs("fid", h.caseDecideMove)))
	mux.Handle("POST /cases/{id}/referrals/{fid}", h.can(access.RecordCases, httpx.IDs("fid", h.caseReferral)))
	mux.Handle("POST /needs/{id}/case", h.can(access.RecordCases, httpx.ID(h.caseFromNeed)))
}
