package aid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/idcard"
	"halfsky/internal/org"
	"halfsky/internal/vocab"
)

// Status is where an application stands, as stored.
type Status string

// Application statuses as stored.
const (
	Draft     Status = "draft"     // 待提交: at the collecting unit
	Reviewing Status = "reviewing" // 审核中: waiting at Level
	Returned  Status = "returned"  // 已退回: back at the collecting unit to edit and resubmit
	Rejected  Status = "rejected"  // 未通过: ended
	Approved  Status = "approved"  // 已批准: granted
)

// Statuses in display order.
var Statuses = []Option{{Key: string(Draft), Label: "待提交"}, {Key: string(Reviewing), Label: "审核中"}, {Key: string(Returned), Label: "已退回"},
	{Key: string(Rejected), Label: "未通过"}, {Key: string(Approved), Label: "已批准"}}

// Label is the status's Chinese name.
func (s Status) Label() string { return vocab.Label(Statuses, string(s)) }

// Colour is the status's badge colour.
func (s Status) Colour() string {
	switch s {
	case Approved:
		return "green"
	case Rejected:
		return "red"
	case Returned:
		return "yellow"
	case Reviewing:
		return "blue"
	}
	return "grey"
}

// Levels of the review chain, bottom up. An application is collected at
// village (村/社区) or street level and moves up one level per pass; the
// last level ("city") is the programme's owner unit — the city federation
// for the programmes a city runs, whatever lies above it.
var Levels = []Option{{Key: "village", Label: "村（社区）"}, {Key: "street", Label: "街道（乡镇）"}, {Key: "district", Label: "区县（市）"}, {Key: "city", Label: "主办单位"}}

// KindLevel is the review level a unit's kind gives it below a
// programme's owner: "" for units that take no part (organs' committees,
// group members, new-sector organizations, and a city or province
// between a district and the owner).
func KindLevel(o org.Org) string {
	switch o.Kind {
	case org.KindVillage, org.KindCommunity:
		return "village"
	case org.KindStreet:
		return "street"
	case org.KindDistrict:
		return "district"
	}
	return ""
}

// LevelOf is the review level of a unit in the chain of a programme run
// by owner: "city" for the owner unit itself, else its kind's level.
func LevelOf(o org.Org, owner int64) string {
	if o.ID == owner && owner != 0 {
		return "city"
	}
	return KindLevel(o)
}

// Application is an application as lists and pages show it: personal data
// masked, address and facts hidden. Reveal opens them.
type Application struct {
	ID              int64
	ProgrammeID     int64
	ProgrammeCode   string
	ProgrammeName   string
	CycleID         int64
	Year            int
	OrgID           int64 // the collecting unit
	OrgCode         string
	OrgName         string
	OrgPath         string
	DistrictID      int64
	Level           string // who holds it now
	Status          Status
	Name            string // masked: 王**
	IDNumber        string // masked: 230102********1234
	Phone           string // masked: 138****5678
	Address         string // hidden
	HasFacts        bool
	GuardianName    string // masked
	Sex             string // F or M
	BirthYear       int
	Minor           bool
	Household       string
	MedicalConsent  bool
	GuardianConsent bool
	Documents       []string // the programme's required document keys at entry
	Amount          int64    // fen
	SubmittedAt     time.Time
	ClosedAt        time.Time
	Purged          bool
	CreatedBy       int64
	Creator         string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int
}

// LevelLabel is the level's Chinese name.
func (x Application) LevelLabel() string { return vocab.Label(Levels, x.Level) }

// HouseholdLabel is the household status's Chinese name.
func (x Application) HouseholdLabel() string { return vocab.Label(Households, x.Household) }

// SexLabel is 女 or 男.
func (x Application) SexLabel() string {
	if x.Sex == "F" {
		return "女"
	}
	return "男"
}

// Open reports whether the application is still under way.
func (x Application) Open() bool { return x.Status != Rejected && x.Status != Approved }

const appCols = `x.id, x.programme_id, p.code, p.name, x.cycle_id, x.year, x.org_id, o.code, o.name, x.org_path, x.district_id,
	x.level, x.status, x.name, x.id_number, x.phone, x.address, x.facts, x.guardian_name, x.sex, x.birth_year, x.minor,
	x.household, x.medical_consent, x.guardian_consent, x.documents, x.amount, COALESCE(x.submitted_at, 0),
	COALESCE(x.closed_at, 0), COALESCE(x.purged_at, 0), x.created_by, u.display_name, x.created_at, x.updated_at, x.version`

const appFrom = ` FROM aid_applications x JOIN aid_programmes p ON p.id = x.programme_id JOIN orgs o ON o.id = x.org_id
	JOIN users u ON u.id = x.created_by`

// scanApp reads a row with its sealed data still sealed.
func scanApp(row scanner) (Application, sealed, error) {
	var x Application
	var v sealed
	var minor, med, guard int
	var docs string
	var sub, closed, purged, c, u int64
	err := row.Scan(&x.ID, &x.ProgrammeID, &x.ProgrammeCode, &x.ProgrammeName, &x.CycleID, &x.Year, &x.OrgID, &x.OrgCode, &x.OrgName,
		&x.OrgPath, &x.DistrictID, &x.Level, &x.Status, &v.name, &v.idNumber, &v.phone, &v.address, &v.facts, &v.guardian,
		&x.Sex, &x.BirthYear, &minor, &x.Household, &med, &guard, &docs, &x.Amount, &sub, &closed, &purged,
		&x.CreatedBy, &x.Creator, &c, &u, &x.Version)
	if err != nil {
		return x, v, err
	}
	x.Minor, x.MedicalConsent, x.GuardianConsent = minor == 1, med == 1, guard == 1
	x.SubmittedAt, x.ClosedAt, x.Purged = optTime(sub), optTime(closed), purged != 0
	x.CreatedAt, x.UpdatedAt = db.FromMillis(c), db.FromMillis(u)
	_ = json.Unmarshal([]byte(docs), &x.Documents)
	return x, v, nil
}

// load reads an application in the actor's scope, masked, with its sealed
// data for callers inside the package.
func (s *Service) load(ctx context.Context, q db.Querier, a access.Actor, id int64) (Application, sealed, error) {
	x, v, err := scanApp(q.QueryRow(ctx, `SELECT `+appCols+appFrom+` WHERE x.id = ?`, id))
	if err != nil {
		return x, v, db.NoRows(err)
	}
	if !a.Scope().Contains(x.OrgPath) {
		return Application{}, sealed{}, db.ErrNotFound
	}
	return x, v, s.mask(&x, v)
}

// Application returns one application in the actor's scope, masked.
func (s *Service) Application(ctx context.Context, a access.Actor, id int64) (Application, error) {
	if err := s.need(ctx, a, access.ViewAid, id); err != nil {
		return Application{}, err
	}
	x, _, err := s.load(ctx, s.DB.Q(), a, id)
	return x, err
}

// Input is what the collecting unit enters.
type Input struct {
	Programme       string            `json:"programme"` // code
	Year            int               `json:"year"`      // 0: this year
	Name            string            `json:"name"`
	IDNumber        string            `json:"id_number"`
	Phone           string            `json:"phone"`
	Address         string            `json:"address"`
	Household       string            `json:"household"`
	Facts           map[string]string `json:"facts"`
	MedicalConsent  bool              `json:"medical_consent"`
	GuardianName    string            `json:"guardian_name"`
	GuardianConsent bool              `json:"guardian_consent"`
	Amount          int64             `json:"amount"`  // fen; 0: the programme's standard amount
	Version         int               `json:"version"` // for Update
}

// ErrGuardian is the message for a minor entered without her guardian.
const ErrGuardian = "未成年人须有监护人同意"

var phoneRE = regexp.MustCompile(`^[0-9][0-9 -]{5,18}[0-9]$`)

// checked is an Input that passed validation, with what it implies.
type checked struct {
	Input
	id    idcard.ID
	minor bool
	hash  string
}

// validate checks the input against the programme's rules as of now. It
// normalizes the input in place.
func (s *Service) validate(in *Input, p Programme, now time.Time) (checked, map[string]string) {
	in.Name, in.Phone, in.Address = strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone), strings.TrimSpace(in.Address)
	in.Household, in.GuardianName = strings.TrimSpace(in.Household), strings.TrimSpace(in.GuardianName)
	facts := map[string]string{}
	for k, v := range in.Facts {
		if v = strings.TrimSpace(v); v != "" {
			facts[k] = v
		}
	}
	in.Facts = facts
	c := checked{Input: *in}
	e := map[string]string{}
	if in.Name == "" {
		e["name"] = "请填写申请人姓名"
	} else if vocab.TooLong(in.Name, 30) {
		e["name"] = "姓名不能超过 30 字"
	}
	id, err := idcard.Parse(in.IDNumber, now.In(db.Shanghai))
	if err != nil {
		e["id_number"] = err.Error()
	} else {
		c.id, c.IDNumber = id, id.Number
		age := id.AgeAt(now.In(db.Shanghai))
		c.minor = age < 18
		switch {
		case p.Rules.FemaleOnly && !id.Female:
			e["id_number"] = p.Name + "仅限女性申请"
		case p.Rules.MinAge > 0 && age < p.Rules.MinAge, p.Rules.MaxAge > 0 && age > p.Rules.MaxAge:
			e["id_number"] = "申请人年龄不符合" + p.Name + "的条件"
		}
	}
	if in.Phone != "" && !phoneRE.MatchString(in.Phone) {
		e["phone"] = "联系电话格式不对"
	}
	if vocab.TooLong(in.Address, 200) {
		e["address"] = "地址不能超过 200 字"
	}
	if in.Household == "" || !vocab.Known(Households, in.Household) {
		e["household"] = "请选择家庭类别"
	} else if !p.Rules.AllowsHousehold(in.Household) {
		e["household"] = p.Name + "不受理" + vocab.Label(Households, in.Household) + "家庭的申请"
	}
	medical := p.Rules.Medical
	for k, v := range facts {
		switch {
		case !vocab.Known(Facts, k):
			e["facts"] = "情况项不对"
		case vocab.TooLong(v, 500):
			e["facts."+k] = vocab.Label(Facts, k) + "不能超过 500 字"
		}
		for _, m := range medicalFacts {
			medical = medical || k == m
		}
	}
	for _, k := range p.Rules.Facts {
		if facts[k] == "" {
			e["facts."+k] = "请填写" + vocab.Label(Facts, k)
		}
	}
	if d := facts["diagnosis"]; d != "" && len(p.Rules.Diagnoses) > 0 && !vocab.Known(p.Rules.Diagnoses, d) {
		e["facts.diagnosis"] = "诊断不符合" + p.Name + "的救助条件"
	}
	if medical && !in.MedicalConsent {
		e["medical_consent"] = "记录诊断等医疗信息须经申请人本人单独同意"
	}
	if c.minor {
		if in.GuardianName == "" {
			e["guardian_name"] = "请填写监护人姓名"
		}
		if !in.GuardianConsent {
			e["guardian_consent"] = ErrGuardian
		}
	}
	if vocab.TooLong(in.GuardianName, 30) {
		e["guardian_name"] = "姓名不能超过 30 字"
	}
	switch {
	case in.Amount < 0:
		e["amount"] = "金额不能为负数"
	case in.Amount == 0:
		c.Amount = p.Amount
	case p.Amount > 0 && in.Amount > p.Amount:
		e["amount"] = "金额不能超过项目标准 " + YuanGrouped(p.Amount) + " 元"
	case p.Amount == 0 && in.Amount > 100_000_000:
		e["amount"] = "金额不对"
	}
	if len(e) == 0 {
		c.hash = s.Vault.Lookup(LookupPurpose, c.IDNumber)
	}
	return c, e
}

func (c checked) personal() Personal {
	return Personal{Name: c.Name, IDNumber: c.IDNumber, Phone: c.Phone, Address: c.Address, Facts: c.Facts, GuardianName: c.GuardianName}
}

func (c checked) sex() string {
	if c.id.Female {
		return "F"
	}
	return "M"
}

// collecting returns the actor's own unit if it may collect applications:
// a village, community or street federation.
func (s *Service) collecting(ctx context.Context, a access.Actor) (org.Org, error) {
	o, err := s.Orgs.ByID(ctx, s.DB.Q(), a.OrgID)
	if err != nil {
		return o, err
	}
	if l := KindLevel(o); l != "village" && l != "street" {
		return o, apperr.New(403, "not_collecting", "申请由村（社区）、街道（乡镇）妇联录入")
	}
	return o, nil
}

// openCycle finds the programme's cycle for the year and checks it takes
// applications today.
func (s *Service) openCycle(ctx context.Context, q db.Querier, p Programme, year int) (Cycle, error) {
	if !p.Active {
		return Cycle{}, apperr.Field("programme", p.Name+"已停办")
	}
	c, err := s.cycleBare(ctx, q, p.ID, year)
	if err == db.ErrNotFound {
		return c, apperr.Field("programme", fmt.Sprintf("%s%d年度尚未开放申请", p.Name, year))
	}
	if err != nil {
		return c, err
	}
	if !c.OpenOn(s.Today()) {
		return c, apperr.Field("programme", fmt.Sprintf("%s%d年度申请时间为 %s 至 %s", p.Name, year, c.OpensOn, c.ClosesOn))
	}
	return c, nil
}

// Create enters an application as a draft at the actor's unit (RecordAid,
// at a village, community or street federation). The ID number is checked
// and looked up: a person already holding a once-per-life grant or an
// open application of the programme is refused with code "duplicate".
func (s *Service) Create(ctx context.Context, a access.Actor, in Input) (Application, error) {
	if err := s.need(ctx, a, access.RecordAid, 0); err != nil {
		return Application{}, err
	}
	if s.Vault == nil {
		return Application{}, errNoVault
	}
	if err := s.probeLimit(ctx, a, 0); err != nil {
		return Application{}, err
	}
	unit, err := s.collecting(ctx, a)
	if err != nil {
		return Application{}, err
	}
	p, err := s.programme(ctx, s.DB.Q(), in.Programme)
	if errors.Is(err, db.ErrNotFound) {
		return Application{}, apperr.Field("programme", "请选择项目")
	}
	if err != nil { // the database away (the cluster drill's failover): not a wrong programme
		return Application{}, err
	}
	// The application belongs to the owner's child on the unit's path;
	// a unit outside the owner's subtree cannot apply to its programme.
	district, ok := districtOf(unit.Path, p.OwnerPath)
	if !ok {
		return Application{}, apperr.Field("programme", p.Name+"由"+ownerName(p)+"主办，本单位不在其范围内")
	}
	if in.Year == 0 {
		in.Year = s.Year()
	}
	cyc, err := s.openCycle(ctx, s.DB.Q(), p, in.Year)
	if err != nil {
		return Application{}, err
	}
	now := s.now()
	c, bad := s.validate(&in, p, now)
	if len(bad) > 0 {
		return Application{}, apperr.Invalid(bad)
	}
	v, err := s.seal(c.personal())
	if err != nil {
		return Application{}, err
	}
	docs := documentKeys(p)
	key := dedupeKey(p, cyc)
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkDuplicate(ctx, tx, p, key, c.hash, 0); err != nil {
			return err
		}
		ms := db.Millis(now)
		id, err = db.InsertID(ctx, tx, `INSERT INTO aid_applications (programme_id, cycle_id, year, org_id, org_path, district_id, level, status,
			name, id_number, id_hash, sex, birth_year, minor, phone, address, household, facts, medical_consent, guardian_name,
			guardian_consent, documents, amount, dedupe_key, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, cyc.ID, cyc.Year, unit.ID, unit.Path, district, KindLevel(unit), Draft,
			v.name, v.idNumber, c.hash, c.sex(), c.id.Birth.Year(), db.Bit(c.minor), v.phone, v.address, c.Household, v.facts,
			db.Bit(c.MedicalConsent), v.guardian, db.Bit(c.GuardianConsent), docs, c.Amount, key, a.UserID, ms, ms)
		if db.IsUniqueViolation(err) {
			// Entered at the same moment elsewhere: the index decided.
			return s.checkDuplicate(ctx, s.DB.Q(), p, key, c.hash, -1)
		}
		if err != nil {
			return err
		}
		if err := added(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.create", "aid_application", ids(id), audit.OK,
			fmt.Sprintf("%s %d amount=%d", p.Code, cyc.Year, c.Amount)))
	})
	if err != nil {
		s.auditDuplicate(ctx, a, p, 0, err)
		return Application{}, err
	}
	return s.Application(ctx, a, id)
}

// ownerName names a programme's owner unit for a message.
func ownerName(p Programme) string {
	if p.OwnerName == "" {
		return "尚未指定的单位"
	}
	return p.OwnerName
}

func documentKeys(p Programme) string {
	keys := make([]string, 0, len(p.Documents))
	for _, d := range p.Documents {
		keys = append(keys, d.Key)
	}
	b, _ := json.Marshal(keys)
	return string(b)
}

// errClosed refuses a change to a submitted or closed application.
var errClosed = apperr.New(http.StatusConflict, "state", "只有待提交或已退回的申请可以修改")

// editable loads an application the actor's own unit collected and may
// still change (draft or returned), with its sealed values. Refusals of
// the role or the unit are audited as action; a submitted or closed one
// gets stateErr.
func (s *Service) editable(ctx context.Context, a access.Actor, id int64, action string, stateErr error) (Application, sealed, error) {
	if err := s.need(ctx, a, access.RecordAid, id); err != nil {
		return Application{}, sealed{}, err
	}
	if s.Vault == nil {
		return Application{}, sealed{}, errNoVault
	}
	x, v, err := s.load(ctx, s.DB.Q(), a, id)
	if err != nil {
		return Application{}, sealed{}, err
	}
	// The collecting unit's record: never changed from below; and of the
	// units above, only the collecting unit itself edits it (the others
	// review it).
	if err := a.MayChange(access.RecordAid, x.OrgPath, ""); err != nil {
		return Application{}, sealed{}, s.refuse(ctx, a, action, id, err)
	}
	if x.OrgID != a.OrgID {
		return Application{}, sealed{}, s.deny(ctx, a, action, id)
	}
	if x.Status != Draft && x.Status != Returned {
		return Application{}, sealed{}, stateErr
	}
	return x, v, nil
}

// Update changes a draft or returned application (the collecting unit
// only). Personal fields and the household left empty keep their stored
// values; Facts nil keeps the stored facts; the consents must be given
// again. The whole result is checked again, the duplicate check included.
func (s *Service) Update(ctx context.Context, a access.Actor, id int64, in Input) (Application, error) {
	x, v, err := s.editable(ctx, a, id, "aid.update", errClosed)
	if err != nil {
		return Application{}, err
	}
	if err := s.probeLimit(ctx, a, id); err != nil {
		return Application{}, err
	}
	old, err := s.open(id, v)
	if err != nil {
		return Application{}, err
	}
	keep := func(dst *string, stored string) {
		if strings.TrimSpace(*dst) == "" {
			*dst = stored
		}
	}
	keep(&in.Name, old.Name)
	keep(&in.IDNumber, old.IDNumber)
	keep(&in.Phone, old.Phone)
	keep(&in.Address, old.Address)
	keep(&in.GuardianName, old.GuardianName)
	keep(&in.Household, x.Household)
	if in.Facts == nil {
		in.Facts = old.Facts
	}
	p, err := s.programmeByID(ctx, s.DB.Q(), x.ProgrammeID)
	if err != nil {
		return Application{}, err
	}
	cyc, err := s.cycle(ctx, s.DB.Q(), x.CycleID)
	if err != nil {
		return Application{}, err
	}
	now := s.now()
	c, bad := s.validate(&in, p, now)
	if len(bad) > 0 {
		return Application{}, apperr.Invalid(bad)
	}
	nv, err := s.seal(c.personal())
	if err != nil {
		return Application{}, err
	}
	key := dedupeKey(p, cyc)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkDuplicate(ctx, tx, p, key, c.hash, id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE aid_applications SET name = ?, id_number = ?, id_hash = ?, sex = ?, birth_year = ?, minor = ?,
			phone = ?, address = ?, household = ?, facts = ?, medical_consent = ?, guardian_name = ?, guardian_consent = ?, amount = ?,
			updated_at = ?, version = version + 1 WHERE id = ? AND version = ? AND status IN ('draft', 'returned')`,
			nv.name, nv.idNumber, c.hash, c.sex(), c.id.Birth.Year(), db.Bit(c.minor), nv.phone, nv.address, c.Household, nv.facts,
			db.Bit(c.MedicalConsent), nv.guardian, db.Bit(c.GuardianConsent), c.Amount, db.Millis(now), id, in.Version)
		if db.IsUniqueViolation(err) {
			return s.checkDuplicate(ctx, s.DB.Q(), p, key, c.hash, -1)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.update", "aid_application", ids(id), audit.OK,
			fmt.Sprintf("%s amount=%d", p.Code, c.Amount)))
	})
	if err != nil {
		s.auditDuplicate(ctx, a, p, id, err)
		return Application{}, err
	}
	return s.Application(ctx, a, id)
}

// Steps is an application's review history, oldest first.
func (s *Service) Steps(ctx context.Context, a access.Actor, id int64) ([]Step, error) {
	if err := s.need(ctx, a, access.ViewAid, id); err != nil {
		return nil, err
	}
	if _, _, err := s.load(ctx, s.DB.Q(), a, id); err != nil {
		return nil, err
	}
	return db.All(ctx, s.DB.Q(), func(row db.Scanner) (t Step, err error) {
		var at int64
		if err := row.Scan(&t.ID, &t.Level, &t.Decision, &t.Reason, &t.ByUser, &t.ByName, &t.ByOrg, &t.OrgName, &at); err != nil {
			return t, err
		}
		t.At = db.FromMillis(at)
		if t.Reason, err = s.Vault.OpenAny(sealedStepReason.Purpose(), t.Reason); err != nil {
			return t, fmt.Errorf("aid step %d: %w", t.ID, err)
		}
		return t, nil
	}, `SELECT t.id, t.level, t.decision, t.reason, t.by_user, u.display_name, t.by_org, o.name, t.at
		FROM aid_steps t JOIN users u ON u.id = t.by_user JOIN orgs o ON o.id = t.by_org WHERE t.application_id = ? ORDER BY t.at, t.id`, id)
}
