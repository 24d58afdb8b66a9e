// Package study is 学习: the study activities units hold (专题学习, 专题研讨,
// 专题培训, 宣讲), the city-wide 学习动态 feed, statistics rolled up by tree
// level, and attaching activities to a 督办 report.
package study

import (
	"time"

	"halfsky/internal/db"
	"halfsky/internal/org"
)

// Service holds the module's records; every call takes the acting user.
type Service struct {
	DB   *db.DB
	Orgs *org.Store
	Now  func() time.Time
}

// NewService returns a Service on the real clock.
func NewService(d *db.DB, orgs *org.Store) *Service {
	return &Service{DB: d, Orgs: orgs, Now: db.Now}
}
