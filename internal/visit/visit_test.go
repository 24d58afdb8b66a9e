package visit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
	"halfsky/internal/visit"
)

func init() { auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1} }

type fx struct {
	t *testing.T
	d *db.DB
	*testfx.Demo
	svc *visit.Service
}

// clock: 2026-11-02 10:00 in Beijing.
var clock = time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)

func setup(t *testing.T, d *db.DB) *fx {
	f := &fx{Demo: testfx.Seed(t, d), t: t, d: d}
	f.svc = visit.NewService(d, f.Orgs)
	f.svc.Vault = testKeys
	f.svc.Now = func() time.Time { return clock }
	// A cadre of the neighbouring community (索菲亚社区).
	if _, err := f.Auth.CreateUserAsOperator(context.Background(), auth.NewUser{Username: "sofia.staff", DisplayName: "赵敏",
		Password: "test-password-2015", OrgCode: "230102001002", Role: access.Staff}); err != nil {
		t.Fatal(err)
	}
	return f
}

// field checks err is bad input naming the field with the message.
func field(t *testing.T, err error, name, msg string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != "invalid" || e.Fields[name] == "" {
		t.Fatalf("want invalid %s, got %v", name, err)
	}
	if msg != "" && e.Fields[name] != msg {
		t.Fatalf("%s: %q, want %q", name, e.Fields[name], msg)
	}
}

func (f *fx) count(table string) int {
	var n int
	if err := f.d.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fx) audited(action string) int {
	var n int
	if err := f.d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_events WHERE action = ?`, action).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// TestStreetScenario is the test: a street cadre records a visit,
// two needs, turns one into a task and closes it with feedback; a village
// user cannot see a neighbouring village's needs.
func TestStreetScenario(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		street, village, sofia := f.Actor("street.staff"), f.Actor("village.staff"), f.Actor("sofia.staff")

		v, err := f.svc.CreateVisit(ctx, street, visit.VisitInput{OrgCode: "230102001002", VisitedOn: "2026-11-01", Place: "索菲亚社区",
			Households: 6, Women: 9, Notes: "入户走访，了解妇女就业和家庭情况"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v.OrgCode != "230102001002" || v.CadreName != "张秀英" || v.Women != 9 {
			t.Fatalf("visit: %+v", v)
		}
		n1, err := f.svc.CreateNeed(ctx, street, visit.NeedInput{VisitID: v.ID, Category: "employment", Urgency: "urgent",
			Summary: "下岗后想学家政技能再就业", Consent: true, PersonName: "王秀兰", Contact: "13800000000"})
		if err != nil {
			t.Fatal(err)
		}
		n2, err := f.svc.CreateNeed(ctx, street, visit.NeedInput{VisitID: v.ID, Category: "children", Summary: "留守儿童放学后无人看护"})
		if err != nil {
			t.Fatal(err)
		}
		if n1.OrgCode != "230102001002" || !n1.Revealed || n1.Contact != "13800000000" || n2.Status != visit.NeedOpen {
			t.Fatalf("needs: %+v %+v", n1, n2)
		}
		if f.audited("need.read") != 0 { // recording is not reading
			t.Fatalf("need.read audits: %d", f.audited("need.read"))
		}
		if _, err := f.svc.Need(ctx, street, n1.ID); err != nil || f.audited("need.read") != 1 {
			t.Fatalf("reading the contact: %v, %d audits", err, f.audited("need.read"))
		}
		list, total, err := f.svc.Needs(ctx, street, visit.NeedFilter{VisitID: v.ID})
		if err != nil || total != 2 || list[1].PersonName != "王**" || list[1].Contact != "" {
			t.Fatalf("list: %d %+v %v", total, list, err)
		}

		task, err := f.svc.CreateTask(ctx, street, visit.TaskInput{NeedID: n1.ID, Title: "推荐参加家政培训", OwnerID: street.UserID,
			StartsOn: "2026-11-02", DueOn: "2026-11-20"})
		if err != nil {
			t.Fatal(err)
		}
		if task.OwnerName != "张秀英" || task.OrgCode != "230102001002" || task.Status != visit.TaskTodo {
			t.Fatalf("task: %+v", task)
		}
		if n, _ := f.svc.Need(ctx, street, n1.ID); n.Status != visit.NeedTasked {
			t.Fatalf("need after task: %s", n.Status)
		}
		if _, err := f.svc.StartTask(ctx, street, task.ID); err != nil {
			t.Fatal(err)
		}
		// Closing without a result changes nothing.
		_, err = f.svc.CloseTask(ctx, street, task.ID, visit.CloseInput{Outcome: "done", Feedback: "satisfied"})
		field(t, err, "result", "请填写办理结果")
		if got, _ := f.svc.Task(ctx, street, task.ID); got.Status != visit.TaskDoing {
			t.Fatalf("task changed: %s", got.Status)
		}
		done, err := f.svc.CloseTask(ctx, street, task.ID, visit.CloseInput{Outcome: "done", Result: "已参加区妇联家政培训并上岗", Feedback: "satisfied"})
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != visit.TaskDone || done.FeedbackLabel() != "满意" || done.ClosedOn != "2026-11-02" {
			t.Fatalf("closed: %+v", done)
		}
		if n, _ := f.svc.Need(ctx, street, n1.ID); n.Status != visit.NeedResolved {
			t.Fatalf("need after close: %s", n.Status)
		}
		for _, act := range []string{"visit.create", "need.create", "task.create", "task.start", "task.close"} {
			if f.audited(act) == 0 {
				t.Fatalf("%s not audited", act)
			}
		}

		// The neighbouring community's user sees them; 兆麟街道's village 230102001001 does not.
		if _, err := f.svc.Need(ctx, sofia, n2.ID); err != nil {
			t.Fatalf("sofia: %v", err)
		}
		if _, err := f.svc.Need(ctx, village, n2.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("village read a neighbour's need: %v", err)
		}
		if l, total, _ := f.svc.Needs(ctx, village, visit.NeedFilter{}); total != 0 || len(l) != 0 {
			t.Fatalf("village list: %d", total)
		}
		if _, err := f.svc.Task(ctx, village, task.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("village read a neighbour's task: %v", err)
		}
		if _, err := f.svc.Visit(ctx, village, v.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("village read a neighbour's visit: %v", err)
		}
		// The responsible community sees her name; the district above sees it masked.
		if n, _ := f.svc.Need(ctx, sofia, n1.ID); !n.Revealed || n.PersonName != "王秀兰" {
			t.Fatalf("sofia sees %+v", n)
		}
		if n, _ := f.svc.Need(ctx, f.Actor("daoli.staff"), n1.ID); n.Revealed || n.PersonName != "王**" || n.Contact != "" {
			t.Fatalf("daoli sees %+v", n)
		}
		// Administrators are refused.
		if _, _, err := f.svc.Needs(ctx, f.Actor("admin"), visit.NeedFilter{}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("admin: %v", err)
		}
	})
}

// TestBadInput: each bad input gets its message and changes nothing.
func TestBadInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		street, daoli := f.Actor("street.staff"), f.Actor("daoli.staff")

		_, err := f.svc.CreateVisit(ctx, street, visit.VisitInput{VisitedOn: "2026-11-03", Place: "兆麟街道"}, nil)
		field(t, err, "visited_on", "走访日期不能晚于今天")
		_, err = f.svc.CreateVisit(ctx, street, visit.VisitInput{OrgCode: "230103", VisitedOn: "2026-11-01", Place: "南岗"}, nil)
		field(t, err, "org_code", "")
		_, err = f.svc.CreateVisit(ctx, street, visit.VisitInput{VisitedOn: "2026-11-01", Place: "兆麟街道"},
			[]visit.Photo{{Name: "a.jpg", Data: []byte("not an image at all")}})
		field(t, err, "photos", "")
		big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 11<<20)...)
		_, err = f.svc.CreateVisit(ctx, street, visit.VisitInput{VisitedOn: "2026-11-01", Place: "兆麟街道"}, []visit.Photo{{Name: "b.png", Data: big}})
		field(t, err, "photos", "")
		if f.count("visits") != 0 || f.count("files") != 0 {
			t.Fatal("bad visit saved")
		}

		_, err = f.svc.CreateNeed(ctx, street, visit.NeedInput{Category: "family", Summary: "家庭矛盾", PersonName: "李某"})
		field(t, err, "person_name", visit.ErrNoConsent)
		_, err = f.svc.CreateNeed(ctx, street, visit.NeedInput{Category: "nope", Summary: ""})
		field(t, err, "summary", "请填写诉求内容")
		if f.count("needs") != 0 {
			t.Fatal("bad need saved")
		}

		_, err = f.svc.CreateTask(ctx, street, visit.TaskInput{Title: "修缮妇女之家", OwnerName: "张秀英", StartsOn: "2026-11-10", DueOn: "2026-11-05"})
		field(t, err, "due_on", "截止日期不能早于开始日期")
		if f.count("tasks") != 0 {
			t.Fatal("bad task saved")
		}
		task, err := f.svc.CreateTask(ctx, street, visit.TaskInput{Title: "修缮妇女之家", OwnerName: "社区主任", DueOn: "2026-11-05"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.CloseTask(ctx, street, task.ID, visit.CloseInput{Outcome: "unable"})
		field(t, err, "result", "请填写无法办理的原因")
		_, err = f.svc.CloseTask(ctx, street, task.ID, visit.CloseInput{Outcome: "done", Result: "已修缮"})
		field(t, err, "feedback", "请选择群众反馈")
		if got, _ := f.svc.Task(ctx, street, task.ID); got.Status != visit.TaskTodo || got.Result != "" {
			t.Fatalf("task changed: %+v", got)
		}

		// A district sets a quota only on its own subtree.
		_, err = f.svc.CreateQuota(ctx, daoli, visit.QuotaInput{OrgCode: "230103", Metric: "women", Target: 10, StartsOn: "2026-10-01", EndsOn: "2026-12-31"})
		field(t, err, "org_code", visit.ErrQuotaScope)
		_, err = f.svc.CreateQuota(ctx, daoli, visit.QuotaInput{Metric: "women", Target: 0, StartsOn: "2026-12-01", EndsOn: "2026-10-31"})
		field(t, err, "ends_on", "")
		field(t, err, "target", "")
		if f.count("quotas") != 0 {
			t.Fatal("bad quota saved")
		}
		if _, err := f.svc.CreateQuota(ctx, f.Actor("auditor"), visit.QuotaInput{Metric: "women", Target: 10, StartsOn: "2026-10-01",
			EndsOn: "2026-12-31"}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("auditor: %v", err)
		}
	})
}

// TestHandover: the street hands a need up to 道里区妇联, which refuses
// once and accepts the second time; the need moves and the timeline shows both.
func TestHandover(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		street, daoli, village, nangang := f.Actor("street.staff"), f.Actor("daoli.staff"), f.Actor("village.staff"), f.Actor("nangang.leader")
		n, err := f.svc.CreateNeed(ctx, street, visit.NeedInput{Category: "rights", Urgency: "critical", Summary: "劳动合同纠纷需法律援助"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.HandOver(ctx, street, n.ID, visit.HandoverInput{ToCode: "230102002", Reason: "属地"})
		field(t, err, "to_org_code", "只能移交给上级或下级单位") // a sibling street
		_, err = f.svc.HandOver(ctx, street, n.ID, visit.HandoverInput{ToCode: "230102"})
		field(t, err, "reason", "请填写移交原因")
		if _, err := f.svc.HandOver(ctx, village, n.ID, visit.HandoverInput{ToCode: "230102", Reason: "x"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("village handed over: %v", err)
		}
		h, err := f.svc.HandOver(ctx, street, n.ID, visit.HandoverInput{ToCode: "230102", Reason: "需区妇联协调法律援助"})
		if err != nil {
			t.Fatal(err)
		}
		if h.Status != visit.HandPending {
			t.Fatalf("handover %+v", h)
		}
		var notes int
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE org_id = (SELECT id FROM orgs WHERE code = '230102')`).Scan(&notes)
		if notes != 1 {
			t.Fatalf("notifications: %d", notes)
		}
		// The street cannot answer for the district; another district cannot see it.
		if _, err := f.svc.Decide(ctx, street, n.ID, true, ""); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("street accepted: %v", err)
		}
		if _, err := f.svc.Need(ctx, nangang, n.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("nangang: %v", err)
		}
		incoming, _, _ := f.svc.Needs(ctx, daoli, visit.NeedFilter{Incoming: true})
		if len(incoming) != 1 {
			t.Fatalf("incoming: %d", len(incoming))
		}
		_, err = f.svc.Decide(ctx, daoli, n.ID, false, "")
		field(t, err, "reply", "请填写不接收的理由")
		if _, err := f.svc.Decide(ctx, daoli, n.ID, false, "请街道先行调解"); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Need(ctx, street, n.ID); got.Status != visit.NeedOpen || got.OrgCode != "230102001" {
			t.Fatalf("after refusal: %+v", got)
		}
		if _, err := f.svc.HandOver(ctx, street, n.ID, visit.HandoverInput{ToCode: "230102", Reason: "调解不成"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Decide(ctx, daoli, n.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Need(ctx, daoli, n.ID)
		if got.Status != visit.NeedOpen || got.OrgCode != "230102" {
			t.Fatalf("after accept: %+v", got)
		}
		tl, err := f.svc.Handovers(ctx, street, n.ID) // the origin still sees it
		if err != nil || len(tl) != 2 || tl[0].Status != visit.HandRefused || tl[1].Status != visit.HandAccepted {
			t.Fatalf("timeline: %+v %v", tl, err)
		}
		// Now the district tasks it; the street may not.
		if _, err := f.svc.CreateTask(ctx, street, visit.TaskInput{NeedID: n.ID, OwnerName: "x", DueOn: "2026-11-30"}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("street tasked: %v", err)
		}
		if _, err := f.svc.CreateTask(ctx, daoli, visit.TaskInput{NeedID: n.ID, OwnerName: "区妇联权益部", DueOn: "2026-11-30"}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestQuotasAndStats: the city's "1+10+N" quota and the roll-up.
func TestQuotasAndStats(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		city, street, village, daoli := f.Actor("city.leader"), f.Actor("street.staff"), f.Actor("village.staff"), f.Actor("daoli.staff")
		q, err := f.svc.CreateQuota(ctx, city, visit.QuotaInput{Metric: "women", Target: 10, StartsOn: "2026-10-01", EndsOn: "2026-12-31", Title: "1+10+N"})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []struct {
			a     access.Actor
			women int
			on    string
		}{{street, 6, "2026-10-20"}, {street, 5, "2026-11-01"}, {village, 4, "2026-10-21"}, {village, 30, "2026-09-30"}} {
			if _, err := f.svc.CreateVisit(ctx, in.a, visit.VisitInput{VisitedOn: in.on, Place: "入户", Women: in.women}, nil); err != nil {
				t.Fatal(err)
			}
		}
		mine, err := f.svc.MyQuotas(ctx, street)
		if err != nil || len(mine) != 1 || mine[0].Value != 11 || !mine[0].Reached() {
			t.Fatalf("street quotas: %+v %v", mine, err)
		}
		mine, _ = f.svc.MyQuotas(ctx, village)
		if len(mine) != 1 || mine[0].Value != 4 || mine[0].Reached() || mine[0].Percent() != 40 {
			t.Fatalf("village quotas: %+v", mine)
		}
		p, err := f.svc.QuotaProgress(ctx, city, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Reached != 1 || p.Sum != 15 || len(p.Cadres) < 8 {
			t.Fatalf("progress: reached %d sum %d cadres %d", p.Reached, p.Sum, len(p.Cadres))
		}
		// The district sees only its own cadres' progress on the city's quota.
		p, err = f.svc.QuotaProgress(ctx, daoli, q.ID)
		if err != nil || len(p.Cadres) != 5 {
			t.Fatalf("daoli progress: %d %v", len(p.Cadres), err)
		}

		n, _ := f.svc.CreateNeed(ctx, village, visit.NeedInput{Category: "health", Summary: "两癌筛查咨询"})
		if _, err := f.svc.CreateTask(ctx, village, visit.TaskInput{NeedID: n.ID, OwnerName: "孙桂芝", StartsOn: "2026-10-20", DueOn: "2026-10-30"}); err != nil {
			t.Fatal(err)
		}
		st, err := f.svc.Stats(ctx, daoli, visit.StatsFilter{Year: 2026})
		if err != nil {
			t.Fatal(err)
		}
		if st.Totals[visit.ColVisits] != 4 || st.Totals[visit.ColWomen] != 45 || st.Totals[visit.ColNeeds] != 1 || st.Totals[visit.ColOverdue] != 1 {
			t.Fatalf("totals: %v", st.Totals)
		}
		var zhaolin org.RollupRow
		for _, r := range st.Rows {
			if r.Org.Code == "230102001" {
				zhaolin = r
			}
		}
		if zhaolin.N == nil || zhaolin.N[visit.ColVisits] != 4 {
			t.Fatalf("zhaolin row: %+v", zhaolin)
		}
		if st.Categories[5].Key != "health" || st.Categories[5].N != 1 || st.Trend[9].Visits != 2 || st.Trend[8].Women != 30 {
			t.Fatalf("categories %v trend %v", st.Categories, st.Trend)
		}
		st, _ = f.svc.Stats(ctx, daoli, visit.StatsFilter{Year: 2026, Month: 11})
		if st.Totals[visit.ColVisits] != 1 {
			t.Fatalf("november: %v", st.Totals)
		}
		if _, err := f.svc.Stats(ctx, daoli, visit.StatsFilter{Under: "230103"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("daoli looked at nangang: %v", err)
		}
	})
}

// TestInactiveUnitTakesNoNeedOrTask: a deactivated unit takes no new
// record — not a need recorded on one of its visits, nor a task made of
// one of its needs (found by the tree's property test: both were made at
// the deactivated unit). Its need can still be handed over to a unit that
// takes it.
func TestInactiveUnitTakesNoNeedOrTask(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		staff := f.Actor("daoli.staff")
		v, err := f.svc.CreateVisit(ctx, staff, visit.VisitInput{OrgCode: "230102XL01", VisitedOn: "2026-11-01", Place: "某企业", Households: 1, Women: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.CreateNeed(ctx, staff, visit.NeedInput{VisitID: v.ID, Category: "employment", Urgency: "normal", Summary: "想学电商"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Orgs.Deactivate(ctx, org.Operator(), "230102XL01"); err != nil {
			t.Fatal(err)
		}
		needs, tasks := f.count("needs"), f.count("tasks")
		_, err = f.svc.CreateNeed(ctx, staff, visit.NeedInput{VisitID: v.ID, Category: "employment", Urgency: "normal", Summary: "又一条"})
		if !errors.Is(err, org.ErrInactive) {
			t.Fatalf("a need on the deactivated unit's visit: %v", err)
		}
		_, err = f.svc.CreateTask(ctx, staff, visit.TaskInput{NeedID: n.ID, Title: "电商培训", OwnerName: "李红", StartsOn: "2026-11-02", DueOn: "2026-12-01"})
		if !errors.Is(err, org.ErrInactive) {
			t.Fatalf("a task of the deactivated unit's need: %v", err)
		}
		if f.count("needs") != needs || f.count("tasks") != tasks {
			t.Fatal("a refusal wrote a record")
		}
		if x, err := f.svc.Need(ctx, staff, n.ID); err != nil || x.Status != visit.NeedOpen {
			t.Fatalf("the need after the refusals: %+v %v", x, err)
		}
		if _, err := f.svc.HandOver(ctx, f.Actor("daoli.leader"), n.ID, visit.HandoverInput{ToCode: "230102", Reason: "企业已注销，由区妇联跟进"}); err != nil {
			t.Fatalf("handing the need over to the district: %v", err)
		}
	})
}

// TestOpenHandoverKeepsUnitActive: a unit a need waits for (handed over
// to it) cannot be deactivated — nobody could ever take the need up —
// and the refusal changes nothing; merged into its parent, the waiting
// hand-over goes with it to the parent.
func TestOpenHandoverKeepsUnitActive(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		staff := f.Actor("daoli.staff")
		v, err := f.svc.CreateVisit(ctx, staff, visit.VisitInput{OrgCode: "230102", VisitedOn: "2026-11-01", Place: "区妇联", Households: 1, Women: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.CreateNeed(ctx, staff, visit.NeedInput{VisitID: v.ID, Category: "employment", Urgency: "normal", Summary: "想到企业工作"})
		if err != nil {
			t.Fatal(err)
		}
		h, err := f.svc.HandOver(ctx, f.Actor("daoli.leader"), n.ID, visit.HandoverInput{ToCode: "230102XL01", Reason: "由企业妇联跟进"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Orgs.Deactivate(ctx, org.Operator(), "230102XL01")
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != "has_open_work" {
			t.Fatalf("deactivating a unit a hand-over waits for: %v", err)
		}
		if o, err := f.Orgs.ByCodeUnscoped(ctx, d.Q(), "230102XL01"); err != nil || !o.Active {
			t.Fatalf("after the refusal: %+v %v", o, err)
		}
		if _, err := f.Orgs.Merge(ctx, org.Operator(), "230102XL01", "230102"); err != nil {
			t.Fatal(err)
		}
		var to int64
		d.QueryRow(ctx, `SELECT to_org_id FROM need_handovers WHERE id = ?`, h.ID).Scan(&to)
		if to != f.Unit("230102").ID {
			t.Fatalf("the hand-over after the merge waits for %d", to)
		}
	})
}
