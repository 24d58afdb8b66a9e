package web

import (
	"net/http"

	"halfsky/internal/access"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
)

// homeData is the work desk of the user's unit. Until the work modules
// arrive it shows the unit, the organizations under it and the accounts
// the user looks after.
type homeData struct {
	Unit      org.Org
	Counts    []org.LevelCount
	Total     int
	Users     int
	CanUsers  bool
	CanAudit  bool
	Role      access.Role
	TOTPNudge bool
}

func (h *handler) home(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	ctx := r.Context()
	a := c.Actor
	unit, err := h.deps.Orgs.ByCode(ctx, a, a.OrgCode)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := homeData{Unit: unit, Role: a.Role, CanUsers: a.Can(access.ViewUsers), CanAudit: a.Can(access.ReadAudit),
		TOTPNudge: !c.User.TOTPEnabled}
	if d.Counts, d.Total, err = h.deps.Orgs.SubtreeCounts(ctx, a, unit); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.CanUsers {
		if _, d.Users, err = h.deps.Auth.Users(ctx, a, authFilterAll); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.tpl.Page(w, r, http.StatusOK, "home", View{Layout: Layout{Title: "工作台", Active: "home"}, Data: d})
}
