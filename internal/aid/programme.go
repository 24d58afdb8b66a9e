package aid

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/vocab"
)

// Households are the household statuses an applicant can be in.
var Households = []Option{
	{Key: "dibao", Label: "低保"}, {Key: "tekun", Label: "特困"}, {Key: "fanpin", Label: "易返贫"}, {Key: "zhichu", Label: "支出型困难"}, {Key: "other", Label: "其他"},
}

// Kinds of programme.
var Kinds = []Option{
	{Key: "relief", Label: "救助"}, {Key: "pairing", Label: "结对关爱"}, {Key: "periodic", Label: "定期资助"}, {Key: "scholarship", Label: "助学"}, {Key: "award", Label: "奖励"},
}

// Facts are the keys an application's facts may hold (sealed as a whole).
var Facts = []Option{
	{Key: "diagnosis", Label: "诊断"}, {Key: "stage", Label: "分期"}, {Key: "hospital", Label: "确诊医院"}, {Key: "income", Label: "家庭年收入"},
	{Key: "school", Label: "学校"}, {Key: "grade", Label: "年级"}, {Key: "mother", Label: "结对爱心妈妈"}, {Key: "situation", Label: "家庭情况"},
	{Key: "achievement", Label: "获奖或成绩"}, {Key: "notes", Label: "其他情况"},
}

// medicalFacts are the facts that are medical data: recording any of them
// needs the applicant's separate consent.
var medicalFacts = []string{"diagnosis", "stage", "hospital"}

// Rules are a programme's eligibility settings.
type Rules struct {
	Households []string `json:"households,omitempty"` // allowed household statuses; empty: any
	FemaleOnly bool     `json:"female_only,omitempty"`
	MinAge     int      `json:"min_age,omitempty"` // at entry; 0: none
	MaxAge     int      `json:"max_age,omitempty"` // at entry; 0: none
	Medical    bool     `json:"medical,omitempty"` // the programme rests on medical facts: consent always required
	Diagnoses  []Option `json:"diagnoses,omitempty"`
	Facts      []string `json:"facts,omitempty"` // fact keys that must be filled
}

// Document is a kind of attachment a programme requires.
type Document struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Programme is one aid programme.
type Programme struct {
	ID            int64
	Code          string
	Name          string
	Kind          string
	Amount        int64 // fen per approved application; 0: no money
	OncePerLife   bool
	Rules         Rules
	Documents     []Document
	RetentionDays int
	Active        bool
	UpdatedAt     time.Time
	Version       int
	// Owner is the unit that runs the programme: its leaders manage it
	// (settings, cycles, quotas, payments, the bank file) and take the
	// chain's last step. Zero until the first start gives it one.
	OwnerID   int64
	OwnerCode string
	OwnerName string
	OwnerPath string
}

// KindLabel is the kind's Chinese name.
func (p Programme) KindLabel() string { return vocab.Label(Kinds, p.Kind) }

// AllowsHousehold reports whether the rules admit the household status.
func (r Rules) AllowsHousehold(h string) bool {
	if len(r.Households) == 0 {
		return vocab.Known(Households, h)
	}
	for _, x := range r.Households {
		if x == h {
			return true
		}
	}
	return false
}

const programmeCols = `p.id, p.code, p.name, p.kind, p.amount, p.once_per_life, p.rules, p.documents, p.retention_days, p.active,
	p.updated_at, p.version, COALESCE(p.owner_id, 0), COALESCE(o.code, ''), COALESCE(o.name, ''), COALESCE(o.path, '')`

const programmeFrom = ` FROM aid_programmes p LEFT JOIN orgs o ON o.id = p.owner_id`

func scanProgramme(row scanner) (Programme, error) {
	var p Programme
	var once, active int
	var rules, docs string
	var u int64
	if err := row.Scan(&p.ID, &p.Code, &p.Name, &p.Kind, &p.Amount, &once, &rules, &docs, &p.RetentionDays, &active, &u, &p.Version,
		&p.OwnerID, &p.OwnerCode, &p.OwnerName, &p.OwnerPath); err != nil {
		return p, err
	}
	p.OncePerLife, p.Active, p.UpdatedAt = once == 1, active == 1, db.FromMillis(u)
	if err := json.Unmarshal([]byte(rules), &p.Rules); err != nil {
		return p, fmt.Errorf("programme %s rules: %w", p.Code, err)
	}
	if err := json.Unmarshal([]byte(docs), &p.Documents); err != nil {
		return p, fmt.Errorf("programme %s documents: %w", p.Code, err)
	}
	return p, nil
}

// Programmes lists every programme in display order (active or not).
func (s *Service) Programmes(ctx context.Context, a access.Actor) ([]Programme, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return nil, err
	}
	return s.programmes(ctx, s.DB.Q())
}

func (s *Service) programmes(ctx context.Context, q db.Querier) ([]Programme, error) {
	return db.All(ctx, q, scanProgramme, `SELECT `+programmeCols+programmeFrom+` ORDER BY p.sort, p.id`)
}

// Programme returns the programme with the code.
func (s *Service) Programme(ctx context.Context, a access.Actor, code string) (Programme, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return Programme{}, err
	}
	return s.programme(ctx, s.DB.Q(), code)
}

func (s *Service) programme(ctx context.Context, q db.Querier, code string) (Programme, error) {
	p, err := scanProgramme(q.QueryRow(ctx, `SELECT `+programmeCols+programmeFrom+` WHERE p.code = ?`, strings.TrimSpace(code)))
	return p, db.NoRows(err)
}

func (s *Service) programmeByID(ctx context.Context, q db.Querier, id int64) (Programme, error) {
	p, err := scanProgramme(q.QueryRow(ctx, `SELECT `+programmeCols+programmeFrom+` WHERE p.id = ?`, id))
	return p, db.NoRows(err)
}

// Manages reports whether the actor manages the programme: a leader
// (ManageAid) of the unit that runs it. Where that unit sits in the tree
// does not matter — a city federation under its province still runs its
// own programmes, and the province's leaders do not run them for it.
func Manages(a access.Actor, p Programme) bool {
	return a.Can(access.ManageAid) && p.OwnerID != 0 && p.OwnerID == a.OrgID
}

// manage refuses anyone but a leader of the programme's owner unit:
// programme settings, cycles, quotas, payments and the final approval are
// the business of the unit that runs it.
func (s *Service) manage(ctx context.Context, a access.Actor, action string, id int64, p Programme) error {
	if !Manages(a, p) {
		return s.deny(ctx, a, action, id)
	}
	return nil
}

// managesAny refuses an actor who runs no programme at all, before any
// input is read (the programme is checked again once it is known).
func (s *Service) managesAny(ctx context.Context, a access.Actor, action string, id int64) error {
	if ok, err := s.ManagesAny(ctx, a); err != nil || !ok {
		if err != nil {
			return err
		}
		return s.deny(ctx, a, action, id)
	}
	return nil
}

// ManagesAny reports whether the actor is a leader of a unit that runs at
// least one programme: who gets the settings' forms.
func (s *Service) ManagesAny(ctx context.Context, a access.Actor) (bool, error) {
	if !a.Can(access.ManageAid) {
		return false, nil
	}
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM aid_programmes WHERE owner_id = ?`, a.OrgID).Scan(&n)
	return n > 0, err
}

// RunsAny reports whether the actor's unit runs at least one programme.
func (s *Service) RunsAny(ctx context.Context, a access.Actor) (bool, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM aid_programmes WHERE owner_id = ?`, a.OrgID).Scan(&n)
	return n > 0, err
}

// ClaimProgrammes gives every programme without an owner to the unit (the
// installation's top unit, on every start): what the migration could not
// fill on a database that had no units yet. It reports how many it gave.
func ClaimProgrammes(ctx context.Context, d *db.DB, unit int64) (int64, error) {
	var n int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE aid_programmes SET owner_id = ? WHERE owner_id IS NULL`, unit)
		if err != nil {
			return err
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Event{Username: "operator", Action: "aid.programme.owner", ObjectType: "aid_programme",
			OrgID: unit, Outcome: audit.OK, Detail: fmt.Sprintf("unowned=%d", n)})
	})
	return n, err
}

// ProgrammeInput is the city's configuration of a programme.
type ProgrammeInput struct {
	Name          string     `json:"name"`
	Amount        int64      `json:"amount"` // fen
	OncePerLife   bool       `json:"once_per_life"`
	Rules         Rules      `json:"rules"`
	Documents     []Document `json:"documents"`
	RetentionDays int        `json:"retention_days"`
	Active        bool       `json:"active"`
	Version       int        `json:"version"`
}

func (in *ProgrammeInput) validate() map[string]string {
	in.Name = strings.TrimSpace(in.Name)
	e := map[string]string{}
	if in.Name == "" {
		e["name"] = "请填写项目名称"
	} else if vocab.TooLong(in.Name, 50) {
		e["name"] = "项目名称不能超过 50 字"
	}
	if in.Amount < 0 || in.Amount > 100_000_000 {
		e["amount"] = "金额应在 0 至 100 万元之间"
	}
	if in.RetentionDays < 30 || in.RetentionDays > 36500 {
		e["retention_days"] = "个人信息保存期限应在 30 天至 100 年之间"
	}
	for _, h := range in.Rules.Households {
		if !vocab.Known(Households, h) {
			e["households"] = "家庭类别不对"
		}
	}
	for _, f := range in.Rules.Facts {
		if !vocab.Known(Facts, f) {
			e["facts"] = "必填情况项不对"
		}
	}
	if in.Rules.MinAge < 0 || in.Rules.MaxAge < 0 || in.Rules.MaxAge > 0 && in.Rules.MaxAge < in.Rules.MinAge {
		e["age"] = "年龄范围不对"
	}
	seen := map[string]bool{}
	for _, d := range in.Documents {
		if strings.TrimSpace(d.Key) == "" || strings.TrimSpace(d.Label) == "" || seen[d.Key] {
			e["documents"] = "所需材料每项须有唯一的代码和名称"
		}
		seen[d.Key] = true
	}
	return e
}

// UpdateProgramme changes a programme's settings (city leader only).
// Applications already entered keep their amount and documents.
func (s *Service) UpdateProgramme(ctx context.Context, a access.Actor, code string, in ProgrammeInput) (Programme, error) {
	if err := s.managesAny(ctx, a, "aid.programme.update", 0); err != nil {
		return Programme{}, err
	}
	if p, err := s.programme(ctx, s.DB.Q(), code); err == nil {
		if err := s.manage(ctx, a, "aid.programme.update", 0, p); err != nil {
			return Programme{}, err
		}
	}
	if e := in.validate(); len(e) > 0 {
		return Programme{}, apperr.Invalid(e)
	}
	rules, _ := json.Marshal(in.Rules)
	docs, _ := json.Marshal(in.Documents)
	if in.Documents == nil {
		docs = []byte("[]")
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		p, err := s.programme(ctx, tx, code)
		if err != nil {
			return err
		}
		if !Manages(a, p) {
			return access.ErrDenied
		}
		res, err := tx.Exec(ctx, `UPDATE aid_programmes SET name = ?, amount = ?, once_per_life = ?, rules = ?, documents = ?,
			retention_days = ?, active = ?, updated_by = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			in.Name, in.Amount, db.Bit(in.OncePerLife), string(rules), string(docs), in.RetentionDays, db.Bit(in.Active), a.UserID,
			db.Millis(s.now()), p.ID, in.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errStale
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.programme.update", "aid_programme", ids(p.ID), audit.OK,
			fmt.Sprintf("%s amount=%d once=%t active=%t retention=%d", p.Code, in.Amount, in.OncePerLife, in.Active, in.RetentionDays)))
	})
	if err != nil {
		return Programme{}, err
	}
	return s.programme(ctx, s.DB.Q(), code)
}

// errStale is an edit based on an old version.
var errStale = apperr.New(http.StatusConflict, "stale", "记录已被他人修改，请刷新后重试")
