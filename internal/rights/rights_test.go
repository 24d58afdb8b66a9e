package rights_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/rights"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
	"halfsky/internal/visit"
)

func init() { auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1} }

// The cast: a community (社区) of 兆麟街道 in 道里区 takes the case; the
// street and the district are the units above; 南岗区 is a sibling.
const (
	community = "230102001001"
	street    = "230102001"
)

type fx struct {
	t *testing.T
	d *db.DB
	*testfx.Demo
	svc   *rights.Service
	clock time.Time
}

func setup(t *testing.T, d *db.DB) *fx {
	f := &fx{Demo: testfx.Seed(t, d), t: t, d: d, clock: time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)}
	f.svc = rights.NewService(d, f.Orgs, testfx.Keys)
	f.svc.Now = func() time.Time { return f.clock }
	f.svc.Needs = visit.NewService(d, f.Orgs)
	f.svc.Needs.Vault = testfx.Keys
	return f
}

func (f *fx) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fx) get(a access.Actor, id int64) rights.Case {
	f.t.Helper()
	c, err := f.svc.Get(context.Background(), a, id)
	if err != nil {
		f.t.Fatalf("%s reads case %d: %v", a.Username, id, err)
	}
	return c
}

func (f *fx) help() (string, int64) {
	f.t.Helper()
	code, err := f.svc.SubmitHelp(context.Background(), rights.HelpRequest{Category: "dv", Text: "丈夫喝酒后经常打我，昨天掐我脖子，我很害怕",
		OrgCode: community, Phone: "139 0451 2338", ContactTime: "工作日上午", Consent: true}, "203.0.113.7")
	if err != nil {
		f.t.Fatal(err)
	}
	var id int64
	if err := f.d.QueryRow(context.Background(), `SELECT MAX(id) FROM cases`).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return code, id
}

// A woman's request from the public form reaches the community's inbox,
// is taken, assessed 高 (the leaders of the community, of the street and
// of the district alerted), consented to, referred to 公安 and 法院, and closed; her
// code tells her only 已受理, 办理中, 已办结 and the next step.
func TestPublicRequestToClosure(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		handler := f.Actor("village.staff")
		colleague := f.Colleague("village.staff2", "周敏", community, access.Staff)
		leader := f.Colleague("village.leader", "吴桂兰", community, access.Leader)
		streetLeader := f.Colleague("street.leader", "郑淑华", street, access.Leader)

		code, id := f.help()
		if len(code) < 10 || strings.ContainsAny(code, "0O1IL") {
			t.Fatalf("tracking code %q", code)
		}
		st, err := f.svc.LookupHelp(ctx, strings.ToLower(rights.FormatCode(code)))
		if err != nil || st.Status != "received" || st.StatusLabel != "已受理" || st.NextStep == "" {
			t.Fatalf("lookup: %+v %v", st, err)
		}
		if f.count(`SELECT COUNT(*) FROM cases WHERE track_key LIKE ? OR narrative LIKE ?`, "%"+code+"%", "%掐%") != 0 {
			t.Fatal("the code or her words are stored in the clear")
		}

		// In the inbox of everyone at the community, in full until taken.
		for _, a := range []access.Actor{handler, colleague} {
			rows, total, err := f.svc.List(ctx, a, rights.Filter{Box: "inbox"})
			if err != nil || total != 1 || rows[0].ID != id || rows[0].Sight != rights.SightFull {
				t.Fatalf("%s's inbox: %d rows %v", a.Username, total, err)
			}
		}
		c := f.get(colleague, id)
		if !strings.Contains(c.Narrative, "掐我脖子") || c.Phone != "139 0451 2338" || !c.Public || c.Channel != rights.ChannelOnline {
			t.Fatalf("the case as received: %+v", c)
		}
		if err := f.svc.Take(ctx, handler, id, c.Version); err != nil {
			t.Fatal(err)
		}
		// The colleague's stale version is refused; and now she reads a line.
		testfx.WantCode(t, f.svc.Take(ctx, colleague, id, c.Version), "stale")
		if line := f.get(colleague, id); line.Sight != rights.SightLine || line.Narrative != "" || line.Phone != "" || line.Parties != nil {
			t.Fatalf("a colleague who is not the handler reads %+v", line)
		}
		if f.get(leader, id).Sight != rights.SightFull {
			t.Fatal("the community's leader does not read the case")
		}

		c = f.get(handler, id)
		level, err := f.svc.Assess(ctx, handler, id, c.Version, []string{"strangle", "escalating", "substance"})
		if err != nil || level != rights.RiskHigh {
			t.Fatalf("assessment: %v %v", level, err)
		}
		for _, who := range []access.Actor{leader, streetLeader, f.Actor("daoli.leader")} {
			if f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'case.danger'`, who.UserID) != 1 {
				t.Errorf("%s was not alerted to the danger", who.Username)
			}
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE kind = 'case.danger' AND (body LIKE '%掐%' OR title LIKE '%掐%')`); n != 0 {
			t.Fatal("an alert carries her words")
		}

		c = f.get(handler, id)
		_, err = f.svc.Refer(ctx, handler, id, c.Version, rights.ReferInput{Agency: "police"})
		testfx.WantCode(t, err, "no_consent")
		if f.count(`SELECT COUNT(*) FROM case_referrals`) != 0 {
			t.Fatal("a refused referral was stored")
		}
		if err := f.svc.RecordConsent(ctx, handler, id, c.Version, rights.ConsentInput{Services: true, Refer: []string{"police", "court"},
			Disclose: []string{"police"}}); err != nil {
			t.Fatal(err)
		}
		var refs []int64
		for _, ag := range []string{"police", "court"} {
			c = f.get(handler, id)
			r, err := f.svc.Refer(ctx, handler, id, c.Version, rights.ReferInput{Agency: ag})
			if err != nil {
				t.Fatal(err)
			}
			refs = append(refs, r)
		}
		c = f.get(handler, id)
		if len(c.Referrals) != 2 || !c.Referrals[0].Disclose || c.Referrals[1].Disclose || c.Status != rights.Handling || c.RoutedAt.IsZero() {
			t.Fatalf("after the referrals: %+v", c.Referrals)
		}
		if st, _ := f.svc.LookupHelp(ctx, code); st.Status != "handling" {
			t.Fatalf("lookup while handled: %+v", st)
		}
		if err := f.svc.UpdateReferral(ctx, handler, id, c.Version, refs[0], "replied", "已出具告诫书"); err != nil {
			t.Fatal(err)
		}
		c = f.get(handler, id)
		testfx.WantCode(t, f.svc.Close(ctx, handler, id, c.Version, "resolved", "satisfied", ""), "open_referrals")
		if err := f.svc.UpdateReferral(ctx, handler, id, c.Version, refs[1], "done", "已签发人身安全保护令"); err != nil {
			t.Fatal(err)
		}
		c = f.get(handler, id)
		if err := f.svc.Close(ctx, handler, id, c.Version, "legal", "satisfied", "保护令已送达"); err != nil {
			t.Fatal(err)
		}
		st, err = f.svc.LookupHelp(ctx, code)
		if err != nil || st.Status != "closed" || st.StatusLabel != "已办结" {
			t.Fatalf("lookup after closing: %+v %v", st, err)
		}
		body, _ := json.Marshal(st)
		for _, secret := range []string{"掐", "0451", "社区", "街道", "孙桂芝", "告诫书"} {
			if strings.Contains(string(body), secret) {
				t.Fatalf("the lookup tells %q: %s", secret, body)
			}
		}
		c = f.get(handler, id)
		kinds := []string{}
		for _, e := range c.Events {
			kinds = append(kinds, e.Kind)
		}
		if got := strings.Join(kinds, ","); got != "intake,assign,assess,consent,refer,refer,referral,referral,close" {
			t.Fatalf("timeline %s", got)
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_events WHERE object_type = 'case' AND object_id = ? AND outcome = 'ok'`, strconv.FormatInt(id, 10)); n != 9 {
			t.Fatalf("%d audit events for the case, want 9 (the public intake, assign, assess, consent, 2 refer, 2 referral, close)", n)
		}
	})
}

// Who reads a case: a sibling district nothing (404), the units above a
// line without names, a leader above the whole case only by breaking the
// glass — with a reason, audited, the handler told, and reading only; an
// administrator nothing at all.
func TestWhoSeesACase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		handler := f.Actor("village.staff")
		_, id := f.help()
		c := f.get(handler, id)
		if err := f.svc.Take(ctx, handler, id, c.Version); err != nil {
			t.Fatal(err)
		}

		if _, err := f.svc.Get(ctx, f.Actor("nangang.leader"), id); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("a sibling district's leader: %v", err)
		}
		if _, err := f.svc.Get(ctx, f.Actor("admin"), id); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("the system administrator: %v", err)
		}
		above := f.Actor("daoli.leader")
		line := f.get(above, id)
		if line.Sight != rights.SightLine || line.Narrative != "" || line.Phone != "" || line.Parties != nil || line.Events != nil {
			t.Fatalf("the district reads %+v", line)
		}
		if err := f.svc.AddNote(ctx, above, id, 0, rights.NoteNote, "越级办理"); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("the district acts on the case: %v", err)
		}
		testfx.WantField(t, f.svc.BreakGlass(ctx, above, id, "看看"), "reason")
		if err := f.svc.BreakGlass(ctx, f.Actor("street.staff"), id, "街道工作人员想看"); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("staff break the glass: %v", err)
		}
		if err := f.svc.BreakGlass(ctx, f.Actor("nangang.leader"), id, "兄弟区县想看一下"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("a sibling breaks the glass: %v", err)
		}
		if err := f.svc.BreakGlass(ctx, above, id, "督办高危家暴案件，需核实处置情况"); err != nil {
			t.Fatal(err)
		}
		full := f.get(above, id)
		if full.Sight != rights.SightFull || !full.Glass || !strings.Contains(full.Narrative, "掐我脖子") {
			t.Fatalf("after breaking the glass: %+v", full)
		}
		if f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND title LIKE '%破窗%'`, handler.UserID) != 1 {
			t.Fatal("the handler was not told")
		}
		if f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'case.glass' AND user_id = ?`, above.UserID) != 1 ||
			f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'case.glass_read' AND user_id = ?`, above.UserID) != 1 {
			t.Fatal("breaking the glass and the read through it are not audited")
		}
		testfx.WantCode(t, f.svc.AddNote(ctx, above, id, 0, rights.NoteNote, "越级办理"), "glass_read_only")
		// The glass closes after its time.
		f.clock = f.clock.Add(rights.DefaultLimits.Glass + time.Minute)
		if f.get(above, id).Sight != rights.SightLine {
			t.Fatal("the glass stays open past its time")
		}
	})
}

// 上报 lets the leader above read and keeps the case where it is; 转办
// moves it to the accepting unit's inbox, and the old handler no longer
// reads it; a refusal says why and changes nothing else.
func TestEscalateAndTransfer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		handler := f.Actor("village.staff")
		streetLeader := f.Colleague("street.leader", "郑淑华", street, access.Leader)
		next := f.Unit("230102001002")
		nextLeader := f.Colleague("next.leader", "冯丽", next.Code, access.Leader)
		_, id := f.help()
		c := f.get(handler, id)
		if err := f.svc.Take(ctx, handler, id, c.Version); err != nil {
			t.Fatal(err)
		}
		if f.get(streetLeader, id).Sight != rights.SightLine {
			t.Fatal("the street's leader reads the case before it is escalated")
		}
		c = f.get(handler, id)
		testfx.WantField(t, f.svc.Escalate(ctx, handler, id, c.Version, " "), "reason")
		if err := f.svc.Escalate(ctx, handler, id, c.Version, "施暴人扬言报复，需街道协调公安"); err != nil {
			t.Fatal(err)
		}
		if f.get(streetLeader, id).Sight != rights.SightFull {
			t.Fatal("the street's leader does not read the escalated case")
		}
		c = f.get(handler, id)
		testfx.WantCode(t, f.svc.Transfer(ctx, handler, id, c.Version, next.Code, "她已搬到隔壁社区"), "move_pending")
		in, err := f.svc.Incoming(ctx, streetLeader)
		if err != nil || len(in) != 1 {
			t.Fatalf("the street's incoming: %v %v", in, err)
		}
		c = f.get(streetLeader, id)
		if err := f.svc.DecideMove(ctx, nextLeader, id, c.Moves[0].ID, true, ""); !errors.Is(err, access.ErrDenied) && !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("another unit decides the escalation: %v", err)
		}
		if err := f.svc.DecideMove(ctx, streetLeader, id, c.Moves[0].ID, true, "街道已联系派出所"); err != nil {
			t.Fatal(err)
		}
		if c := f.get(streetLeader, id); c.Sight != rights.SightFull || c.OrgCode != community {
			t.Fatalf("after the escalation was accepted: %+v", c)
		}

		c = f.get(handler, id)
		testfx.WantField(t, f.svc.Transfer(ctx, handler, id, c.Version, "230103001", "想转到南岗"), "to")
		if err := f.svc.Transfer(ctx, handler, id, c.Version, next.Code, "她已搬到隔壁社区"); err != nil {
			t.Fatal(err)
		}
		c = f.get(nextLeader, id)
		var move int64
		for _, m := range c.Moves {
			if m.Kind == rights.MoveTransfer {
				move = m.ID
			}
		}
		testfx.WantField(t, f.svc.DecideMove(ctx, nextLeader, id, move, false, ""), "reply")
		if err := f.svc.DecideMove(ctx, nextLeader, id, move, true, "接收"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(ctx, handler, id); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("the old handler after the transfer: %v", err)
		}
		c = f.get(nextLeader, id)
		if c.OrgCode != next.Code || c.HandlerID != 0 || c.Number() == "" {
			t.Fatalf("after the transfer: %+v", c)
		}
		rows, total, err := f.svc.List(ctx, f.Colleague("next.staff", "褚红", next.Code, access.Staff), rights.Filter{Box: "inbox"})
		if err != nil || total != 1 || rows[0].ID != id {
			t.Fatalf("the new unit's inbox: %d %v", total, err)
		}
	})
}

// Bad input is refused beside its field and changes nothing.
func TestBadInputChangesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		a := f.Actor("village.staff")
		good := rights.Input{Channel: rights.ChannelHotline, Category: "marriage.divorce", Narrative: "来电咨询离婚财产分割", Take: true}
		for name, c := range map[string]struct {
			edit  func(*rights.Input)
			field string
		}{
			"10 MB narrative":      {func(in *rights.Input) { in.Narrative = strings.Repeat("字", 10<<20/3) }, "narrative"},
			"no narrative":         {func(in *rights.Input) { in.Narrative = "  " }, "narrative"},
			"unknown category":     {func(in *rights.Input) { in.Category = "gossip" }, "category"},
			"online by a cadre":    {func(in *rights.Input) { in.Channel = rights.ChannelOnline }, "channel"},
			"transfer, no sender":  {func(in *rights.Input) { in.Channel = rights.ChannelTransfer }, "source_agency"},
			"a date in the future": {func(in *rights.Input) { in.ReceivedOn = "2027-01-01" }, "received_on"},
			"a phone of letters":   {func(in *rights.Input) { in.Phone = "call me maybe" }, "phone"},
			"an anonymous name": {func(in *rights.Input) {
				in.Anonymous, in.Parties = true, []rights.PartyInput{{Role: rights.PartyComplainant, Name: "王某"}}
			}, "parties.0.name"},
			"a party's role": {func(in *rights.Input) { in.Parties = []rights.PartyInput{{Role: "neighbour"}} }, "parties.0.role"},
		} {
			in := good
			c.edit(&in)
			_, err := f.svc.Intake(ctx, a, in)
			if err == nil {
				t.Fatalf("%s: accepted", name)
			}
			testfx.WantField(t, err, c.field)
		}
		_, err := f.svc.SubmitHelp(ctx, rights.HelpRequest{Category: "dv", Text: "<script>alert(1)</script>", OrgCode: "999999"}, "")
		for _, field := range []string{"org_code", "phone", "consent"} {
			testfx.WantField(t, err, field)
		}
		if n := f.count(`SELECT COUNT(*) FROM cases`) + f.count(`SELECT COUNT(*) FROM case_numbers`) + f.count(`SELECT COUNT(*) FROM case_parties`); n != 0 {
			t.Fatalf("refused input left %d rows", n)
		}
		if _, err := f.svc.Intake(ctx, f.Actor("admin"), good); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("an administrator takes a case in: %v", err)
		}
		id, err := f.svc.Intake(ctx, a, good)
		if err != nil {
			t.Fatal(err)
		}
		c := f.get(a, id)
		if c.Number() != "维〔2026〕1号" || c.HandlerID != a.UserID || c.Status != rights.Received {
			t.Fatalf("the call's case: %s %+v", c.Number(), c)
		}
	})
}

// A wrong code, a malformed one and a guess answer alike; a code is read
// however it is typed.
func TestTrackingCodes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		code, _ := f.help()
		for _, typed := range []string{code, strings.ToLower(code), rights.FormatCode(code), " " + rights.FormatCode(code) + " ",
			toFullWidth(code)} {
			if _, err := f.svc.LookupHelp(ctx, typed); err != nil {
				t.Errorf("%q: %v", typed, err)
			}
		}
		wrong := []byte(code)
		wrong[5] = map[bool]byte{true: 'A', false: 'C'}[wrong[5] != 'A']
		for _, typed := range []string{string(wrong), "", "12345", code + "A", "<script>", strings.Repeat("A", 10000), "0O1IL0O1IL0O"} {
			_, err := f.svc.LookupHelp(ctx, typed)
			if e := apperr.From(err); e == nil || e.Code != "no_such_code" || e.Status != http.StatusNotFound {
				t.Errorf("%.20q: %v", typed, err)
			}
		}
	})
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r - 'A' + 'Ａ'
		}
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		return r
	}, s)
}

// Without her consent a referral is refused; a leader may override only
// for a case rated 高 or above or a minor victim, with a reason shown on
// the case.
func TestConsentOverride(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		staff := f.Actor("village.staff")
		leader := f.Colleague("village.leader", "吴桂兰", community, access.Leader)
		id, err := f.svc.Intake(ctx, staff, rights.Input{Channel: rights.ChannelWalkIn, Category: "dv", Narrative: "母亲带孩子来访，孩子被打",
			Take: true, Parties: []rights.PartyInput{{Role: rights.PartyVictim, AgeGroup: "minor"}, {Role: rights.PartyRespondent, Relation: "父亲"}}})
		if err != nil {
			t.Fatal(err)
		}
		adult, err := f.svc.Intake(ctx, staff, rights.Input{Channel: rights.ChannelWalkIn, Category: "dv", Narrative: "来访反映被丈夫辱骂", Take: true})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Refer(ctx, staff, id, 0, rights.ReferInput{Agency: "police", Override: "孩子有危险"})
		testfx.WantField(t, err, "override")
		_, err = f.svc.Refer(ctx, leader, adult, 0, rights.ReferInput{Agency: "police", Override: "我认为需要报警"})
		testfx.WantField(t, err, "override")
		if _, err := f.svc.Refer(ctx, leader, id, 0, rights.ReferInput{Agency: "police", Override: "未成年人遭受家庭暴力，依法强制报告"}); err != nil {
			t.Fatal(err)
		}
		c := f.get(leader, id)
		if len(c.Referrals) != 1 || c.Referrals[0].OverrideBy != "吴桂兰" || !strings.Contains(c.Referrals[0].OverrideReason, "强制报告") || c.Referrals[0].Disclose {
			t.Fatalf("the override: %+v", c.Referrals)
		}
	})
}

// A need of category 维权 becomes one case, and each names the other.
func TestNeedBecomesACase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		a := f.Actor("village.staff")
		need, err := f.svc.Needs.CreateNeed(ctx, a, visit.NeedInput{Category: "rights", Summary: "入户走访发现：丈夫长期限制她外出、没收工资",
			Consent: true, PersonName: "刘某某", Contact: "13604510000"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.svc.Needs.CreateNeed(ctx, a, visit.NeedInput{Category: "employment", Summary: "想参加家政培训"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.FromNeed(ctx, a, other.ID, "other")
		testfx.WantField(t, err, "category")
		id, err := f.svc.FromNeed(ctx, a, need.ID, "dv")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.FromNeed(ctx, a, need.ID, "dv")
		testfx.WantCode(t, err, "already_case")
		c := f.get(a, id)
		if c.NeedID != need.ID || c.Channel != rights.ChannelNeed || len(c.Parties) != 1 || c.Parties[0].Name != "刘某某" || c.Parties[0].Phone != "13604510000" {
			t.Fatalf("the case from the need: %+v", c)
		}
		if back, err := f.svc.CaseOfNeed(ctx, a, need.ID); err != nil || back.ID != id {
			t.Fatalf("the need's case: %v %v", back.ID, err)
		}
	})
}

// The danger levels: bands by weighted score, and the floors of the
// strongest signs.
func TestDangerLevels(t *testing.T) {
	for _, c := range []struct {
		yes  []string
		want rights.Risk
	}{
		{nil, rights.RiskNormal},
		{[]string{"control", "substance"}, rights.RiskNormal},
		{[]string{"escalating", "separation", "stalking", "control"}, rights.RiskElevated},
		{[]string{"strangle"}, rights.RiskHigh},
		{[]string{"threat_kill"}, rights.RiskHigh},
		{[]string{"escalating", "separation", "stalking", "pregnant", "children", "control", "injury"}, rights.RiskHigh},
		{[]string{"threat_kill", "strangle", "weapon", "separation", "believes", "children"}, rights.RiskSevere},
	} {
		if _, got := rights.Level(c.yes); got != c.want {
			t.Errorf("%v: %s, want %s", c.yes, got, c.want)
		}
	}
}

// A 家庭暴力 case with a child victim: the 强制报告 is asked for until it is
// recorded; 高 opens the safety plan; a protection order applied for in
// urgency is reminded once when the court's 24 hours pass, refused past
// six months, and reminded once two weeks before it ends; closing
// schedules the follow-ups at a week, a month and three months, reminded
// when due and recorded on the closed case.
func TestOrdersFollowUpsAndReminders(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		a := f.Actor("village.staff")
		id, err := f.svc.Intake(ctx, a, rights.Input{Channel: rights.ChannelWalkIn, Category: "dv", Narrative: "母亲带孩子来访", Take: true,
			Parties: []rights.PartyInput{{Role: rights.PartyVictim, AgeGroup: "minor"}}})
		if err != nil {
			t.Fatal(err)
		}
		if !f.get(a, id).NeedsReport() {
			t.Fatal("a minor victim's case does not ask for the 强制报告")
		}
		// Contacted and routed in time: no reminder of those below.
		if err := f.svc.AddNote(ctx, a, id, 0, rights.NoteContact, "当场面谈"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AddNote(ctx, a, id, 0, rights.NoteRoute, "申请人身安全保护令"); err != nil {
			t.Fatal(err)
		}
		testfx.WantField(t, f.svc.RecordReport(ctx, a, id, 0, "police", "2027-01-01", ""), "reported_on")
		if err := f.svc.RecordReport(ctx, a, id, 0, "police", "2026-11-02", "已电话报告辖区派出所"); err != nil {
			t.Fatal(err)
		}
		if c := f.get(a, id); c.NeedsReport() || len(c.Reports) != 1 || c.Reports[0].Note != "已电话报告辖区派出所" {
			t.Fatalf("after the report: %+v", c.Reports)
		}

		if c := f.get(a, id); c.Safety != nil {
			t.Fatal("a safety plan before any rating")
		}
		if _, err := f.svc.Assess(ctx, a, id, 0, []string{"weapon"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.MarkSafety(ctx, a, id, 0, []string{"contacts", "evidence"}); err != nil {
			t.Fatal(err)
		}
		plan := f.get(a, id).Safety
		doneItems := 0
		for _, it := range plan {
			if !it.DoneAt.IsZero() {
				doneItems++
			}
		}
		if len(plan) != len(rights.SafetyItems) || doneItems != 2 {
			t.Fatalf("the plan: %d items, %d done", len(plan), doneItems)
		}

		_, err = f.svc.RecordOrder(ctx, a, id, 0, rights.OrderInput{Kind: rights.OrderWarning, IssuedOn: "2026-11-03"})
		testfx.WantField(t, err, "issued_on")
		order, err := f.svc.RecordOrder(ctx, a, id, 0, rights.OrderInput{Kind: rights.OrderProtection, Urgent: true, AppliedOn: "2026-11-02"})
		if err != nil {
			t.Fatal(err)
		}
		remind := func(want int) {
			t.Helper()
			n, err := f.svc.Remind(ctx)
			if err != nil || n != want {
				t.Fatalf("reminders: %d %v, want %d", n, err, want)
			}
		}
		remind(0)
		f.clock = f.clock.Add(25 * time.Hour)
		remind(1)
		remind(0)
		testfx.WantField(t, f.svc.DecideOrder(ctx, a, id, 0, order, true, "2026-11-03", "2027-06-03"), "expires_on")
		if err := f.svc.DecideOrder(ctx, a, id, 0, order, true, "2026-11-03", "2027-05-03"); err != nil {
			t.Fatal(err)
		}
		testfx.WantCode(t, f.svc.DecideOrder(ctx, a, id, 0, order, false, "2026-11-03", ""), "not_applied")
		if err := f.svc.RecordViolation(ctx, a, id, 0, order, "对方再次到娘家闹事"); err != nil {
			t.Fatal(err)
		}
		f.clock = time.Date(2027, 4, 20, 2, 0, 0, 0, time.UTC)
		remind(1)
		if c := f.get(a, id); c.Orders[0].Violations != 1 || !c.Orders[0].Expiring("2027-04-20") {
			t.Fatalf("the order: %+v", c.Orders[0])
		}

		f.clock = time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC)
		if err := f.svc.Close(ctx, a, id, 0, "legal", "satisfied", ""); err != nil {
			t.Fatal(err)
		}
		fu := f.get(a, id).FollowUps
		if len(fu) != 3 || fu[0].DueOn != "2026-11-17" || fu[1].DueOn != "2026-12-10" || fu[2].DueOn != "2027-02-10" {
			t.Fatalf("follow-ups: %+v", fu)
		}
		f.clock = time.Date(2026, 11, 18, 2, 0, 0, 0, time.UTC)
		remind(1)
		if err := f.svc.DoFollowUp(ctx, a, id, 0, fu[0].ID, "回访：对方未再施暴，孩子已返校"); err != nil {
			t.Fatal(err)
		}
		testfx.WantCode(t, f.svc.DoFollowUp(ctx, a, id, 0, fu[0].ID, "再记一次"), "followup_done")
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'case.update'`, a.UserID); n != 3 {
			t.Fatalf("%d reminders to the handler, want 3", n)
		}
	})
}
