package visit

import (
	"context"
	"sort"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/vocab"
)

// Metrics a quota counts.
var Metrics = []Option{{Key: "women", Label: "联系妇女人数"}, {Key: "visits", Label: "走访次数"}, {Key: "needs", Label: "记录妇情条数"}, {Key: "tasks_done", Label: "办结实事件数"}}

// Quota: every cadre of the units under OrgID must reach Target in the period.
type Quota struct {
	ID        int64
	OrgID     int64
	OrgCode   string
	OrgName   string
	OrgPath   string
	SetByOrg  int64
	SetByName string
	Metric    string
	Target    int
	StartsOn  string
	EndsOn    string
	Title     string
	CreatedAt time.Time
}

// MetricLabel is the metric's Chinese name.
func (q Quota) MetricLabel() string { return vocab.Label(Metrics, q.Metric) }

// QuotaInput sets a quota.
type QuotaInput struct {
	OrgCode  string `json:"org_code"` // "" is the actor's own unit
	Metric   string `json:"metric"`
	Target   int    `json:"target"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Title    string `json:"title"`
}

// ErrQuotaScope is the message for a quota on a unit outside the scope.
const ErrQuotaScope = "只能为本单位及下级单位设置任务指标"

func (in *QuotaInput) validate() map[string]string {
	in.OrgCode, in.Metric, in.Title = strings.TrimSpace(in.OrgCode), strings.TrimSpace(in.Metric), strings.TrimSpace(in.Title)
	in.StartsOn, in.EndsOn = strings.TrimSpace(in.StartsOn), strings.TrimSpace(in.EndsOn)
	e := map[string]string{}
	if !vocab.Known(Metrics, in.Metric) {
		e["metric"] = "请选择考核指标"
	}
	if in.Target < 1 || in.Target > 100000 {
		e["target"] = "目标值应为 1 到 100000 之间的整数"
	}
	if !validDate(in.StartsOn) {
		e["starts_on"] = "请填写开始日期，格式如 2015-08-11"
	}
	switch {
	case !validDate(in.EndsOn):
		e["ends_on"] = "请填写结束日期，格式如 2015-08-31"
	case validDate(in.StartsOn) && in.EndsOn < in.StartsOn:
		e["ends_on"] = "结束日期不能早于开始日期"
	}
	if vocab.TooLong(in.Title, 60) {
		e["title"] = "名称不能超过 60 字"
	}
	return e
}

// CreateQuota sets a quota for the actor's unit or one below it.
func (s *Service) CreateQuota(ctx context.Context, a access.Actor, in QuotaInput) (Quota, error) {
	if !a.Can(access.ManageWork) {
		return Quota{}, s.deny(ctx, a, "quota.create", 0)
	}
	e := in.validate()
	o, err := s.unit(ctx, a, in.OrgCode)
	if unitRefused(err) {
		e["org_code"] = unitMessage(err, ErrQuotaScope)
	} else if err != nil {
		return Quota{}, err
	}
	if len(e) > 0 {
		return Quota{}, apperr.Invalid(e)
	}
	if in.Title == "" {
		in.Title = vocab.Label(Metrics, in.Metric)
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		id, err = db.InsertID(ctx, tx, `INSERT INTO quotas (org_id, org_path, set_by_org, metric, target, starts_on, ends_on, title, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, o.Path, a.OrgID, in.Metric, in.Target, in.StartsOn, in.EndsOn, in.Title,
			a.UserID, db.Millis(s.Now()))
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "quota.create", "quota", ids(id), audit.OK, o.Code+" "+in.Metric))
	})
	if err != nil {
		return Quota{}, err
	}
	return s.quota(ctx, id)
}

const quotaCols = `q.id, q.org_id, o.code, o.name, q.org_path, q.set_by_org, so.name, q.metric, q.target, q.starts_on, q.ends_on, q.title, q.created_at`

const quotaFrom = ` FROM quotas q JOIN orgs o ON o.id = q.org_id JOIN orgs so ON so.id = q.set_by_org`

func scanQuota(row db.Scanner) (Quota, error) {
	var q Quota
	var c int64
	err := row.Scan(&q.ID, &q.OrgID, &q.OrgCode, &q.OrgName, &q.OrgPath, &q.SetByOrg, &q.SetByName, &q.Metric, &q.Target,
		&q.StartsOn, &q.EndsOn, &q.Title, &c)
	q.CreatedAt = db.FromMillis(c)
	return q, err
}

func (s *Service) quota(ctx context.Context, id int64) (Quota, error) {
	q, err := scanQuota(s.DB.QueryRow(ctx, `SELECT `+quotaCols+quotaFrom+` WHERE q.id = ?`, id))
	return q, db.NoRows(err)
}

// ancestry is the paths of the unit at path and every unit above it.
func ancestry(path string) []any {
	var out []any
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			out = append(out, path[:i+1])
		}
	}
	return out
}

// quotaScope: quotas on units in the actor's scope, and quotas on the
// units above hers (which cover her unit too).
func quotaScope(a access.Actor) (string, []any) {
	lo, hi := a.Scope().Range()
	up := ancestry(a.OrgPath)
	if len(up) == 0 {
		return "q.org_path >= ? AND q.org_path < ?", []any{lo, hi}
	}
	return "((q.org_path >= ? AND q.org_path < ?) OR q.org_path IN (" + db.Marks(len(up)) + "))",
		append([]any{lo, hi}, up...)
}

// Quota returns a quota the actor sees.
func (s *Service) Quota(ctx context.Context, a access.Actor, id int64) (Quota, error) {
	if err := s.view(ctx, a, "quota.read"); err != nil {
		return Quota{}, err
	}
	q, err := s.quota(ctx, id)
	if err != nil || !(a.Scope().Contains(q.OrgPath) || strings.HasPrefix(a.OrgPath, q.OrgPath)) {
		return Quota{}, db.ErrNotFound
	}
	return q, nil
}

// Quotas lists the quotas the actor sees, the newest period first.
func (s *Service) Quotas(ctx context.Context, a access.Actor) ([]Quota, error) {
	if err := s.view(ctx, a, "quota.list"); err != nil {
		return nil, err
	}
	cond, args := quotaScope(a)
	out, err := db.All(ctx, s.DB.Q(), scanQuota, `SELECT `+quotaCols+quotaFrom+` WHERE `+cond+` ORDER BY q.ends_on DESC, q.id DESC`, args...)
	if out == nil && err == nil {
		out = []Quota{} // none is an empty list, not null
	}
	return out, err
}

// CadreProgress is one cadre's way towards a quota.
type CadreProgress struct {
	UserID  int64
	Name    string
	OrgCode string
	OrgName string
	Value   int
	Target  int
}

// Reached reports whether the cadre met the target.
func (c CadreProgress) Reached() bool { return c.Value >= c.Target }

// Percent is the progress 0–100, for bars.
func (c CadreProgress) Percent() int {
	if c.Target <= 0 || c.Value >= c.Target {
		return 100
	}
	return c.Value * 100 / c.Target
}

// Progress is a quota with every cadre's progress.
type Progress struct {
	Quota   Quota
	Cadres  []CadreProgress // least progress first
	Reached int
	Sum     int
}

// metricSQL sums a metric per cadre within [from, to]: one row per user.
func metricSQL(metric string) string {
	switch metric {
	case "visits":
		return `SELECT cadre_id AS uid, COUNT(*) AS n FROM visits WHERE visited_on >= ? AND visited_on <= ? GROUP BY cadre_id`
	case "needs":
		return `SELECT recorded_by AS uid, COUNT(*) AS n FROM needs WHERE recorded_on >= ? AND recorded_on <= ? GROUP BY recorded_by`
	case "tasks_done":
		return `SELECT owner_id AS uid, COUNT(*) AS n FROM tasks WHERE status = 'done' AND closed_on >= ? AND closed_on <= ? AND owner_id IS NOT NULL GROUP BY owner_id`
	}
	return `SELECT cadre_id AS uid, SUM(women) AS n FROM visits WHERE visited_on >= ? AND visited_on <= ? GROUP BY cadre_id`
}

// QuotaProgress lists the progress of every cadre under the quota's unit
// that the actor sees.
func (s *Service) QuotaProgress(ctx context.Context, a access.Actor, id int64) (Progress, error) {
	q, err := s.Quota(ctx, a, id)
	if err != nil {
		return Progress{}, err
	}
	// The cadres counted: under the quota's unit and in the actor's scope.
	scope := access.Scope{Path: q.OrgPath}
	if len(a.OrgPath) > len(q.OrgPath) {
		scope = a.Scope()
	}
	cond, args := scope.Where("o.path")
	rows, err := s.DB.Query(ctx, `SELECT u.id, u.display_name, o.code, o.name, COALESCE(m.n, 0) FROM users u JOIN orgs o ON o.id = u.org_id
		LEFT JOIN (`+metricSQL(q.Metric)+`) m ON m.uid = u.id
		WHERE u.disabled = 0 AND u.role IN ('leader', 'staff') AND `+cond+` ORDER BY o.path, u.id`,
		append([]any{q.StartsOn, q.EndsOn}, args...)...)
	if err != nil {
		return Progress{}, err
	}
	defer rows.Close()
	p := Progress{Quota: q, Cadres: []CadreProgress{}}
	for rows.Next() {
		c := CadreProgress{Target: q.Target}
		if err := rows.Scan(&c.UserID, &c.Name, &c.OrgCode, &c.OrgName, &c.Value); err != nil {
			return Progress{}, err
		}
		p.Sum += c.Value
		if c.Reached() {
			p.Reached++
		}
		p.Cadres = append(p.Cadres, c)
	}
	sort.SliceStable(p.Cadres, func(i, j int) bool { return p.Cadres[i].Percent() < p.Cadres[j].Percent() })
	return p, rows.Err()
}

// MyQuota is a quota covering the actor's unit now, with her progress.
type MyQuota struct {
	Quota Quota
	CadreProgress
}

// MyQuotas are the quotas in force today on the actor's unit or a unit
// above it, each with the actor's own progress.
func (s *Service) MyQuotas(ctx context.Context, a access.Actor) ([]MyQuota, error) {
	if !a.Can(access.RecordWork) {
		return nil, nil
	}
	up := ancestry(a.OrgPath)
	if len(up) == 0 {
		return nil, nil
	}
	today := s.Today()
	qs, err := db.All(ctx, s.DB.Q(), scanQuota, `SELECT `+quotaCols+quotaFrom+` WHERE q.org_path IN (`+db.Marks(len(up))+`)
		AND q.starts_on <= ? AND q.ends_on >= ? ORDER BY q.ends_on, q.id`, append(up, today, today)...)
	if err != nil {
		return nil, err
	}
	out := []MyQuota{}
	for _, q := range qs {
		var v int
		err := s.DB.QueryRow(ctx, `SELECT COALESCE(MAX(m.n), 0) FROM (`+metricSQL(q.Metric)+`) m WHERE m.uid = ?`,
			q.StartsOn, q.EndsOn, a.UserID).Scan(&v)
		if err != nil {
			return nil, err
		}
		out = append(out, MyQuota{Quota: q, CadreProgress: CadreProgress{UserID: a.UserID, Name: a.Name, OrgCode: a.OrgCode,
			OrgName: a.OrgName, Value: v, Target: q.Target}})
	}
	return out, nil
}

// QuarterOf is the first and last day of the quarter holding date.
func QuarterOf(date string) (string, string) {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return "", ""
	}
	first := time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	return first.Format("2006-01-02"), first.AddDate(0, 3, -1).Format("2006-01-02")
}
