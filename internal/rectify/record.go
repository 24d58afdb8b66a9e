package rectify

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/tally"
	"halfsky/internal/vocab"
)

// Input is what a unit records about a problem.
type Input struct {
	Category    string   `json:"category"`
	Source      string   `json:"source"`
	Description string   `json:"description"`
	Measures    string   `json:"measures"`
	Responsible string   `json:"responsible"`
	Mode        string   `json:"mode"`
	Plan        string   `json:"plan"`
	FoundOn     string   `json:"found_on"`
	DueOn       string   `json:"due_on"`
	Reviews     []string `json:"reviews"` // 长期坚持: review dates
}

// InputOf is a problem's current record, for an edit form.
func InputOf(p Problem) Input {
	in := Input{Category: p.Category, Source: p.Source, Description: p.Description, Measures: p.Measures,
		Responsible: p.Responsible, Mode: p.Mode, Plan: p.Plan, FoundOn: p.FoundOn, DueOn: p.DueOn}
	for _, r := range p.Reviews {
		in.Reviews = append(in.Reviews, r.On)
	}
	return in
}

// validate checks and normalizes the input on the day today: "能改的马上改，
// 不能马上整改的也要……拿出规划、摆上日程" — a 限期整改 item needs a plan and a
// deadline, a 长期坚持 item review dates; a 立行立改 item is due in 30 days
// unless the unit says otherwise.
func (in *Input) validate(today string) error {
	for _, f := range []*string{&in.Category, &in.Source, &in.Description, &in.Measures, &in.Responsible, &in.Mode, &in.Plan, &in.FoundOn, &in.DueOn} {
		*f = strings.TrimSpace(*f)
	}
	e := map[string]string{}
	if !vocab.Known(Categories, in.Category) {
		e["category"] = "请选择问题类别"
	}
	if !vocab.Known(Sources, in.Source) {
		e["source"] = "请选择问题来源"
	}
	switch {
	case in.Description == "":
		e["description"] = "请填写问题表现"
	case vocab.TooLong(in.Description, 2000):
		e["description"] = "问题表现不能超过 2000 字"
	}
	switch {
	case in.Measures == "":
		e["measures"] = "请填写整改措施"
	case vocab.TooLong(in.Measures, 2000):
		e["measures"] = "整改措施不能超过 2000 字"
	}
	switch {
	case in.Responsible == "":
		e["responsible"] = "请填写责任人"
	case vocab.TooLong(in.Responsible, 50):
		e["responsible"] = "责任人不能超过 50 字"
	}
	if vocab.TooLong(in.Plan, 2000) {
		e["plan"] = "整改计划不能超过 2000 字"
	}
	foundOK := validDate(in.FoundOn)
	switch {
	case in.FoundOn == "":
		e["found_on"] = "请填写发现日期"
	case !foundOK:
		e["found_on"] = "日期格式应为 2015-08-31"
	case in.FoundOn > today:
		e["found_on"] = "发现日期不能晚于今天"
	}
	if in.DueOn != "" && in.Mode != ModeOngoing {
		switch {
		case !validDate(in.DueOn):
			e["due_on"] = "日期格式应为 2015-08-31"
		case foundOK && in.DueOn < in.FoundOn:
			e["due_on"] = "整改期限不能早于发现日期"
		}
	}
	switch in.Mode {
	case ModeNow:
		in.Reviews = nil
		if in.DueOn == "" && foundOK {
			in.DueOn = addDays(in.FoundOn, 30)
		}
	case ModeDeadline:
		in.Reviews = nil
		if in.Plan == "" {
			e["plan"] = "限期整改须拿出整改计划"
		}
		if in.DueOn == "" {
			e["due_on"] = "限期整改须写明整改期限"
		}
	case ModeOngoing:
		in.DueOn = ""
		in.Reviews = in.checkReviews(e, foundOK)
	default:
		e["mode"] = "请选择整改方式"
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	return nil
}

// checkReviews cleans the review dates of a 长期坚持 item: at least one,
// each a date not before the found date, no repeats, in order.
func (in *Input) checkReviews(e map[string]string, foundOK bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range in.Reviews {
		r = strings.TrimSpace(r)
		switch {
		case r == "" || seen[r]:
			continue
		case !validDate(r):
			e["reviews"] = "复查日期格式应为 2015-08-31"
		case foundOK && r < in.FoundOn:
			e["reviews"] = "复查日期不能早于发现日期"
		}
		seen[r] = true
		out = append(out, r)
	}
	sort.Strings(out)
	switch {
	case len(out) == 0 && e["reviews"] == "":
		e["reviews"] = "长期坚持须设定至少一个复查日期"
	case len(out) > 24:
		e["reviews"] = "复查日期不能超过 24 个"
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Create records a problem of the actor's own unit.
func (s *Service) Create(ctx context.Context, a access.Actor, in Input) (int64, error) {
	if !a.Can(access.RecordWork) {
		return 0, s.deny(ctx, a, "problem.create", "")
	}
	if err := in.validate(s.today()); err != nil {
		return 0, err
	}
	if err := s.sealInput(&in); err != nil {
		return 0, err
	}
	now := db.Millis(s.Now())
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = db.InsertID(ctx, tx, `INSERT INTO problems (org_id, org_path, category, source, description, measures, responsible,
			mode, plan, found_on, due_on, status, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`,
			a.OrgID, a.OrgPath, in.Category, in.Source, in.Description, in.Measures, in.Responsible,
			in.Mode, in.Plan, in.FoundOn, nullable(in.DueOn), a.UserID, now, now)
		if err != nil {
			return err
		}
		if err := tally.Added(ctx, tx, Family, "x.id = ?", id); err != nil {
			return err
		}
		if err := setReviews(ctx, tx, id, in.Reviews); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "problem.create", "problem", strconv.FormatInt(id, 10), audit.OK, detail(a.OrgCode, in)))
	})
	return id, err
}

// detail is an audit line without personal details: the unit, category
// and mode.
func detail(code string, in Input) string {
	return code + " " + in.Category + " " + in.Mode
}

// setReviews makes the item's review dates the given ones: reviews already
// made stay, dates no longer wanted that were not reviewed go.
func setReviews(ctx context.Context, tx *db.Tx, id int64, dates []string) error {
	keep := map[string]bool{}
	for _, d := range dates {
		keep[d] = true
	}
	open, err := db.Column[string](ctx, tx, `SELECT review_on FROM problem_reviews WHERE problem_id = ? AND done_at IS NULL`, id)
	if err != nil {
		return err
	}
	for _, d := range open {
		if keep[d] {
			continue
		}
		if _, err := tx.Exec(ctx, `DELETE FROM problem_reviews WHERE problem_id = ? AND review_on = ?`, id, d); err != nil {
			return err
		}
	}
	for _, d := range dates {
		if _, err := tx.Exec(ctx, `INSERT INTO problem_reviews (problem_id, review_on) VALUES (?, ?) ON CONFLICT (problem_id, review_on) DO NOTHING`, id, d); err != nil {
			return err
		}
	}
	return nil
}

// mine loads an item of the actor's own unit for a change by that unit.
func (s *Service) mine(ctx context.Context, a access.Actor, id int64, action string) (Problem, error) {
	p, err := s.Get(ctx, a, id)
	if err != nil {
		return Problem{}, err
	}
	// The unit's own ledger entry (recorded by its own users): never
	// changed from below, and of the units above only its own unit works
	// on it — the units above verify and close it.
	if err := a.MayChange(access.RecordWork, p.OrgPath, ""); err != nil {
		return Problem{}, s.refuse(ctx, a, action, strconv.FormatInt(id, 10), err)
	}
	if p.OrgID != a.OrgID {
		return Problem{}, s.deny(ctx, a, action, strconv.FormatInt(id, 10))
	}
	return p, nil
}

func notEditable(p Problem) error {
	if p.Status == Closed {
		return apperr.New(http.StatusConflict, "closed", "该问题已销号，不能再修改")
	}
	return apperr.New(http.StatusConflict, "applied", "该问题已申请销号，等待上级审核；如需修改，请上级退回")
}

// Update changes the record of the unit's own item while it is being fixed.
func (s *Service) Update(ctx context.Context, a access.Actor, id int64, in Input) error {
	p, err := s.mine(ctx, a, id, "problem.update")
	if err != nil {
		return err
	}
	if !p.Editable() {
		return notEditable(p)
	}
	if err := in.validate(s.today()); err != nil {
		return err
	}
	if err := s.sealInput(&in); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := bump(ctx, tx, p, db.Millis(s.Now()), `category = ?, source = ?, description = ?, measures = ?, responsible = ?,
			mode = ?, plan = ?, found_on = ?, due_on = ?`, in.Category, in.Source, in.Description, in.Measures, in.Responsible,
			in.Mode, in.Plan, in.FoundOn, nullable(in.DueOn)); err != nil {
			return err
		}
		if err := setReviews(ctx, tx, id, in.Reviews); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "problem.update", "problem", strconv.FormatInt(id, 10), audit.OK, detail(p.OrgCode, in)))
	})
}

// bump updates the item's row if nobody changed it since p was read, and
// the counters by what it changed (its category or its status).
func bump(ctx context.Context, tx *db.Tx, p Problem, now int64, set string, args ...any) error {
	args = append(args, now, p.ID, p.Version)
	return track(ctx, tx, p.ID, func() error {
		res, err := tx.Exec(ctx, `UPDATE problems SET `+set+`, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(http.StatusConflict, "changed", "该问题刚被他人修改，请刷新后再试")
		}
		return nil
	})
}
