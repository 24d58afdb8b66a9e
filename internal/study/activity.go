package study

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// Kind is the form an activity took.
type Kind string

// Kinds as stored.
const (
	KindStudy    Kind = "study"    // 专题学习
	KindSeminar  Kind = "seminar"  // 专题研讨
	KindTraining Kind = "training" // 专题培训
	KindLecture  Kind = "lecture"  // 宣讲
	KindOther    Kind = "other"    // 其他
)

// Kinds in the order forms and statistics show them.
var Kinds = []Kind{KindStudy, KindSeminar, KindTraining, KindLecture, KindOther}

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case KindStudy:
		return "专题学习"
	case KindSeminar:
		return "专题研讨"
	case KindTraining:
		return "专题培训"
	case KindLecture:
		return "宣讲"
	case KindOther:
		return "其他"
	}
	return string(k)
}

// Colour is the kind's badge colour on the feed.
func (k Kind) Colour() string {
	switch k {
	case KindStudy:
		return "green"
	case KindSeminar, KindLecture:
		return "blue"
	case KindTraining:
		return "yellow"
	}
	return "grey"
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Activity is one study activity of a unit.
type Activity struct {
	ID           int64
	OrgID        int64
	OrgCode      string
	OrgName      string
	OrgPath      string
	Kind         Kind
	HeldOn       string // YYYY-MM-DD
	Topic        string
	DocID        int64 // the issued document studied; 0 when none
	DocNumber    string
	DocTitle     string
	Place        string
	Speaker      string
	Participants int
	Summary      string
	CreatedBy    int64
	CreatorName  string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
	PhotoCount   int
	FirstPhoto   int64 // file id of the first photo; 0 when none
}

// Input is what a unit records.
type Input struct {
	Kind         Kind   `json:"kind"`
	HeldOn       string `json:"held_on"`
	Topic        string `json:"topic"`
	DocID        int64  `json:"doc_id"`
	Place        string `json:"place"`
	Speaker      string `json:"speaker"`
	Participants int    `json:"participants"`
	Summary      string `json:"summary"`
}

// Upload is a photo as received.
type Upload struct {
	Name string
	Data []byte
}

// MaxPhotos is how many photos an activity keeps (a phone's 3×3 grid).
const MaxPhotos = 9

func (in *Input) validate(today string) map[string]string {
	trim := strings.TrimSpace
	in.HeldOn, in.Topic, in.Place, in.Speaker, in.Summary = trim(in.HeldOn), trim(in.Topic), trim(in.Place), trim(in.Speaker), trim(in.Summary)
	e := map[string]string{}
	if !in.Kind.Valid() {
		e["kind"] = "请选择活动形式"
	}
	if t, err := time.Parse("2006-01-02", in.HeldOn); err != nil {
		e["held_on"] = "请填写活动日期，格式如 2015-08-20"
	} else if in.HeldOn > today {
		e["held_on"] = "活动日期不能晚于今天"
	} else if t.Year() < 2000 {
		e["held_on"] = "活动日期不能早于 2000 年"
	}
	if in.Topic == "" {
		e["topic"] = "请填写学习主题"
	} else if utf8.RuneCountInString(in.Topic) > 200 {
		e["topic"] = "学习主题不能超过 200 字"
	}
	if utf8.RuneCountInString(in.Place) > 100 {
		e["place"] = "地点不能超过 100 字"
	}
	if utf8.RuneCountInString(in.Speaker) > 100 {
		e["speaker"] = "主讲人不能超过 100 字"
	}
	if in.Participants <= 0 {
		e["participants"] = "参加人数应为大于 0 的整数"
	} else if in.Participants > 1000000 {
		e["participants"] = "参加人数不能超过 1000000"
	}
	if utf8.RuneCountInString(in.Summary) > 5000 {
		e["summary"] = "活动内容不能超过 5000 字"
	}
	// Both databases refuse NUL bytes and invalid UTF-8: say so beside the
	// field instead of failing the insert.
	for k, v := range map[string]string{"topic": in.Topic, "place": in.Place, "speaker": in.Speaker, "summary": in.Summary, "held_on": in.HeldOn} {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			e[k] = "含有无效字符"
		}
	}
	return e
}

// check validates the input and the linked document, and the photos.
func (s *Service) check(ctx context.Context, a access.Actor, in *Input, photos []Upload, have int) error {
	e := in.validate(s.today())
	if in.DocID != 0 {
		ok, err := s.linkable(ctx, a, in.DocID)
		if err != nil {
			return err
		}
		if !ok {
			e["doc_id"] = "只能关联本单位或上级收发的已印发公文"
		}
	}
	if have+len(photos) > MaxPhotos {
		e["photos"] = "每项活动最多 " + strconv.Itoa(MaxPhotos) + " 张照片"
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	return nil
}

const activityColumns = `s.id, s.org_id, o.code, o.name, s.org_path, s.kind, s.held_on, s.topic, COALESCE(s.doc_id, 0),
	COALESCE(d.number, ''), COALESCE(d.title, ''), s.place, s.speaker, s.participants, s.summary, s.created_by,
	COALESCE(u.display_name, ''), s.created_at, s.updated_at, s.version,
	(SELECT COUNT(*) FROM study_photos p WHERE p.activity_id = s.id),
	COALESCE((SELECT MIN(p.file_id) FROM study_photos p WHERE p.activity_id = s.id), 0)`

const activityFrom = ` FROM study_activities s JOIN orgs o ON o.id = s.org_id
	LEFT JOIN documents d ON d.id = s.doc_id LEFT JOIN users u ON u.id = s.created_by`

func scanActivity(row db.Scanner) (Activity, error) {
	var x Activity
	var created, updated int64
	err := row.Scan(&x.ID, &x.OrgID, &x.OrgCode, &x.OrgName, &x.OrgPath, &x.Kind, &x.HeldOn, &x.Topic, &x.DocID,
		&x.DocNumber, &x.DocTitle, &x.Place, &x.Speaker, &x.Participants, &x.Summary, &x.CreatedBy,
		&x.CreatorName, &created, &updated, &x.Version, &x.PhotoCount, &x.FirstPhoto)
	x.CreatedAt, x.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return x, err
}

func (s *Service) byID(ctx context.Context, q db.Querier, id int64) (Activity, error) {
	x, err := scanActivity(q.QueryRow(ctx, `SELECT `+activityColumns+activityFrom+` WHERE s.id = ?`, id))
	return x, db.NoRows(err)
}

// Get returns an activity in the actor's scope; one outside it does not
// exist for them.
func (s *Service) Get(ctx context.Context, a access.Actor, id int64) (Activity, error) {
	if !a.Can(access.ViewWork) {
		return Activity{}, s.deny(ctx, a, "study.view", id)
	}
	x, err := s.byID(ctx, s.DB.Q(), id)
	if err != nil {
		return Activity{}, err
	}
	if !a.Scope().Contains(x.OrgPath) {
		return Activity{}, db.ErrNotFound
	}
	return x, nil
}

// CanEdit reports whether the actor may change the activity: the unit's
// own records only (the recording unit: it is recorded for the unit of
// whoever records it).
func CanEdit(a access.Actor, x Activity) bool {
	return a.CanChange(access.RecordWork, x.OrgPath, "") && x.OrgID == a.OrgID
}

// own loads an activity the actor's unit may change.
func (s *Service) own(ctx context.Context, a access.Actor, id int64, action string) (Activity, error) {
	x, err := s.Get(ctx, a, id)
	if err != nil {
		return Activity{}, err
	}
	if err := a.MayChange(access.RecordWork, x.OrgPath, ""); err != nil {
		return Activity{}, s.refuse(ctx, a, action, id, err)
	}
	if !CanEdit(a, x) {
		return Activity{}, s.deny(ctx, a, action, id)
	}
	return x, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Create records an activity of the actor's own unit with its photos; a
// bad field or photo refuses the whole of it.
func (s *Service) Create(ctx context.Context, a access.Actor, in Input, photos []Upload) (Activity, error) {
	if !a.Can(access.RecordWork) {
		return Activity{}, s.deny(ctx, a, "study.create", 0)
	}
	if err := s.check(ctx, a, &in, photos, 0); err != nil {
		return Activity{}, err
	}
	now := s.Now()
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = db.InsertID(ctx, tx, `INSERT INTO study_activities (org_id, org_path, kind, held_on, topic, doc_id, place, speaker,
			participants, summary, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.OrgID, a.OrgPath, string(in.Kind), in.HeldOn, in.Topic, nullID(in.DocID), in.Place, in.Speaker, in.Participants,
			in.Summary, a.UserID, db.Millis(now), db.Millis(now))
		if err != nil {
			return err
		}
		if err := Counted(ctx, tx, id); err != nil {
			return err
		}
		if err := s.savePhotos(ctx, tx, a, id, photos, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "study.create", "study_activity", strconv.FormatInt(id, 10), audit.OK,
			in.Kind.Label()+" "+in.HeldOn))
	})
	if err != nil {
		return Activity{}, err
	}
	return s.byID(ctx, s.DB.Q(), id)
}

// Update changes an activity of the actor's unit; version is the one the
// editor started from, so a stale form does not overwrite a newer edit.
func (s *Service) Update(ctx context.Context, a access.Actor, id int64, version int, in Input) (Activity, error) {
	if _, err := s.own(ctx, a, id, "study.update"); err != nil {
		return Activity{}, err
	}
	if err := s.check(ctx, a, &in, nil, 0); err != nil {
		return Activity{}, err
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		// The kind, the date and the participants may change: counted again.
		if err := track(ctx, tx, id, func() error {
			res, err := tx.Exec(ctx, `UPDATE study_activities SET kind = ?, held_on = ?, topic = ?, doc_id = ?, place = ?, speaker = ?,
				participants = ?, summary = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
				string(in.Kind), in.HeldOn, in.Topic, nullID(in.DocID), in.Place, in.Speaker, in.Participants, in.Summary,
				db.Millis(s.Now()), id, version)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return stale()
			}
			return nil
		}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "study.update", "study_activity", strconv.FormatInt(id, 10), audit.OK,
			in.Kind.Label()+" "+in.HeldOn))
	})
	if err != nil {
		return Activity{}, err
	}
	return s.byID(ctx, s.DB.Q(), id)
}

func stale() *apperr.Error {
	return apperr.New(http.StatusConflict, "changed", "该活动刚被他人修改，请刷新后再试")
}
