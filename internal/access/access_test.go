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
