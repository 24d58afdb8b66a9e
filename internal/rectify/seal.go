package rectify

import (
	"fmt"

	"halfsky/internal/vault"
)

// The ledger's free text is sealed per field: a problem's description
// (群众反映 names who complained and whom about), the measures, the person
// responsible, the plan, the reason it was returned, and every timeline
// note. Category, source, mode, dates and status stay in the clear, so the
// lists filter and colour and the statistics count as before.
var (
	sealedDescription = vault.Register("problems", "id", "description")
	sealedMeasures    = vault.Register("problems", "id", "measures")
	sealedResponsible = vault.Register("problems", "id", "responsible")
	sealedPlan        = vault.Register("problems", "id", "plan")
	sealedReturn      = vault.Register("problems", "id", "return_reason")
	sealedNote        = vault.Register("problem_updates", "id", "note")
)

// sealer seals or opens several fields, keeping the first error, so a
// record is sealed whole or not stored at all.
type sealer struct {
	k   *vault.Keyring
	err error
}

func (s *Service) sealer() *sealer { return &sealer{k: s.Vault} }

// seal seals v for column c.
func (x *sealer) seal(c vault.Column, v string) string {
	if x.err != nil {
		return ""
	}
	s, err := x.k.Seal(c.Purpose(), v)
	x.err = err
	return s
}

// open opens a stored value of c in place (a value an earlier version
// stored in the clear reads as it is, until it is sealed).
func (x *sealer) open(c vault.Column, id int64, v *string) {
	if x.err != nil || *v == "" {
		return
	}
	s, err := x.k.OpenAny(c.Purpose(), *v)
	if err != nil {
		x.err = fmt.Errorf("%s %d: %w", c.Purpose(), id, err)
		return
	}
	*v = s
}

// sealInput seals what a unit writes about a problem, in place.
func (s *Service) sealInput(in *Input) error {
	sl := s.sealer()
	in.Description, in.Measures = sl.seal(sealedDescription, in.Description), sl.seal(sealedMeasures, in.Measures)
	in.Responsible, in.Plan = sl.seal(sealedResponsible, in.Responsible), sl.seal(sealedPlan, in.Plan)
	return sl.err
}
