package aid

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/notify"
	"halfsky/internal/vocab"
)

// Exports of personal data in the clear (issue 5: "exports containing
// personal data need a leader's approval and are audited"). The masked
// list export needs nothing; an unmasked one goes through a request:
//
//   - RequestExport (ViewAid): what — the application list under a filter,
//     or a payment batch's bank file (the root unit only) — and why.
//   - DecideExport (RevealAid): a leader of the requester's unit or of an
//     ancestor unit approves or rejects it; never the requester herself.
//   - UseExport: the requester alone, within ExportValidFor of the
//     approval, once. The rows are built then, under her scope, from the
//     saved filter; the request itself keeps no personal data.
//
// Every step is audited with the kind and row count, never a value.

// Export kinds.
const (
	ExportApplications = "applications" // the application list with its filter, unmasked
	ExportBank         = "bank"         // a payment batch's file for the bank
)

// ExportKinds in display order.
var ExportKinds = []Option{{Key: ExportApplications, Label: "救助申请名单（含完整个人信息）"}, {Key: ExportBank, Label: "银行代发文件"}}

// ExportStatus is where an export request stands, as stored ("expired"
// is also what an approved request past its time reads as before anyone
// tries it).
type ExportStatus string

// Export request statuses as stored.
const (
	ExportPending  ExportStatus = "pending"
	ExportApproved ExportStatus = "approved"
	ExportRejected ExportStatus = "rejected"
	ExportUsed     ExportStatus = "used"
	ExportExpired  ExportStatus = "expired"
)

// ExportStatuses in display order.
var ExportStatuses = []Option{{Key: string(ExportPending), Label: "待审批"}, {Key: string(ExportApproved), Label: "已批准待下载"}, {Key: string(ExportRejected), Label: "未批准"},
	{Key: string(ExportUsed), Label: "已下载"}, {Key: string(ExportExpired), Label: "已过期"}}

// Label is the status's Chinese name.
func (s ExportStatus) Label() string { return vocab.Label(ExportStatuses, string(s)) }

// Colour is the status's badge colour.
func (s ExportStatus) Colour() string {
	switch s {
	case ExportApproved:
		return "green"
	case ExportRejected:
		return "red"
	case ExportPending:
		return "yellow"
	}
	return "grey"
}

// ExportValidFor is how long an approval stays good for its one download.
const ExportValidFor = 24 * time.Hour

// ErrExportReason is the message for a request without a proper reason.
const ErrExportReason = "请填写导出原因（4 至 200 个字；请勿在理由中填写姓名、身份证号等个人信息）"

// ExportParams is what a request exports: the list filter, or the batch.
type ExportParams struct {
	Programme string `json:"programme,omitempty"`
	Status    Status `json:"status,omitempty"`
	Level     string `json:"level,omitempty"`
	Year      int    `json:"year,omitempty"`
	Under     string `json:"under,omitempty"`
	Todo      bool   `json:"todo,omitempty"`
	Batch     int64  `json:"batch,omitempty"`
}

// ParamsOf is the export parameters of a list filter.
func ParamsOf(f Filter) ExportParams {
	return ExportParams{Programme: strings.TrimSpace(f.Programme), Status: f.Status, Level: f.Level, Year: f.Year,
		Under: strings.TrimSpace(f.Under), Todo: f.Todo}
}

// Filter is the list filter the parameters stand for, every row.
func (p ExportParams) Filter() Filter {
	return Filter{Programme: p.Programme, Status: p.Status, Level: p.Level, Year: p.Year, Under: p.Under, Todo: p.Todo,
		Page: Page{All: true}}
}

// Export is a request to export personal data.
type Export struct {
	ID           int64
	Kind         string
	Params       ExportParams
	Summary      string // what it holds, in words; no personal data
	Reason       string
	OrgID        int64 // the requester's unit
	OrgName      string
	OrgPath      string
	RequestedBy  int64
	Requester    string
	Status       ExportStatus // as it reads now: an approval past its time is ExportExpired
	DecidedBy    int64
	Decider      string
	DecidedAt    time.Time
	DecisionNote string
	UsedAt       time.Time
	Rows         int
	CreatedAt    time.Time
	ExpiresAt    time.Time
	UpdatedAt    time.Time
	Version      int
}

// KindLabel is the kind's Chinese name.
func (e Export) KindLabel() string { return vocab.Label(ExportKinds, e.Kind) }

// Mine reports whether the actor asked for it.
func (e Export) Mine(a access.Actor) bool { return e.RequestedBy == a.UserID }

// Decidable reports whether the actor may approve or reject it now: a
// leader over the requester's unit, not the requester, while it waits.
func (e Export) Decidable(a access.Actor) bool {
	return e.Status == ExportPending && !e.Mine(a) && a.Can(access.RevealAid) && a.Scope().Contains(e.OrgPath)
}

// Downloadable reports whether the actor may download it now.
func (e Export) Downloadable(a access.Actor) bool {
	return e.Status == ExportApproved && e.Mine(a) && e.OrgID == a.OrgID
}

const exportCols = `e.id, e.kind, e.params, e.summary, e.reason, e.org_id, o.name, e.org_path, e.requested_by, ru.display_name,
	e.status, COALESCE(e.decided_by, 0), COALESCE(du.display_name, ''), COALESCE(e.decided_at, 0), e.decision_note,
	COALESCE(e.used_at, 0), COALESCE(e.row_count, 0), e.created_at, COALESCE(e.expires_at, 0), e.updated_at, e.version`

const exportFrom = ` FROM aid_exports e JOIN orgs o ON o.id = e.org_id JOIN users ru ON ru.id = e.requested_by
	LEFT JOIN users du ON du.id = e.decided_by`

// scanExport reads a row; now turns an approval past its time into
// ExportExpired.
func scanExport(row scanner, now time.Time) (Export, error) {
	var e Export
	var params string
	var decided, used, created, expires, updated int64
	err := row.Scan(&e.ID, &e.Kind, &params, &e.Summary, &e.Reason, &e.OrgID, &e.OrgName, &e.OrgPath, &e.RequestedBy, &e.Requester,
		&e.Status, &e.DecidedBy, &e.Decider, &decided, &e.DecisionNote, &used, &e.Rows, &created, &expires, &updated, &e.Version)
	if err != nil {
		return e, err
	}
	_ = json.Unmarshal([]byte(params), &e.Params)
	e.DecidedAt, e.UsedAt, e.ExpiresAt = optTime(decided), optTime(used), optTime(expires)
	e.CreatedAt, e.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	if e.Status == ExportApproved && !now.Before(e.ExpiresAt) {
		e.Status = ExportExpired
	}
	return e, nil
}

// PreviewExport checks what a request would export and describes it: the
// summary a decider reads and the number of rows there are now. Bad
// parameters are field errors; a batch or unit outside the actor's scope
// is not found.
func (s *Service) PreviewExport(ctx context.Context, a access.Actor, kind string, p ExportParams) (string, int, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return "", 0, err
	}
	switch kind {
	case ExportApplications:
		return s.previewList(ctx, a, p)
	case ExportBank:
		return s.previewBank(ctx, a, p)
	}
	return "", 0, apperr.Field("kind", "请选择导出内容")
}

func (s *Service) previewList(ctx context.Context, a access.Actor, p ExportParams) (string, int, error) {
	f := p.Filter()
	var parts []string
	if f.Year != 0 {
		parts = append(parts, strconv.Itoa(f.Year)+"年")
	}
	if f.Programme != "" {
		prog, err := s.programme(ctx, s.DB.Q(), f.Programme)
		if err == db.ErrNotFound {
			return "", 0, apperr.Field("programme", "没有这个救助项目")
		} else if err != nil {
			return "", 0, err
		}
		parts = append(parts, prog.Name)
	} else {
		parts = append(parts, "全部项目")
	}
	w, err := s.filter(ctx, a, f)
	if err != nil {
		return "", 0, err
	}
	if f.Status != "" {
		parts = append(parts, f.Status.Label())
	}
	if f.Level != "" {
		parts = append(parts, "在"+vocab.Label(Levels, f.Level)+"环节")
	}
	if f.Todo {
		parts = append(parts, "待本单位处理")
	}
	node, err := s.Orgs.Node(ctx, a, f.Under)
	if err != nil {
		return "", 0, err
	}
	parts = append(parts, node.Name+"及下级")
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM aid_applications x JOIN aid_programmes p ON p.id = x.programme_id`+w.SQL(),
		w.Args...).Scan(&n); err != nil {
		return "", 0, err
	}
	return strings.Join(parts, " · ") + " · 共 " + strconv.Itoa(n) + " 条", n, nil
}

func (s *Service) previewBank(ctx context.Context, a access.Actor, p ExportParams) (string, int, error) {
	// The bank file is the business of the unit that runs the programme:
	// it pays.
	var owned int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM aid_programmes WHERE owner_id = ?`, a.OrgID).Scan(&owned); err != nil {
		return "", 0, err
	}
	if owned == 0 {
		return "", 0, s.deny(ctx, a, "aid.export.request", 0)
	}
	if p.Batch <= 0 {
		return "", 0, apperr.Field("batch", "请选择付款批次")
	}
	bp, err := s.batchProgramme(ctx, s.DB.Q(), p.Batch)
	if err != nil && err != db.ErrNotFound {
		return "", 0, err
	}
	if err == nil && bp.OwnerID != a.OrgID {
		return "", 0, s.deny(ctx, a, "aid.export.request", 0)
	}
	b, err := s.batch(ctx, s.DB.Q(), a, p.Batch)
	if err != nil {
		return "", 0, err
	}
	return b.Title() + " · 共 " + strconv.Itoa(b.Lines) + " 笔 · " + YuanGrouped(b.Amount) + " 元", b.Lines, nil
}

// exportsBankOf reports whether the actor's unit runs the programme the
// batch pays: who may ask for its bank file (any cadre of that unit, as
// before any cadre of the city federation; a leader approves).
func (s *Service) exportsBankOf(ctx context.Context, a access.Actor, batchID int64) bool {
	p, err := s.batchProgramme(ctx, s.DB.Q(), batchID)
	return err == nil && p.OwnerID != 0 && p.OwnerID == a.OrgID
}

// ExportsBank reports whether the actor may ask for the batch's bank file.
func (s *Service) ExportsBank(ctx context.Context, a access.Actor, batchID int64) bool {
	return a.Can(access.ViewAid) && s.exportsBankOf(ctx, a, batchID)
}

// RequestExport asks for an export of personal data, with the reason.
// Nothing is exported until a leader approves it.
func (s *Service) RequestExport(ctx context.Context, a access.Actor, kind string, p ExportParams, reason string) (Export, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return Export{}, err
	}
	reason = strings.TrimSpace(reason)
	bad := map[string]string{}
	switch {
	case len([]rune(reason)) < 4:
		bad["reason"] = ErrExportReason
	case vocab.TooLong(reason, MaxReason):
		bad["reason"] = "导出原因不能超过 200 字（请勿在理由中填写个人信息）"
	}
	if kind == ExportApplications {
		p.Batch = 0
	} else if kind == ExportBank {
		p = ExportParams{Batch: p.Batch}
	}
	summary, n, err := s.PreviewExport(ctx, a, kind, p)
	var e *apperr.Error
	if errors.As(err, &e) && e.Code == "invalid" {
		for k, v := range e.Fields {
			bad[k] = v
		}
	} else if err != nil {
		return Export{}, err
	} else if n == 0 {
		bad["params"] = "没有符合条件的记录，无需导出"
	}
	if len(bad) > 0 {
		return Export{}, apperr.Invalid(bad)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return Export{}, err
	}
	own, err := s.Orgs.ByID(ctx, s.DB.Q(), a.OrgID)
	if err != nil {
		return Export{}, err
	}
	now := s.now()
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err = db.InsertID(ctx, tx, `INSERT INTO aid_exports (kind, params, summary, reason, org_id, org_path, requested_by, status,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			kind, string(raw), summary, reason, a.OrgID, a.OrgPath, a.UserID, ExportPending, db.Millis(now), db.Millis(now))
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.FromActor(a, "aid.export.request", "aid_export", ids(id), audit.OK,
			"kind="+kind+" rows="+strconv.Itoa(n))); err != nil {
			return err
		}
		// The leaders who can decide sit at the requester's unit or above:
		// tell her own unit and the one above it.
		to := []int64{own.ID}
		if own.ParentID != 0 {
			to = append(to, own.ParentID)
		}
		return notify.ToOrgs(ctx, tx, to, notify.Message{Kind: "aid.export.request", Title: "有导出个人信息的申请待审批",
			Body: a.OrgName + "申请导出" + vocab.Label(ExportKinds, kind) + "：" + summary, Link: "/aid/exports"}, now)
	})
	if err != nil {
		return Export{}, err
	}
	return s.exportByID(ctx, s.DB.Q(), id)
}

func (s *Service) exportByID(ctx context.Context, q db.Querier, id int64) (Export, error) {
	e, err := scanExport(q.QueryRow(ctx, `SELECT `+exportCols+exportFrom+` WHERE e.id = ?`, id), s.now())
	return e, db.NoRows(err)
}

// visibleExport loads a request the actor may see: her own, or one whose
// requester's unit is in the scope of a leader (RevealAid). Anyone else
// gets db.ErrNotFound.
func (s *Service) visibleExport(ctx context.Context, q db.Querier, a access.Actor, id int64) (Export, error) {
	e, err := s.exportByID(ctx, q, id)
	if err != nil {
		return Export{}, err
	}
	if !e.Mine(a) && !(a.Can(access.RevealAid) && a.Scope().Contains(e.OrgPath)) {
		return Export{}, db.ErrNotFound
	}
	return e, nil
}

// ExportRequest returns one request the actor may see.
func (s *Service) ExportRequest(ctx context.Context, a access.Actor, id int64) (Export, error) {
	if err := s.need(ctx, a, access.ViewAid, id); err != nil {
		return Export{}, err
	}
	return s.visibleExport(ctx, s.DB.Q(), a, id)
}

// Export list boxes.
const (
	BoxMine    = "mine"    // the actor's own requests
	BoxWaiting = "waiting" // pending requests the actor (a leader) can decide
)

// ExportFilter narrows the request list. Box "" is both the actor's own
// and, for a leader, every request from her scope.
type ExportFilter struct {
	Box    string
	Status ExportStatus
	Page   Page
}

// Exports lists the requests the actor may see, newest first, with the
// total matching.
func (s *Service) Exports(ctx context.Context, a access.Actor, f ExportFilter) ([]Export, int, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return nil, 0, err
	}
	now := s.now()
	var w db.Where
	cond, args := a.Scope().Where("e.org_path")
	leader := a.Can(access.RevealAid)
	switch f.Box {
	case BoxMine:
		w.Add("e.requested_by = ?", a.UserID)
	case BoxWaiting:
		if !leader {
			return nil, 0, nil
		}
		w.Add(cond+" AND e.requested_by <> ? AND e.status = ?", append(args, a.UserID, ExportPending)...)
	case "":
		if leader {
			w.Add("(e.requested_by = ? OR ("+cond+"))", append([]any{a.UserID}, args...)...)
		} else {
			w.Add("e.requested_by = ?", a.UserID)
		}
	default:
		return nil, 0, apperr.Field("box", "列表不对")
	}
	switch f.Status {
	case "":
	case ExportApproved:
		w.Add("e.status = ? AND e.expires_at > ?", ExportApproved, db.Millis(now))
	case ExportExpired:
		w.Add("(e.status = ? OR (e.status = ? AND e.expires_at <= ?))", ExportExpired, ExportApproved, db.Millis(now))
	default:
		if !vocab.Known(ExportStatuses, string(f.Status)) {
			return nil, 0, apperr.Field("status", "状态不对")
		}
		w.Add("e.status = ?", f.Status)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM aid_exports e`+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	lim, largs := f.Page.SQL()
	scan := func(row db.Scanner) (Export, error) { return scanExport(row, now) }
	out, err := db.All(ctx, s.DB.Q(), scan, `SELECT `+exportCols+exportFrom+w.SQL()+` ORDER BY e.created_at DESC, e.id DESC`+lim,
		append(w.Args, largs...)...)
	return out, total, err
}
