package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/rectify"
	"halfsky/internal/study"
	"halfsky/internal/tally"
	"halfsky/internal/vault"
	"halfsky/internal/visit"
)

// The work-lines generator: one calendar year of believable activity, ending
// today, for every unit of the Harbin tree — study activities, visits, the
// needs heard on them (some handed over up the tree), the practical tasks
// made of the needs, quotas, and the problem ledger with its history — and
// the cadre accounts who did it. It writes straight into the tables in
// multi-row INSERTs, so a year for the whole city takes seconds, and it is
// deterministic: the same seed and day give the same rows.

// workScale is how many records the generator makes.
type workScale struct {
	Study, Visits, Needs, Problems int
}

// yearOfHarbin is the target: one realistic year for all units.
var yearOfHarbin = workScale{Study: 20_000, Visits: 50_000, Needs: 150_000, Problems: 10_000}

// genUnit is a unit of the tree as the generator sees it.
type genUnit struct {
	ID     int64
	Code   string
	Kind   string
	Path   string
	Parent int // index in workGen.units, -1 for the root
	Cadres []genUser
}

type genUser struct {
	ID   int64
	Name string
}

// workGen generates one year of work for the units already in d.
type workGen struct {
	d     *db.DB
	r     *rand.Rand
	scale workScale
	today time.Time // Beijing midnight of today
	units []genUnit
	now   int64 // ms: no generated moment is later
	// visits are kept between generating them and their needs.
	visits []genVisit
	// next id per table: rows get explicit ids so later rows can refer to
	// them without reading them back.
	next map[string]int64
	// Rows counts what was written, by table.
	Rows map[string]int64
	// Took is how long each table's generation and insert took.
	Took map[string]time.Duration
	// Vault seals a woman's name and contact as the visit module does
	// (the pages cannot show rows they cannot open; nil leaves them
	// empty), and at the end every other sealed field (vault.SealPlain).
	Vault *vault.Keyring
	// Overdue counts open tasks and problems past their due date.
	OverdueTasks, OverdueProblems int64
	Handovers                     int64
}

func newWorkGen(d *db.DB, scale workScale, seed uint64, now time.Time) *workGen {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	t := now.In(loc)
	return &workGen{d: d, r: rand.New(rand.NewPCG(seed, 2015)), scale: scale,
		today: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc), now: db.Millis(now),
		next: map[string]int64{}, Rows: map[string]int64{}, Took: map[string]time.Duration{}}
}

// Run generates everything, table family by table family.
func (g *workGen) Run(ctx context.Context) error {
	if err := g.loadUnits(ctx); err != nil {
		return err
	}
	for _, step := range []struct {
		name string
		fn   func(context.Context, *db.Tx) error
	}{
		{"users", g.genUsers}, {"study_activities", g.genStudy}, {"visits", g.genVisits},
		{"needs", g.genNeeds}, {"quotas", g.genQuotas}, {"problems", g.genProblems},
	} {
		start := time.Now()
		err := g.d.InTx(ctx, func(tx *db.Tx) error {
			restore, err := bigCache(ctx, tx)
			if err != nil {
				return err
			}
			if err := g.skipForeignKeys(ctx, tx); err != nil {
				return err
			}
			if err := step.fn(ctx, tx); err != nil {
				return err
			}
			return restore()
		})
		if err != nil {
			return fmt.Errorf("generate %s: %w", step.name, err)
		}
		g.Took[step.name] = time.Since(start)
	}
	// The free text as the modules keep it: sealed and indexed for search,
	// the way the start-up step does an earlier version's rows.
	if g.Vault != nil {
		start := time.Now()
		if _, err := vault.SealPlain(ctx, g.d, g.Vault, nil); err != nil {
			return fmt.Errorf("seal: %w", err)
		}
		g.Took["seal"] = time.Since(start)
	}
	// The rows were written past the modules: their counters are counted
	// afresh, as an operator's `stats rebuild` would after a bulk load.
	start := time.Now()
	if err := g.d.InTx(ctx, func(tx *db.Tx) error {
		for _, f := range []tally.Family{visit.VisitFamily, visit.WomenFamily, visit.NeedFamily, visit.NeedMonthFamily, visit.TaskFamily,
			study.CountFamily, study.PeopleFamily, rectify.Family} {
			s := time.Now()
			if err := tally.Refill(ctx, tx, f); err != nil {
				return err
			}
			g.Took["counters "+f.Name] = time.Since(s)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("counters: %w", err)
	}
	g.Took["counters"] = time.Since(start)
	return g.resetSequences(ctx)
}

// bigCache gives SQLite's connection a 256 MB page cache for the length of
// a bulk transaction — with the default 2 MB, a year of needs spills to the
// WAL and is read back, five times slower — and returns how to put the
// connection's own size back (it goes back to the pool and serves pages).
func bigCache(ctx context.Context, tx *db.Tx) (func() error, error) {
	if tx.Dialect() != db.SQLite {
		return func() error { return nil }, nil
	}
	var old int64
	if err := tx.QueryRow(ctx, `PRAGMA cache_size`).Scan(&old); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `PRAGMA cache_size = -262144`); err != nil {
		return nil, err
	}
	return func() error {
		_, err := tx.Exec(ctx, `PRAGMA cache_size = `+strconv.FormatInt(old, 10))
		return err
	}, nil
}

// skipForeignKeys turns PostgreSQL's foreign-key triggers off for the rest
// of the transaction, as pg_restore --disable-triggers does: checking five
// keys per task row one by one is most of a bulk load's time. It needs a
// superuser (the test cluster's); TestWorkGen checks that the rows hang
// together instead.
func (g *workGen) skipForeignKeys(ctx context.Context, tx *db.Tx) error {
	if tx.Dialect() != db.Postgres {
		return nil
	}
	var super bool
	if err := tx.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil || !super {
		return err
	}
	_, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`)
	return err
}

// Total is the number of rows written.
func (g *workGen) Total() int64 {
	var n int64
	for _, v := range g.Rows {
		n += v
	}
	return n
}

func (g *workGen) loadUnits(ctx context.Context) error {
	rows, err := g.d.Query(ctx, `SELECT id, code, kind, path, COALESCE(parent_id, 0) FROM orgs WHERE active = 1 ORDER BY path`)
	if err != nil {
		return err
	}
	defer rows.Close()
	index := map[int64]int{}
	var parents []int64
	for rows.Next() {
		var u genUnit
		var parent int64
		if err := rows.Scan(&u.ID, &u.Code, &u.Kind, &u.Path, &parent); err != nil {
			return err
		}
		index[u.ID] = len(g.units)
		g.units = append(g.units, u)
		parents = append(parents, parent)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, p := range parents {
		g.units[i].Parent = -1
		if j, ok := index[p]; ok {
			g.units[i].Parent = j
		}
	}
	if len(g.units) == 0 {
		return fmt.Errorf("no units: load the tree first")
	}
	for _, t := range []string{"users", "study_activities", "visits", "needs", "need_handovers", "tasks", "quotas", "problems", "problem_updates"} {
		var max int64
		if err := g.d.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+t).Scan(&max); err != nil {
			return err
		}
		g.next[t] = max + 1
	}
	return nil
}

// id hands out the next id of table.
func (g *workGen) id(table string) int64 {
	id := g.next[table]
	g.next[table]++
	return id
}

// resetSequences moves PostgreSQL's identity sequences past the explicit
// ids (SQLite's AUTOINCREMENT follows them by itself).
func (g *workGen) resetSequences(ctx context.Context) error {
	if g.d.Dialect != db.Postgres {
		return nil
	}
	for t := range g.next {
		if _, err := g.d.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT MAX(id) FROM `+t+`))`); err != nil {
			return fmt.Errorf("sequence of %s: %w", t, err)
		}
	}
	return nil
}

// ---- bulk insert

// batchRows is how many rows go in one INSERT (well under both engines'
// limits on bound parameters: 500 × 20 columns = 10,000).
const batchRows = 500

// batcher collects rows of one table and writes them in multi-row INSERTs
// of batchRows. A held batcher keeps its rows until its final flush: rows
// that refer to another table's rows (tasks to needs) wait until all of
// those are written, so every INSERT is a full batch of one statement text
// (prepared once) and no foreign key points ahead.
type batcher struct {
	g     *workGen
	tx    *db.Tx
	table string
	cols  int
	head  string
	full  string // the statement for a full batch, built once
	args  []any
	held  bool
}

func (g *workGen) batch(tx *db.Tx, table string, cols string) *batcher {
	n := len(strings.Split(cols, ","))
	return &batcher{g: g, tx: tx, table: table, cols: n, head: `INSERT INTO ` + table + ` (` + cols + `) VALUES `,
		args: make([]any, 0, n*batchRows)}
}

// hold makes b keep its rows until flush.
func (b *batcher) hold() *batcher {
	b.held = true
	return b
}

func (b *batcher) add(ctx context.Context, vals ...any) error {
	if len(vals) != b.cols {
		return fmt.Errorf("%s: %d values for %d columns", b.table, len(vals), b.cols)
	}
	b.args = append(b.args, vals...)
	if !b.held && len(b.args) == b.cols*batchRows {
		return b.flush(ctx)
	}
	return nil
}

// flush writes every row collected.
func (b *batcher) flush(ctx context.Context) error {
	for len(b.args) > 0 {
		n := min(len(b.args)/b.cols, batchRows)
		q := b.full
		if n != batchRows || q == "" {
			q = b.statement(n)
			if n == batchRows {
				b.full = q
			}
		}
		if _, err := b.tx.Exec(ctx, q, b.args[:n*b.cols]...); err != nil {
			return fmt.Errorf("insert into %s: %w", b.table, err)
		}
		b.g.Rows[b.table] += int64(n)
		b.args = b.args[n*b.cols:]
	}
	b.args = b.args[:0:0]
	if !b.held {
		b.args = make([]any, 0, b.cols*batchRows)
	}
	return nil
}

func (b *batcher) statement(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", b.cols), ",") + ")"
	var s strings.Builder
	s.Grow(len(b.head) + rows*(len(one)+1))
	s.WriteString(b.head)
	for i := range rows {
		if i > 0 {
			s.WriteByte(',')
		}
		s.WriteString(one)
	}
	return s.String()
}

// ---- dates and choices

// day is the date offset days from today (negative: past), as stored.
func (g *workGen) day(offset int) string { return g.today.AddDate(0, 0, offset).Format("2006-01-02") }

// at is a Beijing office-hours moment on the day offset from today, in ms.
func (g *workGen) at(offset int) int64 {
	t := g.today.AddDate(0, 0, offset).Add(8*time.Hour + time.Duration(g.r.IntN(10*3600))*time.Second)
	return min(db.Millis(t), g.now)
}

// pastDay picks a day of the last year, weekdays four times as likely as
// weekends and a little more activity in spring and autumn.
func (g *workGen) pastDay() int {
	for {
		off := -g.r.IntN(365)
		t := g.today.AddDate(0, 0, off)
		w := 1.0
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w = 0.25
		}
		switch t.Month() {
		case time.March, time.April, time.May, time.September, time.October, time.November:
			w *= 1.2
		case time.February:
			w *= 0.6 // Spring Festival
		}
		if g.r.Float64()*1.2 < w {
			return off
		}
	}
}

// pick chooses an index by weight.
func (g *workGen) pick(weights []float64) int { return pickWeighted(g.r, weights) }

// pickWeighted chooses an index by weight with r.
func pickWeighted(r *rand.Rand, weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	x := r.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func (g *workGen) one(pool []string) string { return pool[g.r.IntN(len(pool))] }

func (g *workGen) chance(p float64) bool { return g.r.Float64() < p }

// unitPicker draws units in proportion to a weight per kind of unit, times
// a fixed activity factor per unit (some units are much busier than others).
type unitPicker struct {
	idx []int
	cum []float64
}

func (g *workGen) unitPicker(perKind map[string]float64) unitPicker {
	var p unitPicker
	var sum float64
	for i, u := range g.units {
		w := perKind[u.Kind]
		if w == 0 {
			continue
		}
		sum += w * g.activity(i)
		p.idx = append(p.idx, i)
		p.cum = append(p.cum, sum)
	}
	return p
}

func (p unitPicker) pick(r *rand.Rand) int {
	x := r.Float64() * p.cum[len(p.cum)-1]
	return p.idx[sort.SearchFloat64s(p.cum, x)]
}

// activity is a unit's busyness, log-normal around 1 and the same for every
// work line (a busy community visits, studies and finds problems alike).
func (g *workGen) activity(i int) float64 {
	h := uint64(g.units[i].ID)*0x9E3779B97F4A7C15 + 0x2015
	r := rand.New(rand.NewPCG(h, h>>17))
	return math.Exp(0.6 * r.NormFloat64())
}

// cadre picks who acted for unit i: mostly its own cadres; with pAbove, one
// of the parent's (or, less often, the grandparent's).
func (g *workGen) cadre(i int, pAbove float64) genUser {
	u := i
	if g.units[i].Parent >= 0 && g.chance(pAbove) {
		u = g.units[i].Parent
		if g.units[u].Parent >= 0 && g.chance(0.3) {
			u = g.units[u].Parent
		}
	}
	c := g.units[u].Cadres
	return c[g.r.IntN(len(c))]
}

// ---- users

// cadresPerKind is how many cadre accounts each kind of unit has: two per
// community and village, more higher up (about 7,000 in Harbin).
var cadresPerKind = map[string]int{"city": 8, "district": 5, "street": 2, "community": 2, "village": 2}

func (g *workGen) genUsers(ctx context.Context, tx *db.Tx) error {
	// The demo accounts count as their units' cadres too.
	existing := map[int64][]genUser{}
	rows, err := tx.Query(ctx, `SELECT id, display_name, org_id FROM users WHERE role IN ('leader', 'staff')`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var u genUser
		var org int64
		if err := rows.Scan(&u.ID, &u.Name, &org); err != nil {
			rows.Close()
			return err
		}
		existing[org] = append(existing[org], u)
	}
	rows.Close()
	b := g.batch(tx, "users", "id, username, display_name, password_hash, org_id, role, created_at, updated_at")
	created := g.at(-400)
	for i := range g.units {
		u := &g.units[i]
		u.Cadres = existing[u.ID]
		n := cadresPerKind[u.Kind]
		if n == 0 {
			n = 1 // organs' committees, group members, new-sector units
		}
		for k := range n {
			c := genUser{ID: g.id("users"), Name: g.personName()}
			role := "staff"
			if k == 0 {
				role = "leader"
			}
			// "!" is no argon2id hash: these accounts cannot sign in.
			if err := b.add(ctx, c.ID, "w"+u.Code+"-"+strconv.Itoa(k+1), c.Name, "!", u.ID, role, created, created); err != nil {
				return err
			}
			u.Cadres = append(u.Cadres, c)
		}
	}
	return b.flush(ctx)
}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗",
	"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "于", "董", "潘", "姜", "崔", "范", "金", "石"}
var givenNames = []string{"秀英", "桂英", "秀兰", "玉兰", "桂兰", "丽", "静", "敏", "燕", "艳", "娟", "霞", "红", "丽华", "淑珍", "淑华",
	"凤英", "玉梅", "海燕", "雪", "春梅", "晓燕", "慧", "婷", "丹", "红梅", "玉珍", "桂芝", "丽娟", "美玲", "亚楠", "欣怡", "雨涵", "佳慧", "晓丽", "明霞"}

func (g *workGen) personName() string { return g.one(surnames) + g.one(givenNames) }

// ---- study

var (
	studyKinds  = []string{"study", "seminar", "training", "lecture", "other"}
	studyKindW  = []float64{40, 20, 20, 15, 5}
	studyTopics = []string{"学习贯彻中央党的群团工作会议精神", "专题学习习近平总书记关于妇女工作的重要论述", "保持和增强政治性先进性群众性专题研讨",
		"妇联干部能力提升专题培训", "巾帼宣讲进社区", "学习《中共中央关于加强和改进党的群团工作的意见》", "家庭家教家风建设专题学习",
		"“四个全面”战略布局专题宣讲", "妇女权益保障法学习", "基层妇联组织建设经验交流", "“巾帼建功”主题学习会", "反家庭暴力法宣讲",
		"执委履职能力培训", "网上妇联工作培训", "“最美家庭”事迹分享会", "两癌筛查政策宣讲"}
	studyPlaces   = []string{"会议室", "党群服务中心", "妇女之家", "新时代文明实践站", "社区活动室", "村委会", "多功能厅", "线上视频会议"}
	studySpeakers = []string{"妇联主席", "党委副书记", "宣讲团成员", "市妇联宣传部", "党校教师", "执委代表", "巾帼志愿者", "法律顾问"}
	studySummary  = []string{"与会人员结合工作实际交流了学习体会。", "会议传达了上级精神，部署了下一步工作。", "开展了专题讨论，形成了整改清单。",
		"邀请专家进行辅导，参会人员反响热烈。", "通过线上线下结合方式组织学习。", "围绕服务妇女群众谈认识、谈打算。"}
)

func (g *workGen) genStudy(ctx context.Context, tx *db.Tx) error {
	units := g.unitPicker(map[string]float64{"city": 300, "district": 100, "street": 12, "community": 3, "village": 2.5,
		"organ": 30, "member": 15, "newsector": 15})
	b := g.batch(tx, "study_activities", "id, org_id, org_path, kind, held_on, topic, place, speaker, participants, summary, created_by, created_at, updated_at")
	for range g.scale.Study {
		i := units.pick(g.r)
		u := g.units[i]
		off := g.pastDay()
		size := map[string]int{"city": 150, "district": 80, "street": 40}[u.Kind]
		if size == 0 {
			size = 18
		}
		created := g.at(min(off+g.r.IntN(3), 0))
		if err := b.add(ctx, g.id("study_activities"), u.ID, u.Path, studyKinds[g.pick(studyKindW)], g.day(off), g.one(studyTopics),
			g.one(studyPlaces), g.one(studySpeakers), size/2+g.r.IntN(size+1), g.one(studySummary), g.cadre(i, 0).ID, created, created); err != nil {
			return err
		}
	}
	return b.flush(ctx)
}

// ---- visits, needs, hand-overs, tasks

type genVisit struct {
	ID    int64
	Unit  int
	Day   int
	Cadre genUser
}

var (
	visitPlaces = []string{"居民家中", "社区服务站", "田间地头", "企业车间", "村卫生室", "小区广场", "养老服务中心", "学校门口", "商户店铺"}
	visitNotes  = []string{"入户走访，了解家庭生活情况。", "走访留守妇女，宣传妇联服务政策。", "看望困难单亲母亲，送去慰问品。",
		"与创业女性座谈，了解融资需求。", "走访“最美家庭”，听取意见建议。", "了解留守儿童看护情况。", "宣传两癌筛查和妇女维权热线。", ""}
)

func (g *workGen) genVisits(ctx context.Context, tx *db.Tx) error {
	units := g.unitPicker(map[string]float64{"city": 150, "district": 65, "street": 20, "community": 13, "village": 13,
		"organ": 8, "member": 5, "newsector": 10})
	b := g.batch(tx, "visits", "id, org_id, org_path, cadre_id, cadre_name, companions, visited_on, place, households, women, notes, created_at, updated_at")
	g.visits = make([]genVisit, 0, g.scale.Visits)
	for range g.scale.Visits {
		i := units.pick(g.r)
		u := g.units[i]
		v := genVisit{ID: g.id("visits"), Unit: i, Day: g.pastDay(), Cadre: g.cadre(i, 0.2)}
		companions := ""
		if g.chance(0.4) {
			companions = g.personName()
			if g.chance(0.3) {
				companions += "、" + g.personName()
			}
		}
		households := 1 + g.r.IntN(6)
		created := g.at(v.Day)
		if err := b.add(ctx, v.ID, u.ID, u.Path, v.Cadre.ID, v.Cadre.Name, companions, g.day(v.Day), g.one(visitPlaces),
			households, households+g.r.IntN(2*households+1), g.one(visitNotes), created, created); err != nil {
			return err
		}
		g.visits = append(g.visits, v)
	}
	return b.flush(ctx)
}

var (
	needCategories = []string{"employment", "family", "rights", "hardship", "children", "health", "other"}
	needCategoryW  = []float64{25, 20, 8, 20, 15, 10, 2}
	needSummaries  = map[string][]string{
		"employment": {"希望参加家政技能培训后就业", "想在家附近找灵活就业岗位", "创业需要小额担保贷款", "手工编织产品缺少销路", "电商直播技能培训需求"},
		"family":     {"夫妻矛盾需要调解", "婆媳关系紧张希望调解", "家庭教育方法困惑", "子女沉迷网络需要指导", "老人照护压力大"},
		"rights":     {"遭受家庭暴力需要帮助", "离婚财产分割咨询", "劳动合同纠纷咨询", "土地承包权益受损", "被拖欠工资"},
		"hardship":   {"单亲母亲生活困难", "因病致贫申请救助", "住房漏雨需要维修", "冬季取暖费用困难", "残疾子女护理负担重"},
		"children":   {"留守儿童课后无人看护", "孩子入学需要协调", "困境儿童申请春蕾助学", "儿童心理健康辅导需求", "假期托管需求"},
		"health":     {"希望参加两癌免费筛查", "慢性病用药负担重", "产后康复知识需求", "心理疏导需求", "需要陪同就医"},
		"other":      {"希望社区开设广场舞场地", "反映小区照明不足", "希望组织读书会", "法律知识讲座需求"},
	}
	urgencies  = []string{"normal", "urgent", "critical"}
	urgencyW   = []float64{80, 17, 3}
	taskTitles = map[string][]string{
		"employment": {"推荐参加巾帼家政培训班", "对接辖区企业提供就业岗位", "协助申请创业担保贷款", "联系电商平台拓展销路"},
		"family":     {"组织婚姻家庭纠纷调解", "开展家庭教育指导", "链接社工提供家庭支持"},
		"rights":     {"转介法律援助并跟踪", "协调有关部门处置", "陪同办理人身安全保护令申请"},
		"hardship":   {"协助申请临时救助", "联系爱心企业结对帮扶", "协调维修住房", "申请冬季取暖补贴"},
		"children":   {"安排“妇女之家”课后托管", "协助办理入学手续", "申报春蕾助学", "安排心理咨询师辅导"},
		"health":     {"预约两癌免费筛查", "协助办理慢病医保", "组织产后康复讲座", "安排志愿者陪同就医"},
		"other":      {"协调社区解决", "向街道反映并跟踪", "组织开展相关活动"},
	}
	taskResults  = []string{"已落实，当事人表示满意。", "已协调解决，回访情况良好。", "已办结，相关材料已归档。", "问题已解决，持续跟踪关注。"}
	unableReason = []string{"超出妇联职能范围，已告知当事人相关渠道。", "当事人不再需要帮助。", "政策条件不符合，已做好解释。", "当事人联系不上。"}
	feedbacks    = []string{"satisfied", "fair", "unsatisfied"}
	feedbackW    = []float64{80, 15, 5}
	handReasons  = []string{"超出社区办理能力，需街道协调", "涉及多个部门，请求上级协调", "需要法律援助资源", "涉及跨区协调"}
	handReplies  = []string{"已接收，安排专人办理。", "已接收。", "请社区继续跟进，街道予以指导。", "不属于本级职责，请转相关部门。"}
	taskDays     = []int{7, 15, 30, 30, 30, 45, 60, 90}
)

// needsPerVisit weights how many needs one visit records (mean about 2.6).
var needsPerVisitW = []float64{5, 20, 25, 22, 15, 8, 5}

// genNeeds writes the needs — most from visits, the rest recorded on their
// own — with their hand-overs and tasks, in one pass.
func (g *workGen) genNeeds(ctx context.Context, tx *db.Tx) error {
	needs := g.batch(tx, "needs", "id, visit_id, origin_org_id, origin_path, org_id, org_path, category, urgency, summary, consent, person_name, contact, status, recorded_by, recorded_on, created_at, updated_at")
	hand := g.batch(tx, "need_handovers", "id, need_id, from_org_id, to_org_id, to_path, reason, status, reply, sent_by, sent_at, decided_by, decided_at").hold()
	tasks := g.batch(tx, "tasks", "id, need_id, org_id, org_path, title, detail, owner_id, owner_name, starts_on, due_on, status, result, feedback, closed_on, closed_by, created_by, created_at, updated_at").hold()
	own := g.unitPicker(map[string]float64{"city": 20, "district": 15, "street": 8, "community": 5, "village": 5, "newsector": 3})
	made := 0
	for _, v := range g.visits {
		for range g.pick(needsPerVisitW) {
			if made == g.scale.Needs {
				break
			}
			if err := g.need(ctx, needs, hand, tasks, v.ID, v.Unit, v.Day, v.Cadre); err != nil {
				return err
			}
			made++
		}
	}
	for ; made < g.scale.Needs; made++ {
		i := own.pick(g.r)
		if err := g.need(ctx, needs, hand, tasks, 0, i, g.pastDay(), g.cadre(i, 0)); err != nil {
			return err
		}
	}
	for _, b := range []*batcher{needs, hand, tasks} {
		if err := b.flush(ctx); err != nil {
			return err
		}
	}
	g.visits = nil
	return nil
}

func (g *workGen) need(ctx context.Context, needs, hand, tasks *batcher, visit int64, unit, day int, by genUser) error {
	id := g.id("needs")
	origin := g.units[unit]
	cat := needCategories[g.pick(needCategoryW)]
	created := g.at(day)
	var visitID any
	if visit != 0 {
		visitID = visit
	}
	consent, person, contact := 0, "", ""
	if g.chance(0.4) {
		consent = 1
		name, phone := g.personName(), ""
		if g.chance(0.3) {
			phone = fmt.Sprintf("1%d%09d", 3+g.r.IntN(7), g.r.IntN(1_000_000_000))
		}
		var err error
		if person, contact, err = g.seal(name, phone); err != nil {
			return err
		}
	}
	// About 2% are handed over, mostly up to the street.
	owner, handing := unit, false
	if origin.Parent >= 0 && g.chance(0.02) {
		to := origin.Parent
		if g.units[to].Parent >= 0 && g.chance(0.15) {
			to = g.units[to].Parent
		}
		status, reply, decider, decidedAt := "accepted", "", any(nil), any(nil)
		switch x := g.r.Float64(); {
		case x < 0.2 || day > -3:
			status = "pending"
			handing = true
		case x < 0.3:
			status = "refused"
		}
		if status != "pending" {
			c := g.cadre(to, 0)
			reply, decider, decidedAt = g.one(handReplies), c.ID, g.at(min(day+1+g.r.IntN(3), 0))
			if status == "accepted" {
				owner = to
			}
		}
		tu := g.units[to]
		if err := hand.add(ctx, g.id("need_handovers"), id, origin.ID, tu.ID, tu.Path, g.one(handReasons), status, reply,
			by.ID, created, decider, decidedAt); err != nil {
			return err
		}
		g.Handovers++
	}
	// Tasks: about two in three needs become one (rarely more).
	n := 0
	if !handing {
		switch x := g.r.Float64(); {
		case x < 0.59:
			n = 1
		case x < 0.62:
			n = 2
		case x < 0.624:
			n = 3
		}
	}
	status := "open"
	switch {
	case handing:
		status = "handing"
	case n == 0 && day > -30:
		status = []string{"open", "open", "resolved"}[g.r.IntN(3)]
	case n == 0:
		status = []string{"resolved", "resolved", "resolved", "resolved", "resolved", "resolved", "resolved", "closed", "closed", "open"}[g.r.IntN(10)]
	default:
		open, done := false, false
		for range n {
			st, row := g.task(id, owner, cat, day)
			if err := tasks.add(ctx, row...); err != nil {
				return err
			}
			open = open || st == "todo" || st == "doing"
			done = done || st == "done"
		}
		switch {
		case open:
			status = "tasked"
		case done:
			status = "resolved"
		default:
			status = "closed"
		}
	}
	o := g.units[owner]
	return needs.add(ctx, id, visitID, origin.ID, origin.Path, o.ID, o.Path, cat, urgencies[g.pick(urgencyW)],
		g.one(needSummaries[cat]), consent, person, contact, status, by.ID, g.day(day), created, created)
}

var (
	needName    = vault.Register("needs", "id", "person_name")
	needContact = vault.Register("needs", "id", "contact")
)

// seal seals a name and a contact for the needs table.
func (g *workGen) seal(name, contact string) (string, string, error) {
	if g.Vault == nil {
		return "", "", nil
	}
	name, err := g.Vault.Seal(needName.Purpose(), name)
	if err != nil {
		return "", "", err
	}
	contact, err = g.Vault.Seal(needContact.Purpose(), contact)
	return name, contact, err
}

// task makes one task row for a need recorded on day, and its status.
// Young tasks are mostly still open, old ones mostly closed: about 70% done,
// 10% unable, 12% doing and 8% to do over the year.
func (g *workGen) task(need int64, unit int, cat string, day int) (string, []any) {
	u := g.units[unit]
	start := min(day+g.r.IntN(8), 0)
	length := taskDays[g.r.IntN(len(taskDays))]
	due := start + length
	age := float64(-start)
	status := "done"
	if g.r.Float64() < 0.8*math.Exp(-age/60)+0.05 {
		status = "doing"
		if g.chance(0.4) {
			status = "todo"
		}
		if due < 0 && g.chance(0.7) {
			due = g.r.IntN(30) + 1 // the deadline was extended
		}
		if due < 0 {
			g.OverdueTasks++
		}
	} else if g.chance(0.125) {
		status = "unable"
	}
	owner, creator := g.cadre(unit, 0), g.cadre(unit, 0)
	created := g.at(start)
	result, feedback, closedOn, closedBy, updated := "", "", any(nil), any(nil), created
	if status == "done" || status == "unable" {
		closed := min(start+1+g.r.IntN(length+10), 0)
		closedOn, closedBy, updated = g.day(closed), owner.ID, g.at(closed)
		result = g.one(unableReason)
		if status == "done" {
			result, feedback = g.one(taskResults), feedbacks[g.pick(feedbackW)]
		}
	}
	return status, []any{g.id("tasks"), need, u.ID, u.Path, g.one(taskTitles[cat]), "", owner.ID, owner.Name,
		g.day(start), g.day(due), status, result, feedback, closedOn, closedBy, creator.ID, created, updated}
}

// ---- quotas

func (g *workGen) genQuotas(ctx context.Context, tx *db.Tx) error {
	b := g.batch(tx, "quotas", "id, org_id, org_path, set_by_org, metric, target, starts_on, ends_on, title, created_by, created_at")
	year := strconv.Itoa(g.today.Year())
	add := func(i, setter int, metric string, target int, title string) error {
		return b.add(ctx, g.id("quotas"), g.units[i].ID, g.units[i].Path, g.units[setter].ID, metric, target,
			year+"-01-01", year+"-12-31", title, g.cadre(setter, 0).ID, g.at(-g.r.IntN(30)))
	}
	// The city's "1+10+N" for everyone, and a visits quota; a few
	// districts and streets add their own.
	if err := add(0, 0, "women", 10, "“1+10+N”：每名执委联系10名妇女"); err != nil {
		return err
	}
	if err := add(0, 0, "visits", 12, "每名干部每月至少走访1次"); err != nil {
		return err
	}
	set := 0
	for i, u := range g.units {
		if set >= 8 {
			break
		}
		switch {
		case u.Kind == "district" && set < 4:
			err := add(i, i, "visits", 24, "下基层走访每半月1次")
			if err == nil {
				err = add(i, i, "needs", 10, "收集妇女需求不少于10条")
			}
			if err != nil {
				return err
			}
			set++
		case u.Kind == "street" && set >= 4 && g.chance(0.2):
			if err := add(i, u.Parent, "tasks_done", 5, "为妇女群众办实事不少于5件"); err != nil {
				return err
			}
			set++
		}
	}
	return b.flush(ctx)
}

// ---- problems

var (
	problemCats  = []string{"organ", "admin", "elite", "leisure", "style", "ability", "other"}
	problemCatW  = []float64{25, 20, 10, 10, 15, 15, 5}
	problemDescs = map[string][]string{
		"organ":   {"机关干部下基层次数少，联系妇女群众不够紧密", "工作方式习惯于开会发文，深入一线少", "服务窗口办事流程繁琐"},
		"admin":   {"工作部署依赖行政手段，发动群众不够", "基层妇联填表报数负担重", "考核指标偏重台账材料"},
		"elite":   {"活动对象多为精英女性，普通妇女参与少", "帮扶资源向条件好的群体集中", "评选表彰基层一线比例偏低"},
		"leisure": {"活动偏重文艺娱乐，思想引领不足", "节日活动形式化，实际效果不明显", "活动流于热闹，缺少服务内容"},
		"style":   {"个别干部服务意识不强，办事拖拉", "回应群众诉求不及时", "调查研究浮于表面"},
		"ability": {"运用网络开展工作能力不足", "维权业务知识欠缺", "执委作用发挥不充分"},
		"other":   {"妇女之家阵地利用率不高", "基层妇联工作经费保障不足", "与相关部门协作机制不健全"},
	}
	problemMeasures = []string{"建立干部联系基层制度，每月下基层不少于2次", "精简会议文件，减轻基层负担", "开展能力提升培训",
		"拓展服务普通妇女的项目", "建立诉求办理限时反馈机制", "完善妇女之家活动计划并公示", "建立执委履职档案"}
	problemSources = []string{"self", "public", "inspection"}
	problemSrcW    = []float64{60, 25, 15}
	problemModes   = []string{"now", "deadline", "ongoing"}
	problemModeW   = []float64{45, 40, 15}
	positions      = []string{"主席", "副主席", "执委", "办公室主任", "组织部部长", "宣传部部长"}
	progressNotes  = []string{"已召开专题会议研究整改措施。", "整改措施已部分落实。", "已制定制度文件并印发。", "已完成阶段性整改，持续推进。"}
	returnReasons  = []string{"整改佐证材料不充分，请补充。", "整改措施未完全落实。", "请补充群众满意度评价。"}
)

func (g *workGen) genProblems(ctx context.Context, tx *db.Tx) error {
	units := g.unitPicker(map[string]float64{"city": 80, "district": 40, "street": 6, "community": 1.5, "village": 1.2,
		"organ": 20, "member": 10, "newsector": 8})
	probs := g.batch(tx, "problems", "id, org_id, org_path, category, source, description, measures, responsible, mode, plan, found_on, due_on, status, applied_at, applied_by, closed_at, closed_by, closed_by_org, return_reason, created_by, created_at, updated_at")
	updates := g.batch(tx, "problem_updates", "id, problem_id, kind, note, by_user, by_name, by_org, at").hold()
	reviews := g.batch(tx, "problem_reviews", "problem_id, review_on, done_at").hold()
	for range g.scale.Problems {
		if err := g.problem(ctx, probs, updates, reviews, units.pick(g.r)); err != nil {
			return err
		}
	}
	for _, b := range []*batcher{probs, updates, reviews} {
		if err := b.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (g *workGen) problem(ctx context.Context, probs, updates, reviews *batcher, i int) error {
	id := g.id("problems")
	u := g.units[i]
	found := g.pastDay()
	cat := problemCats[g.pick(problemCatW)]
	mode := problemModes[g.pick(problemModeW)]
	by := g.cadre(i, 0)
	verifier := i // the unit above verifies; the city verifies itself
	if u.Parent >= 0 {
		verifier = g.units[i].Parent
	}
	var err error // the first failed add, checked at the end
	update := func(kind, note string, who genUser, org int64, day int) {
		if err == nil {
			err = updates.add(ctx, g.id("problem_updates"), id, kind, note, who.ID, who.Name, org, g.at(day))
		}
	}
	var due any
	plan := ""
	status := "open"
	dueDay := 0
	switch mode {
	case "now":
		dueDay = found + 7 + g.r.IntN(24)
	case "deadline":
		dueDay = found + 30 + g.r.IntN(150)
		plan = "分阶段推进：" + g.one(problemMeasures)
	default:
		plan = "长期坚持，每季度回头看"
	}
	if mode != "ongoing" {
		due = g.day(dueDay)
		x := g.r.Float64()
		if dueDay >= 0 {
			status = pickStatus(x, []string{"open", "applied", "returned", "closed"}, []float64{0.7, 0.2, 0.05, 0.05})
		} else {
			status = pickStatus(x, []string{"open", "applied", "returned", "closed"}, []float64{0.1, 0.1, 0.05, 0.75})
		}
		if dueDay < 0 && status != "closed" {
			g.OverdueProblems++
		}
	}
	// History: a progress note or three, then applying, returning, closing.
	last := found
	for range 1 + g.r.IntN(3) {
		last = min(last+1+g.r.IntN(20), 0)
		update("progress", g.one(progressNotes), g.cadre(i, 0), u.ID, last)
	}
	var appliedAt, appliedBy, closedAt, closedBy, closedByOrg any
	reason := ""
	if status != "open" {
		last = min(last+1+g.r.IntN(10), 0)
		appliedAt, appliedBy = g.at(last), by.ID
		update("apply", "整改完成，申请销号。", by, u.ID, last)
	}
	vc := g.cadre(verifier, 0)
	switch status {
	case "returned":
		last = min(last+1+g.r.IntN(7), 0)
		reason = g.one(returnReasons)
		update("return", reason, vc, g.units[verifier].ID, last)
	case "closed":
		last = min(last+1+g.r.IntN(7), 0)
		closedAt, closedBy, closedByOrg = g.at(last), vc.ID, g.units[verifier].ID
		update("close", "经核查整改到位，同意销号。", vc, g.units[verifier].ID, last)
	}
	if mode == "ongoing" {
		for r := found + 90; r <= found+365; r += 90 {
			var done any
			if r < 0 && g.chance(0.85) {
				done = g.at(r)
				update("review", "开展季度回头看，整改成效巩固。", g.cadre(i, 0), u.ID, r)
			}
			if err == nil {
				err = reviews.add(ctx, id, g.day(r), done)
			}
		}
	}
	if err != nil {
		return err
	}
	created := g.at(found)
	return probs.add(ctx, id, u.ID, u.Path, cat, problemSources[g.pick(problemSrcW)], g.one(problemDescs[cat]), g.one(problemMeasures),
		g.one(positions)+" "+g.personName(), mode, plan, g.day(found), due, status, appliedAt, appliedBy, closedAt, closedBy, closedByOrg,
		reason, by.ID, created, g.at(last))
}

func pickStatus(x float64, names []string, p []float64) string {
	for i, w := range p {
		if x < w {
			return names[i]
		}
		x -= w
	}
	return names[len(names)-1]
}
