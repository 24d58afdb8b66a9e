package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
)

// aidRoutes is 巾帼关爱's whole route table: the applications (list,
// entry, review, reveal), the roll-up, and the city's programme, cycle and
// quota settings. Personal data never travels in a URL: the reveal is a
// POST answered with the page itself.
func (h *handler) aidRoutes(mux httpx.Mux) {
	mux.Handle("GET /aid", h.can(access.ViewAid, h.cached(h.aidList)))
	mux.Handle("GET /aid/export.xlsx", h.can(access.ViewAid, h.aidExport))
	mux.Handle("GET /aid/stats", h.can(access.ViewAid, h.aidStats))
	mux.Handle("GET /aid/new", h.can(access.RecordAid, h.aidNew))
	mux.Handle("POST /aid", h.can(access.RecordAid, h.aidCreate))
	mux.Handle("GET /aid/programmes", h.can(access.ViewAid, h.aidProgrammes))
	mux.Handle("POST /aid/programmes/{code}/settings", h.manageAid(h.aidProgrammeSave))
	mux.Handle("GET /aid/cycles", h.can(access.ViewAid, h.aidCycles))
	mux.Handle("POST /aid/cycles", h.manageAid(h.aidCycleSave))
	mux.Handle("GET /aid/cycles/{id}/quotas", h.can(access.ViewAid, httpx.ID(h.aidCycleShow)))
	mux.Handle("POST /aid/cycles/{id}/quotas", h.manageAid(httpx.ID(h.aidQuotaSave)))
	mux.Handle("GET /aid/{id}", h.can(access.ViewAid, httpx.ID(aidPage(h.renderAid))))
	mux.Handle("GET /aid/{id}/edit", h.can(access.RecordAid, httpx.ID(h.aidEdit)))
	mux.Handle("POST /aid/{id}/edit", h.can(access.RecordAid, httpx.ID(h.aidUpdate)))
	mux.Handle("POST /aid/{id}/submit", h.can(access.RecordAid, httpx.ID(h.aidSubmit)))
	mux.Handle("POST /aid/{id}/decide", h.can(access.RecordAid, httpx.ID(h.aidDecide)))
	mux.Handle("POST /aid/{id}/reveal", h.can(access.RevealAid, httpx.ID(h.aidReveal)))
	mux.HandleUpload("POST /aid/{id}/documents", h.can(access.RecordAid, httpx.ID(h.aidFileUpload)))
	mux.Handle("GET /aid/{id}/documents/{file}/download", h.can(access.ViewAid, httpx.IDs("file", h.aidFileDownload)))
	mux.Handle("POST /aid/{id}/documents/{file}/delete", h.can(access.RecordAid, httpx.IDs("file", h.aidFileDelete)))
	h.aidPayRoutes(mux)
	h.aidFollowupRoutes(mux)
	h.aidExportRoutes(mux)
}

// aidPage is the GET handler of a page about one application, drawn by
// render with no form input yet; its route gives it {id} (httpx.ID).
func aidPage[D any](render func(http.ResponseWriter, *http.Request, *httpx.Current, int64, int, D) error) func(http.ResponseWriter, *http.Request, *httpx.Current, int64) error {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
		var empty D
		return render(w, r, c, id, http.StatusOK, empty)
	}
}

func aidLink(id int64) string { return "/aid/" + strconv.FormatInt(id, 10) }

// aidTab is one tab above the module's pages.
type aidTab struct {
	Href, Label, Key string
}

func (h *handler) aidTabs(r *http.Request, c *httpx.Current) []aidTab {
	label := "待我处理"
	if n, err := h.deps.Aid.Count(r.Context(), c.Actor, aid.Filter{Todo: true}); err == nil && n > 0 {
		label += "（" + strconv.Itoa(n) + "）"
	}
	return []aidTab{{"/aid", "救助申请", "list"}, {"/aid?todo=1", label, "todo"}, {"/aid/stats", "统计汇总", "stats"},
		{"/aid/programmes", "救助项目", "programmes"}, {"/aid/cycles", "年度预算与名额", "cycles"}, {"/aid/pay", "发放", "pay"},
		{"/aid/followups", "待跟踪", "followups"}, {"/aid/exports", "导出审批", "exports"}}
}

// aidUnit is the actor's own unit and the place its kind gives it in a
// review chain below a programme's owner.
type aidUnit struct {
	Org   org.Org
	Level string // village, street, district or ""
}

// Collects reports whether the unit enters applications itself.
func (u aidUnit) Collects() bool { return u.Level == "village" || u.Level == "street" }

func (h *handler) aidUnitOf(ctx context.Context, a access.Actor) (aidUnit, error) {
	o, err := h.deps.Orgs.ByID(ctx, h.deps.DB.Q(), a.OrgID)
	if err != nil {
		return aidUnit{}, err
	}
	return aidUnit{Org: o, Level: aid.KindLevel(o)}, nil
}

func aidProgrammeOptions(progs []aid.Programme) []Option {
	return httpx.Map(progs, func(p aid.Programme) Option { return Option{p.Code, p.Name} })
}

// parseYuan reads an amount in yuan ("10000", "10000.5", "1,000.00") as
// fen; ok is false for anything else. Empty is 0.
func parseYuan(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, true
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	y, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || y < 0 || y > 1e12 {
		return 0, false
	}
	return y*100 + f, true
}

// yuanValue shows fen for a form field: "" for 0.
func yuanValue(fen int64) string {
	if fen == 0 {
		return ""
	}
	s := aid.Yuan(fen)
	return strings.TrimSuffix(s, ".00")
}
