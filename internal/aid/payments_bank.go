package aid

import (
	"context"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/audit"
)

// BankRow is one line of the file the bank pays from, in the clear.
type BankRow struct {
	LineID        int64
	Seq           int
	ApplicationID int64
	Name          string // the payee: the applicant
	GuardianName  string // a minor's guardian, for the bank's checks
	BankName      string
	Account       string // digits, in the clear
	Amount        int64  // fen
	OrgName       string // the collecting unit
	Status        string
}

// ExportForBank opens a batch's lines for the bank's file (the city
// federation's leader). It is an export of personal data — names and
// account numbers — and is audited "aid.export" with the line count before
// anything is returned. ID numbers are not in it: the bank pays by name
// and account. The leader's approval of exports of personal data (issue
// 5) is a later step; until it exists, ManageAid (the city's leader
// only) stands for it.
func (s *Service) ExportForBank(ctx context.Context, a access.Actor, batchID int64) (Batch, []BankRow, error) {
	if err := s.manage(ctx, a, "aid.export", 0); err != nil {
		return Batch{}, nil, err
	}
	if s.Vault == nil {
		return Batch{}, nil, errNoVault
	}
	b, err := s.batch(ctx, s.DB.Q(), a, batchID)
	if err != nil {
		return Batch{}, nil, err
	}
	rs, err := s.lines(ctx, s.DB.Q(), a, batchID)
	if err != nil {
		return Batch{}, nil, err
	}
	out := make([]BankRow, 0, len(rs))
	for _, r := range rs {
		row := BankRow{LineID: r.ID, Seq: r.Seq, ApplicationID: r.ApplicationID, BankName: r.BankName, Amount: r.Amount,
			OrgName: r.OrgName, Status: r.Status}
		if row.Name, err = s.openCol(sealedName, r.ApplicationID, r.name); err != nil {
			return Batch{}, nil, err
		}
		if row.GuardianName, err = s.openCol(sealedGuardian, r.ApplicationID, r.guardian); err != nil {
			return Batch{}, nil, err
		}
		if row.Account, err = s.openCol(sealedLineAccount, r.ID, r.account); err != nil {
			return Batch{}, nil, err
		}
		out = append(out, row)
	}
	if err := audit.Log(ctx, s.DB, audit.FromActor(a, "aid.export", "aid_batch", ids(batchID), audit.OK,
		"bank file "+b.ProgrammeCode+" "+strconv.Itoa(b.Year)+" seq="+strconv.Itoa(b.Seq)+" lines="+strconv.Itoa(len(out)))); err != nil {
		return Batch{}, nil, err
	}
	return b, out, nil
}
