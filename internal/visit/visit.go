// Package visit is 下基层、访妇情、办实事: cadres' visits, the women's needs
// (妇情) recorded on them, hand-overs of needs up or down the tree, the
// practical tasks (实事) made of needs, and per-cadre quotas ("1+10+N").
package visit

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
