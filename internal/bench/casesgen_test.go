package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/rights"
	"halfsky/internal/tally"
	"halfsky/internal/vault"
)

// The cases generator: three years of 巾帼维权 cases for the Harbin tree,
// ending today — the 12338 calls the city's and the districts' hotlines
// answer, walk-ins at every level, letters, other agencies' transfers and
// the public form's requests for help, in a realistic mix of categories,
// some anonymous — as the intakes the units' staff would make (or the
// public form would send), in the order of their moments. It writes
// nothing itself: the benchmark takes every one in through
// rights.Service.Intake or SubmitHelp (that is what is measured).
//
// It also plans where each case stands today, by its age: still in its
// unit's inbox, taken, in hand (contacted, routed), danger-assessed (a
// 家庭暴力 case), referred to agencies, escalated, or closed with an
// outcome and her satisfaction. casesSettle moves the cases there
// afterwards — setup, not measured — one transaction a case, the counters
// kept as the service keeps them (tally.TrackEach): walking 100,000 cases
// through their handling one service call at a time would measure the
// handling, not the inbox and the statistics.

// caseSeed makes every run generate the same cases.
const caseSeed = 20151203

// caseJob is one intake: at a unit, at a moment, by its staff (a cadre's
// Input) or through the public form (Help, Public).
type caseJob struct {
	Unit   int // index in workGen.units
	At     time.Time
	Public bool
	In     rights.Input
	Help   rights.HelpRequest
	Plan   casePlan
}

// casePlan is where a case stands today.
type casePlan struct {
	Inbox     bool  // no one has taken it (it stays received, no handler)
	Handler   int64 // who has it: the intake's own cadre, or one of the unit's
	Contacted time.Duration
	Routed    time.Duration // 0: no route decided yet
	Consent   bool
	Items     []string // a 家庭暴力 case's danger items answered yes; nil: not assessed
	Referrals []string // agencies
	Escalated string   // "", "pending" or "accepted": sent up to the unit above
	Closed    time.Duration
	Outcome   string
	Satisfied string
}

// Category returns the job's category code.
func (j caseJob) Category() string {
	if j.Public {
		return j.Help.Category
	}
	return j.In.Category
}

// Channel returns the job's channel.
func (j caseJob) Channel() string {
	if j.Public {
		return rights.ChannelOnline
	}
	return j.In.Channel
}

// caseGen generates the intakes for the units the work generator loaded.
type caseGen struct {
	r     *rand.Rand
	n     int
	now   time.Time
	today time.Time // Beijing midnight today
	w     *workGen
	staff map[int64]access.Actor // each unit's first staff account
	// levels pick a unit of a level by its busyness: city, district,
	// street, local (community or village).
	levels map[string]unitPicker
	Jobs   []caseJob
}

// caseDays is how far back the cases go: three years.
const caseDays = 3 * 365

func newCaseGen(n int, w *workGen, staff map[int64]access.Actor, now time.Time) *caseGen {
	t := now.In(db.Shanghai)
	g := &caseGen{r: rand.New(rand.NewPCG(caseSeed, 12338)), n: n, now: now, w: w, staff: staff,
		today: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, db.Shanghai)}
	g.levels = map[string]unitPicker{
		"city":     w.unitPicker(map[string]float64{"city": 1}),
		"district": w.unitPicker(map[string]float64{"district": 1}),
		"street":   w.unitPicker(map[string]float64{"street": 1}),
		// Urban communities hear more of it than villages.
		"local": w.unitPicker(map[string]float64{"community": 1, "village": 0.6}),
	}
	return g
}

// caseChannels are the channels' shares, and where each is taken in
// (shares by level): the 12338 line is answered at the city's and the
// districts' hotlines; letters and transfers reach the city and the
// districts; walk-ins and the public form reach every level.
var caseChannels = []struct {
	Key    string
	Share  float64
	Levels map[string]float64
	Take   float64 // how often whoever takes it in handles it herself
}{
	{rights.ChannelHotline, 52, map[string]float64{"city": 45, "district": 45, "street": 5, "local": 5}, 0.9},
	{rights.ChannelWalkIn, 20, map[string]float64{"district": 35, "street": 30, "local": 35}, 0.7},
	{rights.ChannelLetter, 6, map[string]float64{"city": 30, "district": 70}, 0.2},
	{rights.ChannelOnline, 14, map[string]float64{"district": 25, "street": 30, "local": 45}, 0},
	{rights.ChannelTransfer, 8, map[string]float64{"city": 15, "district": 85}, 0.25},
}

// caseCategories are the first-level categories' shares, with their
// second-level codes (the first-level code itself is in the list where a
// case may be filed under it alone), what is told, and the agencies such
// a case is referred to.
var caseCategories = []struct {
	Top      string
	Share    float64
	Codes    []string
	Told     []string
	Agencies []string
}{
	{"marriage", 40, []string{"marriage.divorce", "marriage.divorce", "marriage.custody", "marriage.support", "marriage.property", "marriage"},
		[]string{"丈夫长期不回家，提出离婚后对方不同意分割共同财产", "离婚后对方拒付孩子的抚养费", "子女不履行赡养义务，老人生活困难",
			"婆家要求她放弃孩子的抚养权", "夫妻因婚前购买的房产归属发生纠纷"},
		[]string{"mediation", "legal_aid", "court"}},
	{"dv", 24, []string{"dv"},
		[]string{"丈夫酒后多次殴打，昨天又动手，身上有伤", "前夫离婚后仍上门骚扰、威胁", "长期被丈夫辱骂，被限制出门和用钱",
			"丈夫掐过她的脖子，扬言要杀了她", "儿子索要钱财不成就动手打母亲"},
		[]string{"police", "court", "shelter", "legal_aid", "counseling", "hospital"}},
	{"person", 6, []string{"person.harassment", "person.sexual_assault", "person.trafficking", "person"},
		[]string{"在单位被领导多次言语骚扰", "网上被人散布隐私照片", "女儿被同村男子侵害", "怀疑亲属被骗至外地"},
		[]string{"police", "hospital", "counseling", "legal_aid"}},
	{"labour", 9, []string{"labour.maternity", "labour.discrimination", "labour"},
		[]string{"怀孕后被公司调岗降薪", "招聘时被告知只招男性", "产假期间被辞退", "休哺乳假被扣工资"},
		[]string{"legal_aid", "civil"}},
	{"property", 12, []string{"property.land", "property.homestead", "property.collective", "property"},
		[]string{"出嫁后村里收回了她的承包地", "离婚后宅基地被前夫家占用", "集体分红不给外嫁女", "征地补偿款没有分给她"},
		[]string{"legal_aid", "civil", "mediation"}},
	{"other", 9, []string{"other"},
		[]string{"咨询法律援助的申请条件", "想了解如何申请人身安全保护令", "邻里纠纷影响家庭生活", "网络诈骗损失求助"},
		[]string{"legal_aid"}},
}

var (
	caseAsks    = []string{"希望妇联帮助协调。", "想咨询下一步怎么办。", "请求帮助维护合法权益。", "希望有人陪同去派出所。", "担心对方报复，请求帮助。"}
	caseWhen    = []string{"工作日上午", "晚上八点以后", "中午十二点到一点", "周末", "随时可以"}
	relations   = []string{"丈夫", "前夫", "儿子", "公公", "男友", "同事", "村干部"}
	caseStreets = []string{"中央大街", "经纬街", "红军街", "学府路", "和兴路", "哈平路", "友谊路", "中山路"}
)

// Run makes the intakes: n in all, in the order of their moments.
func (g *caseGen) Run() {
	for range g.n {
		g.Jobs = append(g.Jobs, g.job())
	}
	slices.SortStableFunc(g.Jobs, func(a, b caseJob) int { return a.At.Compare(b.At) })
}

func (g *caseGen) chance(p float64) bool { return g.r.Float64() < p }

func (g *caseGen) one(pool []string) string { return pool[g.r.IntN(len(pool))] }

// weighted picks a key of m by its weight, in the keys' order.
func (g *caseGen) weighted(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var w []float64
	for _, k := range keys {
		w = append(w, m[k])
	}
	return keys[pickWeighted(g.r, w)]
}

// moment is a moment of the last three years, before today: fewer long
// ago (the line is better known every year), fewer at weekends and at
// the Spring Festival; office hours, and the evening for some calls.
func (g *caseGen) moment(evening bool) time.Time {
	for {
		back := 1 + g.r.IntN(caseDays)
		day := g.today.AddDate(0, 0, -back)
		w := 1 - 0.3*float64(back)/caseDays
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 0.4
		}
		if day.Month() == time.February {
			w *= 0.6
		}
		if g.r.Float64() >= w {
			continue
		}
		hours := 8*time.Hour + time.Duration(g.r.IntN(9*3600))*time.Second
		if evening && g.chance(0.2) {
			hours = 17*time.Hour + time.Duration(g.r.IntN(5*3600))*time.Second
		}
		return day.Add(hours)
	}
}

// job makes one intake.
func (g *caseGen) job() caseJob {
	var shares []float64
	for _, c := range caseChannels {
		shares = append(shares, c.Share)
	}
	ch := caseChannels[pickWeighted(g.r, shares)]
	channel := ch.Key
	unit := g.levels[g.weighted(ch.Levels)].pick(g.r)
	shares = shares[:0]
	for _, c := range caseCategories {
		shares = append(shares, c.Share)
	}
	cat := caseCategories[pickWeighted(g.r, shares)]
	j := caseJob{Unit: unit, At: g.moment(channel == rights.ChannelHotline)}
	code := g.one(cat.Codes)
	told := g.one(cat.Told) + "。" + g.one(caseAsks)
	phone := g.phone()
	if channel == rights.ChannelOnline {
		j.Public = true
		j.Help = rights.HelpRequest{Category: code, Text: told, OrgCode: g.w.units[unit].Code, Consent: true}
		if g.chance(0.85) {
			j.Help.Phone = phone
			if g.chance(0.5) {
				j.Help.ContactTime = g.one(caseWhen)
			}
		} else {
			j.Help.NoCall = true
		}
	} else {
		in := rights.Input{Channel: channel, Category: code, Narrative: told, Take: g.chance(ch.Take)}
		switch channel {
		case rights.ChannelTransfer:
			in.SourceAgency = g.one([]string{"police", "police", "police", "court", "petition"})
		case rights.ChannelHotline:
			in.Anonymous = g.chance(0.15)
		case rights.ChannelLetter:
			in.Anonymous = g.chance(0.1)
		default:
			in.Anonymous = g.chance(0.03)
		}
		if !in.Anonymous {
			if channel != rights.ChannelLetter && g.chance(0.7) {
				in.Phone, in.ContactTime = phone, g.one(caseWhen)
			}
			g.parties(&in, cat.Top, phone)
		}
		j.In = in
	}
	j.Plan = g.plan(j, cat.Agencies)
	return j
}

// parties are the people of a case she names: herself (or, one time in
// ten, the one who calls for a victim), whom she complains of, children.
func (g *caseGen) parties(in *rights.Input, top string, phone string) {
	her := rights.PartyInput{Role: rights.PartyComplainant, Name: g.name(), AgeGroup: "adult"}
	if g.chance(0.08) {
		her.AgeGroup = "elderly"
	}
	if g.chance(0.5) {
		her.Phone = phone
	}
	if g.chance(0.4) {
		her.Address = g.address()
	}
	in.Parties = append(in.Parties, her)
	if g.chance(0.1) {
		in.Parties = append(in.Parties, rights.PartyInput{Role: rights.PartyVictim, Name: g.name(), Relation: "女儿",
			AgeGroup: g.one([]string{"adult", "adult", "minor"})})
	}
	if top == "dv" || top == "marriage" || g.chance(0.2) {
		in.Parties = append(in.Parties, rights.PartyInput{Role: rights.PartyRespondent, Name: g.name(), Relation: g.one(relations),
			AgeGroup: "adult"})
	}
	if (top == "dv" || top == "marriage") && g.chance(0.3) {
		in.Parties = append(in.Parties, rights.PartyInput{Role: rights.PartyChild, Name: g.name(), Relation: "子女", AgeGroup: "minor"})
	}
}

func (g *caseGen) address() string {
	return fmt.Sprintf("哈尔滨市%s%d号%d单元%d室", g.one(caseStreets), 1+g.r.IntN(300), 1+g.r.IntN(6), 101+g.r.IntN(1800))
}

// plan is where a case stands today, by its age: the old ones mostly
// closed, the last weeks' mostly in hand, a few of the last days' still
// waiting in the inbox.
func (g *caseGen) plan(j caseJob, agencies []string) casePlan {
	age := g.now.Sub(j.At)
	days := age.Hours() / 24
	var p casePlan
	taken := !j.Public && j.In.Take
	if !taken {
		if g.chance(byAge(days, 0.004, [2]float64{3, 0.5}, [2]float64{14, 0.15}, [2]float64{60, 0.03})) {
			p.Inbox = true
			return p
		}
	}
	p.Handler = g.staff[g.w.units[j.Unit].ID].UserID
	if c := g.w.units[j.Unit].Cadres; !taken && len(c) > 0 {
		p.Handler = c[g.r.IntN(len(c))].ID
	}
	closed := byAge(days, 0.95, [2]float64{2, 0.05}, [2]float64{7, 0.15}, [2]float64{30, 0.45}, [2]float64{90, 0.75})
	// Contacted within hours (one in twelve late), unless a fresh one
	// has not been reached yet.
	p.Contacted = time.Duration(30+g.r.IntN(20*60)) * time.Minute
	if g.chance(1.0 / 12) {
		p.Contacted += time.Duration(24+g.r.IntN(48)) * time.Hour
	}
	if p.Contacted >= age || (days < 3 && g.chance(0.3)) {
		p.Contacted = 0
		return p
	}
	p.Consent = g.chance(0.85)
	if g.chance(0.8) {
		p.Routed = p.Contacted + time.Duration(1+g.r.IntN(6))*24*time.Hour
		if p.Routed >= age {
			p.Routed = 0
		}
	}
	if rights.Top(j.Category()) == "dv" && g.chance(0.8) {
		// How dangerous: most calls a few signs, some many.
		q := []float64{0.08, 0.15, 0.3, 0.5}[pickWeighted(g.r, []float64{45, 30, 17, 8})]
		p.Items = []string{}
		for _, it := range rights.DangerItems {
			if g.chance(q) {
				p.Items = append(p.Items, it.Code)
			}
		}
	}
	refer := map[string]float64{"dv": 0.45, "person": 0.4, "labour": 0.25}[rights.Top(j.Category())]
	if refer == 0 {
		refer = 0.1
	}
	if p.Consent && g.chance(refer) {
		p.Referrals = append(p.Referrals, g.one(agencies))
		if g.chance(0.3) {
			if a := g.one(agencies); a != p.Referrals[0] {
				p.Referrals = append(p.Referrals, a)
			}
		}
	}
	if g.chance(closed) {
		p.Closed = p.Contacted + time.Duration(float64(24*time.Hour)*(1+g.r.ExpFloat64()*20))
		if p.Closed >= age {
			p.Closed = age - time.Hour
		}
		if p.Routed == 0 || p.Routed > p.Closed {
			p.Routed = p.Closed
		}
		p.Outcome = g.one([]string{"resolved", "resolved", "resolved", "mediated", "mediated", "referred", "legal", "advice", "advice", "withdrawn", "unreachable"})
		p.Satisfied = g.one([]string{"satisfied", "satisfied", "satisfied", "satisfied", "satisfied", "satisfied", "fair", "fair", "unsatisfied", "unknown"})
	}
	// Streets and communities send a few up to the unit above.
	if k := g.w.units[j.Unit].Kind; (k == "street" || k == "community" || k == "village") && g.chance(0.04) {
		p.Escalated = "accepted"
		if p.Closed == 0 && g.chance(0.4) {
			p.Escalated = "pending"
		}
	}
	return p
}

// byAge is the share for a case days old: that of the first step (days,
// share) it is younger than, else rest.
func byAge(days, rest float64, steps ...[2]float64) float64 {
	for _, st := range steps {
		if days < st[0] {
			return st[1]
		}
	}
	return rest
}

// status is what the plan makes the case.
func (p casePlan) status() rights.Status {
	switch {
	case p.Closed > 0:
		return rights.Closed
	case p.Contacted > 0:
		return rights.Handling
	}
	return rights.Received
}

// risk is the plan's danger level ("" when not assessed).
func (p casePlan) risk() rights.Risk {
	if p.Items == nil {
		return rights.RiskNone
	}
	_, level := rights.Level(p.Items)
	return level
}

// caseFamilies are the cases' counters (internal/rights/tally.go).
func caseFamilies() []tally.Family {
	var out []tally.Family
	for _, f := range tally.Families() {
		if f.Name == "case" || strings.HasPrefix(f.Name, "case_") {
			out = append(out, f)
		}
	}
	return out
}

// casesSettle moves the taken-in cases (ids[i] is job i's) where their
// plans say, as their handling would have left them: handler, contact,
// route, consent, risk, closing — one transaction a case from workers
// goroutines, its counters tracked as the service tracks them (so they
// are spread over their stripes as three years of changes leave them) —
// then, in one transaction, their danger assessments, referrals and
// escalations, whose free text is sealed afterwards as the start-up step
// seals an earlier version's rows. The timelines are not written.
func casesSettle(ctx context.Context, d *db.DB, g *caseGen, ids []int64, keys *vault.Keyring, workers int) error {
	fams := caseFamilies()
	if len(fams) != 4 {
		return fmt.Errorf("%d case counter families registered, want 4", len(fams))
	}
	ms := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return db.Millis(t)
	}
	_, err := concurrently(ctx, len(g.Jobs), workers, "", func() func(context.Context, int) error {
		return func(ctx context.Context, i int) error {
			j, p := g.Jobs[i], g.Jobs[i].Plan
			if p.Inbox {
				return nil
			}
			at := func(after time.Duration) time.Time {
				if after == 0 {
					return time.Time{}
				}
				return j.At.Add(after)
			}
			contacted, routed, closed := at(p.Contacted), at(p.Routed), at(p.Closed)
			var consentAt time.Time
			if p.Consent {
				consentAt = contacted
			}
			updated := slices.MaxFunc([]time.Time{j.At, contacted, routed, closed}, time.Time.Compare)
			return d.InTx(ctx, func(tx *db.Tx) error {
				return tally.TrackEach(ctx, tx, fams, "x.id = ?", []any{ids[i]}, func() error {
					_, err := tx.Exec(ctx, `UPDATE cases SET handler_id = COALESCE(handler_id, ?), status = ?, risk = ?, contacted_at = ?,
						routed_at = ?, consent_services = ?, consent_at = ?, outcome = ?, satisfaction = ?, closed_at = ?, updated_at = ?,
						version = version + 1 WHERE id = ?`,
						p.Handler, string(p.status()), string(p.risk()), ms(contacted), ms(routed), db.Bit(p.Consent), ms(consentAt),
						p.Outcome, p.Satisfied, ms(closed), db.Millis(updated), ids[i])
					return err
				})
			})
		}
	})
	if err != nil {
		return err
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		assess := g.w.batch(tx, "case_assessments", "case_id, items, score, level, by_user, at")
		refer := g.w.batch(tx, "case_referrals", "case_id, agency, status, disclose, due_on, reply, sent_by, sent_at, updated_at")
		moves := g.w.batch(tx, "case_moves", "case_id, kind, from_org_id, to_org_id, to_path, reason, status, sent_by, sent_at, decided_by, decided_at")
		for i, j := range g.Jobs {
			p := j.Plan
			if p.Inbox || p.Contacted == 0 {
				continue
			}
			first := j.At.Add(p.Contacted)
			if p.Items != nil {
				score, level := rights.Level(p.Items)
				if err := assess.add(ctx, ids[i], strings.Join(p.Items, ","), score, string(level), p.Handler, db.Millis(first.Add(time.Hour))); err != nil {
					return err
				}
			}
			for k, ag := range p.Referrals {
				sent := first.Add(time.Duration(2+k) * time.Hour)
				status, reply := "sent", ""
				switch {
				case p.Closed > 0:
					status, reply = "done", "已按转介办理完毕"
				case g.now.Sub(sent) > 10*24*time.Hour:
					status, reply = "replied", "已受理，正在办理"
				}
				due := sent.In(db.Shanghai).AddDate(0, 0, rights.DefaultLimits.ReferralDays).Format(time.DateOnly)
				if err := refer.add(ctx, ids[i], ag, status, db.Bit(k == 0), due, reply, p.Handler, db.Millis(sent), db.Millis(sent)); err != nil {
					return err
				}
			}
			if p.Escalated != "" {
				u := g.w.units[j.Unit]
				up := g.w.units[u.Parent]
				sent := first.Add(3 * time.Hour)
				var by, on any
				if p.Escalated == "accepted" {
					by, on = up.Cadres[0].ID, db.Millis(sent.Add(2*time.Hour))
				}
				if err := moves.add(ctx, ids[i], rights.MoveEscalate, u.ID, up.ID, up.Path, "情况复杂，需上级协调公安、法院等部门",
					p.Escalated, p.Handler, db.Millis(sent), by, on); err != nil {
					return err
				}
			}
		}
		for _, b := range []*batcher{assess, refer, moves} {
			if err := b.flush(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = vault.SealPlain(ctx, d, keys, nil)
	return err
}

// phone is a mobile number as people give it.
func (g *caseGen) phone() string {
	return "1" + strconv.Itoa(30+g.r.IntN(60)) + fmt.Sprintf(" %04d %04d", g.r.IntN(10000), g.r.IntN(10000))
}

func (g *caseGen) name() string { return g.one(surnames) + g.one(givenNames) }
