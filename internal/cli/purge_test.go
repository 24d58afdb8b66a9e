package cli_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"halfsky/internal/aid"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/idcard"
	"halfsky/internal/org"
	"halfsky/internal/vault"
)

// TestAidPurge: `halfsky aid purge --dry-run` reports the two applications
// closed in 2019 past their retention and changes nothing; `halfsky aid
// purge` blanks them, audited as the operator; a second run finds nothing.
func TestAidPurge(t *testing.T) {
	each(t, func(t *testing.T) {
		must(t, "migrate")
		d := openDB(t)
		ids := closedIn2019(t, d)
		if code, out := run(t, "aid"); code != 2 || !strings.Contains(out, "aid purge") {
			t.Fatalf("aid without purge: %d %s", code, out)
		}

		out := must(t, "aid", "purge", "--dry-run")
		if !strings.Contains(out, "优才奖励（保留 1095 天）：将清除个人信息 1 条（已批准 1，未通过 0）") ||
			!strings.Contains(out, "两癌救助（保留 1825 天）：将清除个人信息 1 条（已批准 0，未通过 1）") ||
			!strings.Contains(out, "试运行：共 2 条到期，未做任何修改") {
			t.Fatalf("dry run:\n%s", out)
		}
		if n := blanked(t, d, ids); n != 0 {
			t.Fatalf("the dry run purged %d", n)
		}

		out = must(t, "aid", "purge")
		if !strings.Contains(out, "共清除 2 条") {
			t.Fatalf("purge:\n%s", out)
		}
		if n := blanked(t, d, ids); n != 2 {
			t.Fatalf("purged %d of 2", n)
		}
		var events int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_events WHERE action = 'aid.purge' AND username = 'operator'`).
			Scan(&events); err != nil || events != 2 {
			t.Fatalf("%d purge events (%v)", events, err)
		}
		if out := must(t, "aid", "purge"); !strings.Contains(out, "共清除 0 条") {
			t.Fatalf("second run:\n%s", out)
		}
	})
}

// closedIn2019 enters two applications on a 2019 clock: a 优才奖励 award the
// city approves and a 两癌救助 application the street rejects.
func closedIn2019(t *testing.T, d *db.DB) []int64 {
	t.Helper()
	ctx := context.Background()
	orgs := &org.Store{DB: d}
	as := auth.NewService(d, orgs)
	if _, err := demo.Seed(ctx, as, "test-password-2015", true); err != nil {
		t.Fatal(err)
	}
	keys, err := vault.Parse(vault.NewFileText(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	svc := aid.NewService(d, orgs)
	svc.Vault = keys
	svc.Now = func() time.Time { return time.Date(2019, 5, 6, 2, 0, 0, 0, time.UTC) }
	actor := func(name string) auth.User {
		u, err := as.UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	village, street, district, city := actor("village.staff").Actor(""), actor("street.staff").Actor(""),
		actor("daoli.staff").Actor(""), actor("city.leader").Actor("")
	for _, p := range []string{"talent", "cancer"} {
		if _, err := svc.SaveCycle(ctx, city, aid.CycleInput{Programme: p, Year: 2019, Budget: 10_000_000,
			OpensOn: "2019-01-01", ClosesOn: "2019-12-31"}); err != nil {
			t.Fatal(err)
		}
	}
	id := func(first17 string) string { return first17 + string(idcard.CheckChar(first17)) }
	award, err := svc.Create(ctx, village, aid.Input{Programme: "talent", Name: "王优才", IDNumber: id("23010219950101013"),
		Household: "other", Facts: map[string]string{"achievement": "省级竞赛一等奖"}})
	if err != nil {
		t.Fatal(err)
	}
	sick, err := svc.Create(ctx, village, aid.Input{Programme: "cancer", Name: "李桂芝", IDNumber: id("23010219750312002"),
		Household: "dibao", MedicalConsent: true, Facts: map[string]string{"diagnosis": "cervical_iib", "hospital": "市第一医院"}})
	if err != nil {
		t.Fatal(err)
	}
	step := func(x aid.Application, err error) aid.Application {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, id := range []int64{award.ID, sick.ID} {
		if err := demo.AttachSamples(ctx, svc, village, id); err != nil {
			t.Fatal(err)
		}
	}
	x := step(svc.Submit(ctx, village, award.ID, award.Version))
	x = step(svc.Decide(ctx, street, x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version}))
	x = step(svc.Decide(ctx, district, x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version}))
	step(svc.Decide(ctx, city, x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version}))
	y := step(svc.Submit(ctx, village, sick.ID, sick.Version))
	step(svc.Decide(ctx, street, y.ID, aid.Decision{Decision: aid.Reject, Reason: "不符合救助条件", Version: y.Version}))
	return []int64{award.ID, sick.ID}
}

// blanked counts the applications among ids whose personal data is gone.
func blanked(t *testing.T, d *db.DB, ids []int64) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM aid_applications WHERE id IN (?, ?) AND purged_at IS NOT NULL
		AND name = '' AND id_number = '' AND facts = ''`, ids[0], ids[1]).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
