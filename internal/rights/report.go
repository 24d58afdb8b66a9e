package rights

import (
	"context"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/vault"
	"halfsky/internal/vocab"
)

// MandatoryReport is a 强制报告 made: to whom, when, by whom.
type MandatoryReport struct {
	Agency     string
	ReportedOn string
	Note       string
	By         string
}

var sealedReportNote = vault.Register("case_reports", "id", "note")

// ReportAgencies are who a 强制报告 goes to.
var ReportAgencies = []vocab.Option{{Key: "police", Label: "公安机关"}}

func (s *Service) reports(ctx context.Context, q db.Querier, f *vault.Fields, caseID int64) ([]MandatoryReport, error) {
	return db.All(ctx, q, func(sc db.Scanner) (r MandatoryReport, err error) {
		var id int64
		err = sc.Scan(&id, &r.Agency, &r.ReportedOn, &r.Note, &r.By)
		f.Open(sealedReportNote, id, &r.Note)
		return r, err
	}, `SELECT r.id, r.agency, r.reported_on, r.note, u.display_name FROM case_reports r JOIN users u ON u.id = r.by_user
		WHERE r.case_id = ? ORDER BY r.reported_on, r.id`, caseID)
}

// NeedsReport reports whether the case's victim must be reported to the
// police (a minor, elderly, disabled or seriously ill victim of 家庭暴力)
// and no report is recorded yet.
func (c Case) NeedsReport() bool {
	if Top(c.Category) != "dv" || len(c.Reports) > 0 {
		return false
	}
	for _, p := range c.Parties {
		if p.Role != PartyRespondent && p.Vulnerable() {
			return true
		}
	}
	return false
}

// RecordReport records the 强制报告 made for the case.
func (s *Service) RecordReport(ctx context.Context, a access.Actor, id int64, version int, agency, reportedOn, note string) error {
	agency, reportedOn, note = strings.TrimSpace(agency), strings.TrimSpace(reportedOn), strings.TrimSpace(note)
	e := map[string]string{}
	if !vocab.Known(ReportAgencies, agency) {
		e["agency"] = "请选择报告的机关"
	}
	pastDate(e, "reported_on", reportedOn, s.today(), true)
	if vocab.TooLong(note, 500) {
		e["note"] = "说明不能超过 500 字"
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	now := s.Now()
	return s.change(ctx, a, id, version, "case.mandatory_report", func(tx *db.Tx, c *Case) error {
		sealed, err := s.seal(sealedReportNote, note)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_reports (case_id, agency, reported_on, note, by_user, at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, agency, reportedOn, sealed, a.UserID, db.Millis(now)); err != nil {
			return err
		}
		return s.event(ctx, tx, id, "report", "强制报告："+vocab.Label(ReportAgencies, agency)+"，"+reportedOn, a.UserID, now)
	}, "agency="+agency)
}

// SafetyItems are the safety plan a case rated 高 or above opens.
var SafetyItems = []vocab.Option{
	{Key: "contacts", Label: "约定紧急联系人和求救暗号"},
	{Key: "shelter", Label: "确定紧急时可去的安全住所（亲友或庇护所）"},
	{Key: "documents", Label: "备好身份证件、户口本、银行卡、药品等随身物品"},
	{Key: "evidence", Label: "保存证据：伤情照片、就医记录、报警回执、聊天记录"},
	{Key: "children", Label: "安排好孩子的安全（学校、接送人）"},
	{Key: "police", Label: "告知辖区派出所和社区网格员，必要时随时报警"},
	{Key: "order", Label: "告知可申请人身安全保护令"},
}

// SafetyItem is one item of a case's plan.
type SafetyItem struct {
	Item   string
	Label  string
	DoneAt time.Time
}

func safetyPlan(ctx context.Context, q db.Querier, caseID int64) ([]SafetyItem, error) {
	done := map[string]time.Time{}
	rows, err := db.All(ctx, q, func(sc db.Scanner) (SafetyItem, error) {
		var it SafetyItem
		var at *int64
		err := sc.Scan(&it.Item, &at)
		if at != nil {
			it.DoneAt = db.FromMillis(*at)
		}
		return it, err
	}, `SELECT item, done_at FROM case_safety WHERE case_id = ?`, caseID)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	for _, r := range rows {
		done[r.Item] = r.DoneAt
	}
	out := make([]SafetyItem, 0, len(SafetyItems))
	for _, o := range SafetyItems {
		out = append(out, SafetyItem{Item: o.Key, Label: o.Label, DoneAt: done[o.Key]})
	}
	return out, nil
}

// openSafetyPlan opens a case's safety plan (once).
func openSafetyPlan(ctx context.Context, tx *db.Tx, caseID int64) error {
	for _, o := range SafetyItems {
		if _, err := tx.Exec(ctx, `INSERT INTO case_safety (case_id, item) VALUES (?, ?) ON CONFLICT (case_id, item) DO NOTHING`, caseID, o.Key); err != nil {
			return err
		}
	}
	return nil
}

// MarkSafety records which items of the plan are in place.
func (s *Service) MarkSafety(ctx context.Context, a access.Actor, id int64, version int, done []string) error {
	for _, d := range done {
		if !vocab.Known(SafetyItems, d) {
			return apperr.Field("items", "安全计划项目不在清单中")
		}
	}
	now := s.Now()
	return s.change(ctx, a, id, version, "case.safety", func(tx *db.Tx, c *Case) error {
		plan, err := safetyPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if plan == nil {
			return apperr.New(409, "no_plan", "危险等级为高及以上的家暴案件才有安全计划")
		}
		var names []string
		for _, it := range plan {
			want := contains(done, it.Item)
			switch {
			case want && it.DoneAt.IsZero():
				_, err = tx.Exec(ctx, `UPDATE case_safety SET done_at = ?, by_user = ? WHERE case_id = ? AND item = ?`, db.Millis(now), a.UserID, id, it.Item)
				names = append(names, it.Label)
			case !want && !it.DoneAt.IsZero():
				_, err = tx.Exec(ctx, `UPDATE case_safety SET done_at = NULL, by_user = ? WHERE case_id = ? AND item = ?`, a.UserID, id, it.Item)
			}
			if err != nil {
				return err
			}
		}
		note := "安全计划已更新"
		if len(names) > 0 {
			note = "安全计划落实：" + strings.Join(names, "；")
		}
		return s.event(ctx, tx, id, "safety", note, a.UserID, now)
	}, "done="+strings.Join(done, ","))
}
