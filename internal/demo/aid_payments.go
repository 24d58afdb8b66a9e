package demo

import (
	"context"
	"fmt"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/vault"
)

// SeedAidPayments carries SeedWork's approved 两癌 application to the
// bank and back: the community records the woman's account, the city makes the
// year's first batch, and the bank's answer (paid) is recorded — so the
// ledger and 发放 pages show money moving. Then 道里区's staff asks for the
// district's list in the clear, which waits for the district leader on
// 导出审批. The account number passes the UnionPay check but is made up.
// It runs on the first start after SeedWork; tests that need SeedWork's
// approved application unpaid leave it out.
func SeedAidPayments(ctx context.Context, svc *auth.Service, keys *vault.Keyring, now time.Time) error {
	as := aid.NewService(svc.DB, svc.Orgs)
	as.Vault = keys
	as.Now = func() time.Time { return now }
	village, err := demoActor(ctx, svc, "village.staff")
	if err != nil {
		return err
	}
	city, err := demoActor(ctx, svc, "city.leader")
	if err != nil {
		return err
	}
	year := now.In(db.Shanghai).Year()
	approved, _, err := as.Applications(ctx, city, aid.Filter{Programme: "cancer", Status: aid.Approved, Year: year, Page: aid.Page{PerPage: 10}})
	if err != nil {
		return err
	}
	if len(approved) == 0 {
		return fmt.Errorf("aid payment demo: no approved 两癌 application")
	}
	x := approved[0]
	if _, err := as.SetAccount(ctx, village, x.ID, "中国农业银行哈尔滨道里支行", aid.CompleteCard("622848001234567890")); err != nil {
		return fmt.Errorf("aid account: %w", err)
	}
	b, err := as.CreateBatch(ctx, city, x.CycleID, []int64{x.ID})
	if err != nil {
		return fmt.Errorf("aid batch: %w", err)
	}
	lines, err := as.BatchLines(ctx, city, b.ID)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if _, err := as.RecordResult(ctx, city, b.ID, l.ID, "paid", "银行回单：已入账"); err != nil {
			return fmt.Errorf("aid payment result: %w", err)
		}
	}
	staff, err := demoActor(ctx, svc, "daoli.staff")
	if err != nil {
		return err
	}
	_, err = as.RequestExport(ctx, staff, aid.ExportApplications, aid.ExportParams{Programme: "cancer", Year: year},
		"与区民政局核对低保、特困家庭名单")
	return err
}

// demoActor is a demo account acting from this machine.
func demoActor(ctx context.Context, svc *auth.Service, username string) (access.Actor, error) {
	u, err := svc.UserByUsername(ctx, username)
	return u.Actor("127.0.0.1"), err
}
