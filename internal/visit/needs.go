package visit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// Categories of women's needs, in display order.
var Categories = []Option{
	{Key: "employment", Label: "就业创业"}, {Key: "family", Label: "婚姻家庭"}, {Key: "rights", Label: "维权"}, {Key: "hardship", Label: "困难帮扶"},
	{Key: "children", Label: "儿童关爱"}, {Key: "health", Label: "健康"}, {Key: "other", Label: "其他"},
}

// Urgencies of a need.
var Urgencies = []Option{{Key: "normal", Label: "一般"}, {Key: "urgent", Label: "较急"}, {Key: "critical", Label: "紧急"}}

// NeedStatus is where a need stands, as stored.
type NeedStatus string

// Need statuses as stored.
const (
	NeedOpen     NeedStatus = "open"     // 待处理
	NeedHanding  NeedStatus = "handing"  // 移交中
	NeedTasked   NeedStatus = "tasked"   // 已转实事
	NeedResolved NeedStatus = "resolved" // 已解决
	NeedClosed   NeedStatus = "closed"   // 已关闭 (the task could not be done)
)

// NeedStatuses in display order.
var NeedStatuses = []Option{{Key: string(NeedOpen), Label: "待处理"}, {Key: string(NeedHanding), Label: "移交中"}, {Key: string(NeedTasked), Label: "已转实事"},
	{Key: string(NeedResolved), Label: "已解决"}, {Key: string(NeedClosed), Label: "已关闭"}}

// Label is the status's Chinese name.
func (s NeedStatus) Label() string { return vocab.Label(NeedStatuses, string(s)) }

// Open says whether the need still waits for its end: open, being handed
// over or turned into a task.
func (s NeedStatus) Open() bool { return s == NeedOpen || s == NeedHanding || s == NeedTasked }

// Colour is the status's badge colour.
func (s NeedStatus) Colour() string {
	switch s {
	case NeedOpen:
		return "blue"
	case NeedHanding:
		return "yellow"
	case NeedResolved:
		return "green"
	}
	return "grey"
}

// Need is one woman's need (妇情).
type Need struct {
	ID          int64
	VisitID     int64
	OriginOrgID int64
	OriginName  string
	OriginPath  string
	OrgID       int64 // the unit now responsible
	OrgCode     string
	OrgName     string
	OrgPath     string
	Category    string
	Urgency     string
	Summary     string
	Consent     bool
	PersonName  string // masked unless Revealed
	Contact     string // empty unless Revealed
	Revealed    bool   // the personal details are shown in full
	Status      NeedStatus
	RecordedBy  int64
	Recorder    string
	RecordedOn  string
	// OwnerPath is the path of the unit the need belongs to: the
	// recorder's unit, or the unit that last accepted it in a hand-over.
	// Only that unit and the units above it act on the need.
	OwnerPath string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int
}

// CategoryLabel is the category's Chinese name.
func (n Need) CategoryLabel() string { return vocab.Label(Categories, n.Category) }

// UrgencyLabel is the urgency's Chinese name.
func (n Need) UrgencyLabel() string { return vocab.Label(Urgencies, n.Urgency) }

// UrgencyColour is the urgency's badge colour.
func (n Need) UrgencyColour() string {
	switch n.Urgency {
	case "critical":
		return "red"
	case "urgent":
		return "yellow"
	}
	return "grey"
}

// Mask keeps a name's first character: 王秀兰 → 王**.
func Mask(name string) string { return vault.MaskName(name) }

// NeedInput is what the cadre records.
type NeedInput struct {
	VisitID    int64  `json:"visit_id"` // 0: recorded without a visit
	OrgCode    string `json:"org_code"` // without a visit: the unit it belongs to ("" is her own)
	Category   string `json:"category"`
	Urgency    string `json:"urgency"`
	Summary    string `json:"summary"`
	Consent    bool   `json:"consent"`
	PersonName string `json:"person_name"`
	Contact    string `json:"contact"`
	RecordedOn string `json:"recorded_on"` // "" is today
}

// ErrNoConsent is the message for personal details recorded without consent.
const ErrNoConsent = "未经本人同意，不能记录姓名和联系方式"

func (in *NeedInput) validate(today string) map[string]string {
	in.Category, in.Urgency, in.Summary = strings.TrimSpace(in.Category), strings.TrimSpace(in.Urgency), strings.TrimSpace(in.Summary)
	in.PersonName, in.Contact, in.RecordedOn = strings.TrimSpace(in.PersonName), strings.TrimSpace(in.Contact), strings.TrimSpace(in.RecordedOn)
	if in.RecordedOn == "" {
		in.RecordedOn = today
	}
	if in.Urgency == "" {
		in.Urgency = "normal"
	}
	e := map[string]string{}
	if !vocab.Known(Categories, in.Category) {
		e["category"] = "请选择妇情类别"
	}
	if !vocab.Known(Urgencies, in.Urgency) {
		e["urgency"] = "请选择紧急程度"
	}
	if in.Summary == "" {
		e["summary"] = "请填写诉求内容"
	} else if vocab.TooLong(in.Summary, 2000) {
		e["summary"] = "诉求内容不能超过 2000 字"
	}
	if !in.Consent {
		if in.PersonName != "" {
			e["person_name"] = ErrNoConsent
		}
		if in.Contact != "" {
			e["contact"] = ErrNoConsent
		}
	}
	if vocab.TooLong(in.PersonName, 30) {
		e["person_name"] = "姓名不能超过 30 字"
	}
	if vocab.TooLong(in.Contact, 50) {
		e["contact"] = "联系方式不能超过 50 字"
	}
	if !validDate(in.RecordedOn) {
		e["recorded_on"] = "日期格式应为 2015-08-11"
	} else if in.RecordedOn > today {
		e["recorded_on"] = "记录日期不能晚于今天"
	}
	return e
}

var needCols = `n.id, COALESCE(n.visit_id, 0), n.origin_org_id, oo.name, n.origin_path, n.org_id, o.code, o.name, n.org_path,
	n.category, n.urgency, n.summary, n.consent, n.person_name, n.contact, n.status, n.recorded_by, u.display_name,
	n.recorded_on, ` + recorderPathSQL("COALESCE(n.owner_org_id, n.recorder_org_id)", "n.recorded_by") + `, n.created_at, n.updated_at, n.version`

// needListCols are needCols for lists, which never show the contact: it
// is neither read nor opened.
var needListCols = strings.Replace(needCols, "n.contact", "''", 1)

const needFrom = ` FROM needs n JOIN orgs o ON o.id = n.org_id JOIN orgs oo ON oo.id = n.origin_org_id JOIN users u ON u.id = n.recorded_by`

// The sealed columns of a need: the woman's name and contact.
var (
	sealedName    = vault.Register("needs", "id", "person_name")
	sealedContact = vault.Register("needs", "id", "contact")
)

// errNoVault stops a name or contact from being stored unsealed.
var errNoVault = errors.New("visit: no field-encryption keys configured")

// seal seals the personal details of a new need.
func (s *Service) seal(in *NeedInput) (name, contact string, err error) {
	if in.PersonName == "" && in.Contact == "" {
		return "", "", nil
	}
	if s.Vault == nil {
		return "", "", errNoVault
	}
	if name, err = s.Vault.Seal(sealedName.Purpose(), in.PersonName); err != nil {
		return "", "", err
	}
	contact, err = s.Vault.Seal(sealedContact.Purpose(), in.Contact)
	return name, contact, err
}

// open opens a scanned need's summary and personal details in place.
func (s *Service) open(n *Need) error {
	sl := s.sealer()
	if sl.Open(sealedSummary, n.ID, &n.Summary); sl.Err != nil {
		return sl.Err
	}
	if n.PersonName == "" && n.Contact == "" {
		return nil
	}
	if s.Vault == nil {
		return errNoVault
	}
	var err error
	if n.PersonName, err = s.Vault.Open(sealedName.Purpose(), n.PersonName); err != nil {
		return fmt.Errorf("need %d: %w", n.ID, err)
	}
	if n.Contact, err = s.Vault.Open(sealedContact.Purpose(), n.Contact); err != nil {
		return fmt.Errorf("need %d: %w", n.ID, err)
	}
	return nil
}

func (s *Service) scanNeed(row db.Scanner) (Need, error) {
	n, err := scanNeed(row)
	if err != nil {
		return n, err
	}
	return n, s.open(&n)
}

func scanNeed(row db.Scanner) (Need, error) {
	var n Need
	var consent int
	var c, u int64
	err := row.Scan(&n.ID, &n.VisitID, &n.OriginOrgID, &n.OriginName, &n.OriginPath, &n.OrgID, &n.OrgCode, &n.OrgName, &n.OrgPath,
		&n.Category, &n.Urgency, &n.Summary, &consent, &n.PersonName, &n.Contact, &n.Status, &n.RecordedBy, &n.Recorder,
		&n.RecordedOn, &n.OwnerPath, &c, &u, &n.Version)
	n.Consent, n.CreatedAt, n.UpdatedAt = consent == 1, db.FromMillis(c), db.FromMillis(u)
	return n, err
}

// conceal masks the personal details for list views and other units.
func (n *Need) conceal() {
	n.PersonName, n.Contact, n.Revealed = Mask(n.PersonName), "", false
}

// needScope is the condition for needs the actor sees: recorded or held
// in her scope, or on their way to a unit in it. It suits a lookup by id;
// lists use needIDs.
func needScope(a access.Actor) (string, []any) {
	lo, hi := a.Scope().Range()
	return `((n.org_path >= ? AND n.org_path < ?) OR (n.origin_path >= ? AND n.origin_path < ?) OR EXISTS (SELECT 1 FROM need_handovers hv
		WHERE hv.need_id = n.id AND hv.status = 'pending' AND hv.to_path >= ? AND hv.to_path < ?))`, []any{lo, hi, lo, hi, lo, hi}
}

// needIDs is needScope for lists, where it selects many rows: the same
// needs as a set of ids, each branch an index range scan (an OR of the
// three would make the databases read every need). UNION ALL, as IN
// needs no duplicates removed: with UNION, SQLite merged the branches in
// id order by scanning every need for each (a district's list took 245
// ms of a year of Harbin's needs; 55 ms now).
func needIDs(a access.Actor) (string, []any) {
	lo, hi := a.Scope().Range()
	return `n.id IN (SELECT id FROM needs WHERE org_path >= ? AND org_path < ?
		UNION ALL SELECT id FROM needs WHERE origin_path >= ? AND origin_path < ?
		UNION ALL SELECT need_id FROM need_handovers WHERE status = 'pending' AND to_path >= ? AND to_path < ?)`, []any{lo, hi, lo, hi, lo, hi}
}

// whole reports whether the subtree at path holds every unit, so a scope
// condition on it would keep every row: the list can then walk an index in
// its own order instead of collecting the scope and sorting it. Decided by
// the units themselves (none outside the range), not by the unit's kind,
// so a second tree beside the first is never shown.
func (s *Service) whole(ctx context.Context, path string) (bool, error) {
	lo, hi := access.Scope{Path: path}.Range()
	var first, last string
	err := s.DB.QueryRow(ctx, `SELECT COALESCE((SELECT MIN(path) FROM orgs), ''), COALESCE((SELECT MAX(path) FROM orgs), '')`).Scan(&first, &last)
	if err != nil {
		return false, err
	}
	return first != "" && first >= lo && last < hi, nil
}

// CreateNeed records a need, from a visit (it belongs to the visited
// unit) or alone. A deactivated or merged unit takes none
// (org.ErrInactive), whether named or the visit's.
func (s *Service) CreateNeed(ctx context.Context, a access.Actor, in NeedInput) (Need, error) {
	if !a.Can(access.RecordWork) {
		return Need{}, s.deny(ctx, a, "need.create", 0)
	}
	var o org.Org
	var err error
	if in.VisitID > 0 {
		v, err := s.Visit(ctx, a, in.VisitID)
		if err != nil {
			return Need{}, err
		}
		o, err = s.Orgs.ByID(ctx, s.DB.Q(), v.OrgID)
		if err != nil {
			return Need{}, err
		}
		if !o.Active { // the visit is history with its unit: the need would be a new record there
			return Need{}, org.ErrInactive
		}
	} else if o, err = s.unit(ctx, a, in.OrgCode); unitRefused(err) {
		return Need{}, apperr.Field("org_code", unitMessage(err, "只能记录本单位及下级单位的妇情"))
	} else if err != nil {
		return Need{}, err
	}
	if e := in.validate(s.Today()); len(e) > 0 {
		return Need{}, apperr.Invalid(e)
	}
	var visit any
	if in.VisitID > 0 {
		visit = in.VisitID
	}
	name, contact, err := s.seal(&in)
	if err != nil {
		return Need{}, err
	}
	summary, err := s.Vault.Seal(sealedSummary.Purpose(), in.Summary)
	if err != nil {
		return Need{}, err
	}
	now := db.Millis(s.Now())
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err = db.InsertID(ctx, tx, `INSERT INTO needs (visit_id, origin_org_id, origin_path, org_id, org_path, category, urgency, summary,
			consent, person_name, contact, status, recorded_by, recorder_org_id, owner_org_id, recorded_on, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			visit, o.ID, o.Path, o.ID, o.Path, in.Category, in.Urgency, summary, db.Bit(in.Consent), name, contact,
			NeedOpen, a.UserID, a.OrgID, a.OrgID, in.RecordedOn, now, now)
		if err != nil {
			return err
		}
		if err := addedByID(ctx, tx, needFamilies, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "need.create", "need", ids(id), audit.OK, "org="+o.Code+" category="+in.Category))
	})
	if err != nil {
		return Need{}, err
	}
	return s.read(ctx, a, id, false)
}

func (s *Service) need(ctx context.Context, q db.Querier, a access.Actor, id int64) (Need, error) {
	cond, args := needScope(a)
	n, err := s.scanNeed(q.QueryRow(ctx, `SELECT `+needCols+needFrom+` WHERE n.id = ? AND `+cond, append([]any{id}, args...)...))
	return n, db.NoRows(err)
}

// MayActOn reports whether the actor may act on the need — hand it over,
// make a task of it — with act: its owner unit or a unit above, never the
// unit below that the need is about.
func MayActOn(a access.Actor, act access.Action, n Need) error {
	return a.MayChange(act, n.OwnerPath, "")
}

// MayReveal reports whether the actor sees the woman's name and contact
// in full: users of the responsible unit, and the cadre who wrote them.
func MayReveal(a access.Actor, n Need) bool {
	return a.Can(access.RecordWork) && (a.OrgID == n.OrgID || a.UserID == n.RecordedBy)
}

// Need returns a need the actor may see, masked unless she may see the
// personal details; reading recorded contact details is audited.
func (s *Service) Need(ctx context.Context, a access.Actor, id int64) (Need, error) {
	if err := s.view(ctx, a, "need.read"); err != nil {
		return Need{}, err
	}
	return s.read(ctx, a, id, true)
}

// read loads a visible need for the actor; audited says whether showing
// the contact counts as a read (not when handing back what she just wrote).
func (s *Service) read(ctx context.Context, a access.Actor, id int64, audited bool) (Need, error) {
	n, err := s.need(ctx, s.DB.Q(), a, id)
	if err != nil {
		return Need{}, err
	}
	if !MayReveal(a, n) {
		n.conceal()
		return n, nil
	}
	n.Revealed = true
	if audited && n.Contact != "" {
		_ = audit.Log(ctx, s.DB, audit.FromActor(a, "need.read", "need", ids(id), audit.OK, "查看联系方式"))
	}
	return n, nil
}

// NeedFilter narrows the need list.
type NeedFilter struct {
	Under    string
	Category string
	Urgency  string
	Status   NeedStatus
	VisitID  int64
	Incoming bool // hand-overs waiting for the actor's scope to answer
	From, To string
	Page
}

// Needs lists the needs the actor sees (names masked, no contacts),
// newest first, and how many match. Newest first is the order of the index
// needs_recorded, walked backwards: for the whole tree the first page reads
// only its own rows.
func (s *Service) Needs(ctx context.Context, a access.Actor, f NeedFilter) ([]Need, int, error) {
	if err := s.view(ctx, a, "need.list"); err != nil {
		return nil, 0, err
	}
	var w db.Where
	all, err := s.whole(ctx, a.OrgPath)
	if err != nil {
		return nil, 0, err
	}
	if !all {
		cond, args := needIDs(a)
		w.Add(cond, args...)
	}
	if code := strings.TrimSpace(f.Under); code != "" {
		node, err := s.under(ctx, a, code)
		if err != nil {
			return nil, 0, err
		}
		if all { // the actor sees everything; does the unit?
			if all, err = s.whole(ctx, node.Path); err != nil {
				return nil, 0, err
			}
		}
		if !all {
			lo, hi := access.Scope{Path: node.Path}.Range()
			w.Add(`n.id IN (SELECT id FROM needs WHERE org_path >= ? AND org_path < ?
				UNION ALL SELECT id FROM needs WHERE origin_path >= ? AND origin_path < ?)`, lo, hi, lo, hi)
		}
	}
	if vocab.Known(Categories, f.Category) {
		w.Add("n.category = ?", f.Category)
	}
	if vocab.Known(Urgencies, f.Urgency) {
		w.Add("n.urgency = ?", f.Urgency)
	}
	if vocab.Known(NeedStatuses, string(f.Status)) {
		w.Add("n.status = ?", f.Status)
	}
	if f.VisitID > 0 {
		w.Add("n.visit_id = ?", f.VisitID)
	}
	if f.Incoming {
		lo, hi := a.Scope().Range()
		w.Add(`EXISTS (SELECT 1 FROM need_handovers hv WHERE hv.need_id = n.id AND hv.status = 'pending' AND hv.to_path >= ? AND hv.to_path < ?)`, lo, hi)
	}
	if validDate(f.From) {
		w.Add("n.recorded_on >= ?", f.From)
	}
	if validDate(f.To) {
		w.Add("n.recorded_on <= ?", f.To)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM needs n`+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	lim, largs := f.Page.SQL()
	out, err := db.All(ctx, s.DB.Q(), func(row db.Scanner) (Need, error) {
		n, err := s.scanNeed(row)
		n.conceal()
		return n, err
	}, `SELECT `+needListCols+needFrom+w.SQL()+` ORDER BY n.recorded_on DESC, n.id DESC`+lim, append(w.Args, largs...)...)
	if err != nil {
		return nil, 0, err
	}
	if out == nil {
		out = []Need{} // none is an empty list, not null
	}
	return out, total, nil
}
