package study

import "halfsky/internal/org"

// An activity keeps its unit's path for scope filters; the tree rewrites
// it whenever the unit moves (org.RegisterPathCopy).
var _ = org.RegisterPathCopy("study_activities", "org_id", "org_path")
