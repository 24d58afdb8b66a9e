package config

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func TestTOTPGrace(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"7d": 7 * 24 * time.Hour, "3d12h": 84 * time.Hour, "48h": 48 * time.Hour, "0": 0, "0d": 0, "90m": 90 * time.Minute,
	} {
		if got, err := ParseGrace(in); err != nil || got != want {
			t.Errorf("ParseGrace(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"a week", "-1d", "7x", "d"} {
		// The parser has no error taxonomy; its message says what it wants.
		if _, err := ParseGrace(bad); err == nil || !strings.Contains(err.Error(), "want e.g. 7d, 3d12h or 48h") {
			t.Errorf("ParseGrace(%q): %v, want the grace-period format refusal", bad, err)
		}
	}
	if c := Default(); c.TOTPGrace != 7*24*time.Hour || c.Validate() != nil {
		t.Fatalf("default grace %v: %v", c.TOTPGrace, c.Validate())
	}
	// The variable, then the flag over it; more than 7 days is refused.
	c := Default()
	if err := c.FromEnv(func(k string) string {
		if k == "HALFSKY_TOTP_GRACE" {
			return "2d"
		}
		return ""
	}); err != nil || c.TOTPGrace != 48*time.Hour {
		t.Fatalf("from the environment: %v %v", c.TOTPGrace, err)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.Flags(fs)
	if err := fs.Parse([]string{"--totp-grace", "8d"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "7 days") {
		t.Fatalf("8 days accepted: %v", err)
	}
	d := Default()
	if err := d.FromEnv(func(k string) string { return map[string]string{"HALFSKY_TOTP_GRACE": "soon"}[k] }); err == nil ||
		err.Error() != `HALFSKY_TOTP_GRACE: grace period "soon": want e.g. 7d, 3d12h or 48h` {
		t.Fatalf("a bad HALFSKY_TOTP_GRACE: %v, want its format refusal", err)
	}
}
