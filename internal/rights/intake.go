package rights

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
	"halfsky/internal/notify"
	"halfsky/internal/org"
	"halfsky/internal/vocab"
)

// Input is a case as a cadre takes it in: during a 12338 call (a quick
// form, keyboard only), at a walk-in, from a letter or another agency's
// transfer. Every party is optional; an anonymous case names no
// complainant.
type Input struct {
	Channel      string       `json:"channel"`
	SourceAgency string       `json:"source_agency"`
	Category     string       `json:"category"`
	Anonymous    bool         `json:"anonymous"`
	Narrative    string       `json:"narrative"`
	Phone        string       `json:"phone"`
	ContactTime  string       `json:"contact_time"`
	NoCall       bool         `json:"no_call"`
	ReceivedOn   string       `json:"received_on"` // a letter's or transfer's date; "" = now
	Take         bool         `json:"take"`        // she handles it herself (the default for a call)
	Parties      []PartyInput `json:"parties"`
}

// PartyInput is one person as entered.
type PartyInput struct {
	Role     string `json:"role"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Address  string `json:"address"`
	Relation string `json:"relation"`
	AgeGroup string `json:"age_group"`
	Disabled bool   `json:"disabled"`
	Ill      bool   `json:"ill"`
}

// Limits on what is typed.
const (
	MaxNarrative = 5000
	maxName      = 50
	maxAddress   = 200
	maxShort     = 50
	maxParties   = 12
)

var phoneRE = regexp.MustCompile(`^[0-9][0-9 \-]{5,18}[0-9]$`)

// cleanPhone trims a phone number and turns full-width digits and dashes
// into ASCII, as people type them on a Chinese keyboard.
func cleanPhone(p string) string {
	p = strings.TrimSpace(p)
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '－' || r == '—':
			return '-'
		}
		return r
	}, p)
}

// validate checks and normalizes in; today is the date in Shanghai.
func (in *Input) validate(cats []Category, today string) error {
	for _, f := range []*string{&in.Channel, &in.SourceAgency, &in.Category, &in.Narrative, &in.ContactTime, &in.ReceivedOn} {
		*f = strings.TrimSpace(*f)
	}
	in.Phone = cleanPhone(in.Phone)
	e := map[string]string{}
	switch in.Channel {
	case ChannelHotline, ChannelWalkIn, ChannelLetter:
		in.SourceAgency = ""
	case ChannelTransfer:
		if !vocab.Known(SourceAgencies, in.SourceAgency) {
			e["source_agency"] = "请选择转来的部门"
		}
	case ChannelOnline, ChannelNeed:
		e["channel"] = "网上求助由求助人在公开页面提交；走访发现的需求请在需求页转为案件"
	default:
		e["channel"] = "请选择受理渠道"
	}
	if !activeCategory(cats, in.Category) {
		e["category"] = "请选择案件类别"
	}
	checkNarrative(e, "narrative", in.Narrative)
	checkContact(e, in.Phone, in.ContactTime)
	if in.ReceivedOn != "" {
		switch d, err := time.Parse(time.DateOnly, in.ReceivedOn); {
		case err != nil:
			e["received_on"] = "日期格式应为 2026-03-08"
		case d.Format(time.DateOnly) > today:
			e["received_on"] = "收到日期不能晚于今天"
		}
	}
	if len(in.Parties) > maxParties {
		e["parties"] = fmt.Sprintf("当事人最多 %d 人", maxParties)
	}
	for i := range in.Parties {
		in.Parties[i].validate(e, i, in.Anonymous)
	}
	if len(e) > 0 {
		return apperr.Invalid(e)
	}
	return nil
}

func checkNarrative(e map[string]string, field, s string) {
	switch {
	case s == "":
		e[field] = "请简要写明发生了什么"
	case vocab.TooLong(s, MaxNarrative):
		e[field] = fmt.Sprintf("情况说明不能超过 %d 字（现有 %d 字）", MaxNarrative, len([]rune(s)))
	}
}

func checkContact(e map[string]string, phone, when string) {
	if phone != "" && !phoneRE.MatchString(phone) {
		e["phone"] = "电话号码应为 7 到 20 位数字，可含短横线"
	}
	if vocab.TooLong(when, maxShort) {
		e["contact_time"] = fmt.Sprintf("方便联系的时间不能超过 %d 字", maxShort)
	}
}

func (p *PartyInput) validate(e map[string]string, i int, anonymous bool) {
	for _, f := range []*string{&p.Role, &p.Name, &p.Address, &p.Relation, &p.AgeGroup} {
		*f = strings.TrimSpace(*f)
	}
	p.Phone = cleanPhone(p.Phone)
	key := func(f string) string { return "parties." + strconv.Itoa(i) + "." + f }
	if !vocab.Known(PartyRoles, p.Role) {
		e[key("role")] = "请选择当事人身份"
	}
	if anonymous && p.Role == PartyComplainant && (p.Name != "" || p.Phone != "" || p.Address != "") {
		e[key("name")] = "匿名求助不记录求助人的姓名、电话和住址"
	}
	if vocab.TooLong(p.Name, maxName) {
		e[key("name")] = fmt.Sprintf("姓名不能超过 %d 字", maxName)
	}
	if p.Phone != "" && !phoneRE.MatchString(p.Phone) {
		e[key("phone")] = "电话号码应为 7 到 20 位数字，可含短横线"
	}
	if vocab.TooLong(p.Address, maxAddress) {
		e[key("address")] = fmt.Sprintf("住址不能超过 %d 字", maxAddress)
	}
	if vocab.TooLong(p.Relation, maxShort) {
		e[key("relation")] = fmt.Sprintf("关系不能超过 %d 字", maxShort)
	}
	if p.AgeGroup != "" && !vocab.Known(AgeGroups, p.AgeGroup) {
		e[key("age_group")] = "请选择年龄段"
	}
}

// Intake takes a case in at the actor's unit and returns its id. With Take
// she is its handler; otherwise it waits in the unit's inbox.
func (s *Service) Intake(ctx context.Context, a access.Actor, in Input) (int64, error) {
	if !a.Can(access.RecordCases) {
		return 0, s.deny(ctx, a, "case.intake", "")
	}
	cats, err := s.Categories(ctx)
	if err != nil {
		return 0, err
	}
	if err := in.validate(cats, s.today()); err != nil {
		return 0, err
	}
	unit, err := s.Orgs.ByID(ctx, s.DB.Q(), a.OrgID)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	received := now
	if in.ReceivedOn != "" && in.ReceivedOn < s.today() {
		d, _ := time.ParseInLocation(time.DateOnly, in.ReceivedOn, db.Shanghai)
		received = d.Add(9 * time.Hour).UTC() // a letter's day: its limits run from the working day's start
	}
	n := newCase{unit: unit, channel: in.Channel, source: in.SourceAgency, category: in.Category, anonymous: in.Anonymous,
		narrative: in.Narrative, phone: in.Phone, contactTime: in.ContactTime, noCall: in.NoCall, received: received,
		parties: in.Parties, by: a.UserID}
	if in.Take {
		n.handler = a.UserID
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = s.create(ctx, tx, n, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "case.intake", "case", strconv.FormatInt(id, 10), audit.OK,
			fmt.Sprintf("channel=%s category=%s parties=%d take=%v", in.Channel, in.Category, len(in.Parties), in.Take)))
	})
	return id, err
}

// newCase is what create stores.
type newCase struct {
	unit                          org.Org
	channel, source, category     string
	anonymous, noCall             bool
	narrative, phone, contactTime string
	received                      time.Time
	parties                       []PartyInput
	needID                        int64
	by, handler                   int64 // by 0: the public form
	trackKey                      string
}

// create stores a new case with its number, parties and first event, and
// tells the unit's accounts (a line without names) when no one has it.
func (s *Service) create(ctx context.Context, tx *db.Tx, n newCase, now time.Time) (int64, error) {
	f := s.sealer()
	narrative, phone, when := f.Seal(sealedNarrative, n.narrative), f.Seal(sealedPhone, n.phone), f.Seal(sealedContactTime, n.contactTime)
	if f.Err != nil {
		return 0, f.Err
	}
	year := n.received.In(db.Shanghai).Year()
	seq, err := nextNumber(ctx, tx, n.unit.ID, year)
	if err != nil {
		return 0, err
	}
	status := Received
	var handler, recorder, need, track any
	if n.handler != 0 {
		handler = n.handler
	}
	if n.by != 0 {
		recorder = n.by
	}
	if n.needID != 0 {
		need = n.needID
	}
	if n.trackKey != "" {
		track = n.trackKey
	}
	limits, err := s.currentLimits(ctx, tx)
	if err != nil {
		return 0, err
	}
	at := db.Millis(now)
	id, err := db.InsertID(ctx, tx, `INSERT INTO cases (register_id, year, seq, org_id, org_path, origin_org_id, origin_path,
		channel, source_agency, need_id, category, category_top, anonymous, narrative, status, handler_id, received_at, month,
		contact_due, route_due, phone, contact_time, no_call, track_key, recorded_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.unit.ID, year, seq, n.unit.ID, n.unit.Path, n.unit.ID, n.unit.Path,
		n.channel, n.source, need, n.category, Top(n.category), db.Bit(n.anonymous), narrative, string(status), handler, db.Millis(n.received),
		n.received.In(db.Shanghai).Format("2006-01"),
		db.Millis(n.received.Add(limits.FirstContact)), db.Millis(n.received.Add(limits.Route)), phone, when, db.Bit(n.noCall), track, recorder, at, at)
	if err != nil {
		return 0, err
	}
	if err := added(ctx, tx, id); err != nil {
		return 0, err
	}
	for _, p := range n.parties {
		if err := s.addParty(ctx, tx, id, p); err != nil {
			return 0, err
		}
	}
	if err := s.event(ctx, tx, id, "intake", "", n.by, now); err != nil {
		return 0, err
	}
	if n.handler != 0 {
		return id, nil
	}
	return id, notify.ToOrgs(ctx, tx, []int64{n.unit.ID}, notify.Message{Kind: "case.new", Title: "新的维权求助待接案",
		Body: "渠道：" + vocab.Label(Channels, n.channel) + "。请尽快接案并在24小时内联系求助人。", Link: Link(id)}, now)
}

func (s *Service) addParty(ctx context.Context, tx *db.Tx, caseID int64, p PartyInput) error {
	f := s.sealer()
	name, phone, addr, rel := f.Seal(sealedPartyName, p.Name), f.Seal(sealedPartyPhone, p.Phone), f.Seal(sealedPartyAddr, p.Address), f.Seal(sealedPartyRel, p.Relation)
	if f.Err != nil {
		return f.Err
	}
	_, err := tx.Exec(ctx, `INSERT INTO case_parties (case_id, role, name, phone, address, relation, age_group, disabled, ill)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, caseID, p.Role, name, phone, addr, rel, p.AgeGroup, db.Bit(p.Disabled), db.Bit(p.Ill))
	return err
}

// event adds a step to the case's timeline, its note sealed.
func (s *Service) event(ctx context.Context, tx *db.Tx, caseID int64, kind, note string, by int64, now time.Time) error {
	sealed, err := s.seal(sealedEventNote, note)
	if err != nil {
		return err
	}
	var user any
	if by != 0 {
		user = by
	}
	_, err = tx.Exec(ctx, `INSERT INTO case_events (case_id, kind, note, by_user, at) VALUES (?, ?, ?, ?, ?)`, caseID, kind, sealed, user, db.Millis(now))
	return err
}

// nextNumber takes the next number of a unit's case register for a year;
// the UPDATE holds the register's row until commit, so numbers are never
// skipped or reused.
func nextNumber(ctx context.Context, tx *db.Tx, orgID int64, year int) (int, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO case_numbers (org_id, year, last_seq) VALUES (?, ?, 0)
		ON CONFLICT (org_id, year) DO NOTHING`, orgID, year); err != nil {
		return 0, err
	}
	var seq int
	err := tx.QueryRow(ctx, `UPDATE case_numbers SET last_seq = last_seq + 1 WHERE org_id = ? AND year = ? RETURNING last_seq`,
		orgID, year).Scan(&seq)
	return seq, err
}

// Link is a case's page.
func Link(id int64) string { return "/cases/" + strconv.FormatInt(id, 10) }

// deny records a refusal of a case action and returns access.ErrDenied.
func (s *Service) deny(ctx context.Context, a access.Actor, action, id string) error {
	return audit.Refused(ctx, s.DB, a, "case", id, action, access.ErrDenied)
}

// errStale is a case changed by someone else since it was read.
var errStale = apperr.New(http.StatusConflict, "stale", "该案件已被他人更新，请刷新后重试")
