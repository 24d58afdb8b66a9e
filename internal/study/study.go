// Package study is 学习: the study activities units hold (专题学习, 专题研讨,
// 专题培训, 宣讲), the city-wide 学习动态 feed, statistics rolled up by tree
// level, and attaching activities to a 督办 report.
package study

import (
	"context"
	"errors"
	"strconv"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/org"
	"halfsky/internal/report"
	"halfsky/internal/vault"
)

// Service holds the module's records; every call takes the acting user.
type Service struct {
	DB   *db.DB
	Orgs *org.Store
	Now  func() time.Time
	// Reports saves a report's numbers when activities are attached to it
	// (through the report module's own rules and audit).
	Reports *report.Service
	// Vault seals photos; without it none is stored or read.
	Vault *vault.Keyring
}

// NewService returns a Service on the real clock.
func NewService(d *db.DB, orgs *org.Store) *Service {
	return &Service{DB: d, Orgs: orgs, Now: db.Now, Reports: report.NewService(d, orgs, doc.NewService(d, orgs))}
}

// today is the Beijing date now.
func (s *Service) today() string { return s.Now().In(db.Shanghai).Format("2006-01-02") }

// reports is the report service on this service's clock.
func (s *Service) reports() *report.Service {
	r := *s.Reports
	r.Now = s.Now
	return &r
}

func (s *Service) deny(ctx context.Context, a access.Actor, action string, id int64) error {
	return s.refuse(ctx, a, action, id, access.ErrDenied)
}

// refuse audits a refusal and returns err (access.ErrDenied, or
// access.ErrNotOwner whose reason the user is told).
func (s *Service) refuse(ctx context.Context, a access.Actor, action string, id int64, err error) error {
	if errors.Is(err, access.ErrNotOwner) {
		action += " not_owner"
	}
	return audit.Refused(ctx, s.DB, a, "study_activity", strconv.FormatInt(id, 10), action, err)
}
