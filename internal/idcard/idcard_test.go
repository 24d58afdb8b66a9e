package idcard_test

import (
	"testing"
	"time"

	"halfsky/internal/idcard"
)

// valid makes a checkable number from 17 digits.
func valid(first17 string) string { return first17 + string(idcard.CheckChar(first17)) }

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	// The standard's own example: 11010519491231002X, a woman born 1949-12-31.
	id, err := idcard.Parse("11010519491231002x", now)
	if err != nil || id.Number != "11010519491231002X" || !id.Female || id.Birth.Format("2006-01-02") != "1949-12-31" {
		t.Fatalf("standard example: %+v %v", id, err)
	}
	if id.AgeAt(now) != 76 {
		t.Fatalf("age %d", id.AgeAt(now))
	}
	man := valid("23010219800229001")
	if id, err := idcard.Parse(man, now); err != nil || id.Female {
		t.Fatalf("leap-day man: %+v %v", id, err)
	}
	for _, c := range []struct {
		in   string
		want error
	}{
		{"2301021980022900", idcard.ErrLength},
		{"23010219800229001A", idcard.ErrChars},
		{"2301021980022900X1", idcard.ErrChars},
		{valid("23010219810229001"), idcard.ErrBirth}, // 1981 is not a leap year
		{valid("23010219801301001"), idcard.ErrBirth},
		{valid("23010230000101001"), idcard.ErrFuture},
		{valid("03010219800101001"), idcard.ErrRegion},
		{"11010519491231002" + "1", idcard.ErrCheck},
	} {
		if _, err := idcard.Parse(c.in, now); err != c.want {
			t.Errorf("%s: %v, want %v", c.in, err, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("11010519491231002X")
	f.Add("230102198002290010")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := idcard.Parse(s, time.Now())
		if err == nil && (len(id.Number) != 18 || idcard.CheckChar(id.Number[:17]) != id.Number[17]) {
			t.Fatalf("accepted %q", s)
		}
	})
}
