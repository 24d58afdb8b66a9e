// Package config is halfsky's one typed, validated set of options, read
// from HALFSKY_* environment variables and overridden by command-line flags.
package config

import (
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting.
type Config struct {
	Addr string // listen address
	// MetricsAddr is where /metrics is served, on a listener of its own
	// (the admin network: e.g. 127.0.0.1:9464); empty serves none.
	MetricsAddr   string
	DataDir       string // SQLite file, backups, uploads
	DatabaseURL   string // postgres://… selects PostgreSQL; empty = SQLite in DataDir
	AdminPassword string // initial admin password instead of a generated one
	// Demo loads the demo accounts (and later demo data) on an empty database.
	Demo bool
	// TopUnit is the code of the installation's top unit: a city (2301,
	// the default), a province (23) or the national root (CN). The
	// administrators' accounts sit there, and programmes nobody runs yet
	// are given to it.
	TopUnit string
	// TLSCert and TLSKey make halfsky serve HTTPS itself.
	TLSCert, TLSKey string
	// TrustProxy trusts X-Forwarded-For / X-Forwarded-Proto from a reverse
	// proxy in front (for client IPs in the audit log and Secure cookies).
	TrustProxy bool
	// SecureCookies forces the Secure attribute even on plain HTTP (behind a
	// TLS-terminating proxy that does not send X-Forwarded-Proto).
	SecureCookies bool
	// MaxBody bounds request bodies; RequestTimeout bounds handlers.
	MaxBody        int64
	RequestTimeout time.Duration
	LogLevel       string
	// LogFormat is text (for a person at a terminal) or json (for a log
	// collector): one object a line, with the request's id.
	LogFormat string
	// SMTP, when SMTPAddr is set, carries 催办 and other notices by email.
	SMTPAddr, SMTPFrom, SMTPUser, SMTPPassword string
	// BaseURL is the public address, for links in email.
	BaseURL string
	// Chromium is the browser used to print documents to PDF.
	Chromium string
	// KeyFile holds the keys that seal sensitive fields; empty means
	// keys.txt in DataDir, created with fresh keys on first start. Keys,
	// from HALFSKY_KEYS only (never a flag: it would show in ps), carries
	// the same text instead of a file.
	KeyFile string
	Keys    string
	// TOTPGrace is how long a new leader (or, on the first start with this
	// rule, an existing one) may sign in before enrolling a second factor;
	// at most MaxTOTPGrace.
	TOTPGrace time.Duration
	// PageCacheMB bounds the rendered pages kept between requests
	// (package pagecache); 0 turns the cache off.
	PageCacheMB int
	// Public are the limits of the public pages (package publicweb):
	// past them a CAPTCHA is asked, or the JSON API answers 429.
	Public PublicLimits
}

// PublicLimits bound what one client may do on the public pages in an
// hour before she is asked to solve a CAPTCHA. Many Chinese users share
// one address (a campus, a mobile carrier's NAT), so the limits ask for
// a CAPTCHA rather than block.
type PublicLimits struct {
	// SubmitsPerHour: requests for help accepted from one address
	// (refused attempts count against ten times as many).
	SubmitsPerHour int
	// LookupsPerHour: wrong or malformed tracking codes looked up from
	// one address.
	LookupsPerHour int
	// CodeLookupsPerHour: lookups of one tracking code, from anywhere.
	CodeLookupsPerHour int
}

// MaxTOTPGrace bounds TOTPGrace: a leader reveals personal data, approves
// exports and decides aid, and may do so on a password alone for no
// longer than a week.
const MaxTOTPGrace = 7 * 24 * time.Hour

// graceValue is a flag.Value for a grace period: "7d", "3d12h", "48h".
type graceValue struct{ d *time.Duration }

func (g graceValue) String() string {
	if g.d == nil {
		return ""
	}
	return formatGrace(*g.d)
}

func (g graceValue) Set(s string) error {
	d, err := ParseGrace(s)
	if err != nil {
		return err
	}
	*g.d = d
	return nil
}

// ParseGrace reads a grace period: whole days ("7d"), a Go duration
// ("36h", "90m"), or days followed by one ("1d12h").
func ParseGrace(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var days int
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 {
			return 0, fmt.Errorf("grace period %q: want e.g. 7d, 3d12h or 48h", s)
		}
		days, s = n, s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		var err error
		if rest, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("grace period %q: want e.g. 7d, 3d12h or 48h", s)
		}
	}
	return time.Duration(days)*24*time.Hour + rest, nil
}

func formatGrace(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

// validTopUnit accepts the national root's code or a division code.
func validTopUnit(code string) bool {
	if code == "CN" {
		return true
	}
	switch len(code) {
	case 2, 4, 6, 9, 12:
	default:
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// KeyFilePath is where the field-encryption keys are read from.
func (c Config) KeyFilePath() string {
	if c.KeyFile != "" {
		return c.KeyFile
	}
	return filepath.Join(c.DataDir, "keys.txt")
}

// Default is the configuration with nothing set: SQLite under ./data,
// loopback only, demo data on first start.
func Default() Config {
	return Config{
		Addr:           "127.0.0.1:8080",
		DataDir:        "./data",
		Demo:           true,
		TopUnit:        "2301",
		MaxBody:        1 << 20,
		RequestTimeout: 30 * time.Second,
		LogLevel:       "info",
		LogFormat:      "text",
		SMTPFrom:       "halfsky@localhost",
		BaseURL:        "http://127.0.0.1:8080",
		Chromium:       "/usr/bin/chromium",
		TOTPGrace:      MaxTOTPGrace,
		PageCacheMB:    16,
		Public:         PublicLimits{SubmitsPerHour: 3, LookupsPerHour: 10, CodeLookupsPerHour: 20},
	}
}

// FromEnv applies HALFSKY_* variables to c.
func (c *Config) FromEnv(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	var errs []string
	boolean := func(name string, dst *bool) {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q: want true or false", name, v))
				return
			}
			*dst = b
		}
	}
	str("HALFSKY_ADDR", &c.Addr)
	str("HALFSKY_METRICS_ADDR", &c.MetricsAddr)
	str("HALFSKY_DATA_DIR", &c.DataDir)
	str("HALFSKY_DATABASE_URL", &c.DatabaseURL)
	str("HALFSKY_ADMIN_PASSWORD", &c.AdminPassword)
	str("HALFSKY_TLS_CERT", &c.TLSCert)
	str("HALFSKY_TLS_KEY", &c.TLSKey)
	str("HALFSKY_LOG_LEVEL", &c.LogLevel)
	str("HALFSKY_LOG_FORMAT", &c.LogFormat)
	str("HALFSKY_SMTP_ADDR", &c.SMTPAddr)
	str("HALFSKY_SMTP_FROM", &c.SMTPFrom)
	str("HALFSKY_SMTP_USER", &c.SMTPUser)
	str("HALFSKY_SMTP_PASSWORD", &c.SMTPPassword)
	str("HALFSKY_BASE_URL", &c.BaseURL)
	str("HALFSKY_CHROMIUM", &c.Chromium)
	str("HALFSKY_KEY_FILE", &c.KeyFile)
	str("HALFSKY_KEYS", &c.Keys)
	str("HALFSKY_TOP_UNIT", &c.TopUnit)
	if v := getenv("HALFSKY_TOTP_GRACE"); v != "" {
		d, err := ParseGrace(v)
		if err != nil {
			errs = append(errs, "HALFSKY_TOTP_GRACE: "+err.Error())
		} else {
			c.TOTPGrace = d
		}
	}
	if v := getenv("HALFSKY_PAGE_CACHE_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 4096 {
			errs = append(errs, fmt.Sprintf("HALFSKY_PAGE_CACHE_MB=%q: want megabytes, 0 to 4096 (0 turns the page cache off)", v))
		} else {
			c.PageCacheMB = n
		}
	}
	limit := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100000 {
				errs = append(errs, fmt.Sprintf("%s=%q: want a count per hour, 1 to 100000", name, v))
				return
			}
			*dst = n
		}
	}
	limit("HALFSKY_PUBLIC_SUBMITS_PER_HOUR", &c.Public.SubmitsPerHour)
	limit("HALFSKY_PUBLIC_LOOKUPS_PER_HOUR", &c.Public.LookupsPerHour)
	limit("HALFSKY_PUBLIC_CODE_LOOKUPS_PER_HOUR", &c.Public.CodeLookupsPerHour)
	boolean("HALFSKY_DEMO", &c.Demo)
	boolean("HALFSKY_TRUST_PROXY", &c.TrustProxy)
	boolean("HALFSKY_SECURE_COOKIES", &c.SecureCookies)
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// Flags registers the options on fs, with the current values as defaults.
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (HALFSKY_ADDR)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "listen address of /metrics, on the admin network; empty = none (HALFSKY_METRICS_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory for the SQLite file and backups (HALFSKY_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres://… to use PostgreSQL (HALFSKY_DATABASE_URL)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "load demo accounts on an empty database (HALFSKY_DEMO)")
	fs.StringVar(&c.TopUnit, "top-unit", c.TopUnit, "code of the installation's top unit: a city (2301), a province (23) or the national root CN (HALFSKY_TOP_UNIT)")
	fs.IntVar(&c.PageCacheMB, "page-cache-mb", c.PageCacheMB, "megabytes of rendered pages kept between requests, 0 for none (HALFSKY_PAGE_CACHE_MB)")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "TLS certificate file (HALFSKY_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "TLS key file (HALFSKY_TLS_KEY)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", c.TrustProxy, "trust X-Forwarded-* headers from a reverse proxy (HALFSKY_TRUST_PROXY)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "always mark cookies Secure (HALFSKY_SECURE_COOKIES)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (HALFSKY_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (HALFSKY_LOG_FORMAT)")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", c.SMTPAddr, "SMTP server host:port for mail; empty = no mail (HALFSKY_SMTP_ADDR)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", c.SMTPFrom, "sender address of mail (HALFSKY_SMTP_FROM)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL, for links in mail (HALFSKY_BASE_URL)")
	fs.StringVar(&c.Chromium, "chromium", c.Chromium, "Chromium binary for PDF output (HALFSKY_CHROMIUM)")
	fs.Var(graceValue{&c.TOTPGrace}, "totp-grace", "how long a new leader may sign in before enrolling a second factor, at most 7d (HALFSKY_TOTP_GRACE)")
	fs.IntVar(&c.Public.SubmitsPerHour, "public-submits-per-hour", c.Public.SubmitsPerHour, "requests for help one address may send in an hour before a CAPTCHA is asked (HALFSKY_PUBLIC_SUBMITS_PER_HOUR)")
	fs.IntVar(&c.Public.LookupsPerHour, "public-lookups-per-hour", c.Public.LookupsPerHour, "wrong tracking codes one address may look up in an hour before a CAPTCHA is asked (HALFSKY_PUBLIC_LOOKUPS_PER_HOUR)")
	fs.IntVar(&c.Public.CodeLookupsPerHour, "public-code-lookups-per-hour", c.Public.CodeLookupsPerHour, "lookups of one tracking code in an hour before a CAPTCHA is asked (HALFSKY_PUBLIC_CODE_LOOKUPS_PER_HOUR)")
	fs.StringVar(&c.KeyFile, "key-file", c.KeyFile, "field-encryption key file; default keys.txt in the data directory (HALFSKY_KEY_FILE; or the text in HALFSKY_KEYS)")
}

// Load builds the configuration from defaults, the environment and args.
func Load(name string, args []string) (Config, *flag.FlagSet, error) {
	c := Default()
	if err := c.FromEnv(os.Getenv); err != nil {
		return c, nil, err
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	c.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return c, fs, err
	}
	return c, fs, c.Validate()
}

// Validate checks the options make sense together.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("listen address %q: %v", c.Addr, err)
	}
	if c.MetricsAddr != "" {
		_, port, err := net.SplitHostPort(c.MetricsAddr)
		if err != nil {
			return fmt.Errorf("metrics address %q: %v", c.MetricsAddr, err)
		}
		if c.MetricsAddr == c.Addr && port != "0" { // port 0: any free one, a different one each
			return fmt.Errorf("the metrics address must differ from the listen address: /metrics is for the admin network alone")
		}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("HALFSKY_DATABASE_URL must be a postgres:// URL")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("TLS needs both a certificate and a key")
	}
	if c.AdminPassword != "" && len([]rune(c.AdminPassword)) < 8 {
		return fmt.Errorf("HALFSKY_ADMIN_PASSWORD must have at least 8 characters")
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return fmt.Errorf("SMTP address %q: want host:port", c.SMTPAddr)
		}
	}
	if c.TOTPGrace < 0 || c.TOTPGrace > MaxTOTPGrace {
		return fmt.Errorf("TOTP grace period %s: must be between 0 and 7 days (HALFSKY_TOTP_GRACE, --totp-grace)", formatGrace(c.TOTPGrace))
	}
	if !validTopUnit(c.TopUnit) {
		return fmt.Errorf("top unit %q: want a division code (2, 4, 6, 9 or 12 digits, e.g. 2301 or 23) or CN for the national root (HALFSKY_TOP_UNIT, --top-unit)", c.TopUnit)
	}
	for _, l := range []struct {
		name string
		n    int
	}{{"public-submits-per-hour", c.Public.SubmitsPerHour}, {"public-lookups-per-hour", c.Public.LookupsPerHour}, {"public-code-lookups-per-hour", c.Public.CodeLookupsPerHour}} {
		if l.n < 1 || l.n > 100000 {
			return fmt.Errorf("--%s %d: want a count per hour, 1 to 100000", l.name, l.n)
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log format %q: want text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
}
