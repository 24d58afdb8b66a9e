package api_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/demo"
	"halfsky/internal/doc"
	"halfsky/internal/duty"
	"halfsky/internal/org"
	"halfsky/internal/rectify"
	"halfsky/internal/testapp"
)

// The four-eyes rules over the API (issue 10, "what must hold" 3): for
// each rule, a second account tied to the first — made by it, or whose
// password it reset — is refused with 403 linked_account; so are the
// first account itself (same_person) and an account made after the
// request (account_too_new). Each refusal is a JSON error with a Chinese
// message, audited as denied with four_eyes=<code>, and leaves the
// record as it was; an independent account then decides it.

// newcomer makes an account as the operator, now: newer than anything
// the test did before it.
func (f *fixture) newcomer(username, code string, role access.Role) {
	f.t.Helper()
	time.Sleep(2 * time.Millisecond) // strictly after what came before, at the clock's millisecond
	if _, err := f.svc().CreateUserAsOperator(context.Background(), auth.NewUser{Username: username, DisplayName: "新同志",
		Password: testapp.Password, OrgCode: code, Role: role}); err != nil {
		f.t.Fatal(err)
	}
}

// tie records that by did kind to target's account a minute ago.
func (f *fixture) tie(by, target string, kind duty.Kind) {
	f.t.Helper()
	if err := duty.Link(context.Background(), f.app.DB.Q(), f.userID(by), f.userID(target), kind, time.Now().Add(-time.Minute)); err != nil {
		f.t.Fatal(err)
	}
}

// move puts an account at another unit (a cadre who changed posts).
func (f *fixture) move(username, code string) {
	f.t.Helper()
	f.exec(`UPDATE users SET org_id = (SELECT id FROM orgs WHERE code = ?) WHERE username = ?`, code, username)
	delete(f.clients, username)
}

// row is every column of the query's one row, as text.
func (f *fixture) row(q string, args ...any) string {
	f.t.Helper()
	rows, err := f.app.DB.Query(context.Background(), q, args...)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		f.t.Fatalf("no row: %s", q)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		f.t.Fatal(err)
	}
	return fmt.Sprint(vals...)
}

// refusal is one four-eyes refusal over the API and what it must leave.
type refusal struct {
	as, path string
	body     any
	code     string
	action   string // the audited action
	object   string // and object type
	id       int64
	snapshot string // a query of the record's row, id as its argument
}

func (f *fixture) refused(t *testing.T, r refusal) {
	t.Helper()
	before := f.row(r.snapshot, r.id)
	audited := func() int {
		return f.count(`SELECT COUNT(*) FROM audit_events WHERE action = ? AND object_type = ? AND object_id = ? AND outcome = 'denied'
			AND detail = ?`, r.action, r.object, strconv.FormatInt(r.id, 10), "four_eyes="+r.code)
	}
	n := audited()
	expect(t, f.as(r.as).Do("POST", r.path, r.body), 403, r.code)
	if got := audited(); got != n+1 {
		t.Fatalf("%s as %s: %d refusals audited, want %d", r.path, r.as, got, n+1)
	}
	if after := f.row(r.snapshot, r.id); after != before {
		t.Fatalf("%s as %s changed the record:\n %s\n %s", r.path, r.as, before, after)
	}
}

func (f *fixture) ok(t *testing.T, as, path string, body any, status int) {
	t.Helper()
	expect(t, f.as(as).Do("POST", path, body), status, "")
}

// TestExportFourEyesAPI is the attack itself: 道里's leader makes
// a second account, which asks for the list in the clear; she may not
// approve it; nor her own request, nor may an account made after it.
func TestExportFourEyesAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		if err := demo.SeedWork(context.Background(), f.svc(), f.app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		const base = "/api/v1/aid/exports"
		const snapshot = `SELECT status, decided_by, version, updated_at FROM aid_exports WHERE id = ?`
		ask := func(as string) int64 {
			r := f.as(as).Do("POST", base, map[string]any{"kind": "applications", "params": map[string]any{"programme": "cancer"},
				"reason": "核对发放名单"})
			expect(t, r, 201, "")
			return int64(r.JSON(t)["export"].(map[string]any)["id"].(float64))
		}
		decide := func(id int64) string { return base + "/" + strconv.FormatInt(id, 10) + "/decide" }

		f.newcomer("daoli.puppet", "230102", access.Staff)
		f.tie("daoli.leader", "daoli.puppet", duty.Created)
		p := ask("daoli.puppet")
		for _, d := range []map[string]any{{"decision": "approve"}, {"decision": "reject", "note": "不同意"}} {
			action := "aid.export." + d["decision"].(string)
			f.refused(t, refusal{as: "daoli.leader", path: decide(p), body: d, code: duty.CodeLinked, action: action, object: "aid_export", id: p, snapshot: snapshot})
		}
		// The other way: a leader account whose password she reset.
		f.user("daoli.deputy", "副主席", "230102", access.Leader)
		f.tie("daoli.leader", "daoli.deputy", duty.ResetPassword)
		own := ask("daoli.leader")
		f.refused(t, refusal{as: "daoli.deputy", path: decide(own), body: map[string]any{"decision": "approve"}, code: duty.CodeLinked,
			action: "aid.export.approve", object: "aid_export", id: own, snapshot: snapshot})
		f.refused(t, refusal{as: "daoli.leader", path: decide(own), body: map[string]any{"decision": "approve"}, code: duty.CodeSame,
			action: "aid.export.approve", object: "aid_export", id: own, snapshot: snapshot})
		f.newcomer("daoli.late", "230102", access.Leader)
		f.refused(t, refusal{as: "daoli.late", path: decide(own), body: map[string]any{"decision": "approve"}, code: duty.CodeNewer,
			action: "aid.export.approve", object: "aid_export", id: own, snapshot: snapshot})

		// The city's leader decides both; the puppet's download is then
		// its own, approved by someone it is not tied to.
		f.ok(t, "city.leader", decide(p), map[string]any{"decision": "reject", "note": "用脱敏名单即可"}, 200)
		f.ok(t, "city.leader", decide(own), map[string]any{"decision": "approve"}, 200)
	})
}

// TestAidDecideFourEyesAPI: the street's decision on an application the
// village entered: not by an account tied to the village cadre, not by
// her after a move to the street, not by an account made after it was
// submitted.
func TestAidDecideFourEyesAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		if err := demo.SeedWork(context.Background(), f.svc(), f.app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		var id int64
		var version int
		if err := f.app.DB.QueryRow(context.Background(), `SELECT id, version FROM aid_applications WHERE status = 'reviewing' AND level = 'street'`).
			Scan(&id, &version); err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/aid/applications/" + strconv.FormatInt(id, 10) + "/decide"
		const snapshot = `SELECT status, level, version, updated_at, (SELECT COUNT(*) FROM aid_steps WHERE application_id = x.id)
			FROM aid_applications x WHERE id = ?`
		pass := map[string]any{"decision": "pass", "version": version}

		f.tie("street.staff", "village.staff", duty.ResetPassword)
		f.refused(t, refusal{as: "street.staff", path: path, body: pass, code: duty.CodeLinked, action: "aid.pass", object: "aid_application", id: id, snapshot: snapshot})
		f.refused(t, refusal{as: "street.staff", path: path, body: map[string]any{"decision": "return", "reason": "材料不全", "version": version},
			code: duty.CodeLinked, action: "aid.return", object: "aid_application", id: id, snapshot: snapshot})
		// Whichever way the tie goes.
		f.user("street.deputy", "街道副主席", "230102001", access.Leader)
		f.tie("village.staff", "street.deputy", duty.Enabled)
		f.refused(t, refusal{as: "street.deputy", path: path, body: pass, code: duty.CodeLinked, action: "aid.pass", object: "aid_application", id: id, snapshot: snapshot})
		f.newcomer("street.late", "230102001", access.Staff)
		f.refused(t, refusal{as: "street.late", path: path, body: pass, code: duty.CodeNewer, action: "aid.pass", object: "aid_application", id: id, snapshot: snapshot})
		f.move("village.staff", "230102001")
		f.refused(t, refusal{as: "village.staff", path: path, body: pass, code: duty.CodeSame, action: "aid.pass", object: "aid_application", id: id, snapshot: snapshot})

		f.user("street.clerk", "街道文书", "230102001", access.Staff)
		f.ok(t, "street.clerk", path, pass, 200)
	})
}

// TestDocFourEyesAPI: review and 签发 of a 公文 over the API.
func TestDocFourEyesAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		docs := f.app.Server.Deps.Docs
		draft := func(as string) int64 {
			t.Helper()
			a := f.app.Actor(t, as)
			d, err := docs.Create(ctx, a, doc.Fields{Type: "通知", IssuerMark: "哈尔滨市妇女联合会文件", Abbr: "哈妇发", Title: "关于开展专题学习的通知",
				RecipientSpec: []doc.Target{{Group: org.KindDistrict}}, Body: []string{"请各地妇联认真组织学习。"}, Signature: "哈尔滨市妇女联合会",
				PrintedBy: "哈尔滨市妇女联合会", Seal: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := docs.Submit(ctx, a, d.ID); err != nil {
				t.Fatal(err)
			}
			return d.ID
		}
		path := func(id int64, action string) string {
			return "/api/v1/docs/" + strconv.FormatInt(id, 10) + "/" + action
		}
		const snapshot = `SELECT status, updated_at, reviewed_by, signed_by, version FROM documents WHERE id = ?`

		// Review: the drafter; the leader's puppet's draft; a newcomer.
		own := draft("city.staff")
		f.refused(t, refusal{as: "city.staff", path: path(own, "review"), body: map[string]any{"pass": true}, code: duty.CodeSame,
			action: "doc.review_pass", object: "document", id: own, snapshot: snapshot})
		f.newcomer("city.puppet", "2301", access.Staff)
		f.tie("city.leader", "city.puppet", duty.Created)
		p := draft("city.puppet")
		f.refused(t, refusal{as: "city.leader", path: path(p, "review"), body: map[string]any{"pass": false, "note": "请修改"}, code: duty.CodeLinked,
			action: "doc.review_return", object: "document", id: p, snapshot: snapshot})
		f.newcomer("city.late", "2301", access.Staff)
		f.refused(t, refusal{as: "city.late", path: path(own, "review"), body: map[string]any{"pass": true}, code: duty.CodeNewer,
			action: "doc.review_pass", object: "document", id: own, snapshot: snapshot})
		f.ok(t, "city.office", path(own, "review"), map[string]any{"pass": true}, 200)
		f.ok(t, "city.office", path(p, "review"), map[string]any{"pass": true}, 200)

		// 签发: the leader may not sign (nor send back) his puppet's draft,
		// nor one he reviewed; an untied leader signs both.
		f.refused(t, refusal{as: "city.leader", path: path(p, "sign"), body: map[string]any{"opinion": "同意"}, code: duty.CodeLinked,
			action: "doc.sign", object: "document", id: p, snapshot: snapshot})
		f.refused(t, refusal{as: "city.leader", path: path(p, "withdraw"), body: map[string]any{"reason": "再议"}, code: duty.CodeLinked,
			action: "doc.sign_return", object: "document", id: p, snapshot: snapshot})
		rev := draft("city.staff")
		f.ok(t, "city.leader", path(rev, "review"), map[string]any{"pass": true}, 200)
		f.refused(t, refusal{as: "city.leader", path: path(rev, "sign"), body: map[string]any{"opinion": "同意"}, code: duty.CodeSame,
			action: "doc.sign", object: "document", id: rev, snapshot: snapshot})
		f.newcomer("city.newleader", "2301", access.Leader)
		f.refused(t, refusal{as: "city.newleader", path: path(rev, "sign"), body: map[string]any{"opinion": "同意"}, code: duty.CodeNewer,
			action: "doc.sign", object: "document", id: rev, snapshot: snapshot})
		f.user("city.deputy", "副主席", "2301", access.Leader)
		f.ok(t, "city.deputy", path(p, "sign"), map[string]any{"opinion": "同意"}, 200)
		f.ok(t, "city.deputy", path(rev, "withdraw"), map[string]any{"reason": "再议"}, 200)
		// The ordinary case: the leader signs what a colleague drafted
		// and the office reviewed.
		plain := draft("city.staff")
		f.ok(t, "city.office", path(plain, "review"), map[string]any{"pass": true}, 200)
		f.ok(t, "city.leader", path(plain, "sign"), map[string]any{"opinion": "同意"}, 200)
	})
}

// TestProblemFourEyesAPI: 销号 and 退回 of a street's problem by 道里.
func TestProblemFourEyesAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		rs := f.app.Server.Deps.Rectify
		applied := func(as string) int64 {
			t.Helper()
			a := f.app.Actor(t, as)
			today := time.Now().In(shanghaiTZ).Format(time.DateOnly)
			id, err := rs.Create(ctx, a, rectify.Input{Category: "organ", Source: "self", Description: "入户少", Measures: "包片联系社区",
				Responsible: "张秀英", Mode: rectify.ModeNow, FoundOn: today, DueOn: today})
			if err != nil {
				t.Fatal(err)
			}
			if err := rs.Apply(ctx, a, id, "已整改"); err != nil {
				t.Fatal(err)
			}
			return id
		}
		path := func(id int64, action string) string {
			return "/api/v1/problems/" + strconv.FormatInt(id, 10) + "/" + action
		}
		const snapshot = `SELECT status, version, updated_at, closed_by FROM problems WHERE id = ?`

		f.user("street.puppet", "傀儡", "230102001", access.Staff)
		f.tie("daoli.leader", "street.puppet", duty.Created)
		p := applied("street.puppet")
		f.refused(t, refusal{as: "daoli.leader", path: path(p, "close"), body: map[string]any{}, code: duty.CodeLinked,
			action: "problem.close", object: "problem", id: p, snapshot: snapshot})
		f.refused(t, refusal{as: "daoli.leader", path: path(p, "return"), body: map[string]any{"reason": "佐证不足"}, code: duty.CodeLinked,
			action: "problem.return", object: "problem", id: p, snapshot: snapshot})
		s := applied("street.staff")
		f.newcomer("daoli.late", "230102", access.Staff)
		f.refused(t, refusal{as: "daoli.late", path: path(s, "close"), body: map[string]any{}, code: duty.CodeNewer,
			action: "problem.close", object: "problem", id: s, snapshot: snapshot})
		f.move("street.staff", "230102")
		f.refused(t, refusal{as: "street.staff", path: path(s, "close"), body: map[string]any{}, code: duty.CodeSame,
			action: "problem.close", object: "problem", id: s, snapshot: snapshot})

		f.ok(t, "daoli.staff", path(p, "close"), map[string]any{}, 204)
		f.ok(t, "daoli.staff", path(s, "return"), map[string]any{"reason": "请补充佐证"}, 204)
	})
}

// TestReportFourEyesAPI: the city's decisions on the demo's reports and
// the extension waiting for it.
func TestReportFourEyesAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		if err := demo.SeedDocuments(context.Background(), f.svc(), testapp.Password, time.Now()); err != nil {
			t.Fatal(err)
		}
		var sub, ext int64
		var submitter, requester string
		if err := f.app.DB.QueryRow(context.Background(), `SELECT r.id, u.username FROM reports r JOIN users u ON u.id = r.submitted_by
			WHERE r.status = 'submitted' ORDER BY r.id LIMIT 1`).Scan(&sub, &submitter); err != nil {
			t.Fatal(err)
		}
		if err := f.app.DB.QueryRow(context.Background(), `SELECT r.id, o.code FROM reports r JOIN orgs o ON o.id = r.org_id
			WHERE r.extension_status = 'requested' ORDER BY r.id LIMIT 1`).Scan(&ext, &requester); err != nil {
			t.Fatal(err)
		}
		if err := f.app.DB.QueryRow(context.Background(), `SELECT username FROM audit_events WHERE action = 'report.extension_request'
			AND object_id = ? ORDER BY seq DESC LIMIT 1`, strconv.FormatInt(ext, 10)).Scan(&requester); err != nil {
			t.Fatal(err)
		}
		path := func(id int64, action string) string {
			return "/api/v1/reports/" + strconv.FormatInt(id, 10) + "/" + action
		}
		const snapshot = `SELECT status, extension_status, due_at, version, updated_at FROM reports WHERE id = ?`

		// city.staff made the district contact's account.
		f.tie("city.staff", submitter, duty.Created)
		f.refused(t, refusal{as: "city.staff", path: path(sub, "accept"), code: duty.CodeLinked, action: "report.accept", object: "report", id: sub, snapshot: snapshot})
		f.refused(t, refusal{as: "city.staff", path: path(sub, "return"), body: map[string]any{"reason": "请补充"}, code: duty.CodeLinked,
			action: "report.return", object: "report", id: sub, snapshot: snapshot})
		// The extension's requester reset the password of a city account.
		f.user("city.clerk", "文书", "2301", access.Staff)
		f.tie(requester, "city.clerk", duty.ResetPassword)
		f.refused(t, refusal{as: "city.clerk", path: path(ext, "extension/decide"), body: map[string]any{"grant": true}, code: duty.CodeLinked,
			action: "report.extension_grant", object: "report", id: ext, snapshot: snapshot})
		f.newcomer("city.late", "2301", access.Staff)
		f.refused(t, refusal{as: "city.late", path: path(ext, "extension/decide"), body: map[string]any{"grant": false, "reply": "不同意"},
			code: duty.CodeNewer, action: "report.extension_refuse", object: "report", id: ext, snapshot: snapshot})
		f.refused(t, refusal{as: "city.late", path: path(sub, "accept"), code: duty.CodeNewer, action: "report.accept", object: "report", id: sub, snapshot: snapshot})
		f.move(submitter, "2301")
		f.refused(t, refusal{as: submitter, path: path(sub, "accept"), code: duty.CodeSame, action: "report.accept", object: "report", id: sub, snapshot: snapshot})

		f.ok(t, "city.office", path(sub, "accept"), nil, 200)
		f.ok(t, "city.staff", path(ext, "extension/decide"), map[string]any{"grant": true}, 200)
	})
}

// TestHandoverFourEyesAPI: the district's answer to the street's need
// handed up in the demo.
func TestHandoverFourEyesAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		if err := demo.SeedWork(context.Background(), f.svc(), f.app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		var need int64
		var sender string
		if err := f.app.DB.QueryRow(context.Background(), `SELECT h.need_id, u.username FROM need_handovers h JOIN users u ON u.id = h.sent_by
			WHERE h.status = 'pending'`).Scan(&need, &sender); err != nil {
			t.Fatal(err)
		}
		path := func(action string) string {
			return "/api/v1/needs/" + strconv.FormatInt(need, 10) + "/handover/" + action
		}
		const snapshot = `SELECT n.status, n.org_id, n.version, (SELECT COUNT(*) FROM need_handovers WHERE need_id = n.id AND status = 'pending')
			FROM needs n WHERE n.id = ?`

		f.tie("daoli.staff", sender, duty.ResetPassword)
		f.refused(t, refusal{as: "daoli.staff", path: path("accept"), code: duty.CodeLinked, action: "need.handover_accept", object: "need", id: need, snapshot: snapshot})
		f.refused(t, refusal{as: "daoli.staff", path: path("refuse"), body: map[string]any{"reply": "不属于本单位"}, code: duty.CodeLinked,
			action: "need.handover_refuse", object: "need", id: need, snapshot: snapshot})
		f.newcomer("daoli.late", "230102", access.Staff)
		f.refused(t, refusal{as: "daoli.late", path: path("accept"), code: duty.CodeNewer, action: "need.handover_accept", object: "need", id: need, snapshot: snapshot})
		f.move(sender, "230102")
		f.refused(t, refusal{as: sender, path: path("accept"), code: duty.CodeSame, action: "need.handover_accept", object: "need", id: need, snapshot: snapshot})

		f.ok(t, "daoli.leader", path("accept"), nil, 200)
	})
}
