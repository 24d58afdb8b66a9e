package aid

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// Disbursement. An approved application is paid by bank transfer, never
// in cash: a unit in whose scope it is records the payee's account
// (SetAccount, RecordAid); the city federation's leader (ManageAid) puts
// approved applications with an account into a batch of their cycle
// (CreateBatch), hands the bank the batch (an export request approved by a
// leader, UseExport: the only call that opens the account numbers,
// audited "aid.export.download") and records the
// bank's answer per line, paid or failed (RecordResult). A batch closes
// when every line has an answer; an application whose line failed can
// have its account corrected and go into a new batch. Each application is
// paid once: periodic support is one payment per approved application of
// each cycle. Ledger sums it all up against the budget.
//
// The payee is the applicant, named in the bank file by her name; a
// minor's guardian's name is given beside it for the bank's checks.

// The sealed account columns, registered for key rotation.
var (
	sealedAccount     = vault.Register("aid_accounts", "application_id", "account")
	sealedLineAccount = vault.Register("aid_payment_lines", "id", "account")
)

// LineStatus is where a payment line stands, as stored.
type LineStatus string

// Payment line statuses as stored.
const (
	Pending LineStatus = "pending" // 待银行回复
	Paid    LineStatus = "paid"    // 已付款
	Failed  LineStatus = "failed"  // 付款失败
)

// LineStatuses in display order.
var LineStatuses = []Option{{Key: string(Pending), Label: "待银行回复"}, {Key: string(Paid), Label: "已付款"}, {Key: string(Failed), Label: "付款失败"}}

// Label is the status's Chinese name.
func (s LineStatus) Label() string { return vocab.Label(LineStatuses, string(s)) }

// Colour is the status's badge colour.
func (s LineStatus) Colour() string {
	switch s {
	case Paid:
		return "green"
	case Failed:
		return "red"
	case Pending:
		return "yellow"
	}
	return "grey"
}

// Account is an application's payee account as pages show it: masked.
type Account struct {
	ApplicationID int64
	BankName      string
	Account       string // masked: **** **** 1234
	SetBy         int64
	SetByName     string
	SetOrgName    string
	UpdatedAt     time.Time
	Version       int
}

var errNoAccount = apperr.New(http.StatusNotFound, "no_account", "尚未登记收款账户")

// Account returns an application's payee account, masked
// (errNoAccount, code "no_account", when none is set).
func (s *Service) Account(ctx context.Context, a access.Actor, appID int64) (Account, error) {
	if err := s.need(ctx, a, access.ViewAid, appID); err != nil {
		return Account{}, err
	}
	if _, _, err := s.load(ctx, s.DB.Q(), a, appID); err != nil {
		return Account{}, err
	}
	var ac Account
	var raw string
	var u int64
	err := s.DB.QueryRow(ctx, `SELECT c.application_id, c.bank_name, c.account, c.set_by, us.display_name, o.name, c.updated_at, c.version
		FROM aid_accounts c JOIN users us ON us.id = c.set_by JOIN orgs o ON o.id = c.set_org WHERE c.application_id = ?`, appID).
		Scan(&ac.ApplicationID, &ac.BankName, &raw, &ac.SetBy, &ac.SetByName, &ac.SetOrgName, &u, &ac.Version)
	if err = db.NoRows(err); err == db.ErrNotFound {
		return Account{}, errNoAccount
	} else if err != nil {
		return Account{}, err
	}
	ac.UpdatedAt = db.FromMillis(u)
	if ac.Account, err = s.maskAccount(sealedAccount, appID, raw); err != nil {
		return Account{}, err
	}
	return ac, nil
}

// maskAccount opens a sealed account and masks it.
func (s *Service) maskAccount(col vault.Column, id int64, raw string) (string, error) {
	plain, err := s.openCol(col, id, raw)
	return vault.MaskAccount(plain), err
}

// openCol opens one sealed value of a column.
func (s *Service) openCol(col vault.Column, id int64, raw string) (string, error) {
	if s.Vault == nil {
		return "", errNoVault
	}
	plain, err := s.Vault.Open(col.Purpose(), raw)
	if err != nil {
		// Name the row, never the value.
		return "", fmt.Errorf("%s %d: %w", col.Table, id, err)
	}
	return plain, nil
}

// SetAccount records (or corrects) the bank account an approved
// application is paid to (RecordAid, a unit in whose scope it is). It is
// refused while the application waits in a batch or once it is paid; after
// a failed payment it is how the account is corrected.
func (s *Service) SetAccount(ctx context.Context, a access.Actor, appID int64, bankName, account string) (Account, error) {
	if err := s.need(ctx, a, access.RecordAid, appID); err != nil {
		return Account{}, err
	}
	if s.Vault == nil {
		return Account{}, errNoVault
	}
	x, _, err := s.load(ctx, s.DB.Q(), a, appID)
	if err != nil {
		return Account{}, err
	}
	bankName, acc, bad := CheckAccount(bankName, account)
	if len(bad) > 0 {
		return Account{}, apperr.Invalid(bad)
	}
	if x.Status != Approved || x.Purged {
		return Account{}, apperr.New(http.StatusConflict, "state", "只有已批准的申请可以登记收款账户")
	}
	// An account already set belongs to the unit that set it: a unit below
	// it never redirects the payment.
	var setPath string
	err = s.DB.QueryRow(ctx, `SELECT o.path FROM aid_accounts c JOIN orgs o ON o.id = c.set_org WHERE c.application_id = ?`, appID).Scan(&setPath)
	if err = db.NoRows(err); err != nil && err != db.ErrNotFound {
		return Account{}, err
	}
	if setPath != "" {
		if err := a.MayChange(access.RecordAid, setPath, setPath); err != nil {
			return Account{}, s.refuse(ctx, a, "aid.account.set", appID, err)
		}
	}
	sealedAcc, err := s.Vault.Seal(sealedAccount.Purpose(), acc)
	if err != nil {
		return Account{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var live int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM aid_payment_lines WHERE application_id = ? AND status <> 'failed'`,
			appID).Scan(&live); err != nil {
			return err
		}
		if live > 0 {
			return apperr.New(http.StatusConflict, "in_batch", "该申请已在付款批次中或已付款，不能修改收款账户")
		}
		now := db.Millis(s.now())
		// Only over the account as it was checked: one set meanwhile by
		// another unit is checked again.
		res, err := tx.Exec(ctx, `UPDATE aid_accounts SET bank_name = ?, account = ?, set_by = ?, set_org = ?, updated_at = ?,
			version = version + 1 WHERE application_id = ? AND (SELECT o.path FROM orgs o WHERE o.id = set_org) = ?`,
			bankName, sealedAcc, a.UserID, a.OrgID, now, appID, setPath)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 && setPath != "" {
			return apperr.New(http.StatusConflict, "changed", "收款账户刚被他人修改，请刷新后再试")
		} else if n == 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO aid_accounts (application_id, bank_name, account, set_by, set_org, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, appID, bankName, sealedAcc, a.UserID, a.OrgID, now, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.account.set", "aid_application", ids(appID), audit.OK,
			fmt.Sprintf("%s %d", x.ProgrammeCode, x.Year)))
	})
	if err != nil {
		return Account{}, err
	}
	return s.Account(ctx, a, appID)
}

// Payee is an approved application not yet paid nor waiting in a batch:
// what the city chooses a batch from, and what a unit must give an
// account to.
type Payee struct {
	Application
	BankName   string // "" without an account
	Account    string // masked
	HasAccount bool
	Failed     int    // earlier failed payments
	LastNote   string // the bank's answer to the latest failed one
}

// Payable lists the cycle's approved applications in the actor's scope
// that are neither paid nor waiting in a batch, oldest approval first.
func (s *Service) Payable(ctx context.Context, a access.Actor, cycleID int64) ([]Payee, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return nil, err
	}
	cond, args := a.Scope().Where("x.org_path")
	return db.All(ctx, s.DB.Q(), func(row db.Scanner) (p Payee, err error) {
		var raw string
		x, v, err := scanApp(plus{row, []any{&p.BankName, &raw, &p.Failed, &p.LastNote}})
		if err != nil {
			return p, err
		}
		if err := s.mask(&x, v); err != nil {
			return p, err
		}
		p.Application = x
		if raw != "" {
			p.HasAccount = true
			p.Account, err = s.maskAccount(sealedAccount, x.ID, raw)
		}
		return p, err
	}, `SELECT `+appCols+`, COALESCE(c.bank_name, ''), COALESCE(c.account, ''),
		(SELECT COUNT(*) FROM aid_payment_lines f WHERE f.application_id = x.id AND f.status = 'failed'),
		COALESCE((SELECT f.note FROM aid_payment_lines f WHERE f.application_id = x.id AND f.status = 'failed' ORDER BY f.id DESC LIMIT 1), '')`+
		appFrom+` LEFT JOIN aid_accounts c ON c.application_id = x.id
		WHERE x.cycle_id = ? AND x.status = 'approved' AND x.purged_at IS NULL AND `+cond+`
		AND NOT EXISTS (SELECT 1 FROM aid_payment_lines l WHERE l.application_id = x.id AND l.status <> 'failed')
		ORDER BY x.closed_at, x.id`, append([]any{cycleID}, args...)...)
}

// plus scans a row's leading columns with scanApp's reader and hands the
// columns after them to extra.
type plus struct {
	row   scanner
	extra []any
}

func (p plus) Scan(dest ...any) error { return p.row.Scan(append(dest, p.extra...)...) }
