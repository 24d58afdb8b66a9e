package demo

import (
	"context"
	"fmt"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/study"
)

// studySeed is one demo activity: who held it, when (days before now),
// and whether it was about the seed notice.
type studySeed struct {
	code, user   string // the unit; the account recording it ("" = inserted directly)
	kind         study.Kind
	daysAgo      int
	topic, place string
	speaker      string
	people       int
	notice       bool
	summary      string
}

// studySeeds are two months of the demo units' study activities. Units
// without a demo account use the contact accounts the seed notice's loop
// created for its recipients (u<code>), or are inserted directly.
var studySeeds = []studySeed{
	{"2301", "city.leader", study.KindStudy, 58, "市妇联党组理论学习中心组专题学习中央党的群团工作会议精神", "市妇联三楼会议室", "杨杰", 23, true,
		"传达学习习近平总书记在中央党的群团工作会议上的重要讲话精神和《中共中央关于加强和改进党的群团工作的意见》，党组成员逐一交流学习体会，研究部署全市妇联系统学习贯彻工作。"},
	{"2301", "city.staff", study.KindSeminar, 45, "保持和增强政治性、先进性、群众性专题研讨会", "市妇联三楼会议室", "刘洋", 35, true,
		"机关各部室负责同志围绕“三性”要求，结合分管工作查找联系群众不紧密、服务基层不到位等问题，提出改进作风、服务基层的具体措施14条。"},
	{"2301", "city.staff", study.KindTraining, 30, "全市基层妇联干部群团工作专题培训班", "市委党校报告厅", "市委党校教研室", 186, true,
		"为期两天，各区县（市）妇联主席、街道（乡镇）妇联主席参加。围绕群团改革、网上妇联建设、联系服务妇女群众等内容进行专题辅导，分组讨论后形成学习心得。"},
	{"2301", "city.staff", study.KindLecture, 12, "“巾帼心向党”宣讲团进机关", "市直机关工委礼堂", "市妇联宣讲团", 140, false,
		"宣讲团成员结合身边的巾帼典型，宣讲中央党的群团工作会议精神和妇女事业发展成就，市直机关妇委会干部和女职工代表聆听宣讲。"},
	{"230102", "daoli.leader", study.KindStudy, 55, "区妇联党组专题学习习近平总书记重要讲话精神", "道里区妇联会议室", "王丽华", 18, true,
		"逐段学习讲话原文，结合道里区妇联工作实际，明确把学习贯彻会议精神作为当前首要政治任务，制定全区妇联系统学习方案。"},
	{"230102", "daoli.staff", study.KindTraining, 40, "道里区街道、社区妇联主席专题培训", "道里区委党校", "陈静", 96, true,
		"全区各街道、社区妇联主席参加培训，学习会议精神和群团改革要求，交流“妇女之家”建设经验，现场演示半边天工作平台的使用。"},
	{"230102", "daoli.leader", study.KindSeminar, 20, "查找“机关化、行政化、贵族化、娱乐化”问题专题研讨", "道里区妇联会议室", "王丽华", 24, true,
		"班子成员和机关干部对照“四化”问题逐条查摆，梳理出基层调研不够深入、活动形式单一等问题6项，明确整改责任人和时限。"},
	{"230102", "daoli.staff", study.KindLecture, 6, "中央大街商圈女职工宣讲会", "中央大街商圈妇联活动室", "陈静", 65, false,
		"走进商圈非公企业，向女职工宣讲群团工作会议精神和妇联维权服务项目，发放宣传资料200余份，现场解答咨询12人次。"},
	{"230103", "nangang.leader", study.KindStudy, 50, "南岗区妇联执委会专题学习", "南岗区妇联会议室", "李红梅", 31, true,
		"召开区妇联执委（扩大）会议，集中学习会议精神，执委们结合各自领域谈认识、谈打算，会议通过了全区妇联系统学习贯彻工作安排。"},
	{"230103", "nangang.leader", study.KindLecture, 33, "巾帼宣讲进社区——学习群团工作会议精神", "花园街道社区服务中心", "南岗区妇联宣讲小分队", 120, true,
		"宣讲小分队用群众听得懂的语言讲解会议精神，穿插家庭教育、妇女权益保护等内容，社区妇女群众踊跃参加。"},
	{"230103", "nangang.leader", study.KindTraining, 15, "南岗区“互联网+妇联”工作专题培训", "南岗区互联网企业妇联", "南岗区妇联", 78, false,
		"围绕做好网上工作、网上网下相互促进，培训基层妇联干部使用新媒体联系服务妇女群众，互联网企业女员工代表分享经验。"},
	{"230102001", "street.staff", study.KindStudy, 42, "兆麟街道妇联专题学习群团工作会议精神", "兆麟街道办事处会议室", "张秀英", 28, true,
		"街道妇联执委和各社区妇联主席集中学习通知要求，逐项对照本街道妇联工作，明确把服务重心放到社区、放到妇女群众身边。"},
	{"230102001", "street.staff", study.KindLecture, 25, "“妇女之家”学习宣讲会", "兆麟街道妇女之家", "张秀英", 46, false,
		"在妇女之家开展宣讲，结合辖区妇女创业就业、家庭教育需求讲解妇联能为大家办的实事，收集妇女群众意见建议9条。"},
	{"230102001", "street.staff", study.KindSeminar, 9, "社区妇联主席座谈研讨：如何更好联系服务妇女群众", "兆麟街道妇女之家", "张秀英", 19, true,
		"各社区妇联主席交流入户走访、访妇情的做法，研讨如何解决“找不到人、说不上话”的问题，形成改进措施5条。"},
	{"230102001001", "village.staff", study.KindStudy, 35, "社区妇联专题学习会", "省报社社区妇女之家", "孙桂芝", 22, true,
		"社区妇联执委、楼栋妇女小组长集中学习通知精神，围绕“妇联组织就在身边”谈体会，商定每月开展一次入户走访。"},
	{"230102001001", "village.staff", study.KindLecture, 14, "家门口的宣讲：听妇联讲群团工作会议精神", "省报社社区活动室", "孙桂芝", 38, false,
		"邀请社区老党员和巾帼志愿者一起宣讲，用身边人身边事讲解会议精神，居民反响热烈。"},
	{"230102001001", "village.staff", study.KindOther, 3, "“好家风好家训”读书分享会", "省报社社区妇女之家", "孙桂芝", 27, false,
		"社区妇女和孩子共读家风家训故事，交流家庭教育心得，推荐参加“冰城最美家庭”寻找活动的家庭3户。"},
	{"230104", "u230104", study.KindStudy, 52, "道外区妇联专题学习会", "道外区妇联会议室", "道外区妇联主席", 26, true,
		"传达学习会议精神和市妇联通知要求，研究制定全区妇联系统学习贯彻方案，明确时间表和责任人。"},
	{"230104", "u230104", study.KindTraining, 27, "道外区基层妇联干部培训班", "道外区委党校", "道外区妇联", 110, true,
		"培训街道、社区妇联干部，内容包括会议精神解读、妇联组织改革、妇女儿童权益保护，学员撰写心得体会80余篇。"},
	{"230108", "u230108", study.KindSeminar, 38, "平房区妇联改进作风专题研讨", "平房区妇联会议室", "平房区妇联主席", 17, true,
		"结合会议精神查找工作中存在的脱离群众问题，研讨以项目化方式为企业女职工办实事。"},
	{"230109", "u230109", study.KindStudy, 44, "松北区妇联党支部专题学习", "松北区妇联会议室", "松北区妇联", 21, true,
		"支部党员集中学习讲话精神，围绕科技创新城非公企业妇联建设交流意见，推动新领域妇联组织覆盖。"},
	{"230110", "u230110", study.KindLecture, 22, "香坊区巾帼志愿者宣讲活动", "香坊区文化馆", "香坊区巾帼志愿者宣讲团", 88, false,
		"巾帼志愿者深入街道社区开展宣讲6场，把会议精神和妇联惠民项目送到妇女群众身边。"},
	{"230184", "u230184", study.KindTraining, 18, "五常市乡镇妇联主席专题培训", "五常市委党校", "五常市妇联", 64, true,
		"全市乡镇妇联主席、部分村妇联主席参加培训，学习会议精神和农村妇女创业就业政策，交流“巾帼建功促发展”经验。"},
	{"230103001", "", study.KindStudy, 28, "花园街道妇联专题学习会", "花园街道办事处会议室", "花园街道妇联主席", 25, true,
		"街道妇联执委集中学习会议精神，结合辖区实际讨论如何把妇联工作做到楼院、做到家庭。"},
	{"230110001", "", study.KindLecture, 10, "社区巾帼宣讲进楼院", "香坊大街街道妇女之家", "街道巾帼宣讲员", 40, false,
		"宣讲员走进老旧小区楼院，宣讲会议精神和妇联维权热线，现场帮助3名妇女联系就业培训。"},
}

// seedStudy records the demo activities and counts those of the first
// unit with a still-open report in that report, so the report page shows
// its 学习活动 section filled in.
func seedStudy(ctx context.Context, svc *auth.Service, now time.Time) error {
	st := study.NewService(svc.DB, svc.Orgs)
	st.Now = func() time.Time { return now }
	var noticeID int64
	if err := svc.DB.QueryRow(ctx, `SELECT id FROM documents WHERE number = ?`, "哈妇发〔2015〕9号").Scan(&noticeID); err != nil {
		if db.NoRows(err) != db.ErrNotFound {
			return err
		}
		noticeID = 0 // documents not seeded: activities without the link
	}
	fallback, err := svc.UserByUsername(ctx, "city.staff")
	if err != nil {
		return err
	}
	byUnit := map[string][]int64{}
	for _, s := range studySeeds {
		o, err := svc.Orgs.ByCodeUnscoped(ctx, svc.DB.Q(), s.code)
		if err != nil {
			continue // a trimmed tree
		}
		in := study.Input{Kind: s.kind, HeldOn: now.In(db.Shanghai).AddDate(0, 0, -s.daysAgo).Format("2006-01-02"), Topic: s.topic,
			Place: s.place, Speaker: s.speaker, Participants: s.people, Summary: s.summary}
		if s.notice {
			in.DocID = noticeID
		}
		var id int64
		if u, err := svc.UserByUsername(ctx, s.user); s.user != "" && err == nil {
			x, err := st.Create(ctx, u.Actor("127.0.0.1"), in, nil)
			if err != nil {
				return fmt.Errorf("study %s: %w", s.topic, err)
			}
			id = x.ID
		} else if id, err = insertStudy(ctx, svc.DB, o, fallback.ID, in, now); err != nil {
			return fmt.Errorf("study %s: %w", s.topic, err)
		}
		byUnit[s.code] = append(byUnit[s.code], id)
	}
	return attachDemoStudy(ctx, svc, st, noticeID, byUnit)
}

// insertStudy stores an activity of a unit without a demo account.
func insertStudy(ctx context.Context, d *db.DB, o org.Org, by int64, in study.Input, now time.Time) (int64, error) {
	var doc any
	if in.DocID != 0 {
		doc = in.DocID
	}
	var id int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = db.InsertID(ctx, tx, `INSERT INTO study_activities (org_id, org_path, kind, held_on, topic, doc_id, place, speaker,
			participants, summary, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.ID, o.Path, string(in.Kind), in.HeldOn, in.Topic, doc, in.Place, in.Speaker, in.Participants, in.Summary, by,
			db.Millis(now), db.Millis(now))
		if err != nil {
			return err
		}
		return study.Counted(ctx, tx, id)
	})
	return id, err
}

// attachDemoStudy counts a unit's activities in its open report under the
// seed notice (the first unit with an account and such a report).
func attachDemoStudy(ctx context.Context, svc *auth.Service, st *study.Service, noticeID int64, byUnit map[string][]int64) error {
	if noticeID == 0 {
		return nil
	}
	for _, s := range studySeeds {
		ids := byUnit[s.code]
		if s.user == "" || len(ids) == 0 {
			continue
		}
		var rid int64
		err := svc.DB.QueryRow(ctx, `SELECT rp.id FROM reports rp JOIN requirements rq ON rq.id = rp.requirement_id
			WHERE rq.doc_id = ? AND rp.org_code = ? AND rp.status IN ('pending', 'draft', 'returned')`, noticeID, s.code).Scan(&rid)
		if err != nil {
			continue
		}
		u, err := svc.UserByUsername(ctx, s.user)
		if err != nil {
			continue
		}
		_, err = st.AttachToReport(ctx, u.Actor("127.0.0.1"), rid, ids)
		return err
	}
	return nil
}
