package web

import (
	"halfsky/internal/access"
	"halfsky/internal/httpx"
)

// problemRoutes is the 问题整改台账's whole route table: the ledger, the
// verifier's queue, the roll-up, one item's page and its actions.
func (h *handler) problemRoutes(mux httpx.Mux) {
	mux.Handle("GET /problems", h.can(access.ViewWork, h.cached(h.problemList)))
	mux.Handle("GET /problems/export.xlsx", h.can(access.ViewWork, h.problemExport))
	mux.Handle("GET /problems/verify", h.can(access.ViewWork, h.problemVerify))
	mux.Handle("GET /problems/stats", h.can(access.ViewWork, h.problemStats))
	mux.Handle("GET /problems/stats.xlsx", h.can(access.ViewWork, h.problemStatsExport))
	mux.Handle("GET /problems/new", h.can(access.RecordWork, h.problemNew))
	mux.Handle("POST /problems", h.can(access.RecordWork, h.problemCreate))
	mux.Handle("GET /problems/{id}", h.can(access.ViewWork, httpx.ID(h.problemShow)))
	mux.Handle("GET /problems/{id}/edit", h.can(access.RecordWork, httpx.ID(h.problemEdit)))
	mux.Handle("POST /problems/{id}/edit", h.can(access.RecordWork, httpx.ID(h.problemUpdate)))
	mux.HandleUpload("POST /problems/{id}/progress", h.can(access.ViewWork, httpx.ID(h.problemProgress))) // with evidence files
	mux.Handle("GET /problems/{id}/files/{fid}", h.can(access.ViewWork, h.fileGet(problemFiles{h.deps.Rectify})))
	mux.Handle("POST /problems/{id}/{action}", h.can(access.ViewWork, httpx.ID(h.problemAction))) // apply close return
}
