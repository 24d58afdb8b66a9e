package demo

import (
	"context"
	"fmt"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/idcard"
	"halfsky/internal/vault"
)

// seedAid opens this year's 两癌救助 (budget 50 × RMB 10,000, 道里区 8
// places) and puts four applications from 兆麟街道's 省报社社区 at each stage
// of the review: one waiting for the street, one returned by the district
// with a reason, one waiting for the city leader, one approved. The people
// are made up; their ID numbers pass GB 11643 but belong to nobody we know
// of (birth dates in 1970–1985, sequence 9xx). Their required documents
// are sample PDFs that say so.
func seedAid(ctx context.Context, svc *auth.Service, keys *vault.Keyring, now time.Time) error {
	as := aid.NewService(svc.DB, svc.Orgs)
	as.Vault = keys
	as.Now = func() time.Time { return now }
	actor := func(name string) (access.Actor, error) { return demoActor(ctx, svc, name) }
	city, err := actor("city.leader")
	if err != nil {
		return err
	}
	year := now.In(db.Shanghai).Year()
	c, err := as.SaveCycle(ctx, city, aid.CycleInput{Programme: "cancer", Year: year, Budget: 50 * 1_000_000,
		OpensOn: fmt.Sprintf("%d-01-01", year), ClosesOn: fmt.Sprintf("%d-12-31", year)})
	if err != nil {
		return fmt.Errorf("aid cycle: %w", err)
	}
	if err := as.SetQuota(ctx, city, c.ID, "230102", 8); err != nil {
		return err
	}
	people := []struct {
		name, birth, seq, diagnosis, household string
		steps                                  []string // who decides, in order: street, district, city
	}{
		{"周淑芬", "19720415", "904", "cervical_iib", "dibao", nil},
		{"吴玉兰", "19780921", "926", "breast_invasive", "tekun", []string{"street.staff", "return:daoli.staff"}},
		{"郑丽娟", "19810203", "948", "cervical_iib", "zhichu", []string{"street.staff", "daoli.staff"}},
		{"冯桂香", "19750618", "962", "breast_invasive", "dibao", []string{"street.staff", "daoli.staff", "city.leader"}},
	}
	village, err := actor("village.staff")
	if err != nil {
		return err
	}
	for i, p := range people {
		first := "230102" + p.birth + p.seq
		in := aid.Input{Programme: "cancer", Name: p.name, IDNumber: first + string(idcard.CheckChar(first)),
			Phone: "13845100" + p.seq, Address: "道里区兆麟街道省报社社区", Household: p.household,
			Facts: map[string]string{"diagnosis": p.diagnosis, "stage": "IIB", "hospital": "哈尔滨医科大学附属肿瘤医院"}, MedicalConsent: true}
		app, err := as.Create(ctx, village, in)
		if err != nil {
			return fmt.Errorf("aid application %d: %w", i+1, err)
		}
		if err := AttachSamples(ctx, as, village, app.ID); err != nil {
			return err
		}
		if app, err = as.Submit(ctx, village, app.ID, app.Version); err != nil {
			return err
		}
		for _, step := range p.steps {
			d := aid.Decision{Decision: "pass", Version: app.Version}
			who := step
			if len(step) > 7 && step[:7] == "return:" {
				who, d.Decision, d.Reason = step[7:], "return", "请补充县级以上医院的病理诊断证明和低保证明复印件"
			}
			a, err := actor(who)
			if err != nil {
				return err
			}
			if app, err = as.Decide(ctx, a, app.ID, d); err != nil {
				return fmt.Errorf("aid step %s: %w", who, err)
			}
		}
	}
	return nil
}
