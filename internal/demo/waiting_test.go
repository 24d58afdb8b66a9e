package demo

import (
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/rectify"
	"halfsky/internal/report"
	"halfsky/internal/testdb"
	"halfsky/internal/visit"
)

// TestDemoWaitingIsDecidable: every demo item waiting for someone else —
// a 公文 to review, reports to accept, an extension to decide, problems
// to close, applications at each level, the export request, the
// hand-over — is decided by the demo account a visitor would try, under
// the four-eyes rules (internal/duty): the demo's accounts are tied to
// nobody and date from before its story, so none is refused.
func TestDemoWaitingIsDecidable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, orgs, svc, keys, now := seeded(t, d)
		if err := SeedDocuments(ctx, svc, "demo-password-2015", now); err != nil {
			t.Fatal(err)
		}
		if err := SeedWork(ctx, svc, keys, now); err != nil {
			t.Fatal(err)
		}
		if err := SeedAidPayments(ctx, svc, keys, now); err != nil {
			t.Fatal(err)
		}
		as := func(username string) access.Actor {
			t.Helper()
			u, err := svc.UserByUsername(ctx, username)
			if err != nil {
				t.Fatal(err)
			}
			return u.Actor("127.0.0.1")
		}
		// at is the demo account of a unit that decides for it.
		at := map[string]string{"2301": "city.staff", "230102": "daoli.staff", "230102001": "street.staff"}
		waiting := func(q string, args ...any) []int64 {
			t.Helper()
			rows, err := d.Query(ctx, q, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				out = append(out, id)
			}
			if len(out) == 0 {
				t.Fatalf("the demo has nothing waiting for %s", q)
			}
			return out
		}
		decided := func(what string, id int64, err error) {
			t.Helper()
			if err != nil {
				t.Errorf("%s %d: %v", what, id, err)
			}
		}

		docs := doc.NewService(d, orgs)
		docs.Vault = keys
		reps := report.NewService(d, orgs, docs)
		reps.Vault = keys
		report.Wire(docs, reps)
		for _, id := range waiting(`SELECT id FROM documents WHERE status = 'reviewing'`) {
			decided("review", id, docs.Review(ctx, as("city.office"), id, true, "文字已核"))
		}
		for _, id := range waiting(`SELECT id FROM reports WHERE status = 'submitted'`) {
			decided("accept", id, reps.Accept(ctx, as("city.staff"), id))
		}
		for _, id := range waiting(`SELECT id FROM reports WHERE extension_status = 'requested'`) {
			decided("extension", id, reps.DecideExtension(ctx, as("city.staff"), id, true, "同意"))
		}

		rs := rectify.NewService(d, orgs)
		rs.Vault = keys
		for _, id := range waiting(`SELECT p.id FROM problems p WHERE p.status = 'applied'`) {
			var parent string
			if err := d.QueryRow(ctx, `SELECT u.code FROM problems p JOIN orgs o ON o.id = p.org_id JOIN orgs u ON u.id = o.parent_id
				WHERE p.id = ?`, id).Scan(&parent); err != nil {
				t.Fatal(err)
			}
			decided("close", id, rs.Close(ctx, as(at[parent]), id, ""))
		}

		ai := aid.NewService(d, orgs)
		ai.Vault = keys
		level := map[string]string{"street": "street.staff", "district": "daoli.staff", "city": "city.leader"}
		for _, id := range waiting(`SELECT id FROM aid_applications WHERE status = 'reviewing'`) {
			var lv string
			var version int
			if err := d.QueryRow(ctx, `SELECT level, version FROM aid_applications WHERE id = ?`, id).Scan(&lv, &version); err != nil {
				t.Fatal(err)
			}
			_, err := ai.Decide(ctx, as(level[lv]), id, aid.Decision{Decision: aid.Pass, Version: version})
			decided("aid "+lv, id, err)
		}
		for _, id := range waiting(`SELECT id FROM aid_exports WHERE status = 'pending'`) {
			_, err := ai.DecideExport(ctx, as("daoli.leader"), id, true, "同意")
			decided("export", id, err)
		}

		vs := visit.NewService(d, orgs)
		vs.Vault = keys
		for _, id := range waiting(`SELECT need_id FROM need_handovers WHERE status = 'pending'`) {
			var to string
			if err := d.QueryRow(ctx, `SELECT o.code FROM need_handovers h JOIN orgs o ON o.id = h.to_org_id
				WHERE h.need_id = ? AND h.status = 'pending'`, id).Scan(&to); err != nil {
				t.Fatal(err)
			}
			_, err := vs.Decide(ctx, as(at[to]), id, true, "")
			decided("hand-over", id, err)
		}

		// Nothing was refused on the way.
		var refused int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE detail LIKE 'four_eyes=%'`).Scan(&refused); err != nil {
			t.Fatal(err)
		}
		if refused != 0 {
			t.Fatalf("%d four-eyes refusals in the demo", refused)
		}
	})
}
