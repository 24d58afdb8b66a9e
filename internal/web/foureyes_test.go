package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/doc"
	"halfsky/internal/duty"
	"halfsky/internal/org"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// TestFourEyesPages: every four-eyes refusal reaches the page as the
// error flash beside the action, with the reason in Chinese, and changes
// nothing: for each rule, the demo's item waiting for someone is posted
// by the account a tie now disqualifies.
func TestFourEyesPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := testapp.Start(t, d)
		svc := app.Server.Deps.Auth
		if err := demo.SeedDocuments(ctx, svc, testapp.Password, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := demo.SeedWork(ctx, svc, app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := demo.SeedAidPayments(ctx, svc, app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		one := func(q string, dest ...any) {
			t.Helper()
			if err := d.QueryRow(ctx, q).Scan(dest...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// A document reviewed and waiting for the leader's 签发.
		docs := app.Server.Deps.Docs
		staff, office := app.Actor(t, "city.staff"), app.Actor(t, "city.office")
		reviewed, err := docs.Create(ctx, staff, doc.Fields{Type: "通知", IssuerMark: "哈尔滨市妇女联合会文件", Abbr: "哈妇发",
			Title: "关于开展专题学习的通知", RecipientSpec: []doc.Target{{Group: org.KindDistrict}}, Body: []string{"请认真组织学习。"},
			Signature: "哈尔滨市妇女联合会", PrintedBy: "哈尔滨市妇女联合会", Seal: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := docs.Submit(ctx, staff, reviewed.ID); err != nil {
			t.Fatal(err)
		}
		if err := docs.Review(ctx, office, reviewed.ID, true, ""); err != nil {
			t.Fatal(err)
		}

		var export, application, draft, problem, report, extension, need int64
		var appVersion int
		var applicant, submitter, requester, sender string
		one(`SELECT id FROM aid_exports WHERE status = 'pending'`, &export)
		one(`SELECT id, version FROM aid_applications WHERE status = 'reviewing' AND level = 'street'`, &application, &appVersion)
		one(`SELECT id FROM documents WHERE status = 'reviewing'`, &draft)
		one(`SELECT p.id, u.username FROM problems p JOIN users u ON u.id = p.applied_by JOIN orgs o ON o.id = p.org_id
			WHERE p.status = 'applied' AND o.code = '230102'`, &problem, &applicant)
		one(`SELECT r.id, u.username FROM reports r JOIN users u ON u.id = r.submitted_by WHERE r.status = 'submitted' ORDER BY r.id LIMIT 1`,
			&report, &submitter)
		one(`SELECT r.id FROM reports r WHERE r.extension_status = 'requested' ORDER BY r.id LIMIT 1`, &extension)
		one(`SELECT username FROM audit_events WHERE action = 'report.extension_request' AND object_id = '`+strconv.FormatInt(extension, 10)+
			`' ORDER BY seq DESC LIMIT 1`, &requester)
		one(`SELECT h.need_id, u.username FROM need_handovers h JOIN users u ON u.id = h.sent_by WHERE h.status = 'pending'`, &need, &sender)

		id := strconv.FormatInt
		cases := []struct {
			name, as, tiedTo, path string
			form                   url.Values
			action, object         string
			objectID               int64
			state                  string // the record's row, which must not change
		}{
			{"export approval", "daoli.leader", "daoli.staff", "/aid/exports/" + id(export, 10) + "/decide", url.Values{"decision": {"approve"}},
				"aid.export.approve", "aid_export", export, `SELECT status || '/' || version FROM aid_exports WHERE id = ` + id(export, 10)},
			{"aid decision", "street.staff", "village.staff", "/aid/" + id(application, 10) + "/decide",
				url.Values{"decision": {"pass"}, "version": {strconv.Itoa(appVersion)}},
				"aid.pass", "aid_application", application, `SELECT status || '/' || level || '/' || version FROM aid_applications WHERE id = ` + id(application, 10)},
			{"公文 review", "city.office", "city.staff", "/docs/" + id(draft, 10) + "/review", url.Values{"decision": {"pass"}},
				"doc.review_pass", "document", draft, `SELECT status FROM documents WHERE id = ` + id(draft, 10)},
			{"公文 签发", "city.leader", "city.office", "/docs/" + id(reviewed.ID, 10) + "/sign", url.Values{"opinion": {"同意"}},
				"doc.sign", "document", reviewed.ID, `SELECT status FROM documents WHERE id = ` + id(reviewed.ID, 10)},
			{"销号", "city.staff", applicant, "/problems/" + id(problem, 10) + "/close", url.Values{},
				"problem.close", "problem", problem, `SELECT status || '/' || version FROM problems WHERE id = ` + id(problem, 10)},
			{"report acceptance", "city.staff", submitter, "/reports/" + id(report, 10) + "/accept", url.Values{},
				"report.accept", "report", report, `SELECT status || '/' || version FROM reports WHERE id = ` + id(report, 10)},
			{"extension", "city.staff", requester, "/reports/" + id(extension, 10) + "/grant", url.Values{},
				"report.extension_grant", "report", extension, `SELECT extension_status || '/' || version FROM reports WHERE id = ` + id(extension, 10)},
			{"hand-over", "daoli.staff", sender, "/needs/" + id(need, 10) + "/accept", url.Values{},
				"need.handover_accept", "need", need, `SELECT status || '/' || version FROM needs WHERE id = ` + id(need, 10)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if err := duty.Link(ctx, d.Q(), app.Actor(t, c.as).UserID, app.Actor(t, c.tiedTo).UserID, duty.ResetPassword,
					time.Now().Add(-time.Minute)); err != nil {
					t.Fatal(err)
				}
				var before, after string
				one(c.state, &before)
				page := signIn(t, app, c.as).post(c.path, c.form, http.StatusSeeOther)
				must(t, page, "flash flash-error", "在 180 天内重置密码过，不能由您审批")
				one(c.state, &after)
				if after != before {
					t.Fatalf("the refused action changed the record: %s → %s", before, after)
				}
				if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = '`+c.action+`' AND object_type = '`+c.object+
					`' AND object_id = '`+id(c.objectID, 10)+`' AND outcome = 'denied' AND detail = 'four_eyes=linked_account'`); n != 1 {
					t.Fatalf("%d refusals audited", n)
				}
			})
		}
	})
}
