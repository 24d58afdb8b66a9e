package study

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/report"
)

// ReportStudy is what a report page shows of study: the unit's
// activities in the requirement's period (since the document was
// issued), which of them are attached, and their sums.
type ReportStudy struct {
	Report       report.Report
	Since        string // YYYY-MM-DD, the document's issue day
	Activities   []Activity
	Attached     map[int64]bool
	CanAttach    bool // the report's unit, report not yet sent
	Sessions     int
	Participants int
	// Filled names the report's fields the sums go into.
	Filled []report.Field
}

// since is the Beijing day the report's document was issued.
func (s *Service) since(ctx context.Context, docID int64) (string, error) {
	var at int64
	if err := s.DB.QueryRow(ctx, `SELECT COALESCE(issued_at, 0) FROM documents WHERE id = ?`, docID).Scan(&at); err != nil {
		return "", db.NoRows(err)
	}
	if at == 0 {
		return "", nil
	}
	return db.FromMillis(at).In(db.Shanghai).Format("2006-01-02"), nil
}

// ForReport is the study section of a visible report: for the reporting
// unit every activity of the period, for others only those attached.
func (s *Service) ForReport(ctx context.Context, a access.Actor, reportID int64) (ReportStudy, error) {
	if !a.Can(access.ViewWork) {
		return ReportStudy{}, s.deny(ctx, a, "study.report_view", reportID)
	}
	rep, err := s.Reports.Get(ctx, a, reportID)
	if err != nil {
		return ReportStudy{}, err
	}
	rs := ReportStudy{Report: rep, Attached: map[int64]bool{}}
	if rs.Since, err = s.since(ctx, rep.DocID); err != nil {
		return ReportStudy{}, err
	}
	mine := rep.OrgID == a.OrgID && a.Can(access.ViewWork)
	rs.CanAttach = mine && a.Can(access.RecordWork) && !rep.Done()
	attached, err := db.Column[int64](ctx, s.DB.Q(), `SELECT activity_id FROM report_study WHERE report_id = ?`, reportID)
	if err != nil {
		return ReportStudy{}, err
	}
	for _, id := range attached {
		rs.Attached[id] = true
	}
	if mine {
		rs.Activities, err = s.query(ctx, `SELECT `+activityColumns+activityFrom+` WHERE s.org_id = ? AND s.held_on >= ?
			ORDER BY s.held_on DESC, s.id DESC LIMIT 500`, rep.OrgID, rs.Since)
	} else {
		rs.Activities, err = s.query(ctx, `SELECT `+activityColumns+activityFrom+`
			WHERE s.id IN (SELECT activity_id FROM report_study WHERE report_id = ?) ORDER BY s.held_on DESC, s.id DESC`, reportID)
	}
	if err != nil {
		return ReportStudy{}, err
	}
	for _, x := range rs.Activities {
		if rs.Attached[x.ID] {
			rs.Sessions++
			rs.Participants += x.Participants
		}
	}
	if req, _, err := s.Reports.Requirement(ctx, a, rep.DocID, rep.RequirementID); err == nil {
		for _, f := range req.Fields {
			if _, ok := measure(f); ok {
				rs.Filled = append(rs.Filled, f)
			}
		}
	}
	return rs, nil
}

// measure tells which sum a report field takes from attached activities:
// a count of sessions (场次, 期数) or of participants (人数, 人次); fields
// about training (培训) count only 专题培训.
func measure(f report.Field) (func([]Activity) int, bool) {
	text := strings.ToLower(f.Key + " " + f.Label)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(text, w) {
				return true
			}
		}
		return false
	}
	only := func(x Activity) bool { return true }
	if has("training", "培训") {
		only = func(x Activity) bool { return x.Kind == KindTraining }
	}
	switch {
	case has("participant", "people", "人数", "人次"):
		return func(list []Activity) int {
			n := 0
			for _, x := range list {
				if only(x) {
					n += x.Participants
				}
			}
			return n
		}, true
	case has("session", "training", "场次", "期数", "次数"):
		return func(list []Activity) int {
			n := 0
			for _, x := range list {
				if only(x) {
					n++
				}
			}
			return n
		}, true
	}
	return nil, false
}

// AttachToReport counts the given activities in the actor's unit's report
// (replacing what was attached) and fills the report's session and
// participant numbers from them. Only the report's own unit, only its own
// activities of the period, only before the report is sent.
func (s *Service) AttachToReport(ctx context.Context, a access.Actor, reportID int64, activityIDs []int64) (ReportStudy, error) {
	if !a.Can(access.RecordWork) {
		return ReportStudy{}, s.deny(ctx, a, "study.attach", reportID)
	}
	reps := s.reports()
	rep, err := reps.Get(ctx, a, reportID)
	if err != nil {
		return ReportStudy{}, err
	}
	// The report is its unit's own: changed there only, never from below.
	if err := a.MayChange(access.RecordWork, rep.OrgPath, ""); err != nil || rep.OrgID != a.OrgID {
		if err == nil {
			err = access.ErrDenied
		}
		detail := "study.attach"
		if errors.Is(err, access.ErrNotOwner) {
			detail += " not_owner"
		}
		return ReportStudy{}, audit.Refused(ctx, s.DB, a, "report", strconv.FormatInt(reportID, 10), detail, err)
	}
	if rep.Done() {
		return ReportStudy{}, apperr.New(http.StatusConflict, "already_submitted", "报送已提交，不能再更改学习活动")
	}
	since, err := s.since(ctx, rep.DocID)
	if err != nil {
		return ReportStudy{}, err
	}
	ids := dedupe(activityIDs)
	var chosen []Activity
	for _, id := range ids {
		x, err := s.byID(ctx, s.DB.Q(), id)
		if err != nil || x.OrgID != rep.OrgID || x.HeldOn < since {
			return ReportStudy{}, apperr.Field("activities", "只能选择本单位 "+since+" 以后的学习活动")
		}
		chosen = append(chosen, x)
	}
	req, _, err := reps.Requirement(ctx, a, rep.DocID, rep.RequirementID)
	if err != nil {
		return ReportStudy{}, err
	}
	numbers := map[string]float64{}
	for k, v := range rep.Numbers {
		numbers[k] = v
	}
	for _, f := range req.Fields {
		if sum, ok := measure(f); ok {
			numbers[f.Key] = float64(sum(chosen))
		}
	}
	// The report's own save checks and audits the numbers; the links are
	// replaced in the same transaction.
	err = reps.SaveWith(ctx, a, reportID, report.Input{Body: rep.Body, Numbers: numbers}, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM report_study WHERE report_id = ?`, reportID); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.Exec(ctx, `INSERT INTO report_study (report_id, activity_id) VALUES (?, ?)`, reportID, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "study.attach", "report", strconv.FormatInt(reportID, 10), audit.OK,
			strconv.Itoa(len(ids))+" 项学习活动"))
	})
	if err != nil {
		return ReportStudy{}, err
	}
	return s.ForReport(ctx, a, reportID)
}

func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := []int64{}
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
