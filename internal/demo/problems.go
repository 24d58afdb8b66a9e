package demo

import (
	"context"
	"fmt"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/rectify"
	"halfsky/internal/vault"
)

// problemSeed is one demo ledger entry: who records it, days before today
// it was found, its deadline (days from today, for now and deadline
// items) or review dates (ongoing), and how far it has come.
type problemSeed struct {
	by       string // demo account of the unit
	category string
	source   string
	desc     string
	measures string
	resp     string
	mode     string
	plan     string
	found    int   // days ago
	due      int   // days from today; 0 = the default (立行立改) or none
	reviews  []int // days from today (ongoing)
	steps    []problemStep
}

// problemStep is something done on the item, days ago: progress, a
// review, an application, a return or a closing by the account given.
type problemStep struct {
	ago  int
	by   string
	kind string // progress, review, apply, return, close
	note string
}

// problemSeeds are problems the notice asks units to find in themselves
// (机关化、行政化、贵族化、娱乐化 …), at every stage and in every colour:
// the city's own, 道里区 with one waiting for the city, one returned, one
// closed and some overdue, and the street and community below it.
var problemSeeds = []problemSeed{
	{by: "city.office", category: "organ", source: "self", resp: "王芳",
		desc:     "机关部室文件多、会议多，深入基层调研时间不足，部分同志对基层妇联实际情况掌握不准",
		measures: "建立机关干部联系区县（市）妇联和基层妇联制度，每名干部每月下基层不少于 4 天，调研情况按月通报",
		mode:     rectify.ModeOngoing, found: 60, reviews: []int{-30, 25, 55},
		steps: []problemStep{{32, "city.office", "progress", "印发《市妇联机关干部联系基层制度》，18 个区县（市）妇联均已明确联系人"},
			{30, "city.office", "review", "第一次复查：机关干部 10 月人均下基层 4.5 天，形成调研报告 6 篇"}}},
	{by: "city.staff", category: "admin", source: "public", resp: "刘洋",
		desc:     "对区县妇联考核以报表、台账为主，基层反映填表负担重，重留痕轻实效",
		measures: "精简考核报表，合并同类统计项，推行网上报送，考核以群众满意度为主要依据",
		mode:     rectify.ModeDeadline, plan: "本月梳理全部报表，下月印发精简后的考核办法，年底前全部改为网上报送",
		found: 40, due: 5,
		steps: []problemStep{{20, "city.staff", "progress", "已梳理报表 23 张，拟合并为 9 张，征求意见稿已发各区县（市）妇联"}}},
	{by: "city.staff", category: "ability", source: "inspection", resp: "刘洋",
		desc:     "网上工作能力不足，市妇联微信公众号更新慢、互动少，网上网下结合不紧",
		measures: "组建网络宣传骨干队伍，公众号每周更新不少于 3 次，开设“妇联在身边”留言回复栏目",
		mode:     rectify.ModeDeadline, plan: "一个月内组建队伍并完成培训，两个月内栏目上线，建立留言 48 小时内回复制度",
		found: 70, due: -20,
		steps: []problemStep{{50, "city.staff", "progress", "网络宣传骨干队伍已组建，共 12 人，完成首期培训"}}},

	{by: "daoli.staff", category: "organ", source: "self", resp: "王丽华",
		desc:     "区妇联机关干部下基层少，联系社区妇联主要靠电话和微信群，面对面听取妇女意见不够",
		measures: "实行机关干部包街道、包社区制度，每周三为“下基层日”，走访情况登记备查",
		mode:     rectify.ModeDeadline, plan: "两周内完成包片分工，此后每周三下基层，每月汇总走访记录并在机关会议上通报",
		found: 45, due: 10,
		steps: []problemStep{{30, "daoli.staff", "progress", "包片分工已完成，机关 9 名干部分别联系 9 个街道"},
			{8, "daoli.staff", "progress", "已连续 5 周落实“下基层日”，累计走访社区 37 个、入户 112 户"},
			{2, "daoli.staff", "apply", "包片制度已建立并运行一个多月，走访记录齐全，申请销号"}}},
	{by: "daoli.staff", category: "leisure", source: "inspection", resp: "陈静",
		desc:     "部分社区妇女活动以广场舞、文艺汇演为主，思想引领、技能培训和家庭教育内容少",
		measures: "各社区每季度至少开展一次家庭教育讲座和一次技能培训，文体活动中融入政策宣讲",
		mode:     rectify.ModeDeadline, plan: "本季度制定全区活动指导目录，下季度起纳入社区妇联工作考评",
		found: 50, due: 20,
		steps: []problemStep{{25, "daoli.staff", "progress", "已印发活动指导目录，举办家庭教育讲座 6 场"},
			{12, "daoli.staff", "apply", "各社区已按目录开展活动，申请销号"},
			{9, "city.staff", "return", "佐证材料仅有活动照片，缺少培训签到表和效果评估，请补充后再申请销号"}}},
	{by: "daoli.staff", category: "elite", source: "public", resp: "王丽华",
		desc:     "“巾帼创业”评选对象集中在企业家，基层普通妇女、农村妇女参与少",
		measures: "评选名额向社区、农村和灵活就业妇女倾斜，由社区妇联推荐",
		mode:     rectify.ModeNow, found: 35,
		steps: []problemStep{{28, "daoli.staff", "progress", "修订评选办法，基层推荐名额不少于一半"},
			{20, "daoli.staff", "apply", "新办法已印发执行，本届推荐人选中基层妇女占 60%"},
			{18, "city.staff", "close", "经核查，评选办法已修订并执行，同意销号"}}},
	{by: "daoli.staff", category: "style", source: "public", resp: "陈静",
		desc:     "信访接待窗口工作日中午和周末无人值守，群众反映找人难",
		measures: "实行中午轮岗、周末值班，公开值班电话",
		mode:     rectify.ModeNow, found: 40},
	{by: "daoli.leader", category: "admin", source: "self", resp: "王丽华",
		desc:     "个别社区“妇女之家”挂牌后活动少，有的仅用于迎检",
		measures: "对全区“妇女之家”逐一复查，每月至少开展两次活动，活动情况定期上报",
		mode:     rectify.ModeOngoing, found: 30, reviews: []int{-5, 25}},

	{by: "street.staff", category: "organ", source: "public", resp: "张秀英",
		desc:     "街道妇联办公室坐班多、入户少，群众反映找不到人",
		measures: "每周二、四下午到社区接待，公开联系电话，建立入户走访台账",
		mode:     rectify.ModeDeadline, plan: "本月建立接待制度和入户台账，下月起每月入户不少于 30 户",
		found: 25, due: 3,
		steps: []problemStep{{10, "street.staff", "progress", "接待制度已公示，本月已入户 18 户"}}},
	{by: "street.staff", category: "ability", source: "self", resp: "张秀英",
		desc:     "新任街道妇联主席对妇联业务不熟悉，妇女维权工作流程不清楚",
		measures: "参加区妇联业务培训，对照维权工作流程逐项学习，跟班学习一个月",
		mode:     rectify.ModeNow, found: 28,
		steps: []problemStep{{15, "street.staff", "progress", "已参加区妇联业务培训两期"},
			{3, "street.staff", "apply", "已完成培训和跟班学习，独立办理维权咨询 5 件，申请销号"}}},
	{by: "village.staff", category: "style", source: "inspection", resp: "孙桂芝",
		desc:     "社区妇联执委名单多年未调整，部分执委已迁出，无法正常履职",
		measures: "按程序增补执委，吸收楼栋长、志愿者和新就业形态妇女",
		mode:     rectify.ModeDeadline, plan: "一个月内摸底，两个月内完成增补",
		found: 65, due: -10,
		steps: []problemStep{{40, "village.staff", "progress", "已增补执委 4 名，其中快递从业女性 1 名"},
			{30, "village.staff", "apply", "执委增补完成，名单已公示，申请销号"},
			{27, "street.staff", "close", "名单已公示无异议，同意销号"}}},
	{by: "village.staff", category: "other", source: "public", resp: "孙桂芝",
		desc:     "群众反映“爱心妈妈”结对帮扶名单和帮扶情况公开不及时",
		measures: "在社区公开栏和居民群按季度公开结对情况，隐去儿童个人信息",
		mode:     rectify.ModeNow, found: 6},

	{by: "nangang.leader", category: "admin", source: "inspection", resp: "李红梅",
		desc:     "区妇联工作部署层层发文，以会议落实会议，基层疲于应付",
		measures: "能合并的会议合并，能不发的文件不发，推行现场办公",
		mode:     rectify.ModeDeadline, plan: "本季度会议、发文数量同比压减三分之一",
		found: 80, due: -30,
		steps: []problemStep{{50, "nangang.leader", "progress", "本季度发文同比减少 38%，会议减少 41%"},
			{45, "nangang.leader", "apply", "会议发文压减目标已完成，申请销号"},
			{40, "city.staff", "close", "数据核实无误，同意销号"}}},
	{by: "nangang.leader", category: "leisure", source: "self", resp: "李红梅",
		desc:     "“三八”节活动以联欢会、游园为主，维权宣传和服务内容少",
		measures: "节日活动同步开展法律咨询、健康义诊和岗位推介",
		mode:     rectify.ModeOngoing, found: 20, reviews: []int{40, 100}},
	{by: "nangang.leader", category: "elite", source: "public", resp: "李红梅",
		desc:     "部分活动场地设在高档酒店，与普通妇女群众距离远",
		measures: "活动一律安排在社区、妇女之家等公共场所",
		mode:     rectify.ModeNow, found: 10, due: 6},
}

// seedProblems fills the problem ledger with problemSeeds, each recorded
// and worked on by its unit's demo account on its own days.
func seedProblems(ctx context.Context, svc *auth.Service, keys *vault.Keyring, now time.Time) error {
	rs := rectify.NewService(svc.DB, svc.Orgs)
	rs.Vault = keys
	var clock time.Time
	rs.Now = func() time.Time { return clock }
	loc := db.Shanghai
	// Things happen at 10:00 Beijing time on their day.
	y, m, d := now.In(loc).Date()
	day := func(offset int) time.Time { return time.Date(y, m, d+offset, 10, 0, 0, 0, loc).UTC() }
	date := func(offset int) string { return day(offset).In(loc).Format("2006-01-02") }
	actors := map[string]access.Actor{}
	actor := func(name string) (access.Actor, error) {
		if a, ok := actors[name]; ok {
			return a, nil
		}
		u, err := svc.UserByUsername(ctx, name)
		if err != nil {
			return access.Actor{}, err
		}
		actors[name] = u.Actor("127.0.0.1")
		return actors[name], nil
	}
	if _, err := actor("city.staff"); err != nil {
		return nil // no demo accounts: nobody to record problems
	}
	for i, s := range problemSeeds {
		a, err := actor(s.by)
		if err != nil {
			return err
		}
		in := rectify.Input{Category: s.category, Source: s.source, Description: s.desc, Measures: s.measures,
			Responsible: s.resp, Mode: s.mode, Plan: s.plan, FoundOn: date(-s.found)}
		if s.due != 0 {
			in.DueOn = date(s.due)
		}
		for _, r := range s.reviews {
			in.Reviews = append(in.Reviews, date(r))
		}
		clock = day(-s.found)
		id, err := rs.Create(ctx, a, in)
		if err != nil {
			return fmt.Errorf("demo problem %d: %w", i, err)
		}
		for _, st := range s.steps {
			b, err := actor(st.by)
			if err != nil {
				return err
			}
			clock = day(-st.ago)
			switch st.kind {
			case "progress", "review":
				err = rs.AddProgress(ctx, b, id, rectify.Progress{Note: st.note, Review: st.kind == "review"})
			case "apply":
				err = rs.Apply(ctx, b, id, st.note)
			case "return":
				err = rs.Return(ctx, b, id, st.note)
			case "close":
				err = rs.Close(ctx, b, id, st.note)
			}
			if err != nil {
				return fmt.Errorf("demo problem %d, %s: %w", i, st.kind, err)
			}
		}
	}
	return nil
}
