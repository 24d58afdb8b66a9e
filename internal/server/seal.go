package server

import (
	"context"
	"log/slog"

	"halfsky/internal/vault"
)

// SealPlain is the start-up step of the upgrade to sealed storage: it
// seals, in committed batches, what an earlier version stored in the
// clear — uploaded files, the free text of visits, needs, tasks and
// problems — and indexes it for search (vault.SealPlain), then on SQLite
// rewrites the file so the plain bytes leave it. Until a row is sealed it
// reads as it was. Once everything is sealed it finds nothing to do.
// Several servers may run it at once; stopped half-way (ctx ends), the
// next start goes on.
func (s *Server) SealPlain(ctx context.Context) {
	done, err := vault.SealPlain(ctx, s.Deps.DB, s.Deps.Vault, func(c vault.Column, n int) {
		slog.Debug("sealing what was stored in the clear", "column", c.Purpose(), "done", n)
	})
	total := 0
	for c, n := range done {
		if n > 0 {
			slog.Info("sealed what was stored in the clear", "column", c.Purpose(), "count", n)
		}
		total += n
	}
	if err != nil {
		if ctx.Err() == nil {
			slog.Warn("sealing what was stored in the clear stopped; halfsky keys seal finishes it", "err", err)
		}
		return
	}
	if total > 0 {
		if _, err := s.Deps.DB.Compact(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("compacting after sealing", "err", err)
		}
	}
}
