package demo

import (
	"context"
	"time"

	"halfsky/internal/auth"
)

// seedStudy: placeholder until the module lands.
func seedStudy(ctx context.Context, svc *auth.Service, now time.Time) error { return nil }
