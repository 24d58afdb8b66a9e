package doc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/duty"
	"halfsky/internal/notify"
	"halfsky/internal/org"
)

func (s *Service) today() string { return s.Now().In(db.Shanghai).Format("2006-01-02") }

// wrongState is the error for an action the document's status does not
// allow; it says what the status is.
func wrongState(d Document, action string) *apperr.Error {
	return apperr.New(http.StatusConflict, "wrong_status", "该公文当前状态为“"+d.Status.Label()+"”，不能"+action)
}

// Defaults suggests the header elements for a new draft by the actor's
// unit: its full name for the mark and signature, and the 机关代字 it used
// last.
func (s *Service) Defaults(ctx context.Context, a access.Actor) (Fields, error) {
	unit, err := s.Orgs.ByID(ctx, s.DB.Q(), a.OrgID)
	if err != nil {
		return Fields{}, err
	}
	full := FullName(unit.Name)
	f := Fields{Type: "通知", IssuerMark: full + "文件", Signature: full, PrintedBy: full, Seal: true,
		RecipientSpec: []Target{}, CCSpec: []Target{}}
	err = s.DB.QueryRow(ctx, `SELECT abbr FROM documents WHERE org_id = ? ORDER BY id DESC LIMIT 1`, a.OrgID).Scan(&f.Abbr)
	if err != nil && !errors.Is(db.NoRows(err), db.ErrNotFound) {
		return Fields{}, err
	}
	return f, nil
}

// FullName expands a federation's short name: 哈尔滨市妇联 → 哈尔滨市妇女联合会.
func FullName(short string) string {
	if strings.HasSuffix(short, "妇联") {
		return strings.TrimSuffix(short, "妇联") + "妇女联合会"
	}
	return short
}

// prepare validates the fields and fills the printed recipients from the
// targets when the drafter left them empty.
func (s *Service) prepare(ctx context.Context, issuer org.Org, f *Fields) error {
	errs := f.Validate()
	lo, hi := access.Scope{Path: issuer.Path}.Range()
	check := func(field string, ts []Target) {
		for _, t := range ts {
			switch {
			case t.Group != "" && !t.Group.Valid():
				errs[field] = "收文单位组别无效"
			case t.Group == "" && t.Unit == "":
				errs[field] = "收文单位无效"
			case t.Group == "":
				// A document goes down the tree: only units strictly
				// below the issuer, and never a hint about others.
				var n int
				err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE code = ? AND path > ? AND path < ?`, t.Unit, lo, hi).Scan(&n)
				if err != nil || n == 0 {
					errs[field] = "单位代码“" + t.Unit + "”不是本单位的下级组织"
				}
			}
		}
	}
	check("recipients", f.RecipientSpec)
	check("cc", f.CCSpec)
	if _, bad := errs["abbr"]; !bad && f.Abbr != "" {
		owner, err := registerOwner(ctx, s.DB.Q(), f.Abbr)
		if err != nil {
			return err
		}
		if owner.ID != 0 && owner.ID != issuer.ID {
			errs["abbr"] = "该机关代字属于" + owner.Name + "，请使用本单位的机关代字"
		}
	}
	if len(errs) > 0 {
		return apperr.Invalid(errs)
	}
	var err error
	if f.Recipients == "" && len(f.RecipientSpec) > 0 {
		if f.Recipients, err = s.RecipientsText(ctx, issuer, f.RecipientSpec); err != nil {
			return apperr.Field("recipients", "收文单位不存在")
		}
	}
	if f.CC == "" && len(f.CCSpec) > 0 {
		if f.CC, err = s.RecipientsText(ctx, issuer, f.CCSpec); err != nil {
			return apperr.Field("cc", "抄送单位不存在")
		}
	}
	return nil
}

func specJSON(ts []Target) string {
	b, _ := json.Marshal(ts)
	return string(b)
}

// Create saves a new draft of the actor's unit.
func (s *Service) Create(ctx context.Context, a access.Actor, f Fields) (Document, error) {
	return s.create(ctx, a, f, 0)
}

func (s *Service) create(ctx context.Context, a access.Actor, f Fields, corrects int64) (Document, error) {
	if !a.Can(access.DraftDocs) {
		return Document{}, s.deny(ctx, a, "doc.create", "")
	}
	issuer, err := s.Orgs.ByID(ctx, s.DB.Q(), a.OrgID)
	if err != nil {
		return Document{}, err
	}
	if err := s.prepare(ctx, issuer, &f); err != nil {
		return Document{}, err
	}
	now := db.Millis(s.Now())
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var corr any
		if corrects != 0 {
			corr = corrects
		}
		id, err = db.InsertID(ctx, tx, `INSERT INTO documents (org_id, doc_type, status, copy_no, secret, secret_term, urgency,
			issuer_mark, abbr, signers, title, recipients, recipient_spec, cc, cc_spec, body, attachment_note, signature,
			doc_date, seal, note, printed_by, printed_date, drafted_by, corrects_id, version, created_at, updated_at)
			VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			a.OrgID, f.Type, f.CopyNo, f.Secret, f.SecretTerm, f.Urgency, f.IssuerMark, f.Abbr, strings.Join(f.Signers, " "),
			f.Title, f.Recipients, specJSON(f.RecipientSpec), f.CC, specJSON(f.CCSpec), strings.Join(f.Body, "\n"),
			strings.Join(f.AttachmentNote, "\n"), f.Signature, f.DocDate, db.Bit(f.Seal), f.Note, f.PrintedBy, f.PrintedDate,
			a.UserID, corr, now, now)
		if err != nil {
			return err
		}
		if err := insertVersion(ctx, tx, id, 1, f, a.UserID, now); err != nil {
			return err
		}
		detail := "version=1"
		if corrects != 0 {
			detail += " corrects=" + strconv.FormatInt(corrects, 10)
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "doc.create", "document", strconv.FormatInt(id, 10), audit.OK, detail))
	})
	if err != nil {
		return Document{}, err
	}
	return s.byID(ctx, s.DB.Q(), id)
}

// own loads a document for a change by the issuing unit: it must be the
// actor's own unit's document (others in scope may read it, not work on it).
func (s *Service) own(ctx context.Context, a access.Actor, id int64, act access.Action, action string) (Document, error) {
	if !a.Can(act) { // a role that may never take the step: the same answer for any id
		return Document{}, s.deny(ctx, a, action, strconv.FormatInt(id, 10))
	}
	d, err := s.Get(ctx, a, id)
	if err != nil {
		return Document{}, err
	}
	if err := a.MayChange(act, d.OrgPath, ""); err != nil {
		return Document{}, s.refuse(ctx, a, action, strconv.FormatInt(id, 10), err)
	}
	if d.OrgID != a.OrgID { // and of the units above, only the issuing unit itself works on it
		return Document{}, s.deny(ctx, a, action, strconv.FormatInt(id, 10))
	}
	return d, nil
}

// Update saves a new version of a draft. version is the version the editor
// started from: if someone saved in between, the save is refused rather
// than silently overwriting their work.
func (s *Service) Update(ctx context.Context, a access.Actor, id int64, version int, f Fields) (Document, error) {
	d, err := s.own(ctx, a, id, access.DraftDocs, "doc.update")
	if err != nil {
		return Document{}, err
	}
	if !d.Status.Editable() {
		return Document{}, wrongState(d, "修改（已签发的公文不能修改，如需更正请发更正文件）")
	}
	if version != d.Version {
		return Document{}, apperr.New(http.StatusConflict, "stale_version", "该公文已被他人修改（当前为第 "+strconv.Itoa(d.Version)+" 版），请刷新后再改")
	}
	issuer, err := s.Orgs.ByID(ctx, s.DB.Q(), a.OrgID)
	if err != nil {
		return Document{}, err
	}
	if err := s.prepare(ctx, issuer, &f); err != nil {
		return Document{}, err
	}
	now := db.Millis(s.Now())
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE documents SET doc_type = ?, copy_no = ?, secret = ?, secret_term = ?, urgency = ?,
			issuer_mark = ?, abbr = ?, signers = ?, title = ?, recipients = ?, recipient_spec = ?, cc = ?, cc_spec = ?, body = ?,
			attachment_note = ?, signature = ?, doc_date = ?, seal = ?, note = ?, printed_by = ?, printed_date = ?,
			version = version + 1, updated_at = ?
			WHERE id = ? AND version = ? AND status IN ('draft', 'returned')`,
			f.Type, f.CopyNo, f.Secret, f.SecretTerm, f.Urgency, f.IssuerMark, f.Abbr, strings.Join(f.Signers, " "),
			f.Title, f.Recipients, specJSON(f.RecipientSpec), f.CC, specJSON(f.CCSpec), strings.Join(f.Body, "\n"),
			strings.Join(f.AttachmentNote, "\n"), f.Signature, f.DocDate, db.Bit(f.Seal), f.Note, f.PrintedBy, f.PrintedDate,
			now, id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(http.StatusConflict, "stale_version", "该公文已被他人修改，请刷新后再改")
		}
		if err := insertVersion(ctx, tx, id, version+1, f, a.UserID, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "doc.update", "document", strconv.FormatInt(id, 10), audit.OK, "version="+strconv.Itoa(version+1)))
	})
	if err != nil {
		return Document{}, err
	}
	return s.byID(ctx, s.DB.Q(), id)
}

// transition moves a document from one status to the next in a
// transaction, with the extra assignments given, and audits it: detail
// holds codes only (the number given), never the title or an opinion. The status
// is part of the WHERE clause, so two people acting at once cannot both
// succeed.
func (s *Service) transition(ctx context.Context, a access.Actor, d Document, from []Status, to Status, action, detail, set string, args ...any) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		return s.transitionTx(ctx, tx, a, d, from, to, action, detail, set, args...)
	})
}

func (s *Service) transitionTx(ctx context.Context, tx *db.Tx, a access.Actor, d Document, from []Status, to Status, action, detail, set string, args ...any) error {
	ph := make([]string, len(from))
	q := []any{string(to), db.Millis(s.Now())}
	q = append(q, args...)
	q = append(q, d.ID)
	for i, st := range from {
		ph[i] = "?"
		q = append(q, string(st))
	}
	if set != "" {
		set = ", " + set
	}
	res, err := tx.Exec(ctx, `UPDATE documents SET status = ?, updated_at = ?`+set+` WHERE id = ? AND status IN (`+strings.Join(ph, ",")+`)`, q...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(http.StatusConflict, "wrong_status", "该公文的状态已被他人改变，请刷新后再试")
	}
	return audit.Record(ctx, tx, audit.FromActor(a, action, "document", strconv.FormatInt(d.ID, 10), audit.OK, detail))
}

// Submit sends a draft to the office for review (送审).
func (s *Service) Submit(ctx context.Context, a access.Actor, id int64) error {
	d, err := s.own(ctx, a, id, access.DraftDocs, "doc.submit")
	if err != nil {
		return err
	}
	if !d.Status.Editable() {
		return wrongState(d, "送审")
	}
	return s.transition(ctx, a, d, []Status{Draft, Returned}, Reviewing, "doc.submit", "", "review_note = ''")
}

// Review passes a draft on for sign-off, or returns it to the drafter with
// a reason. Nobody reviews their own draft, nor one drafted by an account
// tied to theirs, nor one submitted before their account existed (four
// eyes, internal/duty).
func (s *Service) Review(ctx context.Context, a access.Actor, id int64, pass bool, note string) error {
	d, err := s.own(ctx, a, id, access.ReviewDocs, "doc.review")
	if err != nil {
		return err
	}
	if d.Status != Reviewing {
		return wrongState(d, "审核")
	}
	// While it is under review nothing changes a document but the review,
	// so its updated_at is the submission.
	action := "doc.review_return"
	if pass {
		action = "doc.review_pass"
	}
	if err := duty.Require(ctx, s.DB, a, s.Now(), d.UpdatedAt, action, "document", d.ID, d.DraftedBy); err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 500 {
		return apperr.Field("note", "审核意见不能超过 500 字")
	}
	if pass {
		return s.transition(ctx, a, d, []Status{Reviewing}, Reviewed, "doc.review_pass", "",
			"reviewed_by = ?, reviewed_at = ?, review_note = ?", a.UserID, db.Millis(s.Now()), note)
	}
	if note == "" {
		return apperr.Field("note", "退回时请写明退回理由")
	}
	return s.transition(ctx, a, d, []Status{Reviewing}, Returned, "doc.review_return", "",
		"reviewed_by = ?, reviewed_at = ?, review_note = ?", a.UserID, db.Millis(s.Now()), note)
}

// Sign is the unit leader's 签发: with an opinion, their name and the date.
// The 成文日期 is the signing date unless the drafter set one. The signer
// is a third person (internal/duty): not the drafter nor the reviewer, nor
// tied to either's account, and holding an account from before the
// review put the document before them.
func (s *Service) Sign(ctx context.Context, a access.Actor, id int64, opinion string) error {
	d, err := s.own(ctx, a, id, access.SignDocs, "doc.sign")
	if err != nil {
		return err
	}
	switch {
	case d.Status == Signed || d.Status == Issued:
		return apperr.New(http.StatusConflict, "already_signed", "该公文已由"+d.SignerName+"签发，不能重复签发")
	case d.Status != Reviewed:
		return wrongState(d, "签发（须先经办公室审核）")
	}
	if err := s.signer(ctx, a, d, "doc.sign"); err != nil {
		return err
	}
	opinion = strings.TrimSpace(opinion)
	if opinion == "" {
		opinion = "同意"
	}
	if utf8.RuneCountInString(opinion) > 500 {
		return apperr.Field("opinion", "签发意见不能超过 500 字")
	}
	date := d.DocDate
	if date == "" {
		date = s.today()
	}
	return s.transition(ctx, a, d, []Status{Reviewed}, Signed, "doc.sign", "",
		"signed_by = ?, signed_at = ?, sign_opinion = ?, signers = ?, doc_date = ?", a.UserID, db.Millis(s.Now()), opinion, a.Name, date)
}

// Withdraw returns a reviewed draft to the drafter from the sign-off step
// (the leader does not agree). It is the signer's decision too, taken by
// the same third person as a signature.
func (s *Service) Withdraw(ctx context.Context, a access.Actor, id int64, reason string) error {
	d, err := s.own(ctx, a, id, access.SignDocs, "doc.sign_return")
	if err != nil {
		return err
	}
	if d.Status != Reviewed {
		return wrongState(d, "退回")
	}
	if err := s.signer(ctx, a, d, "doc.sign_return"); err != nil {
		return err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return apperr.Field("opinion", "退回时请写明理由")
	}
	// The returned draft shows who sent it back: the leader, not the reviewer.
	return s.transition(ctx, a, d, []Status{Reviewed}, Returned, "doc.sign_return", "",
		"review_note = ?, reviewed_by = ?, reviewed_at = ?", "签发人退回："+reason, a.UserID, db.Millis(s.Now()))
}

// signer refuses (and audits) a sign-off decision by the drafter or the
// reviewer, by an account tied to either, or by one made after the
// review put the document before the signer. A leader signing what a
// colleague drafted and another reviewed is the ordinary case.
func (s *Service) signer(ctx context.Context, a access.Actor, d Document, action string) error {
	return duty.Require(ctx, s.DB, a, s.Now(), d.ReviewedAt, action, "document", d.ID, d.DraftedBy, d.ReviewedBy)
}

// Issue registers a signed document — the next 发文字号 of its 机关代字 and
// year — and distributes it: the recipient groups are expanded to units,
// each gets a receipt row, and reporting requirements get their reports.
// All in one transaction: a number is never skipped or given twice.
func (s *Service) Issue(ctx context.Context, a access.Actor, id int64) (Document, error) {
	d, err := s.own(ctx, a, id, access.DraftDocs, "doc.issue")
	if err != nil {
		return Document{}, err
	}
	if d.Status != Signed {
		if d.Status == Issued {
			return Document{}, apperr.New(http.StatusConflict, "already_issued", "该公文已印发（"+d.Number+"）")
		}
		return Document{}, wrongState(d, "印发（须先由单位负责人签发）")
	}
	issuer, err := s.Orgs.ByID(ctx, s.DB.Q(), d.OrgID)
	if err != nil {
		return Document{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		recips, errs, err := s.expand(ctx, tx, issuer, d.RecipientSpec, d.CCSpec)
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return apperr.Invalid(errs)
		}
		if err := claimRegister(ctx, tx, d.Abbr, issuer); err != nil {
			return err
		}
		year := s.Now().In(db.Shanghai).Year()
		seq, err := nextNumber(ctx, tx, d.Abbr, year)
		if err != nil {
			return err
		}
		number := FormatNumber(d.Abbr, year, seq)
		printed := d.PrintedDate
		if printed == "" {
			printed = s.today()
		}
		if err := insertRecipients(ctx, tx, d.ID, recips); err != nil {
			return err
		}
		if err := s.transitionTx(ctx, tx, a, d, []Status{Signed}, Issued, "doc.issue", "number="+number,
			"number_year = ?, number_seq = ?, number = ?, printed_date = ?, issued_by = ?, issued_at = ?, org_name = (SELECT o.name FROM orgs o WHERE o.id = documents.org_id)",
			year, seq, number, printed, a.UserID, db.Millis(s.Now())); err != nil {
			return err
		}
		if err := notifyRecipients(ctx, tx, d, number, recips, s.Now()); err != nil {
			return err
		}
		if s.OnIssue != nil {
			issued, err := s.byID(ctx, tx, d.ID)
			if err != nil {
				return err
			}
			return s.OnIssue(ctx, tx, issued)
		}
		return nil
	})
	if err != nil {
		return Document{}, err
	}
	return s.byID(ctx, s.DB.Q(), id)
}

// nextNumber takes the next sequence number of a register. The UPDATE
// locks the register's row until commit, so concurrent issues queue.
func nextNumber(ctx context.Context, tx *db.Tx, abbr string, year int) (int, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO doc_numbers (abbr, year, last_seq) VALUES (?, ?, 0) ON CONFLICT (abbr, year) DO NOTHING`, abbr, year); err != nil {
		return 0, err
	}
	var seq int
	err := tx.QueryRow(ctx, `UPDATE doc_numbers SET last_seq = last_seq + 1 WHERE abbr = ? AND year = ? RETURNING last_seq`, abbr, year).Scan(&seq)
	return seq, err
}

// insertRecipients stores the recipient rows with the units' names as
// issued: the document keeps them whatever the units are called later
// (区划调整). On PostgreSQL one statement takes every unit as two arrays,
// joined to the units (the table has no key to them there, migration
// 0029): a country's 665,276 in one go, where batches of rows were planned
// one by one and the names set by a second UPDATE wrote every row twice;
// in the units' order, so both of the table's indexes are written from
// left to right.
// SQLite takes batches of rows, each name looked up by its unit's key.
func insertRecipients(ctx context.Context, tx *db.Tx, docID int64, recips []recipient) error {
	if tx.Dialect() == db.Postgres {
		ids, kinds := make([]int64, len(recips)), make([]string, len(recips))
		for i, r := range recips {
			ids[i], kinds[i] = r.orgID, r.kind
		}
		_, err := tx.Exec(ctx, `INSERT INTO document_recipients (doc_id, org_id, kind, org_name)
			SELECT ?, o.id, u.kind, o.name FROM unnest(?::bigint[], ?::text[]) AS u(id, kind) JOIN orgs o ON o.id = u.id
			ORDER BY o.id`,
			docID, ids, kinds)
		return err
	}
	const batch = 400
	for i := 0; i < len(recips); i += batch {
		part := recips[i:min(i+batch, len(recips))]
		var sb strings.Builder
		args := make([]any, 0, 4*len(part))
		sb.WriteString(`INSERT INTO document_recipients (doc_id, org_id, kind, org_name) VALUES `)
		for j, r := range part {
			if j > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,(SELECT name FROM orgs WHERE id = ?))")
			args = append(args, docID, r.orgID, r.kind, r.orgID)
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// notifyRecipients tells each receiving unit a document has arrived.
func notifyRecipients(ctx context.Context, tx *db.Tx, d Document, number string, recips []recipient, now time.Time) error {
	ids := make([]int64, len(recips))
	for i, r := range recips {
		ids[i] = r.orgID
	}
	return notify.ToOrgs(ctx, tx, ids, notify.Message{Kind: "doc.received", Title: "收到公文：" + number, Body: d.Title,
		Link: "/docs/" + strconv.FormatInt(d.ID, 10)}, now)
}

// Correct starts a correction: a new draft with the same text that refers
// to the issued document it corrects (an issued document never changes).
func (s *Service) Correct(ctx context.Context, a access.Actor, id int64) (Document, error) {
	d, err := s.own(ctx, a, id, access.DraftDocs, "doc.correct")
	if err != nil {
		return Document{}, err
	}
	if d.Status != Issued {
		return Document{}, wrongState(d, "发更正文件（未印发的公文可直接修改或退回）")
	}
	f := d.Fields
	f.Title = "关于更正《" + strings.TrimSuffix(d.Title, "") + "》的通知"
	f.Signers, f.DocDate, f.PrintedDate, f.CopyNo = nil, "", "", ""
	f.Body = append([]string{"现将" + d.Number + "《" + d.Title + "》更正如下："}, d.Body...)
	return s.create(ctx, a, f, d.ID)
}

// deny audits a refused action and returns access.ErrDenied.
func (s *Service) deny(ctx context.Context, a access.Actor, action, id string) error {
	return s.refuse(ctx, a, action, id, access.ErrDenied)
}

// refuse audits a refused action and returns err (access.ErrDenied, or
// access.ErrNotOwner whose reason the user is told).
func (s *Service) refuse(ctx context.Context, a access.Actor, action, id string, err error) error {
	if errors.Is(err, access.ErrNotOwner) {
		action += " not_owner"
	}
	return audit.Refused(ctx, s.DB, a, "document", id, action, err)
}
