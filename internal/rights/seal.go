package rights

import "halfsky/internal/vault"

// What names or locates a person, or tells her story, is sealed per field.
var (
	sealedNarrative   = vault.Register("cases", "id", "narrative")
	sealedPhone       = vault.Register("cases", "id", "phone")
	sealedContactTime = vault.Register("cases", "id", "contact_time")
	sealedPartyName   = vault.Register("case_parties", "id", "name")
	sealedPartyPhone  = vault.Register("case_parties", "id", "phone")
	sealedPartyAddr   = vault.Register("case_parties", "id", "address")
	sealedPartyRel    = vault.Register("case_parties", "id", "relation")
	sealedEventNote   = vault.Register("case_events", "id", "note")
	sealedReply       = vault.Register("case_referrals", "id", "reply")
	sealedOverride    = vault.Register("case_referrals", "id", "override_reason")
	sealedMoveReason  = vault.Register("case_moves", "id", "reason")
	sealedMoveReply   = vault.Register("case_moves", "id", "reply")
	sealedGlassReason = vault.Register("case_glass", "id", "reason")
)

// trackPurpose keys the public tracking codes' lookups.
const trackPurpose = "cases.track"

func (s *Service) sealer() *vault.Fields { return &vault.Fields{K: s.Vault} }

// seal seals one value for column c.
func (s *Service) seal(c vault.Column, v string) (string, error) {
	f := s.sealer()
	sealed := f.Seal(c, v)
	return sealed, f.Err
}

// open opens a case's sealed columns into it.
func (s *Service) open(c *Case, sl sealedCase) error {
	f := s.sealer()
	c.Narrative, c.Phone, c.ContactTime = sl.narrative, sl.phone, sl.contactTime
	f.Open(sealedNarrative, c.ID, &c.Narrative)
	f.Open(sealedPhone, c.ID, &c.Phone)
	f.Open(sealedContactTime, c.ID, &c.ContactTime)
	return f.Err
}
