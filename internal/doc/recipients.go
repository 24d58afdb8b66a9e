package doc

import (
	"context"
	"fmt"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/org"
)

// Target names recipients: a group of the issuing unit's direct children
// by kind ("各区县（市）妇联" is Group "district"), or one unit by code, with
// or without everything under it.
type Target struct {
	Group   org.Kind `json:"group,omitempty"`
	Unit    string   `json:"unit,omitempty"`
	Subtree bool     `json:"subtree,omitempty"`
}

// groupLabel is how a group is printed in 主送机关, from the issuer's point
// of view (the city calls its organs' committees 市直妇委会).
func groupLabel(k org.Kind, issuer org.Org) string {
	city := issuer.Kind == org.KindCity
	switch k {
	case org.KindDistrict:
		return "各区县（市）妇联"
	case org.KindStreet:
		return "各街道（乡镇）妇联"
	case org.KindCommunity:
		return "各社区妇联"
	case org.KindVillage:
		return "各村妇联"
	case org.KindOrgan:
		if city {
			return "市直妇委会"
		}
		return "各机关妇委会"
	case org.KindMember:
		if city {
			return "市妇联团体会员"
		}
		return "各团体会员"
	case org.KindNewSector:
		return "各新领域组织妇联"
	}
	return "各" + k.Label()
}

// GroupOptions are the groups an issuer can send to: the kinds of its
// direct children, with their printed labels and sizes.
func (s *Service) GroupOptions(ctx context.Context, issuer org.Org) ([]GroupOption, error) {
	rows, err := s.DB.Query(ctx, `SELECT kind, COUNT(*) FROM orgs WHERE parent_id = ? AND active = 1 GROUP BY kind`, issuer.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byKind := map[org.Kind]int{}
	for rows.Next() {
		var k org.Kind
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		byKind[k] = n
	}
	var out []GroupOption
	for _, k := range org.Kinds {
		if n := byKind[k]; n > 0 {
			out = append(out, GroupOption{Kind: k, Label: groupLabel(k, issuer), Count: n})
		}
	}
	return out, rows.Err()
}

// GroupOption is one group offered on the drafting form.
type GroupOption struct {
	Kind  org.Kind
	Label string
	Count int
}

// RecipientsText prints targets the way 主送机关 reads: group labels and
// unit names joined by "，".
func (s *Service) RecipientsText(ctx context.Context, issuer org.Org, targets []Target) (string, error) {
	parts := []string{}
	for _, t := range targets {
		if t.Group != "" {
			parts = append(parts, groupLabel(t.Group, issuer))
			continue
		}
		o, err := s.Orgs.ByCodeUnscoped(ctx, s.DB.Q(), t.Unit)
		if err != nil {
			return "", fmt.Errorf("unit %s: %w", t.Unit, err)
		}
		name := o.Name
		if t.Subtree {
			name += "及所属组织"
		}
		parts = append(parts, name)
	}
	return strings.Join(parts, "，"), nil
}

// ParseRecipients reads a printed 主送机关 line back into targets where it
// can (for imported documents): group labels of the issuer, and unit names.
// Parts it cannot place are returned for the user to pick by hand.
func (s *Service) ParseRecipients(ctx context.Context, issuer org.Org, text string) ([]Target, []string) {
	labels := map[string]org.Kind{}
	for _, k := range org.Kinds {
		labels[groupLabel(k, issuer)] = k
	}
	var targets []Target
	var unknown []string
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune("，,、；;：:", r) }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if k, ok := labels[part]; ok {
			targets = append(targets, Target{Group: k})
			continue
		}
		var code string
		err := s.DB.QueryRow(ctx, `SELECT code FROM orgs WHERE name = ? AND path >= ? AND path < ? ORDER BY depth LIMIT 1`,
			append([]any{part}, scopeArgs(issuer)...)...).Scan(&code)
		if err == nil {
			targets = append(targets, Target{Unit: code})
		} else {
			unknown = append(unknown, part)
		}
	}
	return targets, unknown
}

func scopeArgs(o org.Org) []any {
	lo, hi := access.Scope{Path: o.Path}.Range()
	return []any{lo, hi}
}

// recipient is one expanded recipient unit.
type recipient struct {
	orgID int64
	kind  string // main or cc
}

// expand turns targets into units inside the issuer's subtree. A unit
// named twice is sent once; 主送 wins over 抄送.
func (s *Service) expand(ctx context.Context, q db.Querier, issuer org.Org, main, cc []Target) ([]recipient, map[string]string, error) {
	seen := map[int64]string{}
	var order []int64
	errs := map[string]string{}
	add := func(kind string, ts []Target, field string) error {
		for _, t := range ts {
			ids, err := s.targetUnits(ctx, q, issuer, t)
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				errs[field] = "“" + describeTarget(t) + "”不在本单位的下级组织中"
				var n int
				if t.Unit != "" && q.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE code = ? AND active = 0 AND path > ? AND path < ?`,
					append([]any{t.Unit}, scopeArgs(issuer)...)...).Scan(&n) == nil && n > 0 {
					errs[field] = "“" + describeTarget(t) + "”已停用或已撤并，不能再向其发文"
				}
				continue
			}
			for _, id := range ids {
				if _, ok := seen[id]; !ok {
					order = append(order, id)
					seen[id] = kind
				}
			}
		}
		return nil
	}
	if err := add("main", main, "recipients"); err != nil {
		return nil, nil, err
	}
	if err := add("cc", cc, "cc"); err != nil {
		return nil, nil, err
	}
	if len(order) == 0 && errs["recipients"] == "" {
		errs["recipients"] = "请选择主送机关"
	}
	out := make([]recipient, 0, len(order))
	for _, id := range order {
		out = append(out, recipient{orgID: id, kind: seen[id]})
	}
	return out, errs, nil
}

func describeTarget(t Target) string {
	if t.Group != "" {
		return t.Group.Label()
	}
	return t.Unit
}

// targetUnits lists the unit ids a target names, always strictly inside
// the issuer's subtree (a document goes down the tree, never sideways).
func (s *Service) targetUnits(ctx context.Context, q db.Querier, issuer org.Org, t Target) ([]int64, error) {
	lo, hi := access.Scope{Path: issuer.Path}.Range()
	switch {
	case t.Group != "":
		return db.Column[int64](ctx, q, `SELECT id FROM orgs WHERE parent_id = ? AND kind = ? AND active = 1 ORDER BY sort_key, code`, issuer.ID, string(t.Group))
	case t.Subtree:
		var path string
		if e := q.QueryRow(ctx, `SELECT path FROM orgs WHERE code = ? AND path > ? AND path < ? AND active = 1`, t.Unit, lo, hi).Scan(&path); e != nil {
			return nil, nil
		}
		sub := access.Scope{Path: path}
		slo, shi := sub.Range()
		return db.Column[int64](ctx, q, `SELECT id FROM orgs WHERE path >= ? AND path < ? AND active = 1 ORDER BY path`, slo, shi)
	default:
		return db.Column[int64](ctx, q, `SELECT id FROM orgs WHERE code = ? AND path > ? AND path < ? AND active = 1`, t.Unit, lo, hi)
	}
}
