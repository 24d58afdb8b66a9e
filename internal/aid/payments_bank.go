package aid

import (
	"context"

	"halfsky/internal/access"
	"halfsky/internal/db"
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
	Status        LineStatus
}

// bankRows opens a batch's lines in the actor's scope for the bank's
// file: names and account numbers in the clear. ID numbers are not in it:
// the bank pays by name and account. It checks no permission and writes
// no audit: the only way to it is UseExport, the one download of a bank
// export the requester (at the root unit) asked for and a leader approved,
// which audits it with the line count in the same transaction.
func (s *Service) bankRows(ctx context.Context, q db.Querier, a access.Actor, batchID int64) (Batch, []BankRow, error) {
	if s.Vault == nil {
		return Batch{}, nil, errNoVault
	}
	b, err := s.batch(ctx, q, a, batchID)
	if err != nil {
		return Batch{}, nil, err
	}
	rs, err := s.lines(ctx, q, a, batchID)
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
	return b, out, nil
}
