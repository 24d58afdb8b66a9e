package demo

import (
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestSeedAccounts: after the work, the first start shows an account
// waiting for a role, a role request waiting for the other administrator,
// a rejected one, and the auditor's alert about a cadre probing ID numbers
// — whose audit events name no one's ID number.
func TestSeedAccounts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, _, svc, keys, now := seeded(t, d)
		svc.Vault = keys
		if err := SeedWork(ctx, svc, keys, now); err != nil {
			t.Fatal(err)
		}
		if err := SeedAccounts(ctx, svc, keys, now); err != nil {
			t.Fatal(err)
		}
		u, err := svc.UserByUsername(ctx, "daoli.newcomer")
		if err != nil || u.Role != access.NoRole || !u.MustChangePassword {
			t.Fatalf("the account waiting for a role: %+v %v", u, err)
		}
		count := func(q string) int {
			var n int
			if err := d.QueryRow(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM role_requests WHERE status = 'pending' AND to_role = 'secadmin'`); n != 1 {
			t.Errorf("pending role requests: %d", n)
		}
		if n := count(`SELECT COUNT(*) FROM role_requests WHERE status = 'rejected'`); n != 1 {
			t.Errorf("rejected role requests: %d", n)
		}
		// The pending request is the security administrator's to decide.
		sec, err := svc.UserByUsername(ctx, "secadmin")
		if err != nil {
			t.Fatal(err)
		}
		rs, err := svc.RoleRequests(ctx, sec.Actor(""), "pending", 0)
		if err != nil || len(rs) != 1 {
			t.Fatalf("secadmin's pending requests: %v %v", rs, err)
		}
		if n := count(`SELECT COUNT(*) FROM audit_events WHERE action = 'alert.aid_duplicate_probes' AND username = 'huayuan.staff'`); n != 1 {
			t.Errorf("probe alerts: %d", n)
		}
		if n := count(`SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%230102197204%'`); n != 0 {
			t.Errorf("%d audit events hold the ID number", n)
		}
	})
}
