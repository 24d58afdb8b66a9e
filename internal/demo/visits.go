package demo

import (
	"context"
	"fmt"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/vault"
	"halfsky/internal/visit"
)

// visitSeed is one demo visit (days ago) and the needs heard on it.
type visitSeed struct {
	by, unit   string // demo account, visited unit
	ago        int
	place      string
	households int
	women      int
	companions string
	notes      string
	needs      []needSeed
}

// needSeed is a need; with consent some carry a name (and a contact when
// a follow-up needs one).
type needSeed struct {
	category, urgency, summary string
	name, contact              string // only with consent
	handTo, handWhy            string // a pending hand-over to this unit
	task                       *taskSeed
}

// taskSeed is the task made of a need: owner (an account or a name),
// started some days after the visit, due days from today, and where it
// stands.
type taskSeed struct {
	title, owner string
	after        int // days after the visit it was made
	due          int // days from today (negative: past)
	status       visit.TaskStatus
	closedAgo    int
	result       string
	feedback     string
}

// visitSeeds: two months of 下基层 by the street and community cadres of
// 兆麟街道, 道里区妇联 and the city, with needs in every category and tasks
// in every state — two overdue, one closed with 满意 — and a need the
// street has handed up to 道里区妇联 that waits for an answer.
var visitSeeds = []visitSeed{
	{by: "street.staff", unit: "230102001002", ago: 56, place: "索菲亚社区 中央大街沿线商户", households: 12, women: 15, companions: "社区妇联主席",
		notes: "走访沿街商户和个体经营户，了解女性从业人员就业和子女入托情况。",
		needs: []needSeed{
			{category: "employment", urgency: "urgent", summary: "商户关停后失业，希望学习家政或育婴技能再就业", name: "王秀兰", contact: "139****2817（本人同意回访）",
				task: &taskSeed{title: "推荐参加区妇联家政服务技能培训", owner: "street.staff", after: 2, due: -30, status: visit.TaskDone, closedAgo: 28,
					result: "已参加道里区妇联第三期家政培训并取得结业证书，经推荐在家政公司上岗", feedback: "satisfied"}},
			{category: "children", urgency: "normal", summary: "双职工家庭孩子放学后无人看护，希望社区开设课后托管"},
		}},
	{by: "village.staff", unit: "230102001001", ago: 50, place: "省报社社区 3 号楼、5 号楼", households: 9, women: 11,
		notes: "入户走访独居老人和困难家庭。",
		needs: []needSeed{
			{category: "hardship", urgency: "urgent", summary: "丈夫重病住院，家庭收入中断，孩子上学费用困难", name: "李淑华",
				task: &taskSeed{title: "协助申请临时救助和春蕾助学", owner: "village.staff", after: 1, due: -20, status: visit.TaskDone, closedAgo: 22,
					result: "已协助申请民政临时救助 3000 元，孩子纳入春蕾计划资助", feedback: "fair"}},
			{category: "health", urgency: "normal", summary: "希望了解农村和城镇低收入妇女两癌免费筛查的时间和地点"},
		}},
	{by: "daoli.staff", unit: "230102002", ago: 45, place: "新阳路街道 妇女之家", households: 0, women: 32, companions: "街道妇联干部 2 人",
		notes: "在妇女之家召开妇女座谈会，听取意见建议。",
		needs: []needSeed{
			{category: "rights", urgency: "critical", summary: "有妇女反映在务工单位遭遇拖欠工资，不知如何维权",
				task: &taskSeed{title: "联系区法律援助中心开展维权咨询", owner: "daoli.staff", after: 3, due: -5, status: visit.TaskDoing}},
			{category: "family", urgency: "normal", summary: "部分家庭婆媳矛盾突出，希望开展家庭教育和婚姻家庭辅导"},
			{category: "other", urgency: "normal", summary: "妇女之家活动场地冬季供暖不足"},
		}},
	{by: "street.staff", unit: "230102001003", ago: 40, place: "兆麟社区 老旧小区", households: 8, women: 10,
		notes: "走访老旧小区，了解留守妇女和单亲母亲情况。",
		needs: []needSeed{
			{category: "family", urgency: "urgent", summary: "单亲母亲一人照顾两个孩子，希望得到心理疏导和邻里互助", name: "赵丽",
				task: &taskSeed{title: "对接巾帼志愿者结对帮扶", owner: "兆麟社区妇联主席", after: 2, due: -3, status: visit.TaskTodo}},
			{category: "employment", urgency: "normal", summary: "希望社区提供手工编织等居家灵活就业机会"},
		}},
	{by: "city.staff", unit: "230103", ago: 35, place: "南岗区 妇女创业孵化基地", households: 0, women: 18, companions: "南岗区妇联负责同志",
		notes: "调研妇女创业就业工作，了解女性创业者融资需求。",
		needs: []needSeed{
			{category: "employment", urgency: "normal", summary: "女性创业者反映创业担保贷款手续繁琐、额度偏低",
				task: &taskSeed{title: "向人社部门反映并争取妇女创业担保贷款政策", owner: "city.staff", after: 5, due: 25, status: visit.TaskDoing}},
			{category: "family", urgency: "normal", summary: "创业女性反映工作家庭难兼顾，希望开展亲子活动和家庭教育指导"},
		}},
	{by: "village.staff", unit: "230102001001", ago: 28, place: "省报社社区 活动室", households: 0, women: 14,
		notes: "组织妇女议事会，收集身边事。",
		needs: []needSeed{
			{category: "children", urgency: "normal", summary: "社区儿童之家图书陈旧，希望补充绘本和益智玩具",
				task: &taskSeed{title: "为社区儿童之家募集图书和玩具", owner: "village.staff", after: 1, due: 2, status: visit.TaskTodo}},
			{category: "health", urgency: "urgent", summary: "孕期妇女希望得到产检和营养指导", name: "孙晓梅", contact: "本人同意，电话见纸质台账"},
		}},
	{by: "street.staff", unit: "230102001", ago: 21, place: "兆麟街道 辖区企业", households: 0, women: 26, companions: "街道工会",
		notes: "走访辖区非公企业，了解女职工权益保障情况。",
		needs: []needSeed{
			{category: "rights", urgency: "critical", summary: "企业女职工反映孕期被调岗降薪，需要法律援助和劳动监察介入",
				handTo: "230102", handWhy: "涉及劳动监察和法律援助，需区妇联协调区人社局、司法局"},
			{category: "employment", urgency: "normal", summary: "女职工希望企业开设母婴室",
				task: &taskSeed{title: "推动企业建设爱心母婴室", owner: "street.staff", after: 2, due: -15, status: visit.TaskUnable,
					closedAgo: 10, result: "企业场地已满且年内搬迁，无法建设；已协调就近的街道便民服务中心母婴室开放"}},
		}},
	{by: "daoli.staff", unit: "230102001", ago: 14, place: "兆麟街道 社区网格", households: 15, women: 17, companions: "兆麟街道妇联",
		notes: "随街道干部入户，了解困难妇女帮扶政策落实情况。",
		needs: []needSeed{
			{category: "hardship", urgency: "normal", summary: "残疾妇女希望得到辅具适配和居家就业帮扶"},
			{category: "health", urgency: "normal", summary: "更年期妇女希望开展健康知识讲座",
				task: &taskSeed{title: "邀请医院专家开展妇女健康讲座", owner: "daoli.staff", after: 1, due: 10, status: visit.TaskTodo}},
		}},
	{by: "street.staff", unit: "230102001002", ago: 6, place: "索菲亚社区 回访", households: 5, women: 6,
		notes: "回访前期帮扶对象，了解就业后的情况。",
		needs: []needSeed{
			{category: "children", urgency: "normal", summary: "寒假期间孩子无人照看，希望开办寒假爱心托管班"},
			{category: "hardship", urgency: "normal", summary: "再就业后收入仍不稳定，冬季取暖费有困难"},
		}},
	{by: "village.staff", unit: "230102001001", ago: 2, place: "省报社社区 1 号楼", households: 4, women: 5,
		notes: "入户宣传反家庭暴力法。",
		needs: []needSeed{
			{category: "rights", urgency: "urgent", summary: "邻居反映某户疑似存在家庭暴力，需持续关注并告知求助渠道"},
		}},
}

func seedVisits(ctx context.Context, svc *auth.Service, keys *vault.Keyring, now time.Time) error {
	vs := visit.NewService(svc.DB, svc.Orgs)
	vs.Vault = keys
	var clock time.Time
	vs.Now = func() time.Time { return clock }
	y, m, d := now.In(db.Shanghai).Date()
	// Things happen at 10:00 Beijing time on their day.
	day := func(offset int) time.Time { return time.Date(y, m, d+offset, 10, 0, 0, 0, db.Shanghai).UTC() }
	date := func(offset int) string { return day(offset).In(db.Shanghai).Format("2006-01-02") }
	actors := map[string]access.Actor{}
	actor := func(name string) (access.Actor, bool) {
		if a, ok := actors[name]; ok {
			return a, true
		}
		u, err := svc.UserByUsername(ctx, name)
		if err != nil {
			return access.Actor{}, false
		}
		actors[name] = u.Actor("127.0.0.1")
		return actors[name], true
	}
	if _, ok := actor("street.staff"); !ok {
		return nil // no demo accounts: nobody to visit
	}
	for i, s := range visitSeeds {
		a, ok := actor(s.by)
		if !ok {
			return fmt.Errorf("demo visit %d: no account %s", i, s.by)
		}
		clock = day(-s.ago)
		v, err := vs.CreateVisit(ctx, a, visit.VisitInput{OrgCode: s.unit, VisitedOn: date(-s.ago), Place: s.place,
			Companions: s.companions, Households: s.households, Women: s.women, Notes: s.notes}, nil)
		if err != nil {
			return fmt.Errorf("demo visit %d: %w", i, err)
		}
		for j, ns := range s.needs {
			if err := seedNeed(ctx, vs, a, v, ns, s.ago, &clock, day, date, actor); err != nil {
				return fmt.Errorf("demo visit %d need %d: %w", i, j, err)
			}
		}
	}
	city, _ := actor("city.leader")
	clock = day(0)
	from, to := visit.QuarterOf(date(0))
	_, err := vs.CreateQuota(ctx, city, visit.QuotaInput{OrgCode: "2301", Metric: "women", Target: 10, StartsOn: from, EndsOn: to,
		Title: "1+10+N：每名执委联系妇女不少于 10 人"})
	return err
}

func seedNeed(ctx context.Context, vs *visit.Service, a access.Actor, v visit.Visit, ns needSeed, ago int, clock *time.Time,
	day func(int) time.Time, date func(int) string, actor func(string) (access.Actor, bool)) error {
	*clock = day(-ago)
	n, err := vs.CreateNeed(ctx, a, visit.NeedInput{VisitID: v.ID, Category: ns.category, Urgency: ns.urgency, Summary: ns.summary,
		Consent: ns.name != "", PersonName: ns.name, Contact: ns.contact})
	if err != nil {
		return err
	}
	if ns.handTo != "" {
		*clock = day(-ago + 1)
		_, err := vs.HandOver(ctx, a, n.ID, visit.HandoverInput{ToCode: ns.handTo, Reason: ns.handWhy})
		return err
	}
	ts := ns.task
	if ts == nil {
		return nil
	}
	*clock = day(-ago + ts.after)
	in := visit.TaskInput{NeedID: n.ID, Title: ts.title, StartsOn: date(-ago + ts.after), DueOn: date(ts.due)}
	if owner, ok := actor(ts.owner); ok {
		in.OwnerID = owner.UserID
	} else {
		in.OwnerName = ts.owner
	}
	t, err := vs.CreateTask(ctx, a, in)
	if err != nil {
		return err
	}
	if ts.status == visit.TaskTodo {
		return nil
	}
	if _, err := vs.StartTask(ctx, a, t.ID); err != nil {
		return err
	}
	if ts.status == visit.TaskDoing {
		return nil
	}
	*clock = day(-ts.closedAgo)
	_, err = vs.CloseTask(ctx, a, t.ID, visit.CloseInput{Outcome: ts.status, Result: ts.result, Feedback: ts.feedback})
	return err
}
