package aid

import (
	"encoding/json"
	"errors"
	"fmt"

	"halfsky/internal/vault"
)

// The sealed columns of an application. Registered so that `halfsky keys
// rotate` re-seals them.
var (
	sealedName     = vault.Register("aid_applications", "id", "name")
	sealedID       = vault.Register("aid_applications", "id", "id_number")
	sealedPhone    = vault.Register("aid_applications", "id", "phone")
	sealedAddress  = vault.Register("aid_applications", "id", "address")
	sealedFacts    = vault.Register("aid_applications", "id", "facts")
	sealedGuardian = vault.Register("aid_applications", "id", "guardian_name")
	// A review step's reason (why it was returned or rejected) describes
	// her circumstances as much as the facts do.
	sealedStepReason = vault.Register("aid_steps", "id", "reason")
)

// LookupPurpose is the keyed-hash purpose of ID numbers in this module.
// Every module that needs to find aid records by ID number must use the
// same normalized number (idcard.Parse's) and this purpose.
const LookupPurpose = "aid.id"

// errNoVault stops personal data from being stored unsealed or read.
var errNoVault = errors.New("aid: no field-encryption keys configured")

// Personal is an applicant's personal data in the clear. Only Reveal
// returns it; it must never reach a log, a URL or an audit detail.
type Personal struct {
	Name         string            `json:"name"`
	IDNumber     string            `json:"id_number"`
	Phone        string            `json:"phone"`
	Address      string            `json:"address"`
	Facts        map[string]string `json:"facts"`
	GuardianName string            `json:"guardian_name"`
}

// sealed is the personal data as stored.
type sealed struct {
	name, idNumber, phone, address, facts, guardian string
}

func (s *Service) seal(p Personal) (sealed, error) {
	if s.Vault == nil {
		return sealed{}, errNoVault
	}
	facts := ""
	if len(p.Facts) > 0 {
		b, err := json.Marshal(p.Facts)
		if err != nil {
			return sealed{}, err
		}
		facts = string(b)
	}
	var out sealed
	var err error
	for _, f := range []struct {
		dst   *string
		col   vault.Column
		value string
	}{
		{&out.name, sealedName, p.Name}, {&out.idNumber, sealedID, p.IDNumber}, {&out.phone, sealedPhone, p.Phone},
		{&out.address, sealedAddress, p.Address}, {&out.facts, sealedFacts, facts}, {&out.guardian, sealedGuardian, p.GuardianName},
	} {
		if *f.dst, err = s.Vault.Seal(f.col.Purpose(), f.value); err != nil {
			return sealed{}, err
		}
	}
	return out, nil
}

func (s *Service) open(id int64, v sealed) (Personal, error) {
	if s.Vault == nil {
		return Personal{}, errNoVault
	}
	var p Personal
	var facts string
	var err error
	for _, f := range []struct {
		dst *string
		col vault.Column
		raw string
	}{
		{&p.Name, sealedName, v.name}, {&p.IDNumber, sealedID, v.idNumber}, {&p.Phone, sealedPhone, v.phone},
		{&p.Address, sealedAddress, v.address}, {&facts, sealedFacts, v.facts}, {&p.GuardianName, sealedGuardian, v.guardian},
	} {
		if *f.dst, err = s.Vault.Open(f.col.Purpose(), f.raw); err != nil {
			// Name the record, never the value.
			return Personal{}, fmt.Errorf("aid application %d %s: %w", id, f.col.Name, err)
		}
	}
	if facts != "" {
		if err := json.Unmarshal([]byte(facts), &p.Facts); err != nil {
			return Personal{}, fmt.Errorf("aid application %d facts: %w", id, err)
		}
	}
	return p, nil
}

// mask fills an application's shown fields from its sealed data: the
// name's first character, the ID number's first 6 and last 4, the phone's
// first 3 and last 4; the address and facts hidden entirely.
func (s *Service) mask(app *Application, v sealed) error {
	p, err := s.open(app.ID, v)
	if err != nil {
		return err
	}
	app.Name = vault.MaskName(p.Name)
	app.IDNumber = vault.MaskID(p.IDNumber)
	app.Phone = vault.MaskPhone(p.Phone)
	app.Address = vault.MaskText(p.Address)
	app.GuardianName = vault.MaskName(p.GuardianName)
	app.HasFacts = len(p.Facts) > 0
	return nil
}
