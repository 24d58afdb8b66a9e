package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/auth"
	"halfsky/internal/idcard"
	"halfsky/internal/vault"
)

// SeedAccounts shows the separated administrator powers and their alarm at
// work on the first start: an account the system administrator opened
// that waits for the security administrator to give it a role; a request
// to make a second account a security administrator, waiting for the
// other administrator's approval (角色审批); an earlier request that was
// rejected; and an alert for the auditor — a cadre of 南岗区 who typed the
// ID number of a woman 道里区 is helping until entry was stopped for the
// day. It runs after SeedWork, whose application it probes.
func SeedAccounts(ctx context.Context, svc *auth.Service, keys *vault.Keyring, now time.Time) error {
	admin, err := demoActor(ctx, svc, "admin")
	if err != nil {
		return err
	}
	sec, err := demoActor(ctx, svc, "secadmin")
	if err != nil {
		return err
	}
	// Opened by the system administrator: no role until one is granted.
	if _, _, err := svc.CreateUser(ctx, admin, auth.NewUser{Username: "daoli.newcomer", DisplayName: "赵晓燕", OrgCode: "230102001"}); err != nil {
		return fmt.Errorf("demo account without a role: %w", err)
	}
	backup, _, err := svc.CreateUser(ctx, admin, auth.NewUser{Username: "secadmin2", DisplayName: "孙立新（备份安全管理员）", OrgCode: admin.OrgCode})
	if err != nil {
		return fmt.Errorf("demo backup administrator: %w", err)
	}
	if _, err := svc.RequestRole(ctx, admin, backup.ID, access.Secadmin); err != nil {
		return fmt.Errorf("demo role request: %w", err)
	}
	office, err := svc.UserByUsername(ctx, "city.office")
	if err != nil {
		return err
	}
	rejected, err := svc.RequestRole(ctx, sec, office.ID, access.Auditor)
	if err != nil {
		return fmt.Errorf("demo role request: %w", err)
	}
	if _, err := svc.DecideRoleRequest(ctx, admin, rejected.ID, false); err != nil {
		return fmt.Errorf("demo role request rejected: %w", err)
	}
	return probeDuplicates(ctx, svc, keys, now)
}

// probeDuplicates has a 南岗 street's cadre enter 道里's first 两癌
// applicant again and again, until the daily limit stops her and the
// auditor is alerted.
func probeDuplicates(ctx context.Context, svc *auth.Service, keys *vault.Keyring, now time.Time) error {
	u, err := svc.CreateUserAsOperator(ctx, auth.NewUser{Username: "huayuan.staff", DisplayName: "钱红（花园街道）",
		Password: generatePassword(), OrgCode: "230103001", Role: access.Staff})
	if err != nil {
		return fmt.Errorf("demo prober: %w", err)
	}
	as := aid.NewService(svc.DB, svc.Orgs)
	as.Vault = keys
	as.Now = func() time.Time { return now }
	first := "23010219720415904" // 周淑芬 of seedAid
	in := aid.Input{Programme: "cancer", Name: "周某", IDNumber: first + string(idcard.CheckChar(first)), Household: "dibao",
		Facts: map[string]string{"diagnosis": "cervical_iib", "stage": "IIB", "hospital": "某医院"}, MedicalConsent: true}
	for i := 0; i <= aid.DuplicateLimit; i++ {
		_, err := as.Create(ctx, u.Actor("127.0.0.1"), in)
		switch {
		case errors.Is(err, aid.ErrTooManyDuplicates):
			return nil
		case err == nil:
			return fmt.Errorf("demo prober: the duplicate was entered")
		}
	}
	return fmt.Errorf("demo prober: never stopped after %d duplicates", aid.DuplicateLimit)
}
