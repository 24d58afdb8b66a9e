package web

import (
	"net/http"

	"halfsky/internal/access"
	"halfsky/internal/httpx"
)

// visitRoutes is the whole route table of 下基层、访妇情、办实事: visits,
// needs (妇情) with their hand-overs, practical tasks (实事), quotas and
// statistics, each list with its Excel export.
func (h *handler) visitRoutes(mux httpx.Mux) {
	view := func(fn httpx.Handler) http.Handler {
		return h.can(access.ViewWork, fn)
	}
	record := func(fn httpx.Handler) http.Handler {
		return h.can(access.RecordWork, fn)
	}

	mux.Handle("GET /visits", view(h.cached(h.visitsList)))
	mux.Handle("GET /visits/export.xlsx", view(h.visitsExport))
	mux.Handle("GET /visits/new", record(h.visitNew))
	mux.HandleUpload("POST /visits", record(h.visitCreate)) // with its photos
	mux.Handle("GET /visits/{id}", view(httpx.ID(h.visitShow)))
	mux.Handle("GET /visits/edit/{id}", record(httpx.ID(h.visitEdit)))
	mux.HandleUpload("POST /visits/edit/{id}", record(httpx.ID(h.visitUpdate)))
	mux.Handle("GET /visits/{id}/photos/{fid}", view(httpx.IDs("fid", h.visitPhoto)))

	mux.Handle("GET /visits/quotas", view(h.quotasList))
	mux.Handle("POST /visits/quotas", h.can(access.ManageWork, h.quotaCreate))
	mux.Handle("GET /visits/quotas/{id}", view(httpx.ID(h.quotaShow)))
	mux.Handle("GET /visits/quotas/export/{id}", view(httpx.ID(h.quotaExport)))

	mux.Handle("GET /visits/stats", view(h.visitStats))
	mux.Handle("GET /visits/stats/export.xlsx", view(h.visitStatsExport))

	mux.Handle("GET /needs", view(h.cached(h.needsList)))
	mux.Handle("GET /needs/export.xlsx", view(h.needsExport))
	mux.Handle("GET /needs/new", record(h.needNew))
	mux.Handle("POST /needs", record(h.needCreate))
	mux.Handle("GET /needs/{id}", view(httpx.ID(h.needShow)))
	mux.Handle("POST /needs/{id}/handover", record(httpx.ID(h.needHandover)))
	mux.Handle("POST /needs/{id}/accept", record(httpx.ID(h.needDecide(true))))
	mux.Handle("POST /needs/{id}/refuse", record(httpx.ID(h.needDecide(false))))
	mux.Handle("POST /needs/{id}/task", record(httpx.ID(h.needTask)))

	mux.Handle("GET /tasks", view(h.cached(h.tasksList)))
	mux.Handle("GET /tasks/export.xlsx", view(h.tasksExport))
	mux.Handle("GET /tasks/new", record(h.taskNew))
	mux.Handle("POST /tasks", record(h.taskCreate))
	mux.Handle("GET /tasks/{id}", view(httpx.ID(h.taskShow)))
	mux.Handle("POST /tasks/{id}/start", record(httpx.ID(h.taskStart)))
	mux.Handle("POST /tasks/{id}/close", record(httpx.ID(h.taskClose)))
}
