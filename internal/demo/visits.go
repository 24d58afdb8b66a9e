package demo

import (
	"context"
	"time"

	"halfsky/internal/auth"
)

// seedVisits: placeholder until the module lands.
func seedVisits(ctx context.Context, svc *auth.Service, now time.Time) error { return nil }
