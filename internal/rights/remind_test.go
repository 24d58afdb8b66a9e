package rights_test

import (
	"context"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/notify"
	"halfsky/internal/rights"
	"halfsky/internal/testdb"
)

// TestDeadlineReminders: a case not contacted within the first-contact
// limit reminds its handler and her unit's leader, in the app and by
// mail, once however often the reminders run (two servers at once
// included); a route not decided in time likewise (a referral is one); an agency's reply
// overdue reminds the handler; a closed case reminds no one; the limits
// the city set are the ones counted.
func TestDeadlineReminders(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.svc.Mail = &notify.Mailer{DB: d, BaseURL: "https://halfsky.example"}
		f.svc.TopUnit = "2301"
		handler := f.Actor("village.staff")
		leader := f.Colleague("village.leader", "吴桂兰", community, access.Leader)
		if _, err := d.Exec(ctx, `UPDATE users SET email = username || '@example.org' WHERE id IN (?, ?)`, handler.UserID, leader.UserID); err != nil {
			t.Fatal(err)
		}
		city := f.Actor("city.leader")
		if err := f.svc.SetLimits(ctx, city, rights.LimitsInput{FirstContactHours: "12", RouteDays: "3", ReferralDays: "5"}); err != nil {
			t.Fatal(err)
		}
		id, err := f.svc.Intake(ctx, handler, rights.Input{Channel: rights.ChannelHotline, Category: "dv", Narrative: "来电求助", Take: true})
		if err != nil {
			t.Fatal(err)
		}
		closed, err := f.svc.Intake(ctx, handler, rights.Input{Channel: rights.ChannelHotline, Category: "other", Narrative: "咨询", Take: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Close(ctx, handler, closed, 0, "advice", "satisfied", ""); err != nil {
			t.Fatal(err)
		}
		// Contacted at once, never routed.
		unrouted, err := f.svc.Intake(ctx, handler, rights.Input{Channel: rights.ChannelWalkIn, Category: "marriage.divorce", Narrative: "来访咨询", Take: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AddNote(ctx, handler, unrouted, 0, rights.NoteContact, "当场面谈"); err != nil {
			t.Fatal(err)
		}
		told := func(user int64, title string) int {
			return f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND title = ?`, user, title)
		}
		mailed := func(title string) int {
			return f.count(`SELECT COUNT(*) FROM mail_outbox WHERE subject = ?`, title)
		}
		remind := func(want int) {
			t.Helper()
			// Two servers at once: the claims let one of them tell.
			got := make(chan int, 2)
			for range 2 {
				go func() {
					n, err := f.svc.Remind(ctx)
					if err != nil {
						t.Error(err)
					}
					got <- n
				}()
			}
			if n := <-got + <-got; n != want {
				t.Fatalf("reminders sent: %d, want %d", n, want)
			}
		}

		f.clock = f.clock.Add(11 * time.Hour)
		remind(0)
		f.clock = f.clock.Add(2 * time.Hour) // 13 h: past the city's 12
		remind(1)
		remind(0)
		const late = "维权案件超过首次联系时限"
		if told(handler.UserID, late) != 1 || told(leader.UserID, late) != 1 || mailed(late) != 2 {
			t.Fatalf("first contact overdue: handler %d, leader %d, mail %d", told(handler.UserID, late), told(leader.UserID, late), mailed(late))
		}

		if err := f.svc.AddNote(ctx, handler, id, 0, rights.NoteContact, "已联系"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RecordConsent(ctx, handler, id, 0, rights.ConsentInput{Services: true, Refer: []string{"legal_aid"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Refer(ctx, handler, id, 0, rights.ReferInput{Agency: "legal_aid"}); err != nil {
			t.Fatal(err)
		}
		c := f.get(handler, id)
		if c.Referrals[0].DueOn != f.clock.In(db.Shanghai).AddDate(0, 0, 5).Format(time.DateOnly) {
			t.Fatalf("the referral is due %s, want 5 days on", c.Referrals[0].DueOn)
		}
		// A referral is a route: none is overdue now. Six days on, the
		// agency has not replied.
		f.clock = f.clock.Add(6 * 24 * time.Hour)
		remind(2)
		const unroutedLate = "维权案件超过确定处置路径的时限"
		if told(handler.UserID, unroutedLate) != 1 || told(leader.UserID, unroutedLate) != 1 || mailed(unroutedLate) != 2 ||
			f.count(`SELECT COUNT(*) FROM notifications WHERE title = ? AND link <> ?`, unroutedLate, rights.Link(unrouted)) != 0 {
			t.Fatalf("route overdue: handler %d, leader %d, mail %d", told(handler.UserID, unroutedLate), told(leader.UserID, unroutedLate), mailed(unroutedLate))
		}
		const noReply = "转介机构逾期未回复"
		if told(handler.UserID, noReply) != 1 || told(leader.UserID, noReply) != 0 || mailed(noReply) != 1 {
			t.Fatalf("reply overdue: handler %d, leader %d, mail %d", told(handler.UserID, noReply), told(leader.UserID, noReply), mailed(noReply))
		}
		remind(0)
		if f.count(`SELECT COUNT(*) FROM notifications WHERE link = ?`, rights.Link(closed)) != 0 {
			t.Fatal("a closed case was reminded")
		}
	})
}
