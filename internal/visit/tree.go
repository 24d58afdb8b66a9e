package visit

import (
	"context"

	"halfsky/internal/db"
	"halfsky/internal/org"
)

// The paths the work line copies from the tree for its scope filters; the
// tree rewrites them whenever a unit moves (org.RegisterPathCopy).
var (
	_ = org.RegisterPathCopy("visits", "org_id", "org_path")
	_ = org.RegisterPathCopy("needs", "org_id", "org_path")
	_ = org.RegisterPathCopy("needs", "origin_org_id", "origin_path")
	_ = org.RegisterPathCopy("need_handovers", "to_org_id", "to_path")
	_ = org.RegisterPathCopy("tasks", "org_id", "org_path")
	_ = org.RegisterPathCopy("quotas", "org_id", "org_path")
)

// A need handed over to a unit waits for that unit's accounts to accept
// or refuse it: the unit cannot be deactivated while one waits.
func init() {
	org.RegisterOpenWork(org.OpenWork{
		Message: "该单位还有待接收的需求转交：请先由该单位处理，或把单位合并到另一个单位（转交随之调入）",
		Count: func(ctx context.Context, q db.Querier, unit org.Org) (int, error) {
			var n int
			err := q.QueryRow(ctx, `SELECT COUNT(*) FROM need_handovers WHERE to_org_id = ? AND status = 'pending'`, unit.ID).Scan(&n)
			return n, err
		},
	})
}
