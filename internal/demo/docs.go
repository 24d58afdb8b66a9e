package demo

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/docimport"
	"halfsky/internal/org"
	"halfsky/internal/report"
)

// seedNotice is 哈妇发〔2015〕9号 as text extracted from its PDF: the notice
// halfsky's specification comes from.
//
//go:embed seed_notice.txt
var seedNotice string

// SeedNotice returns the seed notice's text.
func SeedNotice() string { return seedNotice }

// loop is the demo's cast and clocks for the seed notice's loop.
type loop struct {
	ctx    context.Context
	svc    *auth.Service
	docs   *doc.Service
	reps   *report.Service
	now    time.Time
	clock  time.Time // what the services see
	pw     string
	actors map[string]access.Actor
}

// SeedDocuments puts the seed notice in place as an issued document with
// its reporting requirement (学习贯彻情况, to 市妇联宣传部), distributed to
// its recipients, and the units at every stage of reporting: most have
// reported (some accepted), one was returned, one is overdue, a few were
// granted extensions and one asks for one. A second notice waits for
// review. It does nothing when documents exist.
//
// The notice was issued on 2015-08-11 as 哈妇发〔2015〕9号; the demo runs
// that workflow with the clock set to that day and the 2015 register at 8,
// standing for the eight notices issued before the platform. The reporting
// deadline is two days before today, so the loop is current.
func SeedDocuments(ctx context.Context, svc *auth.Service, password string, now time.Time) error {
	var n int
	if err := svc.DB.QueryRow(ctx, `SELECT COUNT(*) FROM documents`).Scan(&n); err != nil || n > 0 {
		return err
	}
	l := &loop{ctx: ctx, svc: svc, now: now, pw: password, actors: map[string]access.Actor{}}
	l.docs = doc.NewService(svc.DB, svc.Orgs)
	l.reps = report.NewService(svc.DB, svc.Orgs, l.docs)
	report.Wire(l.docs, l.reps)
	clock := func() time.Time { return l.clock }
	l.docs.Now, l.reps.Now = clock, clock
	d, req, err := l.issueNotice()
	if err != nil {
		return fmt.Errorf("seed notice: %w", err)
	}
	if err := l.reportBack(d, req); err != nil {
		return fmt.Errorf("seed reports: %w", err)
	}
	return l.draftForReview()
}

func (l *loop) at(t time.Time) { l.clock = t.UTC().Truncate(time.Millisecond) }

// actor returns (creating if needed) a staff account at the unit.
func (l *loop) actor(username, name, code string, role access.Role) (access.Actor, error) {
	if a, ok := l.actors[username]; ok {
		return a, nil
	}
	u, err := l.svc.UserByUsername(l.ctx, username)
	if err != nil {
		u, err = l.svc.CreateUserAsOperator(l.ctx, auth.NewUser{Username: username, DisplayName: name,
			Password: l.pw, OrgCode: code, Role: role})
		if err != nil {
			return access.Actor{}, err
		}
		if err := Backdate(l.ctx, l.svc.DB, u.ID); err != nil {
			return access.Actor{}, err
		}
	}
	a := u.Actor("127.0.0.1")
	l.actors[username] = a
	return a, nil
}

func beijing(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, db.Shanghai)
}

func (l *loop) issueNotice() (doc.Document, report.Requirement, error) {
	ctx := l.ctx
	staff, err := l.actor("city.staff", "", "2301", access.Staff)
	if err != nil {
		return doc.Document{}, report.Requirement{}, err
	}
	office, err := l.actor("city.office", "王芳（办公室）", "2301", access.Staff)
	if err != nil {
		return doc.Document{}, report.Requirement{}, err
	}
	leader, err := l.actor("city.leader", "", "2301", access.Leader)
	if err != nil {
		return doc.Document{}, report.Requirement{}, err
	}
	parsed, _, err := docimport.Parse(seedNotice)
	if err != nil {
		return doc.Document{}, report.Requirement{}, err
	}
	city, err := l.svc.Orgs.ByCodeUnscoped(ctx, l.svc.DB.Q(), "2301")
	if err != nil {
		return doc.Document{}, report.Requirement{}, err
	}
	base, err := l.docs.Defaults(ctx, staff)
	if err != nil {
		return doc.Document{}, report.Requirement{}, err
	}
	f, _ := l.docs.FromImport(ctx, city, base, parsed)
	f.Signers = nil // set by the leader's sign-off
	if _, err := l.svc.DB.Exec(ctx, `INSERT INTO doc_numbers (abbr, year, last_seq) VALUES ('哈妇发', 2015, 8)`); err != nil {
		return doc.Document{}, report.Requirement{}, err
	}
	l.at(beijing(2015, 8, 10, 9, 30))
	d, err := l.docs.Create(ctx, staff, f)
	if err != nil {
		return doc.Document{}, report.Requirement{}, err
	}
	due := l.now.In(db.Shanghai).AddDate(0, 0, -2).Format("2006-01-02")
	req, err := l.reps.AddRequirement(ctx, staff, d.ID, report.RequirementInput{
		Title: "学习贯彻情况", Department: "市妇联宣传部", DueDate: due,
		Detail: "请报送组织专题学习、专题研讨、专题培训的情况和成效，反映学习动态、交流学习成果。",
		Fields: []report.Field{{Key: "sessions", Label: "专题学习研讨场次", Unit: "场"}, {Key: "people", Label: "参加人数", Unit: "人"}, {Key: "trainings", Label: "专题培训期数", Unit: "期"}},
	})
	if err != nil {
		return doc.Document{}, report.Requirement{}, err
	}
	steps := []func() error{
		func() error { return l.docs.Submit(ctx, staff, d.ID) },
		func() error {
			l.at(beijing(2015, 8, 10, 15, 10))
			return l.docs.Review(ctx, office, d.ID, true, "文字、格式已核")
		},
		func() error { l.at(beijing(2015, 8, 11, 8, 40)); return l.docs.Sign(ctx, leader, d.ID, "同意印发") },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return doc.Document{}, report.Requirement{}, err
		}
	}
	l.at(beijing(2015, 8, 11, 10, 0))
	d, err = l.docs.Issue(ctx, staff, d.ID)
	return d, req, err
}

// names of the demo's district and unit contacts, by position.
var contacts = []string{"王丽华", "李红梅", "张秀英", "刘桂兰", "陈静", "杨晓燕", "赵淑芬", "黄玉兰", "周丽娟", "吴秀珍",
	"徐海燕", "孙桂芝", "马春梅", "朱红霞", "胡丽萍", "郭玉梅", "何淑珍", "高丽", "林晓红", "罗秀兰", "梁玉华", "宋丽",
	"郑桂香", "谢春燕", "韩雪", "唐丽君", "冯艳"}

// reportBack walks each recipient unit to its place in the loop.
func (l *loop) reportBack(d doc.Document, req report.Requirement) error {
	ctx := l.ctx
	staff := l.actors["city.staff"]
	receipts, err := l.docs.Receipts(ctx, staff, d.ID)
	if err != nil {
		return err
	}
	dueAt, _ := report.DueAt(req.DueDate)
	for i, rc := range receipts {
		if rc.Kind != "main" {
			continue
		}
		a, err := l.unitActor(i, rc)
		if err != nil {
			return err
		}
		if err := l.play(i, a, d, req, dueAt); err != nil {
			return fmt.Errorf("%s: %w", rc.OrgName, err)
		}
	}
	return nil
}

// unitActor is the contact person of a recipient unit (the demo's own
// accounts where they exist).
func (l *loop) unitActor(i int, rc doc.Receipt) (access.Actor, error) {
	switch rc.OrgCode {
	case "230102":
		return l.actor("daoli.staff", "", rc.OrgCode, access.Staff)
	case "230103":
		return l.actor("nangang.leader", "", rc.OrgCode, access.Leader)
	}
	return l.actor("u"+rc.OrgCode, contacts[i%len(contacts)], rc.OrgCode, access.Staff)
}

// play moves one unit through its part: the i-th recipient's role in the
// demo is decided by its position, so every state shows.
func (l *loop) play(i int, a access.Actor, d doc.Document, req report.Requirement, dueAt time.Time) error {
	ctx := l.ctx
	staff := l.actors["city.staff"]
	mine, err := l.reps.ForDocument(ctx, a, d.ID)
	if err != nil || len(mine) != 1 {
		return fmt.Errorf("report row: %v", err)
	}
	rid := mine[0].ID
	in := report.Input{
		Body: fmt.Sprintf("%s认真组织学习中央党的群团工作会议精神：召开党组（扩大）会议专题学习%d次，举办专题研讨会和基层妇联干部专题培训班，"+
			"深入查找“机关化、行政化、贵族化、娱乐化”问题，持续开展“下基层、访妇情、办实事”活动。", a.OrgName, 2+i%4),
		Numbers: map[string]float64{"sessions": float64(2 + i%4), "people": float64(40 + 23*i%260), "trainings": float64(1 + i%3)},
	}
	receive := func(t time.Time) error { l.at(t); return l.docs.Receive(ctx, a, d.ID) }
	early := dueAt.Add(-time.Duration(20-i%7) * 24 * time.Hour)
	switch {
	case i == 16: // not yet signed for; granted an extension
		l.at(dueAt.Add(-3 * 24 * time.Hour))
		if err := l.reps.RequestExtension(ctx, a, rid, fmtDate(l.now.AddDate(0, 0, 10)), "本单位班子调整，学习安排顺延"); err != nil {
			return err
		}
		l.at(dueAt.Add(-2 * 24 * time.Hour))
		return l.reps.DecideExtension(ctx, staff, rid, true, "同意延期")
	case i == 11: // signed for, never reported: overdue
		return receive(early)
	case i == 17: // asked for an extension the day before the deadline; not yet decided
		if err := receive(early); err != nil {
			return err
		}
		l.at(dueAt.Add(-24 * time.Hour))
		return l.reps.RequestExtension(ctx, a, rid, fmtDate(l.now.AddDate(0, 0, 5)), "正在组织专题培训，需待培训结束后一并报送")
	case i >= 12 && i <= 15 || i >= 24: // granted extensions, due within days
		if err := receive(early); err != nil {
			return err
		}
		l.at(dueAt.Add(-4 * 24 * time.Hour))
		if err := l.reps.RequestExtension(ctx, a, rid, fmtDate(l.now.AddDate(0, 0, 2+i%2*6)), "基层学习活动尚未全部结束"); err != nil {
			return err
		}
		l.at(dueAt.Add(-3 * 24 * time.Hour))
		return l.reps.DecideExtension(ctx, staff, rid, true, "同意")
	}
	// Everyone else signed for it and reported on time.
	if err := receive(early); err != nil {
		return err
	}
	l.at(dueAt.Add(-time.Duration(3+i%5) * 24 * time.Hour))
	if err := l.reps.Submit(ctx, a, rid, in); err != nil {
		return err
	}
	l.at(dueAt.Add(-2 * 24 * time.Hour))
	switch {
	case i == 10: // returned for more detail
		return l.reps.Return(ctx, staff, rid, "请补充专题研讨和专题培训的具体开展情况及参加人员范围")
	case i%3 != 2:
		return l.reps.Accept(ctx, staff, rid)
	}
	return nil
}

func fmtDate(t time.Time) string { return t.In(db.Shanghai).Format("2006-01-02") }

// draftForReview leaves a second notice waiting for the office's review.
func (l *loop) draftForReview() error {
	ctx := l.ctx
	staff := l.actors["city.staff"]
	l.at(l.now.Add(-26 * time.Hour))
	f, err := l.docs.Defaults(ctx, staff)
	if err != nil {
		return err
	}
	year := l.now.In(db.Shanghai).Year()
	f.Abbr = "哈妇发"
	f.Title = fmt.Sprintf("哈尔滨市妇联关于开展%d年度寻找“冰城最美家庭”活动的通知", year)
	f.RecipientSpec = []doc.Target{{Group: org.KindDistrict}}
	f.Body = []string{
		"为深入推进家庭文明建设，培育和践行社会主义核心价值观，市妇联决定在全市常态化开展寻找“冰城最美家庭”活动。现将有关事项通知如下。",
		"一、活动内容",
		"以“好家风、好家训”为主题，通过群众推荐、网上展示、公众投票等方式，寻找和宣传一批爱国守法、家庭和睦、孝老爱亲、科学教子、邻里互助的最美家庭。",
		"二、工作要求",
		"（一）各区县（市）妇联要广泛发动，层层推荐，确保推荐家庭有代表性、群众认可。",
		"（二）推荐材料请于规定时间内通过半边天工作平台报送。",
	}
	d, err := l.docs.Create(ctx, staff, f)
	if err != nil {
		return err
	}
	l.at(l.now.Add(-25 * time.Hour))
	return l.docs.Submit(ctx, staff, d.ID)
}
