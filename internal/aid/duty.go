package aid

import (
	"context"

	"halfsky/internal/db"
)

// firsts are the accounts a review decision on x must be independent of
// (four eyes, internal/duty): the one who entered the application, and
// everyone who took a step of its current round — the latest submission
// and the levels' decisions since. A decider of an earlier round, before
// a return, is not one: the street cadre who passed it then passes it
// again after the district sent it back for a missing paper.
func (s *Service) firsts(ctx context.Context, q db.Querier, x Application) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT decision, by_user FROM aid_steps WHERE application_id = ? ORDER BY at, id`, x.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{x.CreatedBy}
	for rows.Next() {
		var decision string
		var by int64
		if err := rows.Scan(&decision, &by); err != nil {
			return nil, err
		}
		if decision == Submit {
			out = out[:1]
		}
		out = append(out, by)
	}
	return out, rows.Err()
}
