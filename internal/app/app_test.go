package app_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"halfsky/internal/app"
	"halfsky/internal/config"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestNew: every service is built, each one that seals holds the one
// keyring, the modules that call each other are wired, mail is there only
// with SMTP configured, and the key file made on the first start is the
// one the next start reads.
func TestNew(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		cfg.TrustProxy = true
		s, err := app.New(cfg, d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "keys.txt")); err != nil {
			t.Fatalf("no key file made on the first start: %v", err)
		}
		v := reflect.ValueOf(s)
		for i := 0; i < v.NumField(); i++ {
			name, f := v.Type().Field(i).Name, v.Field(i)
			if name == "Mail" {
				continue
			}
			if f.IsNil() {
				t.Errorf("%s is nil", name)
				continue
			}
			if vf := f.Elem().FieldByName("Vault"); vf.IsValid() && vf.Interface() != any(s.Vault) {
				t.Errorf("%s.Vault is not the one keyring", name)
			}
		}
		if s.Mail != nil || s.Reports.Mail != nil {
			t.Error("mail without SMTP")
		}
		if s.Study.Reports != s.Reports {
			t.Error("study does not count into the reports service")
		}
		if s.Sessions.Svc != s.Auth || !s.Sessions.TrustProxy || s.Sessions.SecureCookies {
			t.Errorf("sessions %+v do not follow the configuration", *s.Sessions)
		}

		cfg.SMTPAddr, cfg.SMTPFrom, cfg.BaseURL = "127.0.0.1:2525", "halfsky@example.org", "https://halfsky.example.org"
		again, err := app.New(cfg, d)
		if err != nil {
			t.Fatal(err)
		}
		if again.Vault.Active() != s.Vault.Active() {
			t.Errorf("the second start seals under %s, the first under %s", again.Vault.Active(), s.Vault.Active())
		}
		if again.Mail == nil || again.Reports.Mail != again.Mail || again.Mail.Addr != cfg.SMTPAddr {
			t.Errorf("mail with SMTP: %+v, reports' %p", again.Mail, again.Reports.Mail)
		}
	})
}
