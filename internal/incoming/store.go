package incoming

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/files"
)

// Files are a registration's files, the original first.
var Files = files.IncomingFiles

const recordCols = `i.id, i.org_id, i.register_id, i.year, i.seq, i.from_unit, i.from_number, i.title, i.doc_date, i.received_on,
	i.secret, i.urgency, i.recipients, i.body, i.attachments, i.note, i.source, i.warnings, i.pages, i.voided_at, i.void_reason,
	u.display_name, i.created_at, i.version, CASE WHEN i.register_id <> i.org_id THEN r.name ELSE '' END`

const recordFrom = ` FROM incoming_docs i JOIN users u ON u.id = i.created_by JOIN orgs r ON r.id = i.register_id`

func scanRecord(row db.Scanner) (Record, error) {
	var r Record
	var body, attach, warnings, source string
	var voided sql.NullInt64
	var created int64
	err := row.Scan(&r.ID, &r.OrgID, &r.RegisterID, &r.Year, &r.Seq, &r.FromUnit, &r.FromNumber, &r.Title, &r.DocDate, &r.ReceivedOn,
		&r.Secret, &r.Urgency, &r.Recipients, &body, &attach, &r.Note, &source, &warnings, &r.Pages, &voided, &r.VoidReason,
		&r.CreatedBy, &created, &r.Version, &r.RegisterName)
	r.Body, r.Attachments, r.Warnings = lines(body), lines(attach), lines(warnings)
	r.Source = Source(source)
	r.CreatedAt = db.FromMillis(created)
	if voided.Valid {
		r.VoidedAt = db.FromMillis(voided.Int64)
	}
	return r, err
}

func lines(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

// Get returns a registration of the actor's own unit; anything else is
// not found, as if it did not exist.
func (s *Service) Get(ctx context.Context, a access.Actor, id int64) (Record, error) {
	if !a.Can(access.ViewDocs) {
		return Record{}, s.deny(ctx, a, "incoming.view", strconv.FormatInt(id, 10))
	}
	return s.get(ctx, s.DB.Q(), a, id)
}

func (s *Service) get(ctx context.Context, q db.Querier, a access.Actor, id int64) (Record, error) {
	r, err := scanRecord(q.QueryRow(ctx, `SELECT `+recordCols+recordFrom+` WHERE i.id = ? AND i.org_id = ?`, id, a.OrgID))
	return r, db.NoRows(err)
}

// Filter narrows the register.
type Filter struct {
	Year int    // 0 for every year
	Q    string // words in the title, 来文单位 or 来文字号
	db.Page
}

// ListItem is a row of the register.
type ListItem struct {
	ID                   int64
	Year, Seq            int
	FromUnit, FromNumber string
	Title, ReceivedOn    string
	Secret, Urgency      string
	Source               Source
	Warnings             int
	Voided               bool
	HasFile              bool
}

// Number is the item's 收文编号.
func (it ListItem) Number() string { return Record{Year: it.Year, Seq: it.Seq}.Number() }

// List returns the actor's unit's register, newest first, and the total.
func (s *Service) List(ctx context.Context, a access.Actor, f Filter) ([]ListItem, int, error) {
	if !a.Can(access.ViewDocs) {
		return nil, 0, s.deny(ctx, a, "incoming.list", "")
	}
	var w db.Where
	w.Add("i.org_id = ?", a.OrgID)
	if f.Year > 0 {
		w.Add("i.year = ?", f.Year)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + likeEscape(q) + "%"
		w.Add(`(i.title LIKE ? ESCAPE '\' OR i.from_unit LIKE ? ESCAPE '\' OR i.from_number LIKE ? ESCAPE '\')`, like, like, like)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM incoming_docs i`+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit, largs := f.Page.SQL()
	items, err := db.All(ctx, s.DB.Q(), scanItem, `SELECT i.id, i.year, i.seq, i.from_unit, i.from_number, i.title, i.received_on,
		i.secret, i.urgency, i.source, i.warnings, i.voided_at IS NOT NULL,
		EXISTS (SELECT 1 FROM incoming_files x WHERE x.incoming_id = i.id)
		FROM incoming_docs i`+w.SQL()+` ORDER BY i.received_on DESC, i.id DESC`+limit, append(w.Args, largs...)...)
	return items, total, err
}

func scanItem(row db.Scanner) (ListItem, error) {
	var it ListItem
	var source, warnings string
	err := row.Scan(&it.ID, &it.Year, &it.Seq, &it.FromUnit, &it.FromNumber, &it.Title, &it.ReceivedOn, &it.Secret, &it.Urgency,
		&source, &warnings, &it.Voided, &it.HasFile)
	it.Source = Source(source)
	it.Warnings = len(lines(warnings))
	return it, err
}

// Years lists the years the unit's register has entries for, newest first.
func (s *Service) Years(ctx context.Context, a access.Actor) ([]int, error) {
	if !a.Can(access.ViewDocs) {
		return nil, s.deny(ctx, a, "incoming.list", "")
	}
	return db.All(ctx, s.DB.Q(), func(r db.Scanner) (int, error) {
		var y int
		return y, r.Scan(&y)
	}, `SELECT DISTINCT year FROM incoming_docs WHERE org_id = ? ORDER BY year DESC`, a.OrgID)
}

// likeEscape escapes LIKE's wildcards.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FileList lists a registration's files (names opened).
func (s *Service) FileList(ctx context.Context, a access.Actor, id int64) ([]files.File, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	return Files.List(ctx, s.DB.Q(), s.Vault, id)
}

// File returns one of a registration's files with its bytes.
func (s *Service) File(ctx context.Context, a access.Actor, id, fileID int64) (files.File, []byte, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return files.File{}, nil, err
	}
	return Files.Get(ctx, s.DB.Q(), s.Vault, id, fileID)
}
