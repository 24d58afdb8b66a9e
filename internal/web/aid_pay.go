package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// aidPayRoutes is disbursement's route table: a unit records an approved
// application's bank account; the city federation's leader puts approved
// applications into payment batches and records the bank's answer per
// line; everyone with the aid views sees the batches and the ledger of
// their subtree. No payee's name or account number travels in a URL.
func (h *handler) aidPayRoutes(mux httpx.Mux) {
	mux.Handle("GET /aid/pay", h.can(access.ViewAid, h.aidPayList))
	mux.Handle("GET /aid/pay/new", h.manageAid(h.aidPayNew))
	mux.Handle("POST /aid/pay", h.manageAid(h.aidPayCreate))
	mux.Handle("GET /aid/pay/batches/{id}", h.can(access.ViewAid, httpx.ID(h.aidPayBatch)))
	mux.Handle("POST /aid/pay/batches/{id}/lines/{line}", h.manageAid(httpx.IDs("line", h.aidPayResult)))
	mux.Handle("GET /aid/pay/ledger", h.can(access.ViewAid, h.aidPayLedger))
	mux.Handle("GET /aid/pay/ledger.xlsx", h.can(access.ViewAid, h.aidPayLedgerExport))
	mux.Handle("GET /aid/{id}/account", h.can(access.RecordAid, httpx.ID(aidPage(h.renderAidAccount))))
	mux.Handle("POST /aid/{id}/account", h.can(access.RecordAid, httpx.ID(h.aidAccountSave)))
}

func aidBatchLink(id int64) string { return "/aid/pay/batches/" + strconv.FormatInt(id, 10) }

const aidPayPerPage = 20

// aidPayListData is the batch list with its filters and, for the city
// federation, the cycles a new batch can be made for.
type aidPayListData struct {
	Tabs      []aidTab
	Tab       string
	Items     []aid.Batch
	Pager     Pager
	F         aid.BatchFilter
	Years     []int
	Cycles    []aid.Cycle // every cycle, for the filter
	NewFor    []aid.Cycle // the chosen year's cycles, for 新建批次
	Statuses  []Option
	CanManage bool
}

// aidBatchFilter reads the list's filters; the year defaults to this one,
// "all" shows every year.
func (h *handler) aidBatchFilter(q url.Values) aid.BatchFilter {
	f := aid.BatchFilter{Status: aid.BatchStatus(q.Get("status"))}
	f.CycleID, _ = strconv.ParseInt(q.Get("cycle"), 10, 64)
	switch y := q.Get("year"); y {
	case "":
		f.Year = h.deps.Aid.Year()
	case "all":
	default:
		f.Year, _ = strconv.Atoi(y)
	}
	return f
}

// YearValue is the year filter's selected value.
func (d aidPayListData) YearValue() string {
	if d.F.Year == 0 {
		return "all"
	}
	return strconv.Itoa(d.F.Year)
}

func (h *handler) aidPayList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Aid
	d := aidPayListData{Tabs: h.aidTabs(r, c), Tab: "pay", F: h.aidBatchFilter(r.URL.Query()), Years: h.aidYears(r, c),
		Statuses: options(aid.BatchStatuses), CanManage: h.aidCanManage(r, c)}
	cycles, err := svc.Cycles(ctx, a, "")
	if err != nil {
		return err
	}
	d.Cycles = cycles
	year := d.F.Year
	if year == 0 {
		year = svc.Year()
	}
	for _, cy := range cycles {
		// A cycle whose approvals carry no money (爱心妈妈 pairs, it does
		// not pay) has nothing to send to the bank.
		if cy.Year == year && cy.ApprovedAmount > 0 {
			d.NewFor = append(d.NewFor, cy)
		}
	}
	pager := NewPager(r, aidPayPerPage, 0)
	d.F.Page = aid.Page{Page: pager.Page, PerPage: aidPayPerPage}
	items, total, err := svc.Batches(ctx, a, d.F)
	if err != nil {
		return err
	}
	d.Items, d.Pager = items, NewPager(r, aidPayPerPage, total)
	h.tpl.Page(w, r, http.StatusOK, "aid_pay_list", View{Layout: Layout{Title: "救助金发放", Active: "aid"}, Data: d})
	return nil
}

// aidPayNewData is the choice of a cycle's payable applications for a
// new batch.
type aidPayNewData struct {
	Cycle    aid.Cycle
	Payees   []aidPayee
	Ready    int   // payees with an account
	ReadySum int64 // their amounts
	Chosen   map[int64]bool
	Errors   []string // why the batch was refused, one per application
	Max      int
}

// aidPayee is a payable application with its district's name.
type aidPayee struct {
	aid.Payee
	District string
}

// errNoCycle answers a payment page reached without its cycle.
var errNoCycle = apperr.New(http.StatusNotFound, "not_found", "请从发放页面选择要付款的年度项目")

func (h *handler) aidPayNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if !h.aidCanManage(r, c) {
		// A district's leader may view payables but batches are the city's.
		return access.ErrDenied
	}
	id, err := strconv.ParseInt(r.URL.Query().Get("cycle"), 10, 64)
	if err != nil || id <= 0 {
		return errNoCycle
	}
	return h.renderAidPayNew(w, r, c, id, http.StatusOK, nil, nil)
}

// renderAidPayNew shows the payable applications of a cycle; chosen is
// nil on first view (every payee with an account ticked).
func (h *handler) renderAidPayNew(w http.ResponseWriter, r *http.Request, c *httpx.Current, cycleID int64, status int,
	chosen map[int64]bool, errs []string) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Aid
	cy, err := svc.Cycle(ctx, a, cycleID)
	if err != nil {
		return err
	}
	payees, err := svc.Payable(ctx, a, cycleID)
	if err != nil {
		return err
	}
	d := aidPayNewData{Cycle: cy, Chosen: chosen, Errors: errs, Max: aid.MaxBatch}
	if d.Chosen == nil {
		d.Chosen = map[int64]bool{}
		for _, p := range payees {
			d.Chosen[p.ID] = p.HasAccount
		}
	}
	names := map[int64]string{}
	for _, p := range payees {
		if _, ok := names[p.DistrictID]; !ok {
			if o, err := h.deps.Orgs.ByID(ctx, h.deps.DB.Q(), p.DistrictID); err == nil {
				names[p.DistrictID] = o.Name
			}
		}
		d.Payees = append(d.Payees, aidPayee{Payee: p, District: names[p.DistrictID]})
		if p.HasAccount {
			d.Ready++
			d.ReadySum += p.Amount
		}
	}
	title := "新建付款批次 · " + strconv.Itoa(cy.Year) + "年" + cy.ProgrammeName
	h.tpl.Page(w, r, status, "aid_pay_new", View{Layout: Layout{Title: title, Active: "aid",
		Crumbs: []Crumb{{Href: "/aid", Label: "关爱救助"}, {Href: "/aid/pay", Label: "救助金发放"}, {Label: "新建付款批次"}}}, Data: d})
	return nil
}

// aidPayCreate makes a batch of the ticked applications; a refusal shows
// the page again with every refused application and why, nothing made.
func (h *handler) aidPayCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	_ = r.ParseForm()
	cycleID, err := strconv.ParseInt(r.PostForm.Get("cycle"), 10, 64)
	if err != nil || cycleID <= 0 {
		return errNoCycle
	}
	var ids []int64
	chosen := map[int64]bool{}
	for _, v := range r.PostForm["application"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
			chosen[id] = true
		}
	}
	b, err := h.deps.Aid.CreateBatch(r.Context(), c.Actor, cycleID, ids)
	if err != nil && refused(err) {
		fields, msg := fieldErrors(err)
		errs := strings.Split(fields["applications"], "；")
		if fields["applications"] == "" {
			errs = []string{msg}
		}
		return h.renderAidPayNew(w, r, c, cycleID, http.StatusUnprocessableEntity, chosen, errs)
	}
	if err != nil {
		return err
	}
	redirectFlash(w, r, aidBatchLink(b.ID), "success",
		"已生成"+b.Title()+"："+strconv.Itoa(b.Lines)+" 笔，合计 "+aid.YuanGrouped(b.Amount)+" 元")
	return nil
}
