package rectify

import "halfsky/internal/org"

// A problem keeps its unit's path for scope filters; the tree rewrites it
// whenever the unit moves (org.RegisterPathCopy).
var _ = org.RegisterPathCopy("problems", "org_id", "org_path")
