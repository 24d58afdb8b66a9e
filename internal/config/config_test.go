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

// env is a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// TestDefault: with nothing set, halfsky listens on loopback only, keeps
// SQLite under ./data, bounds bodies at 1 MiB and handlers at 30 s, and
// is valid as it is.
func TestDefault(t *testing.T) {
	c := Default()
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.DatabaseURL != "" || c.TopUnit != "2301" ||
		c.MaxBody != 1<<20 || c.RequestTimeout != 30*time.Second || c.LogLevel != "info" ||
		c.TrustProxy || c.SecureCookies || c.SMTPAddr != "" || c.TLSCert != "" {
		t.Fatalf("defaults: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// The key file is keys.txt in the data directory unless named.
	if c.KeyFilePath() != "data/keys.txt" {
		t.Errorf("key file %q", c.KeyFilePath())
	}
	c.KeyFile = "/etc/halfsky/keys.txt"
	if c.KeyFilePath() != "/etc/halfsky/keys.txt" {
		t.Errorf("named key file %q", c.KeyFilePath())
	}
}

// TestFromEnv: each variable sets its option; an unset or empty one
// leaves the default; booleans say true or false, and every bad value is
// named in one error.
func TestFromEnv(t *testing.T) {
	c := Default()
	err := c.FromEnv(env(map[string]string{
		"HALFSKY_ADDR": ":9090", "HALFSKY_DATA_DIR": "/var/lib/halfsky", "HALFSKY_DATABASE_URL": "postgres://h/db",
		"HALFSKY_TOP_UNIT": "23", "HALFSKY_LOG_LEVEL": "debug", "HALFSKY_TRUST_PROXY": "true", "HALFSKY_SECURE_COOKIES": "1",
		"HALFSKY_DEMO": "false", "HALFSKY_SMTP_ADDR": "mail:25", "HALFSKY_KEYS": "k", "HALFSKY_CHROMIUM": "",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9090" || c.DataDir != "/var/lib/halfsky" || c.DatabaseURL != "postgres://h/db" || c.TopUnit != "23" ||
		c.LogLevel != "debug" || !c.TrustProxy || !c.SecureCookies || c.Demo || c.SMTPAddr != "mail:25" || c.Keys != "k" ||
		c.Chromium != "/usr/bin/chromium" {
		t.Fatalf("from the environment: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	d := Default()
	err = d.FromEnv(env(map[string]string{"HALFSKY_DEMO": "maybe", "HALFSKY_TRUST_PROXY": "yes", "HALFSKY_SECURE_COOKIES": "true"}))
	if err == nil || err.Error() != `HALFSKY_DEMO="maybe": want true or false; HALFSKY_TRUST_PROXY="yes": want true or false` {
		t.Fatalf("bad booleans: %v", err)
	}
	if !d.Demo || d.TrustProxy || !d.SecureCookies {
		t.Errorf("a bad boolean changed its option, or a good one was dropped: %+v", d)
	}
}

// TestValidate: each option that makes no sense is refused with what it
// wants.
func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(*Config)
		want string // "" = valid
	}{
		{"a port only", func(c *Config) { c.Addr = ":8080" }, ""},
		{"no port", func(c *Config) { c.Addr = "127.0.0.1" }, `listen address "127.0.0.1"`},
		{"postgresql://", func(c *Config) { c.DatabaseURL = "postgresql://h/db" }, ""},
		{"a MySQL URL", func(c *Config) { c.DatabaseURL = "mysql://h/db" }, "must be a postgres:// URL"},
		{"a SQLite path", func(c *Config) { c.DatabaseURL = "/data/halfsky.db" }, "must be a postgres:// URL"},
		{"TLS with both", func(c *Config) { c.TLSCert, c.TLSKey = "c.pem", "k.pem" }, ""},
		{"a certificate alone", func(c *Config) { c.TLSCert = "c.pem" }, "both a certificate and a key"},
		{"a key alone", func(c *Config) { c.TLSKey = "k.pem" }, "both a certificate and a key"},
		{"an admin password of 8", func(c *Config) { c.AdminPassword = "妇联妇联妇联妇联" }, ""},
		{"an admin password of 7", func(c *Config) { c.AdminPassword = "1234567" }, "at least 8 characters"},
		{"SMTP host:port", func(c *Config) { c.SMTPAddr = "smtp.example.org:587" }, ""},
		{"SMTP without a port", func(c *Config) { c.SMTPAddr = "smtp.example.org" }, "want host:port"},
		{"no grace", func(c *Config) { c.TOTPGrace = 0 }, ""},
		{"a negative grace", func(c *Config) { c.TOTPGrace = -time.Hour }, "between 0 and 7 days"},
		{"a grace past a week", func(c *Config) { c.TOTPGrace = MaxTOTPGrace + time.Minute }, "between 0 and 7 days"},
		{"the national root", func(c *Config) { c.TopUnit = "CN" }, ""},
		{"a province", func(c *Config) { c.TopUnit = "23" }, ""},
		{"a county", func(c *Config) { c.TopUnit = "230102" }, ""},
		{"a village", func(c *Config) { c.TopUnit = "230102001001" }, ""},
		{"three digits", func(c *Config) { c.TopUnit = "230" }, "top unit"},
		{"letters", func(c *Config) { c.TopUnit = "23AB" }, "top unit"},
		{"lower-case cn", func(c *Config) { c.TopUnit = "cn" }, "top unit"},
		{"no top unit", func(c *Config) { c.TopUnit = "" }, "top unit"},
		{"log level warn", func(c *Config) { c.LogLevel = "warn" }, ""},
		{"log level verbose", func(c *Config) { c.LogLevel = "verbose" }, `log level "verbose"`},
	} {
		cfg := Default()
		c.set(&cfg)
		err := cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want the refusal %q", c.name, err, c.want)
		}
	}
}

// TestFlags: a flag overrides the environment, which overrides the
// default; the keys and the admin password have no flag (they would
// show in ps).
func TestFlags(t *testing.T) {
	c := Default()
	if err := c.FromEnv(env(map[string]string{"HALFSKY_ADDR": ":9090", "HALFSKY_LOG_LEVEL": "warn"})); err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.Flags(fs)
	if err := fs.Parse([]string{"--addr", ":7070", "--trust-proxy", "--top-unit", "CN"}); err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":7070" || c.LogLevel != "warn" || !c.TrustProxy || c.TopUnit != "CN" {
		t.Fatalf("flags over the environment: %+v", c)
	}
	if fs.Lookup("keys") != nil || fs.Lookup("admin-password") != nil {
		t.Error("a secret has a flag")
	}
	if f := fs.Lookup("totp-grace"); f == nil || f.DefValue != "7d" {
		t.Errorf("totp-grace flag: %+v", f)
	}
}

// TestPublicLimits: the public door's limits default to asking for a
// CAPTCHA after 3 requests for help, 10 wrong codes and 20 lookups of one
// code an hour; the environment and flags change them; a count outside 1
// to 100000 is refused.
func TestPublicLimits(t *testing.T) {
	if got := Default().Public; got != (PublicLimits{SubmitsPerHour: 3, LookupsPerHour: 10, CodeLookupsPerHour: 20}) {
		t.Fatalf("defaults: %+v", got)
	}
	c := Default()
	if err := c.FromEnv(env(map[string]string{"HALFSKY_PUBLIC_SUBMITS_PER_HOUR": "5", "HALFSKY_PUBLIC_LOOKUPS_PER_HOUR": "7",
		"HALFSKY_PUBLIC_CODE_LOOKUPS_PER_HOUR": "9"})); err != nil || c.Public != (PublicLimits{5, 7, 9}) {
		t.Fatalf("from the environment: %+v %v", c.Public, err)
	}
	if err := c.FromEnv(env(map[string]string{"HALFSKY_PUBLIC_SUBMITS_PER_HOUR": "0"})); err == nil || !strings.Contains(err.Error(), "HALFSKY_PUBLIC_SUBMITS_PER_HOUR") {
		t.Errorf("0 submissions: %v", err)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.Flags(fs)
	if err := fs.Parse([]string{"--public-lookups-per-hour", "2"}); err != nil || c.Public.LookupsPerHour != 2 {
		t.Fatalf("flag: %+v %v", c.Public, err)
	}
	c.Public.CodeLookupsPerHour = 0
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "public-code-lookups-per-hour") {
		t.Errorf("validate 0: %v", err)
	}
}
