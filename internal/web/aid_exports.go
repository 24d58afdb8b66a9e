package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/httpx"
)

// aidExportRoutes: exports of personal data in the clear, each asked for
// with a reason, approved by a leader and downloaded once. The paths are
// all under the literal /aid/exports so none can meet /aid/{id}/….
func (h *handler) aidExportRoutes(mux httpx.Mux) {
	mux.Handle("GET /aid/exports", h.can(access.ViewAid, h.aidExports))
	mux.Handle("GET /aid/exports/new", h.can(access.ViewAid, h.aidExportNew))
	mux.Handle("POST /aid/exports", h.can(access.ViewAid, h.aidExportCreate))
	mux.Handle("POST /aid/exports/{id}/decide", h.can(access.RevealAid, httpx.ID(h.aidExportDecide)))
	mux.Handle("GET /aid/exports/{id}/download.xlsx", h.can(access.ViewAid, httpx.ID(h.aidExportDownload)))
}

const aidExportsPerPage = 20

// aidExportsData is the actor's own requests and, for a leader, those
// waiting for her decision.
type aidExportsData struct {
	Tabs    []aidTab
	Tab     string
	Waiting []aid.Export
	Mine    []aid.Export
	Pager   Pager
	Leader  bool
	Root    bool // the city federation: it also asks for bank files
	// A refused decision, shown beside its request's note.
	DecideID    int64
	DecideNote  string
	DecideError string
}

func (h *handler) aidExports(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	return h.renderAidExports(w, r, c, http.StatusOK, aidExportsData{})
}

func (h *handler) renderAidExports(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, d aidExportsData) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Aid
	d.Tabs, d.Tab, d.Leader = h.aidTabs(r, c), "exports", a.Can(access.RevealAid)
	// A unit that runs a programme also asks for its bank files.
	var err error
	if d.Root, err = svc.RunsAny(ctx, a); err != nil {
		return err
	}
	if d.Leader {
		// Every waiting request: a leader should see all she has to decide.
		if d.Waiting, _, err = svc.Exports(ctx, a, aid.ExportFilter{Box: aid.BoxWaiting, Page: aid.Page{All: true}}); err != nil {
			return err
		}
	}
	pager := NewPager(r, aidExportsPerPage, 0)
	mine, total, err := svc.Exports(ctx, a, aid.ExportFilter{Box: aid.BoxMine, Page: aid.Page{Page: pager.Page, PerPage: aidExportsPerPage}})
	if err != nil {
		return err
	}
	d.Mine, d.Pager = mine, NewPager(r, aidExportsPerPage, total)
	h.tpl.Page(w, r, status, "aid_exports", View{Layout: Layout{Title: "导出审批", Active: "aid"}, Data: d})
	return nil
}

// aidExportParams reads what is to be exported from a query string or
// form: the list's filters (as on /aid) or the batch.
func aidExportParams(v url.Values) aid.ExportParams {
	p := aid.ParamsOf(aidFilter(v))
	p.Batch, _ = strconv.ParseInt(strings.TrimSpace(v.Get("batch")), 10, 64)
	return p
}

// hiddenField is a name and value a form carries unseen.
type hiddenField struct{ Name, Value string }

// aidExportFields are the form's hidden fields carrying the parameters.
func aidExportFields(kind string, p aid.ExportParams) []hiddenField {
	if kind == aid.ExportBank {
		return []hiddenField{{"batch", strconv.FormatInt(p.Batch, 10)}}
	}
	var out []hiddenField
	for _, kv := range []hiddenField{{"programme", p.Programme}, {"status", string(p.Status)}, {"level", p.Level}, {"under", p.Under}} {
		if kv.Value != "" {
			out = append(out, kv)
		}
	}
	if p.Year != 0 {
		out = append(out, hiddenField{"year", strconv.Itoa(p.Year)})
	}
	if p.Todo {
		out = append(out, hiddenField{"todo", "1"})
	}
	return out
}
