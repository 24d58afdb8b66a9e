package visit

import "halfsky/internal/org"

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
