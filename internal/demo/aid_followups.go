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

// aidFollowupDemo gives the follow-up pages something real to show: in
// 兆麟街道's 省报社社区 two 爱心妈妈 pairings and one 春蕾圆梦 scholarship,
// approved 150 days ago through the whole review, with their follow-ups —
// one pairing last visited 120 days ago (overdue on 待跟踪), the other 80
// days ago (due within two weeks), the girl's school year recorded ten
// days ago. The children are made up; their ID numbers pass GB 11643 but
// belong to nobody we know of (born 2013–2016, sequence 9xx, even: girls).
func aidFollowupDemo(ctx context.Context, svc *auth.Service, keys *vault.Keyring, now time.Time) error {
	clock := now.AddDate(0, 0, -150)
	as := aid.NewService(svc.DB, svc.Orgs)
	as.Vault = keys
	as.Now = func() time.Time { return clock }
	actor := func(name string) (access.Actor, error) { return demoActor(ctx, svc, name) }
	city, err := actor("city.leader")
	if err != nil {
		return err
	}
	year := clock.In(db.Shanghai).Year()
	for _, p := range []string{"love_mother", "spring_bud"} {
		if _, err := as.SaveCycle(ctx, city, aid.CycleInput{Programme: p, Year: year,
			OpensOn: fmt.Sprintf("%d-01-01", year), ClosesOn: fmt.Sprintf("%d-12-31", year)}); err != nil {
			return fmt.Errorf("aid %s cycle: %w", p, err)
		}
	}
	children := []struct {
		programme, name, birth, seq, guardian string
		facts                                 map[string]string
		visited                               int // days ago; 0: none
	}{
		{"love_mother", "孙小雨", "20140310", "912", "孙建国", map[string]string{"mother": "市妇联机关干部 李红"}, 120},
		{"love_mother", "钱思琪", "20160722", "934", "钱桂兰", map[string]string{"mother": "道里区妇联干部 王芳"}, 80},
		{"spring_bud", "赵佳怡", "20130905", "956", "赵淑华", map[string]string{"school": "哈尔滨市第四十七中学", "grade": "初一"}, 10},
	}
	village, err := actor("village.staff")
	if err != nil {
		return err
	}
	var ids []int64
	for _, c := range children {
		first := "230102" + c.birth + c.seq
		in := aid.Input{Programme: c.programme, Name: c.name, IDNumber: first + string(idcard.CheckChar(first)),
			Address: "道里区兆麟街道省报社社区", Household: "dibao", Facts: c.facts, GuardianName: c.guardian, GuardianConsent: true}
		id, err := demoApprove(ctx, as, actor, village, in)
		if err != nil {
			return fmt.Errorf("aid %s %s: %w", c.programme, c.seq, err)
		}
		ids = append(ids, id)
	}
	clock = now
	for i, c := range children {
		day := now.AddDate(0, 0, -c.visited).In(db.Shanghai).Format("2006-01-02")
		in := aid.FollowupInput{Date: day, Notes: "入户走访，孩子身体健康，学习用品和冬衣已送到，监护人无新的困难。"}
		if c.programme == "spring_bud" {
			in = aid.FollowupInput{Date: day, InSchool: boolRef(true), School: "哈尔滨市第四十七中学", Grade: "初二",
				Notes: "到校核实在读，班主任反映学习认真，本学年学杂费已减免。"}
		}
		if _, err := as.AddFollowup(ctx, village, ids[i], in); err != nil {
			return fmt.Errorf("aid follow-up %s: %w", c.seq, err)
		}
	}
	return nil
}

func boolRef(b bool) *bool { return &b }

// demoApprove enters an application at the village with its sample
// documents and takes it through the street, the district and the city.
func demoApprove(ctx context.Context, as *aid.Service, actor func(string) (access.Actor, error), village access.Actor, in aid.Input) (int64, error) {
	x, err := as.Create(ctx, village, in)
	if err != nil {
		return 0, err
	}
	if err := AttachSamples(ctx, as, village, x.ID); err != nil {
		return 0, err
	}
	if x, err = as.Submit(ctx, village, x.ID, x.Version); err != nil {
		return 0, err
	}
	for _, who := range []string{"street.staff", "daoli.staff", "city.leader"} {
		a, err := actor(who)
		if err != nil {
			return 0, err
		}
		if x, err = as.Decide(ctx, a, x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version}); err != nil {
			return 0, fmt.Errorf("%s: %w", who, err)
		}
	}
	return x.ID, nil
}
