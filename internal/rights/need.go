package rights

import (
	"context"
	"net/http"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
)

// FromNeed turns a need of category 维权 found on a visit into a case at
// the actor's unit (the unit now responsible for the need), with her as
// handler: the need's summary is the narrative, and the woman's name and
// contact, where she consented to them, the complainant. The case names
// the need and the need's page the case. A need becomes one case only.
func (s *Service) FromNeed(ctx context.Context, a access.Actor, needID int64, category string) (int64, error) {
	if !a.Can(access.RecordCases) {
		return 0, s.deny(ctx, a, "case.from_need", strconv.FormatInt(needID, 10))
	}
	if s.Needs == nil {
		return 0, apperr.New(http.StatusServiceUnavailable, "no_needs", "走访需求模块未启用")
	}
	n, err := s.Needs.Need(ctx, a, needID)
	if err != nil {
		return 0, err
	}
	if !n.Revealed || n.OrgID != a.OrgID {
		return 0, apperr.New(http.StatusForbidden, "not_responsible", "只有负责该需求的单位可以把它转为维权案件")
	}
	if n.Category != "rights" {
		return 0, apperr.Field("category", "只有“维权”类需求可以转为维权案件")
	}
	cats, err := s.Categories(ctx)
	if err != nil {
		return 0, err
	}
	if !activeCategory(cats, category) {
		return 0, apperr.Field("category", "请选择案件类别")
	}
	unit, err := s.Orgs.ByID(ctx, s.DB.Q(), a.OrgID)
	if err != nil {
		return 0, err
	}
	var parties []PartyInput
	if n.Consent && (n.PersonName != "" || n.Contact != "") {
		parties = append(parties, PartyInput{Role: PartyComplainant, Name: n.PersonName, Phone: cleanPhone(n.Contact)})
		if !phoneRE.MatchString(parties[0].Phone) {
			parties[0].Phone, parties[0].Address = "", n.Contact // a contact that is no phone number: an address, a WeChat
		}
	}
	now := s.Now()
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var have int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE need_id = ?`, needID).Scan(&have); err != nil {
			return err
		}
		if have > 0 {
			return apperr.New(http.StatusConflict, "already_case", "该需求已经转为维权案件")
		}
		var err error
		id, err = s.create(ctx, tx, newCase{unit: unit, channel: ChannelNeed, category: category, narrative: n.Summary,
			received: now, parties: parties, needID: needID, by: a.UserID, handler: a.UserID}, now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.FromActor(a, "case.from_need", "case", strconv.FormatInt(id, 10), audit.OK,
			"need="+strconv.FormatInt(needID, 10)))
	})
	return id, err
}

// CaseOfNeed is the case a need became, as the actor may see it (a line
// or in full), or db.ErrNotFound.
func (s *Service) CaseOfNeed(ctx context.Context, a access.Actor, needID int64) (Case, error) {
	var id int64
	if err := s.DB.QueryRow(ctx, `SELECT id FROM cases WHERE need_id = ?`, needID).Scan(&id); err != nil {
		return Case{}, db.ErrNotFound
	}
	c, _, err := load(ctx, s.DB.Q(), id)
	if err != nil {
		return Case{}, err
	}
	if c.Sight, err = s.sight(ctx, s.DB.Q(), a, &c); err != nil || c.Sight == SightNone {
		return Case{}, db.ErrNotFound
	}
	return c, s.name(ctx, &c)
}
