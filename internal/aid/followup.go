package aid

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// Follow-ups are the records kept on an approved application while the
// programme lasts: 爱心妈妈's visits to the paired child, 慈善助孤's
// periodic checks and 春蕾圆梦's yearly school follow-up. Any RecordAid
// user in whose scope the application is may record one (the village
// cadre, or the street or district federation that went along).
//
// Who reads what: the school, grade and notes are about a minor and are
// sealed like an application's facts. Lists (Followups) show them hidden,
// to every ViewAid user in scope, with the dates, kind, school year and
// whether she is still in school. Only RevealFollowups opens them — the
// same rule as Reveal: a leader (RevealAid) in scope with a typed reason,
// audited as "aid.followup.reveal" before anything is returned. The cadre
// who wrote a note does not read it back in the clear any more than she
// reads back the applicant's ID number.

// Follow-up kinds as stored.
const (
	Visit  = "visit"  // 爱心妈妈走访
	School = "school" // 春蕾圆梦学年跟踪
	Check  = "check"  // 慈善助孤定期回访
)

// FollowupKinds in display order.
var FollowupKinds = []Option{{Key: Visit, Label: "爱心妈妈走访"}, {Key: School, Label: "学年跟踪"}, {Key: Check, Label: "定期回访"}}

// How often a follow-up is due, in days, for the kinds on a fixed rhythm.
// School follow-ups are due once per school year, from 1 September.
const (
	VisitEveryDays = 90
	CheckEveryDays = 180
)

// FollowupKindOf is the follow-up kind a programme of the given kind
// takes: "" for programmes without follow-up (relief, award).
func FollowupKindOf(programmeKind string) string {
	switch programmeKind {
	case "pairing":
		return Visit
	case "scholarship":
		return School
	case "periodic":
		return Check
	}
	return ""
}

// Followup is one follow-up record; School, Grade and Notes are hidden
// ("（已加密，需查看权限）") unless it came from RevealFollowups.
type Followup struct {
	ID            int64
	ApplicationID int64
	Kind          string
	Date          string // YYYY-MM-DD
	SchoolYear    string // school only: "2026-2027"
	InSchool      bool
	School        string
	Grade         string
	Notes         string
	Revealed      bool
	NextDue       string // YYYY-MM-DD; "" after the last
	OrgID         int64  // the application's collecting unit
	ByOrg         int64
	ByOrgName     string
	CreatedBy     int64
	Creator       string
	CreatedAt     time.Time
}

// KindLabel is the kind's Chinese name.
func (f Followup) KindLabel() string { return vocab.Label(FollowupKinds, f.Kind) }

// Last reports whether this follow-up ended the scholarship's follow-up.
func (f Followup) Last() bool { return f.Kind == School && !f.InSchool }

// FollowupInput is what the recording user enters. Kind may be left
// empty: the programme decides it; a kind that does not fit is refused.
type FollowupInput struct {
	Kind       string `json:"kind"`
	Date       string `json:"date"`        // YYYY-MM-DD; "" is today
	SchoolYear string `json:"school_year"` // school: "2026-2027"
	InSchool   *bool  `json:"in_school"`   // school: required
	School     string `json:"school"`      // school, while in school
	Grade      string `json:"grade"`       // school, while in school
	Notes      string `json:"notes"`
}

var (
	sealedFollowSchool = vault.Register("aid_followups", "id", "school")
	sealedFollowGrade  = vault.Register("aid_followups", "id", "grade")
	sealedFollowNotes  = vault.Register("aid_followups", "id", "notes")
)

var schoolYearRE = regexp.MustCompile(`^(\d{4})-(\d{4})$`)

// SchoolYearOf is the school year a date falls in: from 1 September to
// 31 August. 2026-10-08 → "2026-2027"; 2027-03-01 → "2026-2027".
func SchoolYearOf(date string) string {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return ""
	}
	y := t.Year()
	if t.Month() < time.September {
		y--
	}
	return fmt.Sprintf("%d-%d", y, y+1)
}

// schoolYearStart parses "2026-2027" to 2026.
func schoolYearStart(sy string) (int, bool) {
	m := schoolYearRE.FindStringSubmatch(sy)
	if m == nil {
		return 0, false
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	return a, b == a+1 && a >= 2000 && a < 2200
}

func addDays(date string, days int) string {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, days).Format("2006-01-02")
}

// checkFollowup validates in for a follow-up of kind on an application
// approved on approvedOn, today being today, and returns the next due date.
func checkFollowup(in *FollowupInput, kind, approvedOn, today string) (string, map[string]string) {
	in.Kind, in.Date, in.SchoolYear = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Date), strings.TrimSpace(in.SchoolYear)
	in.School, in.Grade, in.Notes = strings.TrimSpace(in.School), strings.TrimSpace(in.Grade), strings.TrimSpace(in.Notes)
	e := map[string]string{}
	if in.Kind != "" && in.Kind != kind {
		e["kind"] = "该项目的跟踪记录应为“" + vocab.Label(FollowupKinds, kind) + "”"
	}
	if in.Date == "" {
		in.Date = today
	}
	if _, err := time.Parse("2006-01-02", in.Date); err != nil {
		e["date"] = "日期格式应为 2026-09-15"
	} else if in.Date > today {
		e["date"] = "跟踪日期不能晚于今天"
	} else if in.Date < approvedOn {
		e["date"] = "跟踪日期不能早于批准日期 " + approvedOn
	}
	if in.Notes == "" {
		e["notes"] = "请填写跟踪情况"
	} else if vocab.TooLong(in.Notes, 1000) {
		e["notes"] = "跟踪情况不能超过 1000 字"
	}
	next := ""
	switch kind {
	case Visit:
		next = addDays(in.Date, VisitEveryDays)
	case Check:
		next = addDays(in.Date, CheckEveryDays)
	case School:
		next = checkSchool(in, e)
	}
	if kind != School && (in.SchoolYear != "" || in.School != "" || in.Grade != "") {
		e["school_year"] = "只有春蕾圆梦的学年跟踪记录学年和学校"
	}
	return next, e
}

// checkSchool checks a school follow-up's fields and returns its next due
// date: 1 September of the following school year, or "" for the last.
func checkSchool(in *FollowupInput, e map[string]string) string {
	if in.SchoolYear == "" && e["date"] == "" {
		in.SchoolYear = SchoolYearOf(in.Date)
	}
	y, ok := schoolYearStart(in.SchoolYear)
	switch {
	case !ok:
		e["school_year"] = "学年格式应为 2026-2027"
	case e["date"] == "" && (in.Date < fmt.Sprintf("%d-07-01", y) || in.Date > fmt.Sprintf("%d-08-31", y+1)):
		// The summer before the year starts counts: enrolment is often
		// confirmed then.
		e["school_year"] = "跟踪日期不在 " + in.SchoolYear + " 学年内"
	}
	if in.InSchool == nil {
		e["in_school"] = "请选择是否在校"
		return ""
	}
	if !*in.InSchool {
		return ""
	}
	if in.School == "" {
		e["school"] = "请填写学校"
	} else if vocab.TooLong(in.School, 50) {
		e["school"] = "学校不能超过 50 字"
	}
	if in.Grade == "" {
		e["grade"] = "请填写年级"
	} else if vocab.TooLong(in.Grade, 20) {
		e["grade"] = "年级不能超过 20 字"
	}
	return fmt.Sprintf("%d-09-01", y+1)
}

// errEnded refuses a school follow-up after the last one.
var errEnded = apperr.New(http.StatusConflict, "ended", "该学生已不在校，春蕾圆梦学年跟踪已结束")

// approvedOn is the Beijing date an application was approved.
func approvedOn(x Application) string { return x.ClosedAt.In(db.Shanghai).Format("2006-01-02") }

// followupTarget loads the application a follow-up is about and checks
// it takes one: approved, not purged, of a programme with follow-ups.
// It returns the follow-up kind.
func (s *Service) followupTarget(ctx context.Context, q db.Querier, a access.Actor, appID int64) (Application, string, error) {
	x, _, err := s.load(ctx, q, a, appID)
	if err != nil {
		return x, "", err
	}
	if x.Purged {
		return x, "", apperr.New(http.StatusGone, "purged", "该申请的个人信息已按保存期限删除")
	}
	p, err := s.programmeByID(ctx, q, x.ProgrammeID)
	if err != nil {
		return x, "", err
	}
	kind := FollowupKindOf(p.Kind)
	if kind == "" {
		return x, "", apperr.New(http.StatusConflict, "no_followup", p.Name+"不做跟踪记录")
	}
	if x.Status != Approved {
		return x, kind, apperr.New(http.StatusConflict, "state", "只有已批准的申请可以记录跟踪")
	}
	return x, kind, nil
}

// AddFollowup records a follow-up on an approved application in the
// actor's scope (RecordAid). The kind follows the programme: 爱心妈妈 a
// visit, 慈善助孤 a check, 春蕾圆梦 a school follow-up — one per school
// year, and none after one that says she is no longer in school.
func (s *Service) AddFollowup(ctx context.Context, a access.Actor, appID int64, in FollowupInput) (Followup, error) {
	if err := s.need(ctx, a, access.RecordAid, appID); err != nil {
		return Followup{}, err
	}
	if s.Vault == nil {
		return Followup{}, errNoVault
	}
	x, kind, err := s.followupTarget(ctx, s.DB.Q(), a, appID)
	if err != nil {
		return Followup{}, err
	}
	next, bad := checkFollowup(&in, kind, approvedOn(x), s.Today())
	if len(bad) > 0 {
		return Followup{}, apperr.Invalid(bad)
	}
	var school, grade string
	if kind == School && *in.InSchool {
		school, grade = in.School, in.Grade
	}
	v := map[vault.Column]string{sealedFollowSchool: school, sealedFollowGrade: grade, sealedFollowNotes: in.Notes}
	for col, plain := range v {
		if v[col], err = s.Vault.Seal(col.Purpose(), plain); err != nil {
			return Followup{}, err
		}
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.lockApproved(ctx, tx, appID); err != nil {
			return err
		}
		if kind == School {
			if err := s.checkSchoolYear(ctx, tx, appID, in.SchoolYear); err != nil {
				return err
			}
		}
		var sy any
		inSchool := 1
		if kind == School {
			sy = in.SchoolYear
			inSchool = db.Bit(*in.InSchool)
		}
		ms := db.Millis(s.now())
		id, err = db.InsertID(ctx, tx, `INSERT INTO aid_followups (application_id, kind, done_on, school_year, in_school, school, grade,
			notes, next_due, org_id, org_path, by_org, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			appID, kind, in.Date, sy, inSchool, v[sealedFollowSchool], v[sealedFollowGrade], v[sealedFollowNotes], next,
			x.OrgID, x.OrgPath, a.OrgID, a.UserID, ms, ms)
		if db.IsUniqueViolation(err) {
			return apperr.Field("school_year", in.SchoolYear+" 学年已有跟踪记录")
		}
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("%s %s %s", x.ProgrammeCode, kind, in.Date)
		if kind == School {
			detail += fmt.Sprintf(" %s in_school=%d", in.SchoolYear, inSchool)
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.followup.create", "aid_application", ids(appID), audit.OK, detail))
	})
	if err != nil {
		return Followup{}, err
	}
	return s.followup(ctx, id)
}

// lockApproved takes the application's row lock (a no-op update), so
// follow-ups of one application are added one at a time and the checks
// below see every earlier one; it fails if the application is no longer
// approved or was purged meanwhile.
func (s *Service) lockApproved(ctx context.Context, tx *db.Tx, appID int64) error {
	r, err := tx.Exec(ctx, `UPDATE aid_applications SET version = version WHERE id = ? AND status = 'approved' AND purged_at IS NULL`, appID)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return errState
	}
	return nil
}

// checkSchoolYear refuses a school follow-up after the last one, or a
// second for the same school year.
func (s *Service) checkSchoolYear(ctx context.Context, tx *db.Tx, appID int64, year string) error {
	var ended, same int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN in_school = 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN school_year = ? THEN 1 ELSE 0 END), 0) FROM aid_followups WHERE application_id = ? AND kind = 'school'`,
		year, appID).Scan(&ended, &same); err != nil {
		return err
	}
	if ended > 0 {
		return errEnded
	}
	if same > 0 {
		return apperr.Field("school_year", year+" 学年已有跟踪记录")
	}
	return nil
}

const followupCols = `f.id, f.application_id, f.kind, f.done_on, COALESCE(f.school_year, ''), f.in_school, f.school, f.grade, f.notes,
	f.next_due, f.org_id, f.by_org, o.name, f.created_by, u.display_name, f.created_at`

const followupFrom = ` FROM aid_followups f JOIN orgs o ON o.id = f.by_org JOIN users u ON u.id = f.created_by`

// followupSealed is a follow-up's sealed school, grade and notes.
type followupSealed struct{ school, grade, notes string }

func scanFollowup(row scanner) (Followup, followupSealed, error) {
	var f Followup
	var v followupSealed
	var in int
	var c int64
	err := row.Scan(&f.ID, &f.ApplicationID, &f.Kind, &f.Date, &f.SchoolYear, &in, &v.school, &v.grade, &v.notes,
		&f.NextDue, &f.OrgID, &f.ByOrg, &f.ByOrgName, &f.CreatedBy, &f.Creator, &c)
	f.InSchool, f.CreatedAt = in == 1, db.FromMillis(c)
	f.School, f.Grade, f.Notes = vault.MaskText(v.school), vault.MaskText(v.grade), vault.MaskText(v.notes)
	return f, v, err
}

func (s *Service) followup(ctx context.Context, id int64) (Followup, error) {
	f, _, err := scanFollowup(s.DB.QueryRow(ctx, `SELECT `+followupCols+followupFrom+` WHERE f.id = ?`, id))
	return f, db.NoRows(err)
}

// Followups lists an application's follow-ups in the actor's scope
// (ViewAid), newest first, with school, grade and notes hidden.
func (s *Service) Followups(ctx context.Context, a access.Actor, appID int64) ([]Followup, error) {
	if err := s.need(ctx, a, access.ViewAid, appID); err != nil {
		return nil, err
	}
	if _, _, err := s.load(ctx, s.DB.Q(), a, appID); err != nil {
		return nil, err
	}
	fs, _, err := s.followups(ctx, appID)
	return fs, err
}

func (s *Service) followups(ctx context.Context, appID int64) ([]Followup, []followupSealed, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+followupCols+followupFrom+` WHERE f.application_id = ? ORDER BY f.done_on DESC, f.id DESC`, appID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []Followup
	var vs []followupSealed
	for rows.Next() {
		f, v, err := scanFollowup(rows)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, f)
		vs = append(vs, v)
	}
	return out, vs, rows.Err()
}

// RevealFollowups opens an application's follow-ups — school, grade and
// notes in the clear — for a leader (RevealAid) in whose scope it is,
// with a typed reason of at least 4 characters, audited before anything
// is returned: the same rule as Reveal.
func (s *Service) RevealFollowups(ctx context.Context, a access.Actor, appID int64, reason string) ([]Followup, error) {
	if err := s.need(ctx, a, access.RevealAid, appID); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) < 4 {
		return nil, apperr.Field("reason", ErrReason)
	}
	if vocab.TooLong(reason, MaxReason) {
		return nil, apperr.Field("reason", ErrReasonTooLong)
	}
	if s.Vault == nil {
		return nil, errNoVault
	}
	x, _, err := s.load(ctx, s.DB.Q(), a, appID)
	if err != nil {
		return nil, err
	}
	if x.Purged {
		return nil, apperr.New(http.StatusGone, "purged", "该申请的个人信息已按保存期限删除")
	}
	fs, vs, err := s.followups(ctx, appID)
	if err != nil {
		return nil, err
	}
	for i := range fs {
		for _, c := range []struct {
			dst *string
			col vault.Column
			raw string
		}{{&fs[i].School, sealedFollowSchool, vs[i].school}, {&fs[i].Grade, sealedFollowGrade, vs[i].grade}, {&fs[i].Notes, sealedFollowNotes, vs[i].notes}} {
			if *c.dst, err = s.Vault.Open(c.col.Purpose(), c.raw); err != nil {
				return nil, fmt.Errorf("aid follow-up %d %s: %w", fs[i].ID, c.col.Name, err)
			}
		}
		fs[i].Revealed = true
	}
	if err := audit.Log(ctx, s.DB, audit.FromActor(a, "aid.followup.reveal", "aid_application", ids(appID), audit.OK,
		fmt.Sprintf("%d follow-ups; reason: %s", len(fs), reason))); err != nil {
		return nil, err
	}
	return fs, nil
}

// FollowupKindFor is the follow-up kind an application takes ("" for
// none), for forms; x comes from a scoped call.
func (s *Service) FollowupKindFor(ctx context.Context, x Application) (string, error) {
	p, err := s.programmeByID(ctx, s.DB.Q(), x.ProgrammeID)
	if err != nil {
		return "", err
	}
	return FollowupKindOf(p.Kind), nil
}
