package aid

import (
	"context"
	"strings"

	"halfsky/internal/db"
)

// PurgeAccounts runs purgeAccounts on the applications, for the payment tests.
func PurgeAccounts(ctx context.Context, d *db.DB, appIDs ...int64) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		marks := make([]string, len(appIDs))
		args := make([]any, len(appIDs))
		for i, id := range appIDs {
			marks[i], args[i] = "?", id
		}
		return purgeAccounts(ctx, tx, "("+strings.Join(marks, ", ")+")", args)
	})
}
