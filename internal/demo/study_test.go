package demo

import (
	"context"
	"strconv"
	"testing"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/study"
	"halfsky/internal/testdb"
)

// TestSeedStudy: the demo's activities are all there, most about the seed
// notice, the feed and statistics show them to the city, and one unit's
// activities are counted in its open report.
func TestSeedStudy(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
		ctx := context.Background()
		orgs := &org.Store{DB: d}
		svc := auth.NewService(d, orgs)
		now := time.Now()
		if _, err := Seed(ctx, svc, "demo-password-2015", true); err != nil {
			t.Fatal(err)
		}
		if err := SeedDocuments(ctx, svc, "demo-password-2015", now); err != nil {
			t.Fatal(err)
		}
		if err := seedStudy(ctx, svc, now); err != nil {
			t.Fatal(err)
		}
		u, _ := svc.UserByUsername(ctx, "city.staff")
		st := study.NewService(d, orgs)
		list, total, err := st.List(ctx, u.Actor(""), study.Filter{})
		if err != nil || total != len(studySeeds) {
			t.Fatalf("feed: %d of %d, %v", total, len(studySeeds), err)
		}
		linked := 0
		for _, x := range list {
			if x.DocNumber == "哈妇发〔2015〕9号" {
				linked++
			}
		}
		if linked < 10 {
			t.Fatalf("only %d activities about the seed notice", linked)
		}
		var attached int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM report_study`).Scan(&attached); err != nil || attached == 0 {
			t.Fatalf("no activity counted in a report: %v", err)
		}
		year, _ := strconv.Atoi(list[0].HeldOn[:4]) // the latest activity's year
		stats, err := st.Stats(ctx, u.Actor(""), "", year)
		if err != nil || stats.Total.Activities == 0 {
			t.Fatalf("stats %+v %v", stats.Total, err)
		}
	})
}
