package audit

import (
	"context"
	"errors"

	"halfsky/internal/access"
	"halfsky/internal/db"
)

// recorded marks a refusal that is already in the audit log, so the
// front end that answers it does not record it a second time.
type recorded struct{ err error }

func (e recorded) Error() string { return e.err.Error() }
func (e recorded) Unwrap() error { return e.err }

// Refused records a refused action of a (the event ActionDenied on the
// object, with detail saying what was tried) and returns err marked as
// recorded. Domains return what it gives; the front ends audit every
// other access.ErrDenied themselves (see Unrecorded).
func Refused(ctx context.Context, d *db.DB, a access.Actor, objectType, objectID, detail string, err error) error {
	_ = Log(ctx, d, FromActor(a, ActionDenied, objectType, objectID, Denied, detail))
	return Recorded(err)
}

// Recorded marks err as a refusal the caller has already logged.
func Recorded(err error) error {
	if err == nil {
		return nil
	}
	return recorded{err}
}

// Unrecorded reports whether err is a refusal (access.ErrDenied, or an
// error wrapping it) that no one has logged yet: the front end answering
// it must record it, so every refusal leaves exactly one event.
func Unrecorded(err error) bool {
	var r recorded
	return errors.Is(err, access.ErrDenied) && !errors.As(err, &r)
}
