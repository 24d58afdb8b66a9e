// Package app is halfsky's services: one of each domain module, built once
// over the database with the keys that seal and wired to each other, plus
// the session settings both front ends sign people in with. The server
// builds them (New) and hands them to the HTML and JSON front ends, which
// hold them and call them; neither builds a service of its own.
package app

import (
	"context"
	"fmt"
	"log/slog"

	"halfsky/internal/aid"
	"halfsky/internal/auth"
	"halfsky/internal/config"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/docprint"
	"halfsky/internal/duty"
	"halfsky/internal/httpx"
	"halfsky/internal/incoming"
	"halfsky/internal/notify"
	"halfsky/internal/org"
	"halfsky/internal/pagecache"
	"halfsky/internal/rectify"
	"halfsky/internal/report"
	"halfsky/internal/rights"
	"halfsky/internal/study"
	"halfsky/internal/vault"
	"halfsky/internal/visit"
)

// Services are the services the front ends are built on.
type Services struct {
	DB       *db.DB
	Auth     *auth.Service
	Orgs     *org.Store
	Docs     *doc.Service
	Incoming *incoming.Service
	Reports  *report.Service
	Study    *study.Service
	Visits   *visit.Service
	Rectify  *rectify.Service
	Aid      *aid.Service
	Rights   *rights.Service
	Mail     *notify.Mailer    // nil when SMTP is not configured
	Printer  *docprint.Printer // PDFs of documents: one headless Chromium per process
	Sessions *httpx.Auth       // the session cookie and client address, by cfg's proxy and cookie settings
	Vault    *vault.Keyring    // seals sensitive personal fields
	Pages    *pagecache.Cache  // rendered pages until the database changes; nil when turned off
}

// New builds the services over an open, migrated database: it loads the
// sealing keys (creating the key file on the first start), runs the
// start-up upgrades of accounts (sealing second-factor secrets, accounts
// from before 三权分立, account links), and wires the modules that call
// each other.
func New(cfg config.Config, d *db.DB) (Services, error) {
	keys, created, err := vault.Load(cfg.KeyFilePath(), cfg.Keys)
	if err != nil {
		return Services{}, fmt.Errorf("field-encryption keys: %w", err)
	}
	if created {
		slog.Warn("created a new field-encryption key file: back it up apart from the database", "path", cfg.KeyFilePath())
	}
	orgs := &org.Store{DB: d}
	svc := auth.NewService(d, orgs)
	svc.Vault, svc.TOTPGrace = keys, cfg.TOTPGrace
	// Secrets enrolled before they were sealed are sealed now, once.
	if n, err := svc.SealSecrets(context.Background()); err != nil {
		return Services{}, fmt.Errorf("sealing second-factor secrets: %w", err)
	} else if n > 0 {
		slog.Info("sealed second-factor secrets stored in the clear", "count", n)
	}
	// Accounts from before 三权分立 and the links of account changes from
	// before links were kept: both re-runnable, both do nothing twice.
	if up, err := svc.UpgradeAccounts(context.Background()); err != nil {
		return Services{}, fmt.Errorf("upgrading accounts: %w", err)
	} else if up != (auth.Upgrade{}) {
		slog.Info("accounts upgraded", "leaders_scheduled", up.LeadersScheduled, "must_change_password", up.MustChange)
	}
	if _, err := duty.Backfill(context.Background(), d, db.Now()); err != nil {
		return Services{}, fmt.Errorf("back-filling account links: %w", err)
	}
	docs := doc.NewService(d, orgs)
	docs.Vault = keys
	reports := report.NewService(d, orgs, docs)
	reports.Vault = keys
	report.Wire(docs, reports)
	var mailer *notify.Mailer
	if cfg.SMTPAddr != "" {
		mailer = &notify.Mailer{DB: d, Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUser,
			Password: cfg.SMTPPassword, BaseURL: cfg.BaseURL, Now: db.Now}
		reports.Mail = mailer
	}
	studies := study.NewService(d, orgs)
	studies.Reports = reports
	studies.Vault = keys
	visits := visit.NewService(d, orgs)
	visits.Vault = keys
	aids := aid.NewService(d, orgs)
	aids.Vault = keys
	problems := rectify.NewService(d, orgs)
	problems.Vault = keys
	cases := rights.NewService(d, orgs, keys)
	cases.Mail, cases.Needs, cases.TopUnit = mailer, visits, cfg.TopUnit
	var pages *pagecache.Cache
	if cfg.PageCacheMB > 0 {
		pages = &pagecache.Cache{Generation: d.Generation, MaxBytes: cfg.PageCacheMB << 20, Skip: []string{httpx.FlashCookie}}
	}
	return Services{Pages: pages, DB: d, Auth: svc, Orgs: orgs, Docs: docs, Reports: reports, Mail: mailer,
		Incoming: incoming.NewService(d, orgs, keys),
		Study:    studies, Visits: visits, Rectify: problems, Aid: aids, Rights: cases,
		Printer: &docprint.Printer{Chromium: cfg.Chromium}, Vault: keys,
		Sessions: &httpx.Auth{Svc: svc, TrustProxy: cfg.TrustProxy, SecureCookies: cfg.SecureCookies}}, nil
}
