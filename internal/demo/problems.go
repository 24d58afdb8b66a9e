package demo

import (
	"context"
	"time"

	"halfsky/internal/auth"
)

// seedProblems: placeholder until the module lands.
func seedProblems(ctx context.Context, svc *auth.Service, now time.Time) error { return nil }
