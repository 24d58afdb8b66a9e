package doc

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/vault"
)

// Service is the document workflow.
type Service struct {
	DB   *db.DB
	Orgs *org.Store
	Now  func() time.Time
	// OnIssue runs in the issuing transaction after the recipients are
	// stored (the reporting module creates each unit's report there).
	OnIssue func(ctx context.Context, tx *db.Tx, d Document) error
	// OnReceive runs in the transaction of a unit's 签收.
	OnReceive func(ctx context.Context, tx *db.Tx, docID, orgID int64, at time.Time) error
	// Vault seals attachments; without it none is stored or read.
	Vault *vault.Keyring
}

// NewService returns a Service on the real clock.
func NewService(d *db.DB, orgs *org.Store) *Service {
	return &Service{DB: d, Orgs: orgs, Now: db.Now}
}

const docColumns = `d.id, d.org_id, o.code, COALESCE(NULLIF(d.org_name, ''), o.name), o.path, d.doc_type, d.status, d.copy_no, d.secret, d.secret_term, d.urgency,
	d.issuer_mark, d.abbr, COALESCE(d.number_year, 0), COALESCE(d.number_seq, 0), d.number, d.signers, d.title,
	d.recipients, d.recipient_spec, d.cc, d.cc_spec, d.body, d.attachment_note, d.signature, d.doc_date, d.seal, d.note,
	d.printed_by, d.printed_date, COALESCE(d.drafted_by, 0), COALESCE(ud.display_name, ''),
	COALESCE(d.reviewed_by, 0), COALESCE(ur.display_name, ''), COALESCE(d.reviewed_at, 0), d.review_note,
	COALESCE(d.signed_by, 0), COALESCE(us.display_name, ''), COALESCE(d.signed_at, 0), d.sign_opinion,
	COALESCE(d.issued_by, 0), COALESCE(ui.display_name, ''), COALESCE(d.issued_at, 0), COALESCE(d.corrects_id, 0), d.version, d.created_at, d.updated_at`

const docFrom = ` FROM documents d JOIN orgs o ON o.id = d.org_id
	LEFT JOIN users ud ON ud.id = d.drafted_by
	LEFT JOIN users ur ON ur.id = d.reviewed_by
	LEFT JOIN users us ON us.id = d.signed_by
	LEFT JOIN users ui ON ui.id = d.issued_by`

func scanDoc(row db.Scanner) (Document, error) {
	var d Document
	var signers, rspec, ccspec, body, att string
	var seal int
	var reviewedAt, signedAt, issuedAt, created, updated int64
	err := row.Scan(&d.ID, &d.OrgID, &d.OrgCode, &d.OrgName, &d.OrgPath, &d.Type, &d.Status, &d.CopyNo, &d.Secret, &d.SecretTerm, &d.Urgency,
		&d.IssuerMark, &d.Abbr, &d.NumberYear, &d.NumberSeq, &d.Number, &signers, &d.Title,
		&d.Recipients, &rspec, &d.CC, &ccspec, &body, &att, &d.Signature, &d.DocDate, &seal, &d.Note,
		&d.PrintedBy, &d.PrintedDate, &d.DraftedBy, &d.DrafterName,
		&d.ReviewedBy, &d.ReviewerName, &reviewedAt, &d.ReviewNote,
		&d.SignedBy, &d.SignerName, &signedAt, &d.SignOpinion,
		&d.IssuedBy, &d.IssuerName, &issuedAt, &d.CorrectsID, &d.Version, &created, &updated)
	if err != nil {
		return d, err
	}
	d.Signers = splitNonEmpty(signers, " ")
	d.Body = splitNonEmpty(body, "\n")
	d.AttachmentNote = splitNonEmpty(att, "\n")
	_ = json.Unmarshal([]byte(rspec), &d.RecipientSpec)
	_ = json.Unmarshal([]byte(ccspec), &d.CCSpec)
	d.Seal = seal != 0
	d.ReviewedAt, d.SignedAt, d.IssuedAt = optTime(reviewedAt), optTime(signedAt), optTime(issuedAt)
	d.CreatedAt, d.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return d, nil
}

func optTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return db.FromMillis(ms)
}

func splitNonEmpty(s, sep string) []string {
	out := []string{}
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Service) byID(ctx context.Context, q db.Querier, id int64) (Document, error) {
	d, err := scanDoc(q.QueryRow(ctx, `SELECT `+docColumns+docFrom+` WHERE d.id = ?`, id))
	return d, db.NoRows(err)
}

// canSee is the one visibility rule for documents: business roles see the
// documents of units in their scope, and documents sent to units in their
// scope once issued.
func (s *Service) canSee(ctx context.Context, q db.Querier, a access.Actor, d Document) (bool, error) {
	if !a.Can(access.ViewDocs) {
		return false, nil
	}
	if a.Scope().Contains(d.OrgPath) {
		return true, nil
	}
	if d.Status != Issued {
		return false, nil
	}
	where, args := a.Scope().Where("o.path")
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM document_recipients r JOIN orgs o ON o.id = r.org_id
		WHERE r.doc_id = ? AND `+where, append([]any{d.ID}, args...)...).Scan(&n)
	return n > 0, err
}

// Get returns a document the actor may see.
func (s *Service) Get(ctx context.Context, a access.Actor, id int64) (Document, error) {
	d, err := s.byID(ctx, s.DB.Q(), id)
	if err != nil {
		return Document{}, err
	}
	ok, err := s.canSee(ctx, s.DB.Q(), a, d)
	if err != nil {
		return Document{}, err
	}
	if !ok {
		return Document{}, db.ErrNotFound
	}
	return d, nil
}

// Box selects a list of documents.
type Box string

const (
	BoxWork     Box = "work"     // this unit's drafts and documents in its workflow
	BoxIssued   Box = "issued"   // issued by units in scope
	BoxReceived Box = "received" // received by units in scope
)

// ListFilter selects documents for a list.
type ListFilter struct {
	Box Box
	// ToSign narrows the received box to documents the actor's own unit
	// has not signed for yet (the desk's to-do).
	ToSign  bool
	Q       string // substring of title or number
	Page    int
	PerPage int
}

// ListItem is a row of a document list.
type ListItem struct {
	Document
	// For the received box: the receiving unit and its receipt.
	ToOrgName  string
	ToOrgCode  string
	ReceivedAt time.Time
}

// List returns documents of a box in the actor's scope, newest first.
func (s *Service) List(ctx context.Context, a access.Actor, f ListFilter) ([]ListItem, int, error) {
	if !a.Can(access.ViewDocs) {
		return nil, 0, access.ErrDenied
	}
	per := f.PerPage
	if per <= 0 || per > 200 {
		per = 30
	}
	page := max(f.Page, 1)
	var where string
	var args []any
	from := docFrom
	cols := docColumns + `, '', '', 0`
	switch f.Box {
	case BoxReceived:
		from += ` JOIN document_recipients r ON r.doc_id = d.id JOIN orgs ro ON ro.id = r.org_id`
		cols = docColumns + `, COALESCE(NULLIF(r.org_name, ''), ro.name), ro.code, COALESCE(r.signed_at, 0)`
		w, sa := a.Scope().Where("ro.path")
		where, args = `d.status = 'issued' AND `+w, sa
		if f.ToSign {
			where, args = `d.status = 'issued' AND r.org_id = ? AND r.signed_at IS NULL`, []any{a.OrgID}
		}
	case BoxIssued:
		w, sa := a.Scope().Where("o.path")
		where, args = `d.status = 'issued' AND `+w, sa
	default:
		where, args = `d.status <> 'issued' AND d.org_id = ?`, []any{a.OrgID}
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		where += ` AND (d.title LIKE ? ESCAPE '\' OR d.number LIKE ? ESCAPE '\')`
		args = append(args, like, like)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*)`+from+` WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	out, err := db.All(ctx, s.DB.Q(), func(row db.Scanner) (it ListItem, err error) {
		var recv int64
		it.Document, err = scanDoc(&multiScan{row: row, extra: []any{&it.ToOrgName, &it.ToOrgCode, &recv}})
		it.ReceivedAt = optTime(recv)
		return it, err
	}, `SELECT `+cols+from+` WHERE `+where+` ORDER BY d.updated_at DESC, d.id DESC LIMIT ? OFFSET ?`,
		append(args, per, (page-1)*per)...)
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// multiScan appends extra destinations to a document scan.
type multiScan struct {
	row   db.Scanner
	extra []any
}

func (m *multiScan) Scan(dest ...any) error { return m.row.Scan(append(dest, m.extra...)...) }

// insertVersion keeps a snapshot of the editable fields.
func insertVersion(ctx context.Context, tx *db.Tx, id int64, version int, f Fields, by int64, at int64) error {
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO document_versions (doc_id, version, data, edited_by, edited_at) VALUES (?, ?, ?, ?, ?)`,
		id, version, string(data), by, at)
	return err
}

// Version is a saved version of a draft.
type Version struct {
	Version  int
	Fields   Fields
	EditedBy string
	EditedAt time.Time
}

// Versions lists a document's saved versions, newest first.
func (s *Service) Versions(ctx context.Context, a access.Actor, id int64) ([]Version, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	return db.All(ctx, s.DB.Q(), func(row db.Scanner) (v Version, err error) {
		var data string
		var at int64
		if err := row.Scan(&v.Version, &data, &v.EditedBy, &at); err != nil {
			return v, err
		}
		_ = json.Unmarshal([]byte(data), &v.Fields)
		v.EditedAt = db.FromMillis(at)
		return v, nil
	}, `SELECT v.version, v.data, COALESCE(u.display_name, ''), v.edited_at
		FROM document_versions v LEFT JOIN users u ON u.id = v.edited_by WHERE v.doc_id = ? ORDER BY v.version DESC`, id)
}
