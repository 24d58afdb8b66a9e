package aid

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// BatchStatus is where a payment batch stands, as stored.
type BatchStatus string

// Batch statuses as stored.
const (
	BatchOpen   BatchStatus = "open"   // lines wait for the bank's answer
	BatchClosed BatchStatus = "closed" // every line answered
)

// BatchStatuses in display order.
var BatchStatuses = []Option{{Key: string(BatchOpen), Label: "待银行回复"}, {Key: string(BatchClosed), Label: "已完成"}}

// Label is the status's Chinese name.
func (s BatchStatus) Label() string { return vocab.Label(BatchStatuses, string(s)) }

// Colour is the status's badge colour.
func (s BatchStatus) Colour() string {
	switch s {
	case BatchClosed:
		return "green"
	case BatchOpen:
		return "yellow"
	}
	return "grey"
}

// MaxBatch bounds a batch: one bank file, one transaction.
const MaxBatch = 2000

// Batch is a payment batch with its lines summed. For a user below the
// city the sums cover only the lines in her scope.
type Batch struct {
	ID            int64
	CycleID       int64
	ProgrammeCode string
	ProgrammeName string
	Year          int
	Seq           int
	Status        BatchStatus
	Lines         int
	Amount        int64
	Pending       int
	Paid          int
	PaidAmount    int64
	Failed        int
	FailedAmount  int64
	CreatedBy     int64
	Creator       string
	CreatedAt     time.Time
	ClosedAt      time.Time
	Version       int
}

// Title names the batch: 2026年两癌救助第1批.
func (b Batch) Title() string {
	return fmt.Sprintf("%d年%s第%d批", b.Year, b.ProgrammeName, b.Seq)
}

// The line sums are restricted to the scope by the caller's condition on
// x.org_path, in the joined subquery.
const batchCols = `b.id, b.cycle_id, p.code, p.name, c.year, b.seq, b.status,
	COUNT(l.id), COALESCE(SUM(l.amount), 0),
	COALESCE(SUM(CASE WHEN l.status = 'pending' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN l.status = 'paid' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN l.status = 'paid' THEN l.amount ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN l.status = 'failed' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN l.status = 'failed' THEN l.amount ELSE 0 END), 0),
	b.created_by, u.display_name, b.created_at, COALESCE(b.closed_at, 0), b.version`

const batchGroup = ` GROUP BY b.id, b.cycle_id, p.code, p.name, c.year, b.seq, b.status, b.created_by, u.display_name, b.created_at,
	b.closed_at, b.version`

// batchFrom joins each batch to its lines in the scope (cond on x.org_path).
func batchFrom(cond string) string {
	return ` FROM aid_batches b JOIN aid_cycles c ON c.id = b.cycle_id JOIN aid_programmes p ON p.id = c.programme_id
	JOIN users u ON u.id = b.created_by
	JOIN aid_payment_lines l ON l.batch_id = b.id JOIN aid_applications x ON x.id = l.application_id AND ` + cond
}

func scanBatch(row scanner) (Batch, error) {
	var b Batch
	var c, closed int64
	err := row.Scan(&b.ID, &b.CycleID, &b.ProgrammeCode, &b.ProgrammeName, &b.Year, &b.Seq, &b.Status, &b.Lines, &b.Amount,
		&b.Pending, &b.Paid, &b.PaidAmount, &b.Failed, &b.FailedAmount, &b.CreatedBy, &b.Creator, &c, &closed, &b.Version)
	b.CreatedAt, b.ClosedAt = db.FromMillis(c), optTime(closed)
	return b, err
}

// Batch returns a batch holding lines in the actor's scope (the city sees
// every batch; a district only those paying her units, summed over them).
func (s *Service) Batch(ctx context.Context, a access.Actor, id int64) (Batch, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return Batch{}, err
	}
	return s.batch(ctx, s.DB.Q(), a, id)
}

func (s *Service) batch(ctx context.Context, q db.Querier, a access.Actor, id int64) (Batch, error) {
	cond, args := a.Scope().Where("x.org_path")
	b, err := scanBatch(q.QueryRow(ctx, `SELECT `+batchCols+batchFrom(cond)+` WHERE b.id = ?`+batchGroup, append(args, id)...))
	return b, db.NoRows(err)
}

// batchProgramme is the programme a batch pays.
func (s *Service) batchProgramme(ctx context.Context, q db.Querier, batchID int64) (Programme, error) {
	var cycleID int64
	if err := q.QueryRow(ctx, `SELECT cycle_id FROM aid_batches WHERE id = ?`, batchID).Scan(&cycleID); err != nil {
		return Programme{}, db.NoRows(err)
	}
	return s.cycleProgramme(ctx, q, cycleID)
}

// ManagesBatch reports whether the actor manages the programme a batch
// pays (its bank file is hers to ask for).
func (s *Service) ManagesBatch(ctx context.Context, a access.Actor, batchID int64) bool {
	p, err := s.batchProgramme(ctx, s.DB.Q(), batchID)
	return err == nil && Manages(a, p)
}

// ManagesCycle reports whether the actor manages the programme of a cycle.
func (s *Service) ManagesCycle(ctx context.Context, a access.Actor, cycleID int64) bool {
	p, err := s.cycleProgramme(ctx, s.DB.Q(), cycleID)
	return err == nil && Manages(a, p)
}

// BatchFilter narrows the batch list. Zero values filter nothing.
type BatchFilter struct {
	CycleID int64
	Year    int
	Status  BatchStatus
	Page    Page
}

// Batches lists the batches holding lines in the actor's scope, newest
// first, with the total matching.
func (s *Service) Batches(ctx context.Context, a access.Actor, f BatchFilter) ([]Batch, int, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return nil, 0, err
	}
	var w db.Where
	cond, args := a.Scope().Where("x.org_path")
	w.Args = append(w.Args, args...)
	if f.CycleID != 0 {
		w.Add("b.cycle_id = ?", f.CycleID)
	}
	if f.Year != 0 {
		w.Add("c.year = ?", f.Year)
	}
	if f.Status != "" {
		if !vocab.Known(BatchStatuses, string(f.Status)) {
			return nil, 0, apperr.Field("status", "状态不对")
		}
		w.Add("b.status = ?", f.Status)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT b.id`+batchFrom(cond)+w.SQL()+` GROUP BY b.id) t`, w.Args...).
		Scan(&total); err != nil {
		return nil, 0, err
	}
	lim, largs := f.Page.SQL()
	out, err := db.All(ctx, s.DB.Q(), scanBatch, `SELECT `+batchCols+batchFrom(cond)+w.SQL()+batchGroup+` ORDER BY b.created_at DESC, b.id DESC`+lim,
		append(w.Args, largs...)...)
	return out, total, err
}

// Line is one payment of a batch as pages show it: payee masked.
type Line struct {
	ID            int64
	BatchID       int64
	Seq           int
	ApplicationID int64
	OrgCode       string
	OrgName       string
	Name          string // masked
	BankName      string
	Account       string // masked
	Amount        int64
	Status        LineStatus
	Note          string
	ResultAt      time.Time
}

const lineCols = `l.id, l.batch_id, l.seq, l.application_id, o.code, o.name, x.name, x.guardian_name, l.bank_name, l.account,
	l.amount, l.status, l.note, COALESCE(l.result_at, 0)`

const lineFrom = ` FROM aid_payment_lines l JOIN aid_applications x ON x.id = l.application_id JOIN orgs o ON o.id = x.org_id`

// lineRow is a line with its sealed values still sealed.
type lineRow struct {
	Line
	name, guardian, account string
}

func scanLine(row scanner) (lineRow, error) {
	var r lineRow
	var at int64
	err := row.Scan(&r.ID, &r.BatchID, &r.Seq, &r.ApplicationID, &r.OrgCode, &r.OrgName, &r.name, &r.guardian, &r.BankName,
		&r.account, &r.Amount, &r.Status, &r.Note, &at)
	r.ResultAt = optTime(at)
	return r, err
}

func (s *Service) lines(ctx context.Context, q db.Querier, a access.Actor, batchID int64) ([]lineRow, error) {
	cond, args := a.Scope().Where("x.org_path")
	return db.All(ctx, q, scanLine, `SELECT `+lineCols+lineFrom+` WHERE l.batch_id = ? AND `+cond+` ORDER BY l.seq`,
		append([]any{batchID}, args...)...)
}

// BatchLines lists a batch's lines in the actor's scope, payee masked.
func (s *Service) BatchLines(ctx context.Context, a access.Actor, batchID int64) ([]Line, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return nil, err
	}
	if _, err := s.batch(ctx, s.DB.Q(), a, batchID); err != nil {
		return nil, err
	}
	rs, err := s.lines(ctx, s.DB.Q(), a, batchID)
	if err != nil {
		return nil, err
	}
	out := make([]Line, 0, len(rs))
	for _, r := range rs {
		name, err := s.openCol(sealedName, r.ApplicationID, r.name)
		if err != nil {
			return nil, err
		}
		l := r.Line
		l.Name = vault.MaskName(name)
		if l.Account, err = s.maskAccount(sealedLineAccount, r.ID, r.account); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// CreateBatch puts approved applications of a cycle into a new batch (the
// city federation's leader). Every one must be approved, of the cycle,
// with a payee account, neither paid nor waiting in another batch, and for
// a sum of money; otherwise nothing is made and the error (field
// "applications") names each one refused and why.
func (s *Service) CreateBatch(ctx context.Context, a access.Actor, cycleID int64, appIDs []int64) (Batch, error) {
	if err := s.managesAny(ctx, a, "aid.batch.create", 0); err != nil {
		return Batch{}, err
	}
	if p, err := s.cycleProgramme(ctx, s.DB.Q(), cycleID); err == nil {
		if err := s.manage(ctx, a, "aid.batch.create", 0, p); err != nil {
			return Batch{}, err
		}
	}
	if s.Vault == nil {
		return Batch{}, errNoVault
	}
	appIDs = uniqueIDs(appIDs)
	if len(appIDs) == 0 {
		return Batch{}, apperr.Field("applications", "请选择要付款的申请")
	}
	if len(appIDs) > MaxBatch {
		return Batch{}, apperr.Field("applications", fmt.Sprintf("每批最多 %d 笔", MaxBatch))
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		cyc, err := s.cycle(ctx, tx, cycleID)
		if err != nil {
			return err
		}
		if p, err := s.programmeByID(ctx, tx, cyc.ProgrammeID); err != nil || !Manages(a, p) {
			return access.ErrDenied
		}
		// Serializes batch making per cycle, so the next number is free.
		if _, err := tx.Exec(ctx, `UPDATE aid_cycles SET version = version + 1 WHERE id = ?`, cycleID); err != nil {
			return err
		}
		cands, err := s.candidates(ctx, tx, appIDs)
		if err != nil {
			return err
		}
		var bad []string
		for _, appID := range appIDs {
			c, ok := cands[appID]
			if why := c.refusal(ok, cycleID); why != "" {
				bad = append(bad, fmt.Sprintf("申请 %d %s", appID, why))
			}
		}
		if len(bad) > 0 {
			return apperr.Field("applications", strings.Join(bad, "；"))
		}
		var seq int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM aid_batches WHERE cycle_id = ?`, cycleID).Scan(&seq); err != nil {
			return err
		}
		now := db.Millis(s.now())
		id, err = db.InsertID(ctx, tx, `INSERT INTO aid_batches (cycle_id, seq, status, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, cycleID, seq, BatchOpen, a.UserID, now, now)
		if err != nil {
			return err
		}
		var sum int64
		for i, appID := range appIDs {
			c := cands[appID]
			plain, err := s.openCol(sealedAccount, appID, c.account)
			if err != nil {
				return err
			}
			// A line's account is sealed under its own purpose.
			acc, err := s.Vault.Seal(sealedLineAccount.Purpose(), plain)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO aid_payment_lines (batch_id, seq, application_id, amount, bank_name, account, status)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, id, i+1, appID, c.amount, c.bankName, acc, Pending)
			if db.IsUniqueViolation(err) {
				// Batched at the same moment by another request: the index decided.
				return apperr.Field("applications", fmt.Sprintf("申请 %d 已在付款批次中或已付款", appID))
			}
			if err != nil {
				return err
			}
			sum += c.amount
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.batch.create", "aid_batch", ids(id), audit.OK,
			fmt.Sprintf("%s %d seq=%d lines=%d amount=%d", cyc.ProgrammeCode, cyc.Year, seq, len(appIDs), sum)))
	})
	if err != nil {
		return Batch{}, err
	}
	return s.batch(ctx, s.DB.Q(), a, id)
}

func uniqueIDs(in []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range in {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// candidate is what CreateBatch checks of an application.
type candidate struct {
	cycleID           int64
	status            Status
	amount            int64
	purged            bool
	bankName, account string
	live              int // lines pending or paid
}

func (c candidate) refusal(found bool, cycleID int64) string {
	switch {
	case !found:
		return "不存在"
	case c.cycleID != cycleID:
		return "不属于本年度该项目"
	case c.status != Approved:
		return "尚未批准，不能付款"
	case c.purged:
		return "个人信息已删除，不能付款"
	case c.amount <= 0:
		return "没有发放金额"
	case c.live > 0:
		return "已在付款批次中或已付款"
	case c.account == "":
		return "尚未登记收款账户（不发放现金）"
	}
	return ""
}

// candidates reads the applications CreateBatch was given, in chunks.
func (s *Service) candidates(ctx context.Context, q db.Querier, appIDs []int64) (map[int64]candidate, error) {
	out := map[int64]candidate{}
	for start := 0; start < len(appIDs); start += 500 {
		chunk := appIDs[start:min(start+500, len(appIDs))]
		marks, args := db.Marks(len(chunk)), db.Args(chunk)
		rows, err := q.Query(ctx, `SELECT x.id, x.cycle_id, x.status, x.amount, COALESCE(x.purged_at, 0), COALESCE(c.bank_name, ''),
			COALESCE(c.account, ''), (SELECT COUNT(*) FROM aid_payment_lines l WHERE l.application_id = x.id AND l.status <> 'failed')
			FROM aid_applications x LEFT JOIN aid_accounts c ON c.application_id = x.id WHERE x.id IN (`+marks+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, purged int64
			var c candidate
			if err := rows.Scan(&id, &c.cycleID, &c.status, &c.amount, &purged, &c.bankName, &c.account, &c.live); err != nil {
				rows.Close()
				return nil, err
			}
			c.purged = purged != 0
			out[id] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var errLineState = apperr.New(http.StatusConflict, "state", "该笔付款已有银行回复结果，请刷新后查看")

// RecordResult records the bank's answer to one line of a batch (the city
// federation's leader): paid, or failed with the bank's reason in note.
// The batch closes with its last answer. A failed line's application can
// go into a new batch, after its account is corrected if need be.
func (s *Service) RecordResult(ctx context.Context, a access.Actor, batchID, lineID int64, result LineStatus, note string) (Batch, error) {
	if err := s.managesAny(ctx, a, "aid.pay.result", 0); err != nil {
		return Batch{}, err
	}
	if p, err := s.batchProgramme(ctx, s.DB.Q(), batchID); err == nil {
		if err := s.manage(ctx, a, "aid.pay.result", 0, p); err != nil {
			return Batch{}, err
		}
	}
	note = strings.TrimSpace(note)
	switch result {
	case Paid:
	case Failed:
		if note == "" {
			return Batch{}, apperr.Field("note", "请填写付款失败的原因")
		}
	default:
		return Batch{}, apperr.Field("result", "请选择付款结果")
	}
	if vocab.TooLong(note, 200) {
		return Batch{}, apperr.Field("note", "说明不能超过 200 字")
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		b, err := s.batch(ctx, tx, a, batchID)
		if err != nil {
			return err
		}
		now := db.Millis(s.now())
		var amount int64
		var appID int64
		if err := tx.QueryRow(ctx, `SELECT amount, application_id FROM aid_payment_lines WHERE id = ? AND batch_id = ?`, lineID, batchID).
			Scan(&amount, &appID); err != nil {
			return db.NoRows(err)
		}
		res, err := tx.Exec(ctx, `UPDATE aid_payment_lines SET status = ?, note = ?, result_by = ?, result_at = ?
			WHERE id = ? AND batch_id = ? AND status = 'pending'`, result, note, a.UserID, now, lineID, batchID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errLineState
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM aid_payment_lines WHERE batch_id = ? AND status = 'pending'`, batchID).
			Scan(&pending); err != nil {
			return err
		}
		closed := ""
		if pending == 0 {
			closed = " closed"
			if _, err := tx.Exec(ctx, `UPDATE aid_batches SET status = ?, closed_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
				BatchClosed, now, now, batchID); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `UPDATE aid_batches SET updated_at = ?, version = version + 1 WHERE id = ?`, now, batchID); err != nil {
			return err
		}
		// The bank's note stays in the line: it may name the payee.
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.pay."+string(result), "aid_batch", ids(batchID), audit.OK,
			fmt.Sprintf("%s %d seq=%d line=%d application=%d amount=%d%s", b.ProgrammeCode, b.Year, b.Seq, lineID, appID, amount, closed)))
	})
	if err != nil {
		return Batch{}, err
	}
	return s.batch(ctx, s.DB.Q(), a, batchID)
}
