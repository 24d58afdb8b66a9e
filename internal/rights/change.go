package rights

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

var (
	// errClosed is an action on a closed case (reopen it first).
	errClosed = apperr.New(http.StatusConflict, "closed", "该案件已办结，如需继续办理请先重新打开")
	// errGlassOnly is an action by a leader who reads the case only
	// through a broken glass: reading is all the glass opens.
	errGlassOnly = apperr.New(http.StatusForbidden, "glass_read_only", "破窗查看仅限阅读，不能办理该案件")
)

// change runs fn on a case the actor reads in full, in one transaction
// with its audit event (action, detail), when its version is still the
// one she read (0: any). A case outside her scope is db.ErrNotFound; one
// she sees only as a line is refused and the refusal recorded.
func (s *Service) change(ctx context.Context, a access.Actor, id int64, version int, action string,
	fn func(tx *db.Tx, c *Case) error, detail string) error {
	if !a.Can(access.RecordCases) {
		return s.deny(ctx, a, action, strconv.FormatInt(id, 10))
	}
	denied := false
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		c, _, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		switch c.Sight, err = s.sight(ctx, tx, a, &c); {
		case err != nil:
			return err
		case c.Sight == SightNone:
			return db.ErrNotFound
		case version != 0 && c.Version != version:
			// Before the line's refusal: taken by a colleague a moment
			// ago, the page she acted on says to refresh.
			return errStale
		case c.Sight == SightLine:
			denied = true
			return access.ErrDenied
		case c.Glass:
			return errGlassOnly
		}
		// The counters follow whatever fn changes (status, risk,
		// outcome), in this transaction.
		err = track(ctx, tx, id, func() error {
			if err := fn(tx, &c); err != nil {
				return err
			}
			res, err := tx.Exec(ctx, `UPDATE cases SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
				db.Millis(s.Now()), id, c.Version)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errStale
			}
			return nil
		})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, action, "case", strconv.FormatInt(id, 10), audit.OK, detail))
	})
	if denied && errors.Is(err, access.ErrDenied) {
		return s.deny(ctx, a, action, strconv.FormatInt(id, 10))
	}
	return err
}
