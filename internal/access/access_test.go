package access

import (
	"errors"
	"testing"
)

// TestMayChange: the owner rule for a street (/1/2/3/) and the units
// around it.
func TestMayChange(t *testing.T) {
	const city, district, street, village, sibling = "/1/", "/1/2/", "/1/2/3/", "/1/2/3/4/", "/1/2/5/"
	at := func(path string, r Role) Actor { return Actor{Role: r, OrgPath: path} }
	for _, c := range []struct {
		name            string
		a               Actor
		owner, recorder string
		want            error
	}{
		{"the owner unit", at(street, Staff), street, street, nil},
		{"a unit above", at(city, Leader), street, street, nil},
		{"the recorder's unit when the owner is below it", at(street, Staff), village, street, nil},
		{"the owner unit when the recorder is above it", at(village, Staff), village, street, nil},
		{"a unit below the owner", at(village, Staff), street, street, ErrNotOwner},
		{"a unit below the owner, only path given", at(village, Staff), street, "", ErrNotOwner},
		{"a unit below the recorder, owner unknown", at(village, Staff), "", street, ErrNotOwner},
		{"a sibling", at(sibling, Staff), street, street, ErrDenied},
		{"an administrator", at(city, Sysadmin), street, street, ErrDenied},
		{"no paths", at(city, Leader), "", "", ErrDenied},
		{"an actor without a unit", at("", Staff), street, street, ErrDenied},
	} {
		err := c.a.MayChange(RecordWork, c.owner, c.recorder)
		if err != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if c.want != nil && !errors.Is(err, ErrDenied) {
			t.Errorf("%s: %v is not a denial", c.name, err)
		}
		if c.a.CanChange(RecordWork, c.owner, c.recorder) != (c.want == nil) {
			t.Errorf("%s: CanChange disagrees", c.name)
		}
	}
	if errors.Is(ErrDenied, ErrNotOwner) {
		t.Error("every denial is not a below-the-owner one")
	}
	_ = district
}

// TestCanReshape: the system administrator reshapes any unit in scope; a
// leader only units strictly below her own; nobody else, nowhere outside.
func TestCanReshape(t *testing.T) {
	const city, district, street, sibling = "/1/", "/1/2/", "/1/2/3/", "/1/5/"
	at := func(path string, r Role) Actor { return Actor{Role: r, OrgPath: path} }
	for _, c := range []struct {
		name string
		a    Actor
		path string
		want bool
	}{
		{"the administrator, a unit below", at(city, Sysadmin), street, true},
		{"the administrator, her own unit", at(city, Sysadmin), city, true},
		{"the administrator, outside", at(district, Sysadmin), sibling, false},
		{"a leader above", at(city, Leader), district, true},
		{"a leader two levels above", at(city, Leader), street, true},
		{"a leader, her own unit", at(district, Leader), district, false},
		{"a leader, a unit beside", at(district, Leader), sibling, false},
		{"a leader, the unit above", at(street, Leader), district, false},
		{"staff above", at(city, Staff), street, false},
		{"the security administrator", at(city, Secadmin), street, false},
		{"the auditor", at(city, Auditor), street, false},
		{"no unit", at("", Leader), street, false},
	} {
		if got := c.a.CanReshape(c.path); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestRoleTable: which roles may take each action. The administrators run
// the system and read no business data; a role without a grant does
// nothing. The table is written out here so that a change to the policy
// is a change to this test too.
func TestRoleTable(t *testing.T) {
	const (
		sys = 1 << iota
		sec
		aud
		lead
		staff
	)
	table := map[Action]int{
		ViewOrgs:          sys | sec | aud | lead | staff,
		ManageOrgs:        sys,
		ReshapeTree:       sys | lead,
		ViewUsers:         sys | sec | lead,
		ManageUsers:       sys | lead,
		SecureUsers:       sec,
		GrantRoles:        sec | lead,
		RequestAdminRoles: sys | sec,
		RevokeSessions:    sys | sec,
		ReadAudit:         aud,
		ViewDocs:          lead | staff,
		DraftDocs:         lead | staff,
		ReviewDocs:        lead | staff,
		SignDocs:          lead,
		ReceiveDocs:       lead | staff,
		ManageReports:     lead | staff,
		ViewWork:          lead | staff,
		RecordWork:        lead | staff,
		ManageWork:        lead | staff,
		ViewAid:           lead | staff,
		RecordAid:         lead | staff,
		ManageAid:         lead,
		RevealAid:         lead,
		ViewCases:         lead | staff,
		RecordCases:       lead | staff,
		OverrideConsent:   lead,
		BreakGlass:        lead,
	}
	if len(table) != len(allowed) {
		t.Fatalf("the policy has %d actions, this table %d: add the new action here", len(allowed), len(table))
	}
	bits := map[Role]int{Sysadmin: sys, Secadmin: sec, Auditor: aud, Leader: lead, Staff: staff, NoRole: 0}
	for act, want := range table {
		for r, bit := range bits {
			a := Actor{Role: r, OrgPath: "/1/"}
			if got := a.Can(act); got != (want&bit != 0) {
				t.Errorf("%q may %s: %v, want %v", r, act, got, !got)
			}
			// CanAt is Can within scope, and nothing outside it.
			if a.CanAt(act, "/1/2/") != a.Can(act) || a.CanAt(act, "/3/") {
				t.Errorf("%q %s: CanAt disagrees with Can and scope", r, act)
			}
		}
	}
	if (Actor{Role: Leader}).Can("doc.unknown") || (Actor{Role: "root", OrgPath: "/1/"}).Can(ViewOrgs) {
		t.Error("an unknown action or role is allowed")
	}
}

// TestRoles: the role predicates.
func TestRoles(t *testing.T) {
	for _, c := range []struct {
		r                            Role
		valid, admin, business, totp bool
	}{
		{Sysadmin, true, true, false, true},
		{Secadmin, true, true, false, true},
		{Auditor, true, true, false, true},
		{Leader, true, false, true, true},
		{Staff, true, false, true, false},
		{NoRole, false, false, false, false},
		{"root", false, false, false, false},
	} {
		if c.r.Valid() != c.valid || c.r.Admin() != c.admin || c.r.Business() != c.business || c.r.NeedsTOTP() != c.totp {
			t.Errorf("%q: valid %v admin %v business %v totp %v", c.r, c.r.Valid(), c.r.Admin(), c.r.Business(), c.r.NeedsTOTP())
		}
	}
	if Leader.Label() != "负责人" || NoRole.Label() != "待授予角色" || Role("x").Label() != "x" {
		t.Error("role labels")
	}
}

// TestScope: a scope is its unit's subtree — the unit and everything
// below, never a sibling whose code merely starts the same way — and an
// empty scope reaches nothing. Range is the same set as Contains.
func TestScope(t *testing.T) {
	s := Scope{Path: "/1/2/"}
	for path, want := range map[string]bool{
		"/1/2/": true, "/1/2/3/": true, "/1/2/3/4/": true,
		"/1/": false, "/1/23/": false, "/1/3/": false, "/12/": false, "": false,
	} {
		if s.Contains(path) != want {
			t.Errorf("%s contains %q: %v", s.Path, path, !want)
		}
		lo, hi := s.Range()
		if in := path >= lo && path < hi; in != want {
			t.Errorf("%s range [%s,%s) holds %q: %v, Contains says %v", s.Path, lo, hi, path, in, want)
		}
	}
	if cond, args := s.Where("org_path"); cond != "org_path >= ? AND org_path < ?" || len(args) != 2 || args[0] != "/1/2/" || args[1] != "/1/20" {
		t.Errorf("Where: %q %v", cond, args)
	}
	for _, empty := range []Scope{{}, {Path: "/1/2"}} {
		lo, hi := empty.Range()
		if lo < hi {
			t.Errorf("scope %q: range [%s,%s) is not empty", empty.Path, lo, hi)
		}
	}
	if (Scope{}).Contains("/1/") {
		t.Error("the empty scope contains a unit")
	}
	a := Actor{Role: Staff, OrgPath: "/1/2/"}
	if a.Scope() != s || !a.Below("/1/2/3/") || a.Below("/1/2/") || a.Below("/1/") {
		t.Error("an actor's scope and Below")
	}
}

// TestGrants: who gives which role where, opens which accounts and looks
// after which; a leader never a peer leader, nobody an administrator
// role, the system administrator only accounts without a role.
func TestGrants(t *testing.T) {
	const city, district, sibling = "/1/", "/1/2/", "/1/5/"
	at := func(path string, r Role) Actor { return Actor{Role: r, OrgPath: path} }
	for _, c := range []struct {
		name                 string
		a                    Actor
		r                    Role
		path                 string
		grant, create, looks bool
	}{
		{"a leader, staff at her unit", at(district, Leader), Staff, district, true, true, true},
		{"a leader, a leader at her unit", at(district, Leader), Leader, district, false, false, false},
		{"a leader, a leader below", at(city, Leader), Leader, district, true, true, true},
		{"a leader, staff beside", at(district, Leader), Staff, sibling, false, false, false},
		{"a leader, staff above", at(district, Leader), Staff, city, false, false, false},
		{"a leader, an administrator below", at(city, Leader), Sysadmin, district, false, false, false},
		{"a leader, no role below", at(city, Leader), NoRole, district, false, false, false},
		{"the security administrator, a leader", at(city, Secadmin), Leader, city, true, false, false},
		{"the security administrator, an auditor", at(city, Secadmin), Auditor, city, false, false, false},
		{"the security administrator, outside", at(district, Secadmin), Staff, sibling, false, false, false},
		{"the system administrator, no role", at(city, Sysadmin), NoRole, district, false, true, true},
		{"the system administrator, staff", at(city, Sysadmin), Staff, district, false, false, true},
		{"the system administrator, outside", at(district, Sysadmin), NoRole, sibling, false, false, false},
		{"staff, staff at her unit", at(district, Staff), Staff, district, false, false, false},
		{"the auditor", at(city, Auditor), Staff, district, false, false, false},
	} {
		if got := c.a.CanGrantAt(c.r, c.path); got != c.grant {
			t.Errorf("%s: CanGrantAt %v", c.name, got)
		}
		if got := c.a.CanCreateAt(c.r, c.path); got != c.create {
			t.Errorf("%s: CanCreateAt %v", c.name, got)
		}
		if got := c.a.ManagesAccount(c.r, c.path); got != c.looks {
			t.Errorf("%s: ManagesAccount %v", c.name, got)
		}
	}
}
