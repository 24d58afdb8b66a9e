package server

import (
	"context"
	"errors"

	"halfsky/internal/publicweb"
	"halfsky/internal/rights"
)

// rightsDoor is the rights service as the public door sees it
// (publicweb.Rights): the three public calls, with the door's own types
// (the same fields) and its one answer to a code that names nothing.
type rightsDoor struct{ s *rights.Service }

func (d rightsDoor) SubmitHelp(ctx context.Context, in publicweb.HelpRequest, ip string) (string, error) {
	return d.s.SubmitHelp(ctx, rights.HelpRequest(in), ip)
}

func (d rightsDoor) LookupHelp(ctx context.Context, code string) (publicweb.HelpStatus, error) {
	st, err := d.s.LookupHelp(ctx, code)
	if errors.Is(err, rights.ErrNoSuchCode) {
		return publicweb.HelpStatus{}, publicweb.ErrNoSuchCode
	}
	return publicweb.HelpStatus(st), err
}

func (d rightsDoor) PublicCategories(ctx context.Context) ([]publicweb.Category, error) {
	list, err := d.s.PublicCategories(ctx)
	out := make([]publicweb.Category, 0, len(list))
	for _, c := range list {
		out = append(out, publicweb.Category{Code: c.Code, Label: c.Label, Parent: c.Parent})
	}
	return out, err
}

// publicRights is the rights service behind the public door, or nil
// (its help routes then answer 503 with the hotlines).
func publicRights(s *rights.Service) publicweb.Rights {
	if s == nil {
		return nil
	}
	return rightsDoor{s}
}
