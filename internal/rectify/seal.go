package rectify

import (
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

// sealer seals or opens a record's fields with the service's keyring.
func (s *Service) sealer() *vault.Fields { return &vault.Fields{K: s.Vault} }

// sealInput seals what a unit writes about a problem, in place.
func (s *Service) sealInput(in *Input) error {
	sl := s.sealer()
	in.Description, in.Measures = sl.Seal(sealedDescription, in.Description), sl.Seal(sealedMeasures, in.Measures)
	in.Responsible, in.Plan = sl.Seal(sealedResponsible, in.Responsible), sl.Seal(sealedPlan, in.Plan)
	return sl.Err
}
