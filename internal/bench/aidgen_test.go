package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/idcard"
	"halfsky/internal/org"
	"halfsky/internal/tally"
)

// The aid generator: three years of 巾帼关爱 applications for the Harbin
// tree — who applies to which programme, where, when, with valid GB 11643
// ID numbers and believable names, phones and addresses — as the entries
// the collecting units' staff would make, in the order they would make
// them. It writes nothing itself: the benchmark enters every one through
// aid.Service.Create (that is what is measured). About 3% are planted
// duplicates that Create must refuse: a woman's 两癌救助 entered again in
// another district or a later year (once per lifetime), or a child entered
// twice in one year of a yearly programme. Children renewing a yearly
// programme in the next year are not duplicates and must be accepted.
//
// It also plans where each application ends up (draft, under review at a
// level, returned, rejected, approved), so the cycles' budgets can be set
// before entry; aidSettle moves them there afterwards with plain UPDATEs.
// That part is setup, not measured: approving 100,000 applications one
// review step at a time would measure the review, not the statistics.

// aidGenUnit is a unit that collects applications (a village, community
// or street federation), with the staff member who enters them.
type aidGenUnit struct {
	ID       int64
	Code     string
	Name     string
	Kind     string
	Path     string
	Level    string // village or street: the level of a draft it holds
	District int    // index in aidGen.districts
	Street   string // the street's name (a village's parent), for addresses
	Actor    access.Actor
}

type aidDistrict struct {
	ID    int64
	Code  string // also the first six digits of its residents' ID numbers
	Name  string
	units []int
}

// aidPerson is someone who applies, with what stays the same between
// her entries.
type aidPerson struct {
	ID     string // 18-character ID number
	Birth  time.Time
	Female bool
	Name   string
	Phone  string
	Parent string // a child's guardian
}

// aidJob is one entry: an actor enters an input at a moment.
type aidJob struct {
	Unit   int
	At     time.Time // the service clock while entering
	In     aid.Input
	Person int
	// Dup says the entry must be refused: the person already has a live
	// application under the same dedupe key when it is entered.
	Dup bool
	// Renewal is the same child again in the next year's cycle.
	Renewal bool
	// Where the setup moves it after entry, if it is the one stored.
	Status, Level string
}

// aidGen generates the entries for the units in d.
type aidGen struct {
	r         *rand.Rand
	n         int
	now       time.Time // the real clock: no entry is later
	today     time.Time // Beijing midnight today
	years     []int     // the three cycles' years, oldest first
	units     []aidGenUnit
	districts []aidDistrict
	picker    []float64 // cumulative weights over units
	people    []aidPerson
	ids       map[string]bool
	Jobs      []aidJob
	// Planted counts the entries that must be refused (PlantedLife of
	// them 两癌 women entered again, in another district); Renewals the
	// next-year entries that must not be.
	Planted, PlantedLife, Renewals int
	// ByProgramme counts entries per programme code.
	ByProgramme map[string]int
}

// aidDupRate and aidRenewRate are the shares of planted duplicates and of
// next-year renewals among the entries.
const (
	aidDupRate   = 0.03
	aidRenewRate = 0.04
)

// aidProgrammes are the five programmes' shares of the entries and the
// amounts (fen) the benchmark's city sets for those the seed leaves at 0.
var aidProgrammes = []struct {
	Code   string
	Share  float64
	Amount int64 // 0: keep the seeded amount
}{
	{"cancer", 0.40, 0},
	{"spring_bud", 0.30, 200_000}, // RMB 2,000 a year
	{"love_mother", 0.12, 0},      // pairing, no money
	{"orphan", 0.10, 360_000},     // RMB 3,600 a year
	{"talent", 0.08, 500_000},     // RMB 5,000
}

func newAidGen(n int, seed uint64, now time.Time) *aidGen {
	t := now.In(db.Shanghai)
	y := t.Year()
	return &aidGen{r: rand.New(rand.NewPCG(seed, 2015)), n: n, now: now,
		today: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, db.Shanghai),
		years: []int{y - 2, y - 1, y}, ids: map[string]bool{}, ByProgramme: map[string]int{}}
}

// loadUnits reads the collecting units and one staff member of each (the
// cadres the work generator made, or the demo's village.staff).
func (g *aidGen) loadUnits(ctx context.Context, d *db.DB) error {
	rows, err := d.Query(ctx, `SELECT id, code, name, kind, path, COALESCE(parent_id, 0) FROM orgs WHERE active = 1 ORDER BY path`)
	if err != nil {
		return err
	}
	type unit struct {
		id, parent             int64
		code, name, kind, path string
	}
	byID := map[int64]unit{}
	var order []unit
	for rows.Next() {
		var u unit
		if err := rows.Scan(&u.id, &u.code, &u.name, &u.kind, &u.path, &u.parent); err != nil {
			rows.Close()
			return err
		}
		byID[u.id] = u
		order = append(order, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	staff, err := unitStaff(ctx, d)
	if err != nil {
		return err
	}
	district := map[int64]int{}
	for _, u := range order {
		if u.kind == string(org.KindDistrict) {
			district[u.id] = len(g.districts)
			g.districts = append(g.districts, aidDistrict{ID: u.id, Code: u.code, Name: u.name})
		}
	}
	var sum float64
	for _, u := range order {
		level := map[string]string{"village": "village", "community": "village", "street": "street"}[u.kind]
		p := access.PathIDs(u.path)
		a, ok := staff[u.id]
		if level == "" || len(p) < 2 || !ok {
			continue
		}
		di, ok := district[p[1]]
		if !ok {
			continue
		}
		gu := aidGenUnit{ID: u.id, Code: u.code, Name: u.name, Kind: u.kind, Path: u.path, Level: level, District: di, Actor: a}
		w := 1.0
		if level == "street" {
			// Streets mostly verify; a few collect themselves.
			w = 0.1
		} else {
			gu.Street = byID[u.parent].name
		}
		// Some villages are much busier than others (log-normal, as in
		// the work generator), and the same in every run.
		h := uint64(u.id)*0x9E3779B97F4A7C15 + 0x2016
		w *= math.Exp(0.5 * rand.New(rand.NewPCG(h, h>>17)).NormFloat64())
		sum += w
		g.districts[di].units = append(g.districts[di].units, len(g.units))
		g.units = append(g.units, gu)
		g.picker = append(g.picker, sum)
	}
	if len(g.units) == 0 {
		return fmt.Errorf("no collecting units with staff: load the tree and the cadres first")
	}
	return nil
}

// unitStaff is the first staff account of every unit (by id: the demo's
// where the unit has one, else the work generator's), as an actor there.
func unitStaff(ctx context.Context, d *db.DB) (map[int64]access.Actor, error) {
	rows, err := d.Query(ctx, `SELECT u.id, u.username, u.display_name, u.org_id, o.code, o.name, o.path
		FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.role = 'staff' AND u.disabled = 0 ORDER BY u.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	staff := map[int64]access.Actor{}
	for rows.Next() {
		a := access.Actor{Role: access.Staff, IP: "127.0.0.1"}
		if err := rows.Scan(&a.UserID, &a.Username, &a.Name, &a.OrgID, &a.OrgCode, &a.OrgName, &a.OrgPath); err != nil {
			return nil, err
		}
		if _, ok := staff[a.OrgID]; !ok {
			staff[a.OrgID] = a
		}
	}
	return staff, rows.Err()
}

// Run makes the entries: n in all, in the order of their moments.
func (g *aidGen) Run() {
	for len(g.Jobs) < g.n {
		switch x := g.r.Float64(); {
		case x < aidDupRate && len(g.Jobs) > 20:
			g.Jobs = append(g.Jobs, g.duplicate())
		case x < aidDupRate+aidRenewRate && len(g.Jobs) > 20:
			if j, ok := g.renewal(); ok {
				g.Jobs = append(g.Jobs, j)
			}
		default:
			g.Jobs = append(g.Jobs, g.fresh())
		}
	}
	slices.SortStableFunc(g.Jobs, func(a, b aidJob) int { return a.At.Compare(b.At) })
	// Whatever was meant, an entry is a duplicate exactly when its key
	// is already taken by an earlier one. Entered at the same moment as
	// the first, a duplicate may win the race instead: it carries the
	// first's plan, so whichever is stored ends up the same.
	first := map[string]int{}
	for i := range g.Jobs {
		j := &g.Jobs[i]
		key := g.key(*j)
		f, taken := first[key]
		j.Dup = taken
		g.ByProgramme[j.In.Programme]++
		if !taken {
			first[key] = i
			j.Status, j.Level = g.plan(j)
			if j.Renewal {
				g.Renewals++
			}
			continue
		}
		g.Planted++
		if j.In.Programme == "cancer" {
			g.PlantedLife++
		}
		j.Renewal = false
		j.Status, j.Level = g.Jobs[f].Status, g.Jobs[f].Level
		own := g.units[j.Unit].Level
		switch {
		case j.Status == string(aid.Draft) || j.Status == string(aid.Returned):
			j.Level = own
		case own == "street" && j.Level == "street":
			j.Level = "district"
		}
	}
}

// key is the entry's dedupe key: the person and the programme, and the
// year unless the programme is once per lifetime.
func (g *aidGen) key(j aidJob) string {
	k := g.people[j.Person].ID + "|" + j.In.Programme
	if j.In.Programme != "cancer" {
		k += "|" + strconv.Itoa(j.In.Year)
	}
	return k
}

// check reports keys not stored exactly once (ids[i] is job i's id, 0
// if it was refused).
func (g *aidGen) check(ids []int64) []string {
	stored := map[string]int{}
	for i, j := range g.Jobs {
		k := g.key(j)
		if ids[i] != 0 {
			stored[k]++
		} else if _, ok := stored[k]; !ok {
			stored[k] = 0
		}
	}
	var bad []string
	for i, j := range g.Jobs {
		if n := stored[g.key(j)]; n != 1 {
			bad = append(bad, fmt.Sprintf("job %d (%s %d): %d of its entries stored, want 1", i, j.In.Programme, j.In.Year, n))
		}
	}
	return bad
}

// fresh is a first entry of a new person.
func (g *aidGen) fresh() aidJob {
	code := g.programme()
	at := g.moment(g.year(), code)
	unit := g.unit()
	p := g.person(code, at, unit)
	return g.job(code, at, unit, p, false)
}

// duplicate enters an earlier applicant again where it must be refused: a
// 两癌 woman in another district, in the same or a later year; anyone else
// later in the same year (the same village or another).
func (g *aidGen) duplicate() aidJob {
	prev := g.Jobs[g.r.IntN(len(g.Jobs))]
	unit := prev.Unit
	var at time.Time
	if prev.In.Programme == "cancer" {
		unit = g.unitOutside(g.units[prev.Unit].District)
		y := prev.At.In(db.Shanghai).Year()
		if y < g.years[2] && g.chance(0.7) {
			at = g.moment(y+1+g.r.IntN(g.years[2]-y), "cancer")
		} else {
			at = g.later(prev.At)
		}
	} else {
		if g.chance(0.3) {
			unit = g.unit()
		}
		at = g.later(prev.At)
		if g.age(g.people[prev.Person], at) > 17 {
			// Turned 18 since: the same day, or the entry would be
			// refused for her age before the duplicate check.
			at = prev.At.Add(time.Minute)
		}
	}
	return g.job(prev.In.Programme, at, unit, prev.Person, false)
}

// renewal enters an earlier child of a yearly programme again in the next
// year's cycle, at the same village, if she is still young enough.
func (g *aidGen) renewal() (aidJob, bool) {
	prev := g.Jobs[g.r.IntN(len(g.Jobs))]
	y := prev.At.In(db.Shanghai).Year()
	if prev.In.Programme == "cancer" || prev.In.Programme == "talent" || y >= g.years[2] {
		return aidJob{}, false
	}
	at := g.moment(y+1, prev.In.Programme)
	if g.age(g.people[prev.Person], at) > 17 {
		return aidJob{}, false
	}
	j := g.job(prev.In.Programme, at, prev.Unit, prev.Person, true)
	return j, true
}

// later is a moment after t in the same year, before now.
func (g *aidGen) later(t time.Time) time.Time {
	b := t.In(db.Shanghai)
	end := time.Date(b.Year(), 12, 31, 17, 0, 0, 0, db.Shanghai)
	if end.After(g.now.Add(-time.Hour)) {
		end = g.now.Add(-time.Hour)
	}
	span := end.Sub(t)
	if span < 2*time.Hour {
		return t.Add(time.Minute)
	}
	return t.Add(time.Hour + time.Duration(g.r.Int64N(int64(min(span-time.Hour, 60*24*time.Hour)))))
}

func (g *aidGen) chance(p float64) bool { return g.r.Float64() < p }

func (g *aidGen) programme() string {
	x := g.r.Float64()
	for _, p := range aidProgrammes {
		if x < p.Share {
			return p.Code
		}
		x -= p.Share
	}
	return aidProgrammes[0].Code
}

// year picks a cycle's year: a little more each year.
func (g *aidGen) year() int {
	switch x := g.r.Float64(); {
	case x < 0.30:
		return g.years[0]
	case x < 0.63:
		return g.years[1]
	}
	return g.years[2]
}

// moment is a Beijing office-hours moment in the year, before today:
// weekdays four times as likely as weekends, fewer at the Spring
// Festival; 春蕾 applications mostly at the start of the school year.
func (g *aidGen) moment(year int, code string) time.Time {
	first := time.Date(year, 1, 3, 0, 0, 0, 0, db.Shanghai)
	last := time.Date(year, 12, 30, 0, 0, 0, 0, db.Shanghai)
	if !last.Before(g.today) {
		last = g.today.AddDate(0, 0, -1)
	}
	days := int(last.Sub(first).Hours()/24) + 1
	for {
		day := first.AddDate(0, 0, g.r.IntN(days))
		if code == "spring_bud" && g.chance(0.6) {
			day = time.Date(year, 8, 15+g.r.IntN(47), 0, 0, 0, 0, db.Shanghai)
			if day.After(last) {
				continue
			}
		}
		w := 1.0
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w = 0.25
		}
		if day.Month() == time.February {
			w *= 0.5
		}
		if g.r.Float64() < w {
			return day.Add(8*time.Hour + time.Duration(g.r.IntN(9*3600))*time.Second)
		}
	}
}

func (g *aidGen) unit() int {
	x := g.r.Float64() * g.picker[len(g.picker)-1]
	i, _ := slices.BinarySearch(g.picker, x)
	return min(i, len(g.units)-1)
}

// unitOutside picks a collecting unit of another district.
func (g *aidGen) unitOutside(district int) int {
	for {
		d := g.r.IntN(len(g.districts))
		if d != district && len(g.districts[d].units) > 0 {
			us := g.districts[d].units
			return us[g.r.IntN(len(us))]
		}
	}
}

// person makes a new applicant of the programme, living in the unit's
// district, of the programme's age at the moment.
func (g *aidGen) person(code string, at time.Time, unit int) int {
	var lo, hi int
	female := true
	switch code {
	case "cancer":
		lo, hi = 35, 64
	case "spring_bud":
		lo, hi = 6, 17
	case "love_mother":
		lo, hi, female = 3, 14, g.chance(0.55)
	case "orphan":
		lo, hi, female = 1, 17, g.chance(0.5)
	default:
		lo, hi, female = 15, 24, g.chance(0.8)
	}
	day := at.In(db.Shanghai)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	for {
		birth := day.AddDate(-(lo + g.r.IntN(hi-lo+1)), 0, -g.r.IntN(365))
		seq := g.r.IntN(500) * 2 // even: a woman
		if !female {
			seq++
		}
		first := g.districts[g.units[unit].District].Code + birth.Format("20060102") + fmt.Sprintf("%03d", seq)
		id := first + string(idcard.CheckChar(first))
		if g.ids[id] {
			continue
		}
		g.ids[id] = true
		p := aidPerson{ID: id, Birth: birth, Female: female, Phone: g.phone()}
		given := femaleGiven
		if code == "cancer" {
			given = givenNames
		} else if !female {
			given = maleGiven
		}
		p.Name = g.one(surnames) + g.one(given)
		if hi < 30 {
			// A child's guardian: her mother or grandmother, mostly.
			p.Parent = g.one(surnames) + g.one(givenNames)
		}
		g.people = append(g.people, p)
		return len(g.people) - 1
	}
}

func (g *aidGen) age(p aidPerson, at time.Time) int {
	return idcard.ID{Birth: p.Birth}.AgeAt(at.In(db.Shanghai))
}

func (g *aidGen) one(pool []string) string { return pool[g.r.IntN(len(pool))] }

func (g *aidGen) phone() string {
	return fmt.Sprintf("1%s%08d", g.one([]string{"30", "31", "32", "33", "35", "36", "37", "38", "39", "50", "51", "52", "55", "57", "58", "59", "80", "86", "87", "88", "89"}), g.r.IntN(100_000_000))
}

func (g *aidGen) address(unit int) string {
	u := g.units[unit]
	d := g.districts[u.District]
	prefix := strings.TrimSuffix(d.Name, "妇联")
	if u.Street != "" {
		prefix += strings.TrimSuffix(u.Street, "妇联")
	}
	prefix += strings.TrimSuffix(strings.TrimSuffix(u.Name, "妇联"), "妇女联合会")
	if u.Kind == "village" {
		return prefix + g.one([]string{"一组", "二组", "三组", "四组", "五组", "六组"}) + strconv.Itoa(1+g.r.IntN(80)) + "号"
	}
	return fmt.Sprintf("%s%s%d号楼%d单元%d室", prefix, g.one(estates), 1+g.r.IntN(30), 1+g.r.IntN(6), (1+g.r.IntN(7))*100+1+g.r.IntN(4))
}

// job fills in the entry form for person p at unit and moment at.
func (g *aidGen) job(code string, at time.Time, unit, person int, renewal bool) aidJob {
	p := g.people[person]
	year := at.In(db.Shanghai).Year()
	in := aid.Input{Programme: code, Year: year, Name: p.Name, IDNumber: p.ID, Phone: p.Phone, Address: g.address(unit),
		Household: g.one([]string{"dibao", "dibao", "tekun", "fanpin", "zhichu", "other", "other"})}
	age := g.age(p, at)
	switch code {
	case "cancer":
		in.Household = g.one([]string{"dibao", "dibao", "dibao", "tekun", "fanpin", "zhichu", "zhichu"})
		diag, stage := "cervical_iib", g.one([]string{"IIB期", "IIB期", "IIIA期", "IIIB期", "IVA期"})
		if g.chance(0.45) {
			diag, stage = "breast_invasive", g.one([]string{"浸润性导管癌 I期", "浸润性导管癌 II期", "浸润性小叶癌 II期", "III期"})
		}
		in.Facts = map[string]string{"diagnosis": diag, "stage": stage, "hospital": g.one(hospitals),
			"income": "家庭年收入约" + strconv.Itoa(4+g.r.IntN(20)) + "000元"}
		in.MedicalConsent = true
	case "spring_bud":
		in.Facts = map[string]string{"school": g.school(unit, age), "grade": grade(age)}
	case "love_mother":
		in.Facts = map[string]string{"mother": g.one(surnames) + g.one(givenNames) + "（" + g.one(mothers) + "）",
			"situation": g.one(situations)}
	case "orphan":
		in.Facts = map[string]string{"situation": g.one(orphanSituations)}
	default:
		in.Facts = map[string]string{"achievement": g.one(achievements)}
	}
	if age < 18 {
		in.GuardianName, in.GuardianConsent = p.Parent, true
		if in.GuardianName == "" {
			in.GuardianName = g.one(surnames) + g.one(givenNames)
		}
	}
	return aidJob{Unit: unit, At: at, In: in, Person: person, Renewal: renewal}
}

func (g *aidGen) school(unit, age int) string {
	d := strings.TrimSuffix(g.districts[g.units[unit].District].Name, "妇联")
	kind := "小学"
	switch {
	case age >= 15:
		kind = "高级中学"
	case age >= 12:
		kind = "中学"
	}
	return d + g.one([]string{"第一", "第二", "第三", "第五", "第七", "实验", "朝鲜族", "新区"}) + kind
}

// grade is the school year of a child of the age.
func grade(age int) string {
	names := []string{"一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三", "高一", "高二", "高三"}
	return names[max(0, min(age-6, len(names)-1))]
}

// plan is where an entered application is moved after entry: old cycles
// are mostly decided, this year's mostly still under way.
func (g *aidGen) plan(j *aidJob) (status, level string) {
	weights := map[int][]float64{ // draft, returned, reviewing, rejected, approved
		g.years[0]: {2, 1, 0, 14, 83},
		g.years[1]: {3, 2, 3, 13, 79},
		g.years[2]: {18, 6, 34, 7, 35},
	}[j.In.Year]
	names := []string{string(aid.Draft), string(aid.Returned), string(aid.Reviewing), string(aid.Rejected), string(aid.Approved)}
	status = pickStatus(g.r.Float64(), names, normalize(weights))
	own := g.units[j.Unit].Level
	above := []string{"street", "district", "city"}
	if own == "street" {
		above = above[1:]
	}
	switch status {
	case string(aid.Draft), string(aid.Returned):
		return status, own
	case string(aid.Approved):
		return status, "city"
	}
	// Under review at, or rejected by, a level above.
	return status, above[g.r.IntN(len(above))]
}

func normalize(w []float64) []float64 {
	var sum float64
	for _, x := range w {
		sum += x
	}
	out := make([]float64, len(w))
	for i, x := range w {
		out[i] = x / sum
	}
	return out
}

// budgets is, per programme and year, what the planned approvals cost
// (fen), with a margin: the budgets the city sets before entry.
func (g *aidGen) budgets(amounts map[string]int64) map[string]map[int]int64 {
	out := map[string]map[int]int64{}
	for _, j := range g.Jobs {
		if out[j.In.Programme] == nil {
			out[j.In.Programme] = map[int]int64{}
		}
		if !j.Dup && j.Status == string(aid.Approved) {
			out[j.In.Programme][j.In.Year] += amounts[j.In.Programme]
		}
	}
	for _, m := range out {
		for y, v := range m {
			// 15% more, rounded up to RMB 100,000.
			m[y] = (v*115/100/10_000_000 + 1) * 10_000_000
		}
	}
	return out
}

// aidSettle moves the entered applications (ids[i] is job i's, 0 if
// refused) to their planned status and level, with submission and closing
// times, and records the lifetime grants of the approved 两癌 ones — as the
// review would have left them, without the review's step history.
func aidSettle(ctx context.Context, d *db.DB, jobs []aidJob, ids []int64, now time.Time) error {
	groups := map[[2]string][]int64{}
	var keys [][2]string
	for i, j := range jobs {
		if ids[i] == 0 || j.Status == string(aid.Draft) {
			continue
		}
		k := [2]string{j.Status, j.Level}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], ids[i])
	}
	const day = int64(24 * time.Hour / time.Millisecond)
	nowMS := db.Millis(now)
	// capped is created_at + off, but not later than now.
	capped := `CASE WHEN created_at + ? > ? THEN ? ELSE created_at + ? END`
	return d.InTx(ctx, func(tx *db.Tx) error {
		for _, k := range keys {
			status, level := k[0], k[1]
			list := groups[k]
			for len(list) > 0 {
				n := min(len(list), 500)
				in := strings.TrimSuffix(strings.Repeat("?,", n), ",")
				args := []any{status, level, 3 * day, nowMS, nowMS, 3 * day}
				set := `status = ?, level = ?, submitted_at = ` + capped
				switch status {
				case string(aid.Approved), string(aid.Rejected):
					set += `, closed_at = ` + capped + `, updated_at = ` + capped
					args = append(args, 40*day, nowMS, nowMS, 40*day, 40*day, nowMS, nowMS, 40*day)
					if status == string(aid.Rejected) {
						set += `, dedupe_key = NULL`
					}
				default:
					set += `, updated_at = ` + capped
					args = append(args, 5*day, nowMS, nowMS, 5*day)
				}
				for _, id := range list[:n] {
					args = append(args, id)
				}
				if _, err := tx.Exec(ctx, `UPDATE aid_applications SET `+set+` WHERE id IN (`+in+`)`, args...); err != nil {
					return fmt.Errorf("settle %s/%s: %w", status, level, err)
				}
				list = list[n:]
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO aid_grants (id_hash, programme_code, application_id, granted_year, org_id, created_at)
			SELECT x.id_hash, p.code, x.id, x.year, x.org_id, x.closed_at FROM aid_applications x JOIN aid_programmes p ON p.id = x.programme_id
			WHERE p.once_per_life = 1 AND x.status = 'approved'`); err != nil {
			return err
		}
		// The statuses were set past the module: its counters count again.
		for _, f := range []tally.Family{aid.CountFamily, aid.AmountFamily} {
			if err := tally.Refill(ctx, tx, f); err != nil {
				return err
			}
		}
		return nil
	})
}

var (
	femaleGiven = []string{"欣怡", "雨涵", "佳慧", "梓涵", "诗涵", "子涵", "思彤", "雨桐", "可馨", "一诺", "语嫣", "佳琪", "梦瑶", "紫萱", "晓彤",
		"婧怡", "若曦", "心悦", "芷若", "雅静", "婉清", "思雨", "明月", "春燕", "丽娜"}
	maleGiven = []string{"浩然", "宇轩", "子轩", "俊杰", "博文", "明轩", "梓豪", "一鸣", "天佑", "思远", "家乐", "志强", "浩宇", "皓轩", "子墨",
		"晨阳", "铭泽", "俊熙", "嘉懿", "文博"}
	estates   = []string{"幸福小区", "和平家园", "松花江小区", "锦绣花园", "阳光嘉园", "滨江小区", "学府小区", "红旗小区", "铁路住宅", "新城家园"}
	hospitals = []string{"哈尔滨医科大学附属肿瘤医院", "哈尔滨医科大学附属第一医院", "哈尔滨医科大学附属第二医院", "黑龙江省医院",
		"哈尔滨市第一医院", "哈尔滨市第五医院", "黑龙江省肿瘤防治研究所附属医院", "哈尔滨市妇幼保健院"}
	mothers      = []string{"社区志愿者", "巾帼志愿者", "妇联执委", "退休教师", "爱心企业家", "村妇女主任"}
	situations   = []string{"父母外出务工，由祖辈照看", "单亲家庭，母亲患病", "父亲残疾，家庭收入低", "父母离异，随祖母生活", "家庭遭遇变故"}
	achievements = []string{"全国青少年科技创新大赛二等奖", "省级三好学生", "高考成绩位列区县前十", "市级优秀学生干部", "全国数学竞赛省赛区一等奖",
		"省级“美德少年”", "获国家奖学金", "市中学生运动会冠军"}
	orphanSituations = []string{"父母双亡，由祖母抚养", "父母双亡，由伯父抚养", "父亲去世，母亲服刑，事实无人抚养", "父母均重度残疾，事实无人抚养",
		"父母双亡，由姑姑抚养", "母亲去世，父亲下落不明"}
)
