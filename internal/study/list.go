package study

import (
	"context"
	"fmt"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
)

// Filter selects activities for the feed, its export and the API.
type Filter struct {
	Kind    Kind   // "" = any
	Under   string // unit code: that unit's subtree; "" = the actor's scope
	Month   string // YYYY-MM; overrides From/To
	From    string // YYYY-MM-DD, inclusive
	To      string // YYYY-MM-DD, inclusive
	Q       string // text in the topic
	DocID   int64  // activities about one document
	Page    int
	PerPage int // 0 = every row (exports)
}

// where builds the filter's condition within the actor's scope; a bad
// filter value is a field error, a unit outside the scope is not found.
func (s *Service) where(ctx context.Context, a access.Actor, f Filter) (string, []any, error) {
	scope := a.Scope()
	if code := strings.TrimSpace(f.Under); code != "" {
		node, err := s.Orgs.ByCode(ctx, a, code)
		if err != nil {
			return "", nil, err
		}
		scope = access.Scope{Path: node.Path}
	}
	w, args := scope.Where("s.org_path")
	conds := []string{w}
	e := map[string]string{}
	if f.Kind != "" {
		if !f.Kind.Valid() {
			e["kind"] = "没有这种活动形式"
		}
		conds, args = append(conds, "s.kind = ?"), append(args, string(f.Kind))
	}
	from, to := strings.TrimSpace(f.From), strings.TrimSpace(f.To)
	if m := strings.TrimSpace(f.Month); m != "" {
		t, err := time.Parse("2006-01", m)
		if err != nil {
			e["month"] = "月份格式应为 2015-08"
		}
		from, to = t.Format("2006-01-02"), t.AddDate(0, 1, -1).Format("2006-01-02")
	}
	for _, d := range []struct{ key, val, cond string }{{"from", from, "s.held_on >= ?"}, {"to", to, "s.held_on <= ?"}} {
		if d.val == "" {
			continue
		}
		if _, err := time.Parse("2006-01-02", d.val); err != nil {
			e[d.key] = "日期格式应为 2015-08-20"
		}
		conds, args = append(conds, d.cond), append(args, d.val)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		conds, args = append(conds, `s.topic LIKE ? ESCAPE '\'`), append(args, like)
	}
	if f.DocID != 0 {
		conds, args = append(conds, "s.doc_id = ?"), append(args, f.DocID)
	}
	if len(e) > 0 {
		return "", nil, apperr.Invalid(e)
	}
	return strings.Join(conds, " AND "), args, nil
}

// List is the 学习动态 feed: activities in the actor's scope matching the
// filter, latest first, with the total count.
func (s *Service) List(ctx context.Context, a access.Actor, f Filter) ([]Activity, int, error) {
	if !a.Can(access.ViewWork) {
		return nil, 0, s.deny(ctx, a, "study.list", 0)
	}
	where, args, err := s.where(ctx, a, f)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM study_activities s WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	q := `SELECT ` + activityColumns + activityFrom + ` WHERE ` + where + ` ORDER BY s.held_on DESC, s.id DESC`
	if f.PerPage > 0 {
		q += fmt.Sprintf(` LIMIT %d OFFSET %d`, min(f.PerPage, 200), (max(f.Page, 1)-1)*min(f.PerPage, 200))
	}
	list, err := s.query(ctx, q, args...)
	return list, total, err
}

func (s *Service) query(ctx context.Context, q string, args ...any) ([]Activity, error) {
	out, err := db.All(ctx, s.DB.Q(), scanActivity, q, args...)
	if out == nil && err == nil {
		out = []Activity{} // none is an empty list, not null
	}
	return out, err
}
