package e2e

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/idcard"
	"halfsky/internal/testapp"
)

// followupPairing enters a 爱心妈妈 pairing at village.staff and marks it
// approved 100 days ago, never visited: overdue on 待跟踪. The review
// chain has its own browser test.
func followupPairing(t *testing.T, app *testapp.App) int64 {
	t.Helper()
	ctx, svc := context.Background(), app.Server.Deps.Aid
	actor := func(name string) access.Actor { return app.Actor(t, name) }
	year := svc.Year()
	if _, err := svc.SaveCycle(ctx, actor("city.leader"), aid.CycleInput{Programme: "love_mother", Year: year,
		OpensOn: fmt.Sprintf("%d-01-01", year), ClosesOn: fmt.Sprintf("%d-12-31", year)}); err != nil {
		t.Fatal(err)
	}
	first17 := "23010220140601902"
	x, err := svc.Create(ctx, actor("village.staff"), aid.Input{Programme: "love_mother", Name: "孙小雨",
		IDNumber: first17 + string(idcard.CheckChar(first17)), Household: "dibao", GuardianName: "孙建国", GuardianConsent: true,
		Facts: map[string]string{"mother": "李红"}})
	if err != nil {
		t.Fatal(err)
	}
	at := db.Millis(time.Now().AddDate(0, 0, -100))
	if _, err := app.DB.Exec(ctx, `UPDATE aid_applications SET status = 'approved', level = 'city', submitted_at = ?, closed_at = ?
		WHERE id = ?`, at, at, x.ID); err != nil {
		t.Fatal(err)
	}
	return x.ID
}

// TestAidFollowupInBrowser: at each width the village cadre finds the
// overdue pairing in red on 待跟踪, opens it, is told beside the field
// that the notes are missing, records the visit and sees it listed with
// its contents hidden; neither page scrolls sideways on a phone and the
// console stays clean.
func TestAidFollowupInBrowser(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		app := sqliteApp(t)
		id := strconv.FormatInt(followupPairing(t, app), 10)
		p := NewPage(t, app.URL, vp)
		signIn(t, p, "village.staff")

		if st := p.Open("/aid/followups"); st != 200 {
			p.fatal("待跟踪: status %d", st)
		}
		wantContains(t, p, "overdue row", p.Attr("#due-"+id, "class"), "row-red")
		wantContains(t, p, "overdue badge", p.Text("#due-"+id), "逾期 10 天")
		noSideScroll(p, "the due list")
		p.Screenshot("followup-due")

		if st := p.ClickNav(`#due-` + id + ` a`); st != 200 {
			p.fatal("open the pairing: status %d", st)
		}
		if st := p.ClickNav("#save-followup"); st != 422 {
			p.fatal("save without notes: status %d", st)
		}
		wantContains(t, p, "notes error", p.Text("#f-notes-error"), "请填写跟踪情况")
		noSideScroll(p, "the refused form")
		p.Fill("#f-notes", "入户走访，孩子身体健康，学习用品已送到")
		aidStep(p, "#save-followup", "已记录爱心妈妈走访")
		wantContains(t, p, "listed", p.Text("#followup-list"), "（已加密，需查看权限）")
		noSideScroll(p, "the follow-up page")
		p.Screenshot("followups")

		if st := p.Open("/aid/followups"); st != 200 {
			p.fatal("待跟踪: status %d", st)
		}
		if p.Has("#due-" + id) {
			p.fatal("the visited pairing is still due")
		}
		p.Logout()
	})
}
