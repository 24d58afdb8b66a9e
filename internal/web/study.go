package web

import (
	"halfsky/internal/access"
	"halfsky/internal/httpx"
)

// studyRoutes adds 学习's pages to mux: the 学习动态 feed, recording and
// editing activities with photos, statistics, Excel exports, and counting
// activities in a 督办 report.
func (h *handler) studyRoutes(mux httpx.Mux) {
	mux.Handle("GET /study", h.can(access.ViewWork, h.cached(h.studyList)))
	mux.Handle("GET /study/export.xlsx", h.can(access.ViewWork, h.studyExport))
	mux.Handle("GET /study/stats", h.can(access.ViewWork, h.studyStats))
	mux.Handle("GET /study/stats.xlsx", h.can(access.ViewWork, h.studyStatsExport))
	mux.Handle("GET /study/new", h.can(access.RecordWork, h.studyNew))
	mux.HandleUpload("POST /study", h.can(access.RecordWork, h.studyCreate)) // with its photos
	mux.Handle("GET /study/{id}", h.can(access.ViewWork, httpx.ID(h.studyShow)))
	mux.Handle("GET /study/{id}/edit", h.can(access.RecordWork, httpx.ID(h.studyEdit)))
	mux.Handle("POST /study/{id}/edit", h.can(access.RecordWork, httpx.ID(h.studyUpdate)))
	mux.HandleUpload("POST /study/{id}/photos", h.can(access.RecordWork, httpx.ID(h.studyPhotoAdd)))
	mux.Handle("GET /study/{id}/photos/{fid}", h.can(access.ViewWork, httpx.IDs("fid", h.studyPhoto)))
	mux.Handle("POST /study/{id}/photos/{fid}/delete", h.can(access.RecordWork, httpx.IDs("fid", h.studyPhotoRemove)))
	mux.Handle("POST /reports/{id}/study", h.can(access.RecordWork, httpx.ID(h.reportStudyAttach)))
}
