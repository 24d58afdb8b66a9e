package aid

import "halfsky/internal/org"

// The paths aid copies from the tree for its scope filters; the tree
// rewrites them whenever a unit moves (org.RegisterPathCopy).
var (
	_ = org.RegisterPathCopy("aid_applications", "org_id", "org_path")
	_ = org.RegisterPathCopy("aid_followups", "org_id", "org_path")
	_ = org.RegisterPathCopy("aid_exports", "org_id", "org_path")
)
