package rectify

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/files"
	"halfsky/internal/notify"
	"halfsky/internal/vocab"
)

// Update kinds in an item's timeline.
const (
	KindProgress = "progress" // 整改进展
	KindReview   = "review"   // 定期复查 of a 长期坚持 item
	KindApply    = "apply"    // 申请销号
	KindReturn   = "return"   // 退回
	KindClose    = "close"    // 销号
)

// KindLabel is the Chinese name of an update kind.
func KindLabel(k string) string {
	return vocab.Label([]Choice{{Key: KindProgress, Label: "整改进展"}, {Key: KindReview, Label: "定期复查"}, {Key: KindApply, Label: "申请销号"},
		{Key: KindReturn, Label: "退回"}, {Key: KindClose, Label: "审核销号"}}, k)
}

// Update is one entry of an item's timeline, with its evidence.
type Update struct {
	ID     int64
	Kind   string
	Note   string
	ByName string
	ByOrg  string
	At     time.Time
	Files  []files.File
}

// Upload is an evidence file as received.
type Upload struct {
	Name string
	Data []byte
}

// Progress is a progress update: what was done, optionally as the next
// review of a 长期坚持 item, with evidence files.
type Progress struct {
	Note   string `json:"note"`
	Review bool   `json:"review"`
	Files  []Upload
}

const maxFilesPerUpdate = 10

// AddProgress records progress on the unit's own item (while being fixed);
// a review marks the next review date done.
func (s *Service) AddProgress(ctx context.Context, a access.Actor, id int64, in Progress) error {
	p, err := s.mine(ctx, a, id, "problem.progress")
	if err != nil {
		return err
	}
	if !p.Editable() {
		return notEditable(p)
	}
	in.Note = strings.TrimSpace(in.Note)
	e := map[string]string{}
	switch {
	case in.Note == "":
		e["note"] = "请填写整改进展"
	case vocab.TooLong(in.Note, 2000):
		e["note"] = "整改进展不能超过 2000 字"
	}
	if in.Review && (p.Mode != ModeOngoing || p.NextReview == "") {
		e["review"] = "该问题没有待复查的日期"
	}
	if len(in.Files) > maxFilesPerUpdate {
		e["files"] = "每次最多上传 " + strconv.Itoa(maxFilesPerUpdate) + " 个佐证材料"
	}
	for _, f := range in.Files {
		if _, err := files.Check("files", f.Name, f.Data); err != nil {
			return err
		}
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	kind := KindProgress
	if in.Review {
		kind = KindReview
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := bump(ctx, tx, p, db.Millis(now), `status = status`); err != nil {
			return err
		}
		uid, err := s.addUpdate(ctx, tx, a, p.ID, kind, in.Note, now)
		if err != nil {
			return err
		}
		if in.Review {
			if _, err := tx.Exec(ctx, `UPDATE problem_reviews SET done_at = ? WHERE problem_id = ? AND review_on = ?`,
				db.Millis(now), p.ID, p.NextReview); err != nil {
				return err
			}
		}
		for _, up := range in.Files {
			f, err := files.Save(ctx, tx, s.Vault, a.OrgID, a.UserID, "files", up.Name, up.Data, now)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO problem_files (problem_id, file_id, update_id) VALUES (?, ?, ?)`, p.ID, f.ID, uid); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "problem."+kind, "problem", strconv.FormatInt(p.ID, 10), audit.OK,
			p.OrgCode+" "+strconv.Itoa(len(in.Files))+" 个佐证材料"))
	})
}

// addUpdate adds an entry to an item's timeline, its note sealed.
func (s *Service) addUpdate(ctx context.Context, tx *db.Tx, a access.Actor, id int64, kind, note string, now time.Time) (int64, error) {
	sealed, err := s.Vault.Seal(sealedNote.Purpose(), note)
	if err != nil {
		return 0, err
	}
	return db.InsertID(ctx, tx, `INSERT INTO problem_updates (problem_id, kind, note, by_user, by_name, by_org, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, kind, sealed, a.UserID, a.Name, a.OrgID, db.Millis(now))
}

// Apply is the unit's 申请销号 with a summary of what was done; the unit
// directly above is told.
func (s *Service) Apply(ctx context.Context, a access.Actor, id int64, note string) error {
	p, err := s.mine(ctx, a, id, "problem.apply")
	if err != nil {
		return err
	}
	if !p.Editable() {
		return notEditable(p)
	}
	parent, err := s.parentOf(ctx, p)
	if err != nil {
		return err
	}
	if note = strings.TrimSpace(note); note == "" {
		return apperr.Field("note", "请填写整改完成情况")
	} else if vocab.TooLong(note, 2000) {
		return apperr.Field("note", "整改完成情况不能超过 2000 字")
	}
	now := s.Now()
	// Notices carry no note: the notes are sealed, notices are not.
	msg := notify.Message{Kind: "problem.applied", Title: p.OrgName + "申请问题销号：" + p.CategoryLabel(), Body: "整改完成情况请在问题页面查看。", Link: Link(p.ID)}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := bump(ctx, tx, p, db.Millis(now), `status = 'applied', applied_at = ?, applied_by = ?`, db.Millis(now), a.UserID); err != nil {
			return err
		}
		if _, err := s.addUpdate(ctx, tx, a, p.ID, KindApply, note, now); err != nil {
			return err
		}
		if err := notify.ToOrgs(ctx, tx, []int64{parent}, msg, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "problem.apply", "problem", strconv.FormatInt(p.ID, 10), audit.OK, p.OrgCode))
	})
}

// parentOf is the id of the unit directly above the item's unit; a unit
// with nobody above cannot apply, as nobody could close it.
func (s *Service) parentOf(ctx context.Context, p Problem) (int64, error) {
	o, err := s.Orgs.ByID(ctx, s.DB.Q(), p.OrgID)
	if err != nil {
		return 0, err
	}
	if o.ParentID == 0 {
		return 0, apperr.New(http.StatusConflict, "no_parent", "本单位没有上级单位，无法申请销号")
	}
	return o.ParentID, nil
}

// above loads an applied item for the verifier: a unit strictly above the
// item's unit (its path a proper prefix) acting with ManageWork, by an
// account independent of the recorder and the applicant. A unit can never
// close its own problem.
func (s *Service) above(ctx context.Context, a access.Actor, id int64, action string) (Problem, error) {
	p, err := s.Get(ctx, a, id)
	if err != nil {
		return Problem{}, err
	}
	if p.OrgID == a.OrgID || p.OrgPath == a.OrgPath {
		_ = s.deny(ctx, a, action, strconv.FormatInt(id, 10))
		return Problem{}, apperr.New(http.StatusForbidden, "own_problem", "本单位的问题须由上级妇联审核销号，不能自行销号或退回")
	}
	if !a.Can(access.ManageWork) {
		return Problem{}, s.deny(ctx, a, action, strconv.FormatInt(id, 10))
	}
	if p.Status != Applied {
		return Problem{}, apperr.New(http.StatusConflict, "not_applied", "该问题尚未申请销号")
	}
	if err := s.independent(ctx, a, p, action); err != nil {
		return Problem{}, err
	}
	return p, nil
}

// Close is the unit above's 销号 of an applied item.
func (s *Service) Close(ctx context.Context, a access.Actor, id int64, note string) error {
	p, err := s.above(ctx, a, id, "problem.close")
	if err != nil {
		return err
	}
	if note = strings.TrimSpace(note); vocab.TooLong(note, 500) {
		return apperr.Field("note", "审核意见不能超过 500 字")
	}
	if note == "" {
		note = "经审核，同意销号"
	}
	now := s.Now()
	msg := notify.Message{Kind: "problem.closed", Title: "问题已销号：" + p.CategoryLabel(), Body: a.OrgName + "审核同意销号，审核意见请在问题页面查看。", Link: Link(p.ID)}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := bump(ctx, tx, p, db.Millis(now), `status = 'closed', closed_at = ?, closed_by = ?, closed_by_org = ?`,
			db.Millis(now), a.UserID, a.OrgID); err != nil {
			return err
		}
		if _, err := s.addUpdate(ctx, tx, a, p.ID, KindClose, note, now); err != nil {
			return err
		}
		if err := notify.ToOrgs(ctx, tx, []int64{p.OrgID}, msg, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "problem.close", "problem", strconv.FormatInt(p.ID, 10), audit.OK, p.OrgCode))
	})
}

// Return sends an applied item back to its unit with a reason.
func (s *Service) Return(ctx context.Context, a access.Actor, id int64, reason string) error {
	p, err := s.above(ctx, a, id, "problem.return")
	if err != nil {
		return err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return apperr.Field("reason", "请写明退回理由")
	} else if vocab.TooLong(reason, 500) {
		return apperr.Field("reason", "退回理由不能超过 500 字")
	}
	sealedReason, err := s.Vault.Seal(sealedReturn.Purpose(), reason)
	if err != nil {
		return err
	}
	now := s.Now()
	msg := notify.Message{Kind: "problem.returned", Title: "问题销号申请被退回：" + p.CategoryLabel(), Body: "退回理由请在问题页面查看。", Link: Link(p.ID)}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := bump(ctx, tx, p, db.Millis(now), `status = 'returned', return_reason = ?`, sealedReason); err != nil {
			return err
		}
		if _, err := s.addUpdate(ctx, tx, a, p.ID, KindReturn, reason, now); err != nil {
			return err
		}
		if err := notify.ToOrgs(ctx, tx, []int64{p.OrgID}, msg, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "problem.return", "problem", strconv.FormatInt(p.ID, 10), audit.OK, p.OrgCode))
	})
}

// Timeline is a visible item's history, oldest first, each update with its
// evidence files.
func (s *Service) Timeline(ctx context.Context, a access.Actor, id int64) ([]Update, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	out, err := db.All(ctx, s.DB.Q(), func(row db.Scanner) (u Update, err error) {
		var at int64
		if err := row.Scan(&u.ID, &u.Kind, &u.Note, &u.ByName, &u.ByOrg, &at); err != nil {
			return u, err
		}
		u.At = db.FromMillis(at)
		sl := s.sealer()
		sl.Open(sealedNote, u.ID, &u.Note)
		return u, sl.Err
	}, `SELECT u.id, u.kind, u.note, u.by_name, o.name, u.at FROM problem_updates u
		JOIN orgs o ON o.id = u.by_org WHERE u.problem_id = ? ORDER BY u.at, u.id`, id)
	if err != nil {
		return nil, err
	}
	index := map[int64]int{}
	for i, u := range out {
		index[u.ID] = i
	}
	frows, err := s.DB.Query(ctx, `SELECT x.update_id, f.id, f.name, f.content_type, f.size, f.created_at FROM problem_files x
		JOIN files f ON f.id = x.file_id WHERE x.problem_id = ? AND x.update_id IS NOT NULL ORDER BY f.id`, id)
	if err != nil {
		return nil, err
	}
	defer frows.Close()
	for frows.Next() {
		var uid, at int64
		var f files.File
		if err := frows.Scan(&uid, &f.ID, &f.Name, &f.ContentType, &f.Size, &at); err != nil {
			return nil, err
		}
		f.CreatedAt = db.FromMillis(at)
		if err := files.OpenMeta(s.Vault, &f); err != nil {
			return nil, err
		}
		if i, ok := index[uid]; ok {
			out[i].Files = append(out[i].Files, f)
		}
	}
	return out, frows.Err()
}

// File returns an evidence file of a visible item, with its bytes.
func (s *Service) File(ctx context.Context, a access.Actor, id, fileID int64) (files.File, []byte, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return files.File{}, nil, err
	}
	return files.ProblemFiles.Get(ctx, s.DB.Q(), s.Vault, id, fileID)
}
