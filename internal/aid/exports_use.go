package aid

import (
	"context"
	"net/http"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// Refusals of a download.
var (
	errNotRequester  = apperr.New(http.StatusForbidden, "not_requester", "只有申请人本人可以下载该导出")
	errMovedUnit     = apperr.New(http.StatusForbidden, "moved_unit", "您已不在提出申请时的单位，请重新申请")
	errNotApproved   = apperr.New(http.StatusConflict, "not_approved", "该导出申请尚未审批，不能下载")
	errRejected      = apperr.New(http.StatusConflict, "rejected", "该导出申请未获批准，不能下载")
	errUsed          = apperr.New(http.StatusGone, "used", "该导出已下载过，每次批准只能下载一次；如需再次导出请重新申请")
	errExportExpired = apperr.New(http.StatusGone, "expired", "批准已超过 24 小时，已失效，请重新申请")
)

// ExportRow is one application in an approved export, personal data in
// the clear.
type ExportRow struct {
	Application          // masked fields left empty; see Personal
	Personal    Personal // opened
}

// ExportFile is what an approved request exports: the applications, or
// the batch and its bank lines.
type ExportFile struct {
	Export       Export
	Applications []ExportRow
	Batch        Batch
	Bank         []BankRow
}

// Rows is the number of rows in the file.
func (f ExportFile) Rows() int { return len(f.Applications) + len(f.Bank) }

// UseExport is the one download of an approved request: only by the
// requester, still at the unit she asked from, within ExportValidFor of
// the approval. The rows are built under her scope from the saved
// parameters; the request is marked used with the row count and the
// download audited in the same transaction, so a second try — or a
// concurrent one — is refused.
func (s *Service) UseExport(ctx context.Context, a access.Actor, id int64) (ExportFile, error) {
	if err := s.need(ctx, a, access.ViewAid, id); err != nil {
		return ExportFile{}, err
	}
	if s.Vault == nil {
		return ExportFile{}, errNoVault
	}
	e, err := s.visibleExport(ctx, s.DB.Q(), a, id)
	if err != nil {
		return ExportFile{}, err
	}
	if err := s.usable(ctx, a, e); err != nil {
		_ = audit.Log(ctx, s.DB, audit.FromActor(a, "aid.export.download", "aid_export", ids(id), audit.Denied,
			"kind="+e.Kind+" "+apperr.From(err).Code))
		return ExportFile{}, audit.Recorded(err)
	}
	out := ExportFile{Export: e}
	now := s.now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		switch e.Kind {
		case ExportApplications:
			out.Applications, err = s.exportApplications(ctx, tx, a, e.Params.Filter())
		case ExportBank:
			out.Batch, out.Bank, err = s.bankRows(ctx, tx, a, e.Params.Batch)
		default:
			err = apperr.Field("kind", "导出内容不对")
		}
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE aid_exports SET status = ?, used_at = ?, row_count = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND status = ? AND version = ? AND expires_at > ?`,
			ExportUsed, db.Millis(now), out.Rows(), db.Millis(now), id, ExportApproved, e.Version, db.Millis(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errUsed
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.export.download", "aid_export", ids(id), audit.OK,
			"kind="+e.Kind+" rows="+strconv.Itoa(out.Rows())))
	})
	if err != nil {
		return ExportFile{}, err
	}
	out.Export, err = s.exportByID(ctx, s.DB.Q(), id)
	return out, err
}

// usable refuses a download that is not the requester's approved one.
// An approval found past its time is marked expired (audited) on the way.
func (s *Service) usable(ctx context.Context, a access.Actor, e Export) error {
	switch {
	case !e.Mine(a):
		return errNotRequester
	case e.OrgID != a.OrgID:
		return errMovedUnit
	}
	switch e.Status {
	case ExportApproved:
		return nil
	case ExportPending:
		return errNotApproved
	case ExportRejected:
		return errRejected
	case ExportUsed:
		return errUsed
	}
	now := s.now()
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE aid_exports SET status = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND status = ? AND expires_at <= ?`, ExportExpired, db.Millis(now), e.ID, ExportApproved, db.Millis(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already marked
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.export.expire", "aid_export", ids(e.ID), audit.OK, "kind="+e.Kind))
	})
	if err != nil {
		return err
	}
	return errExportExpired
}

// exportApplications opens every application of the list under the filter
// in the actor's scope: the list's own conditions (filter) and columns,
// in the order they were entered.
func (s *Service) exportApplications(ctx context.Context, q db.Querier, a access.Actor, f Filter) ([]ExportRow, error) {
	w, err := s.filter(ctx, a, f)
	if err != nil {
		return nil, err
	}
	return db.All(ctx, q, func(row db.Scanner) (ExportRow, error) {
		x, v, err := scanApp(row)
		if err != nil {
			return ExportRow{}, err
		}
		p, err := s.open(x.ID, v)
		return ExportRow{Application: x, Personal: p}, err
	}, `SELECT `+appCols+appFrom+w.SQL()+` ORDER BY x.id`, w.Args...)
}
