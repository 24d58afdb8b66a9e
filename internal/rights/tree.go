package rights

import (
	"context"

	"halfsky/internal/db"
	"halfsky/internal/org"
)

// A case's unit paths are copies of the tree's; the tree rewrites them
// whenever a unit moves. A merged unit's cases go to the unit it merges
// into, with their handlers' unit (org.RegisterOwnerColumn).
var (
	_ = org.RegisterPathCopy("cases", "org_id", "org_path")
	_ = org.RegisterPathCopy("cases", "origin_org_id", "origin_path")
	_ = org.RegisterPathCopy("case_moves", "to_org_id", "to_path")
)

func init() {
	org.RegisterOwnerColumn("cases", "org_id")
	// A unit with open cases, or a case waiting for it to accept, cannot
	// be deactivated: the women in them would have no one.
	org.RegisterOpenWork(org.OpenWork{
		Message: "该单位还有未办结的维权案件或待接收的案件转办：请先办结或转办，或把单位合并到另一个单位（案件随之调入）",
		Count: func(ctx context.Context, q db.Querier, unit org.Org) (int, error) {
			var n int
			err := q.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM cases WHERE org_id = ? AND status <> 'closed')
				+ (SELECT COUNT(*) FROM case_moves WHERE to_org_id = ? AND status = 'pending')`, unit.ID, unit.ID).Scan(&n)
			return n, err
		},
	})
}
