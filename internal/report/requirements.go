package report

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/doc"
	"halfsky/internal/notify"
	"halfsky/internal/org"
	"halfsky/internal/tally"
	"halfsky/internal/vault"
)

// Field is a number a report must give, e.g. {sessions, 专题学习场次, 场}.
type Field struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Unit  string `json:"unit"`
}

// Requirement is what the recipients of a document must report.
type Requirement struct {
	ID         int64
	DocID      int64
	Title      string
	Detail     string
	Department string
	DueDate    string // YYYY-MM-DD
	Fields     []Field
	CreatedAt  time.Time
}

// Service holds requirements and reports.
type Service struct {
	DB   *db.DB
	Orgs *org.Store
	Docs *doc.Service
	Now  func() time.Time
	// Mail, when set, queues 催办 by email too.
	Mail *notify.Mailer
	// Vault seals attachments; without it none is stored or read.
	Vault *vault.Keyring
}

// NewService returns a Service on the real clock.
func NewService(d *db.DB, orgs *org.Store, docs *doc.Service) *Service {
	return &Service{DB: d, Orgs: orgs, Docs: docs, Now: db.Now}
}

// DueAt is the end of a due day in Beijing time.
func DueAt(date string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", date, db.Shanghai)
	if err != nil {
		return time.Time{}, err
	}
	return t.AddDate(0, 0, 1).Add(-time.Millisecond), nil
}

func (s *Service) today() string { return s.Now().In(db.Shanghai).Format("2006-01-02") }

var fieldKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,30}$`)

// RequirementInput is what the drafter sets.
type RequirementInput struct {
	Title      string  `json:"title"`
	Detail     string  `json:"detail"`
	Department string  `json:"department"`
	DueDate    string  `json:"due_date"`
	Fields     []Field `json:"fields"`
}

func (in *RequirementInput) validate(today string) map[string]string {
	in.Title, in.Detail, in.Department, in.DueDate = strings.TrimSpace(in.Title), strings.TrimSpace(in.Detail), strings.TrimSpace(in.Department), strings.TrimSpace(in.DueDate)
	e := map[string]string{}
	if in.Title == "" {
		e["title"] = "请填写报送内容，如“学习贯彻情况”"
	} else if utf8.RuneCountInString(in.Title) > 100 {
		e["title"] = "报送内容不能超过 100 字"
	}
	if in.Department == "" {
		e["department"] = "请填写报送部门，如“市妇联宣传部”"
	} else if utf8.RuneCountInString(in.Department) > 60 {
		e["department"] = "报送部门不能超过 60 字"
	}
	if utf8.RuneCountInString(in.Detail) > 2000 {
		e["detail"] = "报送说明不能超过 2000 字"
	}
	if _, err := DueAt(in.DueDate); err != nil {
		e["due_date"] = "截止日期格式应为 2015-08-31"
	} else if in.DueDate < today {
		e["due_date"] = "截止日期不能早于今天"
	}
	seen := map[string]bool{}
	for i := range in.Fields {
		f := &in.Fields[i]
		f.Key, f.Label, f.Unit = strings.TrimSpace(f.Key), strings.TrimSpace(f.Label), strings.TrimSpace(f.Unit)
		if f.Key == "" {
			f.Key = "n" + strconv.Itoa(i+1)
		}
		if !fieldKeyRE.MatchString(f.Key) || seen[f.Key] || f.Label == "" {
			e["fields"] = "每个统计项须有名称，且代码不重复"
		}
		seen[f.Key] = true
	}
	if len(in.Fields) > 20 {
		e["fields"] = "统计项不能超过 20 个"
	}
	return e
}

// AddRequirement attaches a reporting requirement to a document of the
// actor's unit that has not been issued yet (issuing creates the reports).
func (s *Service) AddRequirement(ctx context.Context, a access.Actor, docID int64, in RequirementInput) (Requirement, error) {
	d, err := s.Docs.Get(ctx, a, docID)
	if err != nil {
		return Requirement{}, err
	}
	if err := a.MayChange(access.DraftDocs, d.OrgPath, ""); err != nil {
		return Requirement{}, s.refuse(ctx, a, "report.requirement_add", strconv.FormatInt(docID, 10), err)
	}
	if d.OrgID != a.OrgID {
		return Requirement{}, s.deny(ctx, a, "report.requirement_add", strconv.FormatInt(docID, 10))
	}
	if d.Status == doc.Issued {
		return Requirement{}, apperr.New(http.StatusConflict, "wrong_status", "公文已印发，不能再增加报送要求")
	}
	if errs := in.validate(s.today()); len(errs) > 0 {
		return Requirement{}, apperr.Invalid(errs)
	}
	if in.Fields == nil {
		in.Fields = []Field{}
	}
	fields, _ := json.Marshal(in.Fields)
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err = db.InsertID(ctx, tx, `INSERT INTO requirements (doc_id, title, detail, department, due_date, fields, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, docID, in.Title, in.Detail, in.Department, in.DueDate, string(fields), a.UserID, db.Millis(s.Now()))
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "report.requirement_add", "document", strconv.FormatInt(docID, 10), audit.OK,
			"requirement="+strconv.FormatInt(id, 10)))
	})
	if err != nil {
		return Requirement{}, err
	}
	return s.requirement(ctx, s.DB.Q(), id)
}

// RemoveRequirement deletes a requirement from a document not yet issued.
func (s *Service) RemoveRequirement(ctx context.Context, a access.Actor, docID, reqID int64) error {
	r, d, err := s.Requirement(ctx, a, docID, reqID)
	if err != nil {
		return err
	}
	if err := a.MayChange(access.DraftDocs, d.OrgPath, ""); err != nil {
		return s.refuse(ctx, a, "report.requirement_remove", strconv.FormatInt(reqID, 10), err)
	}
	if d.OrgID != a.OrgID {
		return s.deny(ctx, a, "report.requirement_remove", strconv.FormatInt(reqID, 10))
	}
	if d.Status == doc.Issued {
		return apperr.New(http.StatusConflict, "wrong_status", "公文已印发，不能删除报送要求")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM requirements WHERE id = ?`, reqID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "report.requirement_remove", "document", strconv.FormatInt(d.ID, 10), audit.OK,
			"requirement="+strconv.FormatInt(r.ID, 10)))
	})
}

func scanRequirement(row db.Scanner) (Requirement, error) {
	var r Requirement
	var fields string
	var created int64
	err := row.Scan(&r.ID, &r.DocID, &r.Title, &r.Detail, &r.Department, &r.DueDate, &fields, &created)
	_ = json.Unmarshal([]byte(fields), &r.Fields)
	r.CreatedAt = db.FromMillis(created)
	return r, err
}

const reqColumns = `id, doc_id, title, detail, department, due_date, fields, created_at`

func (s *Service) requirement(ctx context.Context, q db.Querier, id int64) (Requirement, error) {
	r, err := scanRequirement(q.QueryRow(ctx, `SELECT `+reqColumns+` FROM requirements WHERE id = ?`, id))
	return r, db.NoRows(err)
}

// Requirements lists a visible document's requirements.
func (s *Service) Requirements(ctx context.Context, a access.Actor, docID int64) ([]Requirement, error) {
	if _, err := s.Docs.Get(ctx, a, docID); err != nil {
		return nil, err
	}
	return db.All(ctx, s.DB.Q(), scanRequirement, `SELECT `+reqColumns+` FROM requirements WHERE doc_id = ? ORDER BY id`, docID)
}

// Requirement returns one requirement of a document the actor may see.
func (s *Service) Requirement(ctx context.Context, a access.Actor, docID, reqID int64) (Requirement, doc.Document, error) {
	d, err := s.Docs.Get(ctx, a, docID)
	if err != nil {
		return Requirement{}, doc.Document{}, err
	}
	r, err := s.requirement(ctx, s.DB.Q(), reqID)
	if err != nil || r.DocID != docID {
		return Requirement{}, doc.Document{}, db.ErrNotFound
	}
	return r, d, nil
}

// Wire connects the document workflow to reporting: issuing creates the
// reports, and a unit's receipt is noted on its reports.
func Wire(docs *doc.Service, reps *Service) {
	docs.OnIssue = reps.OnIssue
	docs.OnReceive = reps.OnReceive
}

// OnReceive notes a unit's 签收 on its reports under the document, in the
// receiving transaction.
func (s *Service) OnReceive(ctx context.Context, tx *db.Tx, docID, orgID int64, at time.Time) error {
	return track(ctx, tx, `rp.org_id = ? AND rp.requirement_id IN (SELECT id FROM requirements WHERE doc_id = ?)`, []any{orgID, docID},
		func() error {
			_, err := tx.Exec(ctx, `UPDATE reports SET received_at = ? WHERE org_id = ? AND requirement_id IN (SELECT id FROM requirements WHERE doc_id = ?)`,
				db.Millis(at), orgID, docID)
			return err
		})
}

// OnIssue creates a pending report for every main recipient of every
// requirement of the document; it runs in the issuing transaction.
func (s *Service) OnIssue(ctx context.Context, tx *db.Tx, d doc.Document) error {
	type req struct {
		id  int64
		due string
	}
	reqs, err := db.All(ctx, tx, func(row db.Scanner) (r req, err error) {
		err = row.Scan(&r.id, &r.due)
		return r, err
	}, `SELECT id, due_date FROM requirements WHERE doc_id = ?`, d.ID)
	if err != nil {
		return err
	}
	for _, r := range reqs {
		due, err := DueAt(r.due)
		if err != nil {
			return err
		}
		// In the units' order: each index of the table is then written
		// from left to right, not at random (a country's 665,276 reports
		// went in 3.0 s instead of 4.6 s, migration 0031).
		if _, err := tx.Exec(ctx, `INSERT INTO reports (requirement_id, org_id, org_code, status, due_at, updated_at)
			SELECT ?, dr.org_id, o.code, 'pending', ?, ? FROM document_recipients dr JOIN orgs o ON o.id = dr.org_id
			WHERE dr.doc_id = ? AND dr.kind = 'main' ORDER BY dr.org_id`,
			r.id, db.Millis(due), db.Millis(s.Now()), d.ID); err != nil {
			return err
		}
		// The requirement's counters, in bulk (a grouped INSERT … SELECT
		// and batches for the units above, not one upsert per unit).
		if err := tally.Fill(ctx, tx, Family, `rp.requirement_id = ?`, r.id); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) deny(ctx context.Context, a access.Actor, action, id string) error {
	return s.refuse(ctx, a, action, id, access.ErrDenied)
}

// refuse audits a refused action and returns err (access.ErrDenied, or
// access.ErrNotOwner whose reason the user is told).
func (s *Service) refuse(ctx context.Context, a access.Actor, action, id string, err error) error {
	if errors.Is(err, access.ErrNotOwner) {
		action += " not_owner"
	}
	return audit.Refused(ctx, s.DB, a, "report", id, action, err)
}
