package demo

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/rights"
	"halfsky/internal/vault"
	"halfsky/internal/visit"
)

// seedCases puts 巾帼维权 cases in every state, so a newcomer sees the work
// at once: a request from the public form in the community's inbox; a
// 12338 call about domestic violence assessed 高, consented to, referred
// to 公安 (answered with a 告诫书) and 法院 (waiting), escalated to the
// street; a walk-in in hand; a letter closed; a transfer from 公安 at the
// district with a referral past its deadline; a 维权 need of a visit
// turned into a case; and, in 南岗区, a request no one has called back
// within 24 hours; a closed 家庭暴力 call with its first follow-up due. The
// people are made up.
func seedCases(ctx context.Context, svc *auth.Service, keys *vault.Keyring, now time.Time) error {
	rs := rights.NewService(svc.DB, svc.Orgs, keys)
	rs.Needs = visit.NewService(svc.DB, svc.Orgs)
	rs.Needs.Vault = keys
	var clock time.Time
	rs.Now = func() time.Time { return clock }
	at := func(daysAgo int, hour int) time.Time {
		y, m, d := now.In(db.Shanghai).Date()
		return time.Date(y, m, d-daysAgo, hour, 0, 0, 0, db.Shanghai).UTC()
	}
	village, err := demoActor(ctx, svc, "village.staff")
	if err != nil {
		return nil // no demo accounts: nobody to take cases
	}
	street, err := demoActor(ctx, svc, "street.staff")
	if err != nil {
		return err
	}
	district, err := demoActor(ctx, svc, "daoli.staff")
	if err != nil {
		return err
	}
	// A 12338 call about domestic violence, carried a week.
	clock = at(7, 20)
	dv, err := rs.Intake(ctx, village, rights.Input{Channel: rights.ChannelHotline, Category: "dv", Take: true,
		Narrative: "来电人称丈夫酗酒后多次殴打她，上周掐过她的脖子，并威胁如果她离婚就杀了她。她已带 8 岁的儿子暂住娘家，担心对方找上门。",
		Phone:     "139 0000 1234", ContactTime: "白天，丈夫上班时", Parties: []rights.PartyInput{
			{Role: rights.PartyComplainant, Name: "刘某华", AgeGroup: "adult", Address: "道里区某小区（暂住娘家）"},
			{Role: rights.PartyRespondent, Name: "张某军", Relation: "丈夫", AgeGroup: "adult"},
			{Role: rights.PartyChild, Name: "张某", Relation: "儿子", AgeGroup: "minor"}}})
	if err != nil {
		return err
	}
	steps := []func() error{
		func() error {
			return rs.AddNote(ctx, village, dv, 0, rights.NoteContact, "当晚回电，确认她和孩子目前安全，告知110和12338，约定白天联系")
		},
		func() error {
			_, err := rs.Assess(ctx, village, dv, 0, []string{"strangle", "threat_kill", "escalating", "separation", "substance", "children"})
			return err
		},
		func() error {
			return rs.RecordConsent(ctx, village, dv, 0, rights.ConsentInput{Services: true, Refer: []string{"police", "court", "shelter"},
				Disclose: []string{"police", "court"}})
		},
		func() error {
			_, err := rs.Refer(ctx, village, dv, 0, rights.ReferInput{Agency: "police"})
			return err
		},
		func() error {
			_, err := rs.Refer(ctx, village, dv, 0, rights.ReferInput{Agency: "court", DueOn: at(-3, 9).In(db.Shanghai).Format(time.DateOnly)})
			return err
		},
	}
	for i, step := range steps {
		clock = at(6, 9+i)
		if err := step(); err != nil {
			return err
		}
	}
	c, err := rs.Get(ctx, village, dv)
	if err != nil {
		return err
	}
	clock = at(4, 15)
	if err := rs.UpdateReferral(ctx, village, dv, 0, c.Referrals[0].ID, "replied", "派出所已对张某军出具家庭暴力告诫书，并将其列入重点回访"); err != nil {
		return err
	}
	clock = at(4, 16)
	if _, err := rs.RecordOrder(ctx, village, dv, 0, rights.OrderInput{Kind: rights.OrderWarning, IssuedOn: at(4, 9).In(db.Shanghai).Format(time.DateOnly),
		Note: "派出所出具"}); err != nil {
		return err
	}
	clock = at(4, 17)
	photo, err := demoBruisePhoto()
	if err != nil {
		return err
	}
	if err := rs.AddFiles(ctx, village, dv, 0, []rights.Upload{{Name: "手臂淤青（来访时拍摄，经本人同意）.jpg", Data: photo}}); err != nil {
		return err
	}
	clock = at(3, 9)
	if _, err := rs.RecordOrder(ctx, village, dv, 0, rights.OrderInput{Kind: rights.OrderProtection, Urgent: true,
		AppliedOn: at(3, 9).In(db.Shanghai).Format(time.DateOnly), Note: "陪同向道里区人民法院提出申请"}); err != nil {
		return err
	}
	clock = at(3, 10)
	if err := rs.Escalate(ctx, village, dv, 0, "施暴人扬言报复，保护令申请期间需街道协调派出所和社区网格员加强巡查"); err != nil {
		return err
	}

	// A walk-in about custody, in hand.
	clock = at(3, 14)
	walk, err := rs.Intake(ctx, village, rights.Input{Channel: rights.ChannelWalkIn, Category: "marriage.custody", Take: true,
		Narrative: "来访人离婚后前夫拒不履行探望约定，也不支付抚养费，希望了解如何申请强制执行。", Phone: "138 0000 5678",
		Parties: []rights.PartyInput{{Role: rights.PartyComplainant, Name: "王某丽", AgeGroup: "adult"}}})
	if err != nil {
		return err
	}
	clock = at(3, 15)
	if err := rs.AddNote(ctx, village, walk, 0, rights.NoteContact, "当面解答，告知可向法院申请强制执行"); err != nil {
		return err
	}
	clock = at(2, 10)
	if err := rs.AddNote(ctx, village, walk, 0, rights.NoteRoute, "协助准备强制执行申请材料，约定下周陪同前往法院"); err != nil {
		return err
	}

	// A letter, answered and closed.
	clock = at(12, 9)
	letter, err := rs.Intake(ctx, street, rights.Input{Channel: rights.ChannelLetter, Category: "labour.maternity", Take: true,
		ReceivedOn: at(13, 9).In(db.Shanghai).Format(time.DateOnly),
		Narrative:  "来信反映所在超市在她怀孕后要求她从收银员调为理货员并降低工资，询问是否合法。"})
	if err != nil {
		return err
	}
	for i, n := range []string{"电话联系来信人，解答《女职工劳动保护特别规定》相关条款", "协助其与超市人事部门沟通，超市同意恢复原岗位和工资"} {
		clock = at(11-i*3, 10)
		kind := rights.NoteContact
		if i == 1 {
			kind = rights.NoteRoute
		}
		if err := rs.AddNote(ctx, street, letter, 0, kind, n); err != nil {
			return err
		}
	}
	clock = at(5, 16)
	if err := rs.Close(ctx, street, letter, 0, "resolved", "satisfied", "回访：已恢复原岗位"); err != nil {
		return err
	}

	// A 家庭暴力 call closed ten days ago: a follow-up due, two to come.
	clock = at(16, 19)
	old, err := rs.Intake(ctx, village, rights.Input{Channel: rights.ChannelHotline, Category: "dv", Take: true,
		Narrative: "来电人称前夫离婚后仍多次到她单位纠缠辱骂。", Parties: []rights.PartyInput{{Role: rights.PartyComplainant, Name: "孙某梅", AgeGroup: "adult"}}})
	if err != nil {
		return err
	}
	clock = at(15, 10)
	if err := rs.AddNote(ctx, village, old, 0, rights.NoteRoute, "协助她向派出所报案，派出所对其前夫批评教育并出具告诫书"); err != nil {
		return err
	}
	clock = at(10, 16)
	if err := rs.Close(ctx, village, old, 0, "referred", "satisfied", "前夫已书面保证不再纠缠"); err != nil {
		return err
	}

	// A transfer from 公安, with a referral past its deadline.
	clock = at(20, 10)
	tr, err := rs.Intake(ctx, district, rights.Input{Channel: rights.ChannelTransfer, SourceAgency: "police", Category: "person.harassment", Take: true,
		Narrative: "派出所转来：某公司女职员多次遭主管发送骚扰信息，已报警，需要妇联提供心理支持和法律咨询。",
		Parties:   []rights.PartyInput{{Role: rights.PartyVictim, Name: "陈某", AgeGroup: "adult"}}})
	if err != nil {
		return err
	}
	clock = at(19, 11)
	if err := rs.RecordConsent(ctx, district, tr, 0, rights.ConsentInput{Services: true, Refer: []string{"legal_aid", "counseling"}}); err != nil {
		return err
	}
	clock = at(19, 12)
	if err := rs.AddNote(ctx, district, tr, 0, rights.NoteContact, "电话联系本人，约定心理咨询时间"); err != nil {
		return err
	}
	if _, err := rs.Refer(ctx, district, tr, 0, rights.ReferInput{Agency: "legal_aid", DueOn: at(3, 9).In(db.Shanghai).Format(time.DateOnly)}); err != nil {
		return err
	}

	// A 维权 need found on the street's visit, turned into a case.
	needs, err := db.Column[int64](ctx, svc.DB.Q(), `SELECT id FROM needs WHERE category = 'rights' AND org_id = ? ORDER BY id`, street.OrgID)
	if err != nil {
		return err
	}
	if len(needs) > 0 {
		clock = at(9, 16)
		if _, err := rs.FromNeed(ctx, street, needs[0], "labour.maternity"); err != nil {
			return err
		}
	}

	// 南岗区: a request taken in but not called back within 24 hours (by
	// 花园街道's account, which the accounts' demo step makes: on a first
	// start it runs before this one).
	if huayuan, err := demoActor(ctx, svc, "huayuan.staff"); err == nil {
		clock = at(2, 8)
		if _, err := rs.Intake(ctx, huayuan, rights.Input{Channel: rights.ChannelHotline, Category: "property.homestead",
			Narrative: "来电人称丈夫去世后，婆家不让她和女儿继续居住在宅基地上的房屋。"}); err != nil {
			return err
		}
	}

	// And a woman's own request from the public form, this morning.
	clock = now.Add(-2 * time.Hour)
	_, err = rs.SubmitHelp(ctx, rights.HelpRequest{Category: "dv", OrgCode: "230102001001", NoCall: true, Consent: true,
		Text: "他喝多了就摔东西、骂我，昨天推了我一下撞到柜子上。我不敢打电话，怕被他听到。想知道怎么办。"}, "127.0.0.1")
	return err
}

// demoBruisePhoto draws the demo's photo of an injury (a skin tone with
// a bruise), a JPEG as a phone would send.
func demoBruisePhoto() ([]byte, error) {
	const w, h = 480, 360
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{uint8(226 - y/12), uint8(186 - y/10), uint8(160 - y/10), 255}
			dx, dy := float64(x-250)/90, float64(y-170)/55
			if d := dx*dx + dy*dy; d < 1 {
				k := 1 - d // darker towards the middle
				c = color.RGBA{uint8(float64(c.R) * (1 - .45*k)), uint8(float64(c.G) * (1 - .6*k)), uint8(float64(c.B) * (1 - .25*k)), 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	return b.Bytes(), err
}
