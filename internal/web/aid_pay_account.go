package web

import (
	"errors"
	"net/http"
	"strconv"

	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// aidAccountData is an approved application's payee account: the current
// one masked, and the form to record or correct it.
type aidAccountData struct {
	X       aid.Application
	Account *aid.Account // nil when none is recorded
	CanSet  bool         // approved and not purged: the domain decides the rest
	Form    map[string]string
	Errors  map[string]string
	Refusal string // a refusal that belongs to no field
}

func (h *handler) renderAidAccount(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int, d aidAccountData) error {
	ctx, a, svc := r.Context(), c.Actor, h.deps.Aid
	x, err := svc.Application(ctx, a, id)
	if err != nil {
		return err
	}
	d.X = x
	acc, err := svc.Account(ctx, a, id)
	var e *apperr.Error
	switch {
	case err == nil:
		d.Account = &acc
	case errors.As(err, &e) && e.Code == "no_account":
	default:
		return err
	}
	d.CanSet = x.Status == aid.Approved && !x.Purged
	if d.Form == nil {
		d.Form = map[string]string{}
		if d.Account != nil {
			d.Form["bank_name"] = d.Account.BankName
		}
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	title := "收款账户 · " + x.ProgrammeName + "申请 " + aidNumber(x)
	h.tpl.Page(w, r, status, "aid_pay_account", View{Layout: Layout{Title: title, Active: "aid",
		Crumbs: []Crumb{{Href: "/aid", Label: "关爱救助"}, {Href: aidLink(id), Label: x.ProgrammeName + "申请 " + aidNumber(x)},
			{Label: "收款账户"}}}, Data: d})
	return nil
}

// aidNumber is an application's number as pages show it: 2026-12.
func aidNumber(x aid.Application) string {
	return strconv.Itoa(x.Year) + "-" + strconv.FormatInt(x.ID, 10)
}

// aidAccountSave records or corrects the account; bad input is shown
// beside its field with nothing stored.
func (h *handler) aidAccountSave(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	form := map[string]string{"bank_name": r.PostFormValue("bank_name"), "account": r.PostFormValue("account")}
	_, err := h.deps.Aid.SetAccount(r.Context(), c.Actor, id, form["bank_name"], form["account"])
	if err != nil && refused(err) {
		fields, msg := fieldErrors(err)
		d := aidAccountData{Form: form, Errors: fields}
		if len(fields) == 0 {
			d.Refusal = msg
		}
		return h.renderAidAccount(w, r, c, id, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	redirectFlash(w, r, aidLink(id)+"/account", "success", "已保存收款账户")
	return nil
}
