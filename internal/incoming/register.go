package incoming

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/org"
	"halfsky/internal/vault"
)

// Service registers and reads received documents.
type Service struct {
	DB    *db.DB
	Orgs  *org.Store
	Vault *vault.Keyring // seals the original files; without it none is stored
	Now   func() time.Time
}

// NewService returns a Service on the real clock.
func NewService(d *db.DB, orgs *org.Store, k *vault.Keyring) *Service {
	return &Service{DB: d, Orgs: orgs, Vault: k, Now: db.Now}
}

// Today is the date in Shanghai (the form's default 收文日期).
func (s *Service) Today() string { return s.today() }

func (s *Service) today() string { return s.Now().In(db.Shanghai).Format(time.DateOnly) }

// Input is a registration: the fields, where they came from, what the
// reader could not find, and the original file (none for pasted text or
// a paper letter).
type Input struct {
	Fields
	Source   Source
	Warnings []string
	Pages    int
	FileName string
	File     []byte
}

// Register enters a received document in the actor's unit's register
// with the next 收文编号, and keeps its original file, in one
// transaction: a refusal stores nothing.
func (s *Service) Register(ctx context.Context, a access.Actor, in Input) (Record, error) {
	if !a.Can(access.ReceiveDocs) {
		return Record{}, s.deny(ctx, a, "incoming.register", "")
	}
	in.normalize()
	if in.ReceivedOn == "" {
		in.ReceivedOn = s.today()
	}
	errs := in.validate(s.today())
	if !slices.Contains(sources, in.Source) {
		errs["source"] = "来源不明"
	}
	if len(errs) > 0 {
		return Record{}, apperr.Invalid(errs)
	}
	if err := s.refuseDuplicate(ctx, s.DB.Q(), a.OrgID, in.FromNumber, 0); err != nil {
		return Record{}, err
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.insert(ctx, tx, a, in)
		return err
	})
	if db.IsUniqueViolation(err) {
		// The same 来文 registered a moment ago by a concurrent request.
		return Record{}, s.refuseDuplicate(ctx, s.DB.Q(), a.OrgID, in.FromNumber, 0)
	}
	if err != nil {
		return Record{}, err
	}
	return s.Get(ctx, a, id)
}

// insert numbers and stores one registration with its file.
func (s *Service) insert(ctx context.Context, tx *db.Tx, a access.Actor, in Input) (int64, error) {
	year, _ := strconv.Atoi(in.ReceivedOn[:4])
	seq, err := nextNumber(ctx, tx, a.OrgID, year)
	if err != nil {
		return 0, err
	}
	now := db.Millis(s.Now())
	id, err := db.InsertID(ctx, tx, `INSERT INTO incoming_docs (org_id, register_id, year, seq, from_unit, from_number, title, doc_date,
		received_on, secret, urgency, recipients, body, attachments, note, source, warnings, pages, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.OrgID, a.OrgID, year, seq, in.FromUnit, in.FromNumber, in.Title, in.DocDate, in.ReceivedOn, in.Secret, in.Urgency,
		in.Recipients, strings.Join(in.Body, "\n"), strings.Join(in.Attachments, "\n"), in.Note, string(in.Source),
		strings.Join(in.Warnings, "\n"), in.Pages, a.UserID, now, now)
	if err != nil {
		return 0, err
	}
	detail := "serial=" + strconv.Itoa(year) + "-" + strconv.Itoa(seq) + " source=" + string(in.Source)
	if len(in.File) > 0 {
		f, err := files.Save(ctx, tx, s.Vault, a.OrgID, a.UserID, "file", in.FileName, in.File, s.Now())
		if err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO incoming_files (incoming_id, file_id) VALUES (?, ?)`, id, f.ID); err != nil {
			return 0, err
		}
		// The file's id and size, never its name.
		detail += " file=" + strconv.FormatInt(f.ID, 10) + " size=" + strconv.FormatInt(f.Size, 10)
	}
	return id, audit.Record(ctx, tx, audit.FromActor(a, "incoming.register", "incoming_doc", strconv.FormatInt(id, 10), audit.OK, detail))
}

// nextNumber takes the next 收文 number of a unit's register for a year.
// The UPDATE locks the register's row until commit, so concurrent
// registrations queue and numbers are never skipped or reused.
func nextNumber(ctx context.Context, tx *db.Tx, orgID int64, year int) (int, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO incoming_numbers (org_id, year, last_seq) VALUES (?, ?, 0)
		ON CONFLICT (org_id, year) DO NOTHING`, orgID, year); err != nil {
		return 0, err
	}
	var seq int
	err := tx.QueryRow(ctx, `UPDATE incoming_numbers SET last_seq = last_seq + 1 WHERE org_id = ? AND year = ? RETURNING last_seq`,
		orgID, year).Scan(&seq)
	return seq, err
}

// refuseDuplicate refuses a 来文字号 the unit has already registered (not
// voided), naming the registration; except is the registration being
// edited.
func (s *Service) refuseDuplicate(ctx context.Context, q db.Querier, orgID int64, number string, except int64) error {
	if number == "" {
		return nil
	}
	var year, seq int
	var on string
	err := q.QueryRow(ctx, `SELECT year, seq, received_on FROM incoming_docs
		WHERE org_id = ? AND from_number = ? AND voided_at IS NULL AND id <> ? ORDER BY id LIMIT 1`, orgID, number, except).Scan(&year, &seq, &on)
	if errors.Is(db.NoRows(err), db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	r := Record{Year: year, Seq: seq}
	return &apperr.Error{Status: http.StatusConflict, Code: "already_registered",
		Message: "本单位已于" + chineseDate(on) + "登记过该来文（" + r.Number() + "），不能重复登记",
		Fields:  map[string]string{"from_number": "来文字号 " + number + " 已登记为 " + r.Number()}}
}

// chineseDate writes YYYY-MM-DD as 2026年12月6日.
func chineseDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("2006年1月2日")
}

// deny audits a refused action and returns access.ErrDenied.
func (s *Service) deny(ctx context.Context, a access.Actor, action, id string) error {
	return audit.Refused(ctx, s.DB, a, "incoming_doc", id, action, access.ErrDenied)
}
