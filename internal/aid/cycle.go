package aid

import (
	"context"
	"fmt"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/org"
)

// Cycle is a programme's year: when applications are taken and the money.
type Cycle struct {
	ID             int64
	ProgrammeID    int64
	ProgrammeCode  string
	ProgrammeName  string
	Year           int
	Budget         int64 // fen
	OpensOn        string
	ClosesOn       string
	Approved       int   // approved applications
	ApprovedAmount int64 // fen spent
	UpdatedAt      time.Time
	Version        int
}

// Remaining is the budget not yet approved.
func (c Cycle) Remaining() int64 { return c.Budget - c.ApprovedAmount }

// OpenOn reports whether applications are taken on the date.
func (c Cycle) OpenOn(date string) bool { return date >= c.OpensOn && date <= c.ClosesOn }

const cycleCols = `c.id, c.programme_id, p.code, p.name, c.year, c.budget, c.opens_on, c.closes_on,
	(SELECT COUNT(*) FROM aid_applications x WHERE x.cycle_id = c.id AND x.status = 'approved'),
	(SELECT COALESCE(SUM(x.amount), 0) FROM aid_applications x WHERE x.cycle_id = c.id AND x.status = 'approved'),
	c.updated_at, c.version`

const cycleFrom = ` FROM aid_cycles c JOIN aid_programmes p ON p.id = c.programme_id`

func scanCycle(row scanner) (Cycle, error) {
	var c Cycle
	var u int64
	err := row.Scan(&c.ID, &c.ProgrammeID, &c.ProgrammeCode, &c.ProgrammeName, &c.Year, &c.Budget, &c.OpensOn, &c.ClosesOn,
		&c.Approved, &c.ApprovedAmount, &u, &c.Version)
	c.UpdatedAt = db.FromMillis(u)
	return c, err
}

// Cycles lists a programme's cycles, newest first ("" lists every programme's).
func (s *Service) Cycles(ctx context.Context, a access.Actor, programme string) ([]Cycle, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return nil, err
	}
	var w db.Where
	if programme = strings.TrimSpace(programme); programme != "" {
		w.Add("p.code = ?", programme)
	}
	return db.All(ctx, s.DB.Q(), scanCycle, `SELECT `+cycleCols+cycleFrom+w.SQL()+` ORDER BY c.year DESC, p.sort`, w.Args...)
}

// Years lists the years any programme has a cycle for, newest first —
// the year menus, without the cycles' approval sums.
func (s *Service) Years(ctx context.Context, a access.Actor) ([]int, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return nil, err
	}
	return db.All(ctx, s.DB.Q(), func(row db.Scanner) (int, error) {
		var y int
		return y, row.Scan(&y)
	}, `SELECT DISTINCT year FROM aid_cycles ORDER BY year DESC`)
}

// Cycle returns one cycle.
func (s *Service) Cycle(ctx context.Context, a access.Actor, id int64) (Cycle, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return Cycle{}, err
	}
	return s.cycle(ctx, s.DB.Q(), id)
}

func (s *Service) cycle(ctx context.Context, q db.Querier, id int64) (Cycle, error) {
	c, err := scanCycle(q.QueryRow(ctx, `SELECT `+cycleCols+cycleFrom+` WHERE c.id = ?`, id))
	return c, db.NoRows(err)
}

func (s *Service) cycleOf(ctx context.Context, q db.Querier, programmeID int64, year int) (Cycle, error) {
	c, err := scanCycle(q.QueryRow(ctx, `SELECT `+cycleCols+cycleFrom+` WHERE c.programme_id = ? AND c.year = ?`, programmeID, year))
	return c, db.NoRows(err)
}

// cycleBareCols leave out the approvals' count and sum, which grow with
// the cycle and which entering an application does not need (the
// approval reads them again, under the cycle's lock).
const cycleBareCols = `c.id, c.programme_id, p.code, p.name, c.year, c.budget, c.opens_on, c.closes_on, 0, 0, c.updated_at, c.version`

// cycleBare is cycleOf without the approvals.
func (s *Service) cycleBare(ctx context.Context, q db.Querier, programmeID int64, year int) (Cycle, error) {
	c, err := scanCycle(q.QueryRow(ctx, `SELECT `+cycleBareCols+cycleFrom+` WHERE c.programme_id = ? AND c.year = ?`, programmeID, year))
	return c, db.NoRows(err)
}

// CycleInput opens (or changes) a programme's year.
type CycleInput struct {
	Programme string `json:"programme"` // code
	Year      int    `json:"year"`
	Budget    int64  `json:"budget"` // fen
	OpensOn   string `json:"opens_on"`
	ClosesOn  string `json:"closes_on"`
}

func validDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

func (in *CycleInput) validate() map[string]string {
	in.OpensOn, in.ClosesOn = strings.TrimSpace(in.OpensOn), strings.TrimSpace(in.ClosesOn)
	e := map[string]string{}
	if in.Year < 2015 || in.Year > 2100 {
		e["year"] = "请填写年度"
	}
	if in.Budget < 0 || in.Budget > 100_000_000_000 {
		e["budget"] = "预算金额不对"
	}
	if !validDate(in.OpensOn) {
		e["opens_on"] = "日期格式应为 2015-08-11"
	}
	if !validDate(in.ClosesOn) {
		e["closes_on"] = "日期格式应为 2015-08-11"
	} else if in.ClosesOn < in.OpensOn {
		e["closes_on"] = "截止日期不能早于开始日期"
	}
	return e
}

// SaveCycle opens a programme's year or changes its budget and dates (city
// leader only). The budget cannot go below what is already approved.
func (s *Service) SaveCycle(ctx context.Context, a access.Actor, in CycleInput) (Cycle, error) {
	if err := s.managesAny(ctx, a, "aid.cycle.save", 0); err != nil {
		return Cycle{}, err
	}
	if p, err := s.programme(ctx, s.DB.Q(), in.Programme); err == nil {
		if err := s.manage(ctx, a, "aid.cycle.save", 0, p); err != nil {
			return Cycle{}, err
		}
	}
	if e := in.validate(); len(e) > 0 {
		return Cycle{}, apperr.Invalid(e)
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		p, err := s.programme(ctx, tx, in.Programme)
		if err != nil {
			return apperr.Field("programme", "请选择项目")
		}
		if !Manages(a, p) {
			return access.ErrDenied
		}
		now := db.Millis(s.now())
		c, err := s.cycleOf(ctx, tx, p.ID, in.Year)
		switch {
		case err == nil:
			if in.Budget < c.ApprovedAmount {
				return apperr.Field("budget", "预算不能少于已批准的金额 "+YuanGrouped(c.ApprovedAmount)+" 元")
			}
			id = c.ID
			if _, err := tx.Exec(ctx, `UPDATE aid_cycles SET budget = ?, opens_on = ?, closes_on = ?, updated_at = ?, version = version + 1
				WHERE id = ?`, in.Budget, in.OpensOn, in.ClosesOn, now, id); err != nil {
				return err
			}
		case err == db.ErrNotFound:
			id, err = db.InsertID(ctx, tx, `INSERT INTO aid_cycles (programme_id, year, budget, opens_on, closes_on, created_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, in.Year, in.Budget, in.OpensOn, in.ClosesOn, a.UserID, now, now)
			if err != nil {
				return err
			}
		default:
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.cycle.save", "aid_cycle", ids(id), audit.OK,
			fmt.Sprintf("%s %d budget=%d %s..%s", p.Code, in.Year, in.Budget, in.OpensOn, in.ClosesOn)))
	})
	if err != nil {
		return Cycle{}, err
	}
	return s.cycle(ctx, s.DB.Q(), id)
}

// Quota is a district's share of a cycle.
type Quota struct {
	Org      org.Org
	Quota    int
	Approved int
	Set      bool // false: no quota of its own
}

// districtOf returns the unit that stands for an application's place in
// its programme: the owner unit's child on the path (for a city's
// programme its district federation, for a province's its city's). It
// is false when the path is not strictly below the owner.
func districtOf(path, ownerPath string) (int64, bool) {
	if ownerPath == "" || len(path) <= len(ownerPath) || !strings.HasPrefix(path, ownerPath) {
		return 0, false
	}
	p := access.PathIDs(path[len(ownerPath)-1:])
	if len(p) == 0 {
		return 0, false
	}
	return p[0], true
}

// quotaUnit reports whether o may hold a quota of programmes run by
// owner: a territorial unit directly below it.
func quotaUnit(o org.Org, owner int64) bool {
	return o.ParentID == owner && o.Kind.Territorial()
}

// cycleProgramme is the programme of a cycle.
func (s *Service) cycleProgramme(ctx context.Context, q db.Querier, cycleID int64) (Programme, error) {
	var pid int64
	if err := q.QueryRow(ctx, `SELECT programme_id FROM aid_cycles WHERE id = ?`, cycleID).Scan(&pid); err != nil {
		return Programme{}, db.NoRows(err)
	}
	return s.programmeByID(ctx, q, pid)
}

// SetQuota sets how many applications a unit below the programme's owner
// (a district, for a city's programme) may have approved in a cycle (the
// owner's leader only); not below those already approved.
func (s *Service) SetQuota(ctx context.Context, a access.Actor, cycleID int64, district string, quota int) error {
	if err := s.managesAny(ctx, a, "aid.quota.set", 0); err != nil {
		return err
	}
	p, err := s.cycleProgramme(ctx, s.DB.Q(), cycleID)
	if err != nil {
		return err
	}
	if err := s.manage(ctx, a, "aid.quota.set", 0, p); err != nil {
		return err
	}
	o, err := s.Orgs.ByCode(ctx, a, strings.TrimSpace(district))
	if err != nil {
		return apperr.Field("org", "请选择区县（市）妇联")
	}
	if !quotaUnit(o, p.OwnerID) {
		return apperr.Field("org", "名额只能分配给"+p.OwnerName+"的直属下级妇联")
	}
	if quota < 0 || quota > 1_000_000 {
		return apperr.Field("quota", "名额应为不小于 0 的整数")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.cycle(ctx, tx, cycleID); err != nil {
			return err
		}
		var used int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM aid_applications WHERE cycle_id = ? AND district_id = ? AND status = 'approved'`,
			cycleID, o.ID).Scan(&used); err != nil {
			return err
		}
		if quota < used {
			return apperr.Field("quota", fmt.Sprintf("名额不能少于已批准的 %d 人", used))
		}
		now := db.Millis(s.now())
		res, err := tx.Exec(ctx, `UPDATE aid_quotas SET quota = ?, updated_by = ?, updated_at = ? WHERE cycle_id = ? AND org_id = ?`,
			quota, a.UserID, now, cycleID, o.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO aid_quotas (cycle_id, org_id, quota, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)`,
				cycleID, o.ID, quota, a.UserID, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "aid.quota.set", "aid_cycle", ids(cycleID), audit.OK,
			fmt.Sprintf("%s quota=%d", o.Code, quota)))
	})
}

// Quotas lists the district-level federations the actor reaches (every
// one for the city, her own for a district's user) with their quota in the
// cycle and their approvals.
func (s *Service) Quotas(ctx context.Context, a access.Actor, cycleID int64) ([]Quota, error) {
	if err := s.need(ctx, a, access.ViewAid, 0); err != nil {
		return nil, err
	}
	p, err := s.cycleProgramme(ctx, s.DB.Q(), cycleID)
	if err != nil {
		return nil, err
	}
	owner, err := s.Orgs.ByID(ctx, s.DB.Q(), p.OwnerID)
	if err == db.ErrNotFound {
		return nil, nil // not yet given to a unit: nobody holds a quota
	}
	if err != nil {
		return nil, err
	}
	// Rollup with no numbers is the owner's children; a district's user
	// sees her own district's row only.
	all, _, err := s.Orgs.Rollup(ctx, owner, 0, nil)
	if err != nil {
		return nil, err
	}
	var kids []org.Org
	for _, r := range all {
		if quotaUnit(r.Org, owner.ID) && (a.Scope().Contains(r.Org.Path) || strings.HasPrefix(a.OrgPath, r.Org.Path)) {
			kids = append(kids, r.Org)
		}
	}
	set := map[int64]int{}
	rows, err := s.DB.Query(ctx, `SELECT org_id, quota FROM aid_quotas WHERE cycle_id = ?`, cycleID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var q int
		if err := rows.Scan(&id, &q); err != nil {
			rows.Close()
			return nil, err
		}
		set[id] = q
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	used := map[int64]int{}
	rows, err = s.DB.Query(ctx, `SELECT district_id, COUNT(*) FROM aid_applications WHERE cycle_id = ? AND status = 'approved' GROUP BY district_id`, cycleID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		used[id] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Quota
	for _, k := range kids {
		q, ok := set[k.ID]
		out = append(out, Quota{Org: k, Quota: q, Set: ok, Approved: used[k.ID]})
	}
	return out, nil
}
