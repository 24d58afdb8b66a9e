package aid

import (
	"context"

	"halfsky/internal/db"
)

// PurgeFollowups runs purgeFollowups in a transaction of its own, for the
// tests until the retention purge calls it.
func (s *Service) PurgeFollowups(ctx context.Context, ids []int64) (n int, err error) {
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err = s.purgeFollowups(ctx, tx, ids, db.Millis(s.now()))
		return err
	})
	return n, err
}
