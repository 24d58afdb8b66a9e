package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

var ctx = context.Background()

func logN(t *testing.T, d *db.DB, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		e := Event{
			UserID: int64(i%3) * 7, Username: fmt.Sprintf("u%d", i%3), OrgID: int64(i % 2), OrgCode: "2301",
			Action: "test.event", ObjectType: "thing", ObjectID: fmt.Sprint(i),
			IP: "10.0.0.1", Outcome: OK, Detail: fmt.Sprintf("事件 %d", i),
		}
		if err := Log(ctx, d, e); err != nil {
			t.Fatalf("Log %d: %v", i, err)
		}
	}
}

func mustVerify(t *testing.T, d *db.DB, batch int) Report {
	t.Helper()
	rep, err := verify(ctx, d, batch)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func count(t *testing.T, d *db.DB) int64 {
	t.Helper()
	var n int64
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestChainVerifies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		rep := mustVerify(t, d, 3)
		if !rep.OK() || rep.Checked != 0 {
			t.Fatalf("empty log: %+v", rep)
		}
		const n = 40
		logN(t, d, n)
		// Batch sizes around the row count exercise every batch boundary.
		for _, b := range []int{1, 3, 7, n, n + 1, verifyBatch} {
			rep := mustVerify(t, d, b)
			if !rep.OK() || rep.Checked != n {
				t.Fatalf("batch %d: %+v", b, rep)
			}
		}
		rep, err := Verify(ctx, d)
		if err != nil || !rep.OK() {
			t.Fatalf("Verify: %+v %v", rep, err)
		}

		evs, total, err := List(ctx, d.Q(), Filter{PerPage: 200})
		if err != nil || total != n || len(evs) != n {
			t.Fatalf("List: %d of %d, %v", len(evs), total, err)
		}
		// Newest first, contiguous, each linked to the one before.
		for i, e := range evs {
			if want := int64(n - i); e.Seq != want {
				t.Fatalf("event %d has seq %d, want %d", i, e.Seq, want)
			}
			if len(e.Hash) != 64 {
				t.Fatalf("seq %d hash %q", e.Seq, e.Hash)
			}
			if i+1 < len(evs) && e.PrevHash != evs[i+1].Hash {
				t.Fatalf("seq %d not linked to seq %d", e.Seq, evs[i+1].Seq)
			}
		}
		if first := evs[n-1]; first.PrevHash != "" {
			t.Fatalf("seq 1 prev_hash %q", first.PrevHash)
		}
		var hs int64
		var hh string
		if err := d.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&hs, &hh); err != nil {
			t.Fatal(err)
		}
		if hs != n || hh != evs[0].Hash {
			t.Fatalf("head %d %s, last %s", hs, hh, evs[0].Hash)
		}
		// user/org 0 mean none and come back as 0.
		for _, e := range evs {
			if e.UserID == 0 && e.Username != "u0" {
				t.Fatalf("seq %d: user %d %q", e.Seq, e.UserID, e.Username)
			}
		}
	})
}

func TestRecordValidates(t *testing.T) {
	d := testdb.SQLite(t)
	for _, e := range []Event{
		{Outcome: OK},
		{Action: "x.y"},
		{Action: "x.y", Outcome: "maybe"},
	} {
		if err := Log(ctx, d, e); !errors.Is(err, ErrInvalid) {
			t.Errorf("Log(%+v) = %v, want ErrInvalid", e, err)
		}
	}
	if n := count(t, d); n != 0 {
		t.Fatalf("%d events after invalid ones", n)
	}
	// Invalid UTF-8, NUL and an overlong detail are cleaned, not refused.
	long := strings.Repeat("长", MaxDetail+50)
	if err := Log(ctx, d, Event{Action: "x.y", Outcome: OK, Detail: long, ObjectID: "a\x00b\xff"}); err != nil {
		t.Fatal(err)
	}
	evs, _, err := List(ctx, d.Q(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := []rune(evs[0].Detail); len(got) != MaxDetail {
		t.Fatalf("detail kept %d characters", len(got))
	}
	if evs[0].ObjectID != "ab\uFFFD" {
		t.Fatalf("object id %q", evs[0].ObjectID)
	}
	if rep := mustVerify(t, d, 10); !rep.OK() {
		t.Fatalf("%+v", rep)
	}
}

func TestFromActor(t *testing.T) {
	a := access.Actor{UserID: 5, Username: "zhang", OrgID: 9, OrgCode: "230102", IP: "192.0.2.1", Role: access.Staff}
	e := FromActor(a, ActionDenied, "user", "12", Denied, "role staff")
	want := Event{UserID: 5, Username: "zhang", OrgID: 9, OrgCode: "230102", IP: "192.0.2.1",
		Action: ActionDenied, ObjectType: "user", ObjectID: "12", Outcome: Denied, Detail: "role staff"}
	if e != want {
		t.Fatalf("%+v", e)
	}
	if e.OutcomeLabel() != "拒绝" {
		t.Fatal(e.OutcomeLabel())
	}
}

func TestCanonicalUnambiguous(t *testing.T) {
	a := row{seq: 1, at: 2, username: "ab", orgCode: "c", action: "x", outcome: OK}
	b := row{seq: 1, at: 2, username: "a", orgCode: "bc", action: "x", outcome: OK}
	if a.computeHash() == b.computeHash() {
		t.Fatal("shifting a field boundary kept the hash")
	}
	c := a
	c.userID.Valid = true // NULL user → user 0
	if a.computeHash() == c.computeHash() {
		t.Fatal("NULL and 0 hash alike")
	}
	same := a // an equal row, hashed separately
	if a.computeHash() != same.computeHash() {
		t.Fatal("hash not deterministic")
	}
}

func TestConcurrentLog(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		const workers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					e := Event{Username: fmt.Sprintf("w%d", w), Action: ActionLogin, Outcome: OK, Detail: fmt.Sprint(i)}
					if err := Log(ctx, d, e); err != nil {
						errs <- err
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var n, distinct, lo, hi int64
		if err := d.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq) FROM audit_events`).
			Scan(&n, &distinct, &lo, &hi); err != nil {
			t.Fatal(err)
		}
		if n != workers*each || distinct != n || lo != 1 || hi != n {
			t.Fatalf("rows %d distinct %d seq %d..%d", n, distinct, lo, hi)
		}
		var forks int64 // two events claiming the same predecessor
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT prev_hash FROM audit_events
			GROUP BY prev_hash HAVING COUNT(*) > 1) f`).Scan(&forks); err != nil {
			t.Fatal(err)
		}
		if forks != 0 {
			t.Fatalf("%d forks", forks)
		}
		rep, err := Verify(ctx, d)
		if err != nil || !rep.OK() || rep.Checked != workers*each {
			t.Fatalf("Verify: %+v %v", rep, err)
		}
	})
}

func TestRollbackLeavesNoEventAndNoGap(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		logN(t, d, 3)
		boom := errors.New("boom")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := Record(ctx, tx, Event{Action: "user.create", Outcome: OK, Detail: "rolled back"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := count(t, d); n != 3 {
			t.Fatalf("%d events after rollback", n)
		}
		// Record and a change commit together: two events in one transaction.
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if err := Record(ctx, tx, Event{Action: "user.create", Outcome: OK}); err != nil {
				return err
			}
			return Record(ctx, tx, Event{Action: "user.update", Outcome: OK})
		})
		if err != nil {
			t.Fatal(err)
		}
		evs, total, err := List(ctx, d.Q(), Filter{Action: "user."})
		if err != nil || total != 2 || evs[0].Seq != 5 || evs[1].Seq != 4 {
			t.Fatalf("after commit: %+v %d %v", evs, total, err)
		}
		if rep := mustVerify(t, d, 2); !rep.OK() || rep.Checked != 5 {
			t.Fatalf("%+v", rep)
		}
	})
}

// unlock drops the append-only guard, as someone with DDL rights could.
func unlock(t *testing.T, d *db.DB) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_events_no_update`, `DROP TRIGGER audit_events_no_delete`}
	if d.Dialect == db.Postgres {
		stmts = []string{`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`}
	}
	for _, s := range stmts {
		if _, err := d.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Exec(ctx, q, args...); err != nil {
		t.Fatal(err)
	}
}

// expect checks that Verify reports exactly the given (kind, seq) problems.
func expect(t *testing.T, d *db.DB, checked int64, want ...Problem) {
	t.Helper()
	for _, b := range []int{3, verifyBatch} {
		rep := mustVerify(t, d, b)
		if rep.OK() != (len(want) == 0) || rep.Checked != checked || len(rep.Problems) != len(want) {
			t.Fatalf("batch %d: got %+v, want %d checked and %+v", b, rep, checked, want)
		}
		for i, p := range rep.Problems {
			if p.Kind != want[i].Kind || p.Seq != want[i].Seq || p.Message == "" {
				t.Fatalf("problem %d: got %+v, want %+v", i, p, want[i])
			}
			if want[i].Message != "" && !strings.Contains(p.Message, want[i].Message) {
				t.Fatalf("problem %d message %q lacks %q", i, p.Message, want[i].Message)
			}
		}
	}
}

func TestAppendOnlyInDatabase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		logN(t, d, 2)
		for _, q := range []string{`UPDATE audit_events SET detail = 'x' WHERE seq = 1`, `DELETE FROM audit_events WHERE seq = 1`} {
			// The refusal is the trigger's, not any other failure.
			if _, err := d.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "audit_events is append-only") {
				t.Fatalf("%s: %v, want the append-only trigger's refusal", q, err)
			}
		}
		if rep := mustVerify(t, d, 10); !rep.OK() || rep.Checked != 2 {
			t.Fatalf("after the refused changes: %+v", rep)
		}
	})
}

func TestTamperEdited(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		logN(t, d, 10)
		unlock(t, d)
		exec(t, d, `UPDATE audit_events SET detail = '改过' WHERE seq = 4`)
		expect(t, d, 10, Problem{Seq: 4, Kind: ProblemEdited, Message: "第 4 条事件内容被修改（哈希不符）"})
	})
}

func TestTamperEditedNullToZero(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		logN(t, d, 6) // seq 3 and 6 have no user
		unlock(t, d)
		exec(t, d, `UPDATE audit_events SET user_id = 0 WHERE seq = 3`)
		expect(t, d, 6, Problem{Seq: 3, Kind: ProblemEdited})
	})
}

// A forger who recomputes the edited row's hash breaks the link to the next.
func TestTamperRehashed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		logN(t, d, 10)
		unlock(t, d)
		rehash := func(seq int64) {
			var r row
			if err := r.scan(d.QueryRow(ctx, `SELECT `+columns+` FROM audit_events WHERE seq = ?`, seq)); err != nil {
				t.Fatal(err)
			}
			r.detail = "伪造"
			exec(t, d, `UPDATE audit_events SET detail = ?, hash = ? WHERE seq = ?`, r.detail, r.computeHash(), seq)
		}
		rehash(5)
		expect(t, d, 10, Problem{Seq: 6, Kind: ProblemBrokenLink, Message: "第 6 条事件的前序哈希与第 5 条事件不符"})
		rehash(10) // the last row: only the head knows
		expect(t, d, 10,
			Problem{Seq: 6, Kind: ProblemBrokenLink},
			Problem{Seq: 10, Kind: ProblemHeadMismatch, Message: "链头哈希与第 10 条事件不符"})
	})
}

func TestTamperDeletedMiddle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		logN(t, d, 12)
		unlock(t, d)
		exec(t, d, `DELETE FROM audit_events WHERE seq = 5`)
		expect(t, d, 11, Problem{Seq: 5, Kind: ProblemMissing, Message: "第 5 条事件缺失"})
		exec(t, d, `DELETE FROM audit_events WHERE seq IN (1, 8, 9, 10)`)
		expect(t, d, 7,
			Problem{Seq: 1, Kind: ProblemMissing, Message: "第 1 条事件缺失"},
			Problem{Seq: 5, Kind: ProblemMissing},
			Problem{Seq: 8, Kind: ProblemMissing, Message: "第 8–10 条事件缺失（共 3 条"})
	})
}

func TestTamperDeletedTail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		logN(t, d, 8)
		unlock(t, d)
		exec(t, d, `DELETE FROM audit_events WHERE seq = 8`)
		expect(t, d, 7, Problem{Seq: 8, Kind: ProblemHeadMismatch, Message: "最后一条是第 7 条"})
		exec(t, d, `DELETE FROM audit_events`)
		expect(t, d, 0, Problem{Seq: 8, Kind: ProblemHeadMismatch, Message: "全部事件已被删除"})
	})
}

func TestTamperForgedPastHead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		logN(t, d, 4)
		exec(t, d, `INSERT INTO audit_events (`+columns+`) VALUES (7, 0, NULL, '', NULL, '', 'x', '', '', '', 'ok', '', '', '')`)
		expect(t, d, 4, Problem{Seq: 5, Kind: ProblemHeadMismatch, Message: "第 5–7 条"})
	})
}

func TestList(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		base := time.Date(2015, 8, 11, 0, 0, 0, 0, time.UTC)
		add := func(day int, user, action, outcome, otype, oid, detail string) {
			t.Helper()
			e := Event{At: base.Add(time.Duration(day) * 24 * time.Hour), Username: user, Action: action,
				Outcome: outcome, ObjectType: otype, ObjectID: oid, Detail: detail}
			if err := Log(ctx, d, e); err != nil {
				t.Fatal(err)
			}
		}
		add(0, "admin", ActionLogin, OK, "session", "", "")                       // 1
		add(0, "zhang", ActionLoginFailed, Fail, "user", "zhang", "密码错误")         // 2
		add(1, "zhang", ActionLogin, OK, "session", "", "")                       // 3
		add(1, "admin", "user.create", OK, "user", "42", "创建用户 Li_Ming")          // 4
		add(2, "zhang", ActionDenied, Denied, "org", "7", "无权限 100%")             // 5
		add(3, "admin", "user.update", OK, "user", "42", "修改角色")                  // 6
		add(3, "li", ActionLogout, OK, "session", "", "")                         // 7
		add(4, "authx", "authx.thing", OK, "", "", "prefix must not match auth.") // 8

		seqs := func(f Filter) ([]int64, int) {
			t.Helper()
			evs, total, err := List(ctx, d.Q(), f)
			if err != nil {
				t.Fatal(err)
			}
			var s []int64
			for _, e := range evs {
				s = append(s, e.Seq)
			}
			return s, total
		}
		cases := []struct {
			name  string
			f     Filter
			want  []int64
			total int
		}{
			{"all", Filter{}, []int64{8, 7, 6, 5, 4, 3, 2, 1}, 8},
			{"from", Filter{From: base.Add(48 * time.Hour)}, []int64{8, 7, 6, 5}, 4},
			{"to exclusive", Filter{To: base.Add(24 * time.Hour)}, []int64{2, 1}, 2},
			{"range", Filter{From: base.Add(24 * time.Hour), To: base.Add(72 * time.Hour)}, []int64{5, 4, 3}, 3},
			{"username", Filter{Username: "zhang"}, []int64{5, 3, 2}, 3},
			{"username exact", Filter{Username: "zhan"}, nil, 0},
			{"action prefix", Filter{Action: "auth."}, []int64{7, 3, 2, 1}, 4},
			{"action exact-ish", Filter{Action: ActionLogin}, []int64{3, 2, 1}, 3},
			{"action underscore literal", Filter{Action: "auth.login_"}, []int64{2}, 1},
			{"outcome", Filter{Outcome: Denied}, []int64{5}, 1},
			{"object", Filter{ObjectType: "user", ObjectID: "42"}, []int64{6, 4}, 2},
			{"q detail", Filter{Q: "角色"}, []int64{6}, 1},
			{"q case-insensitive", Filter{Q: "li_ming"}, []int64{4}, 1},
			{"q percent literal", Filter{Q: "100%"}, []int64{5}, 1},
			{"q underscore literal", Filter{Q: "i_m"}, []int64{4}, 1},
			{"q username", Filter{Q: "li"}, []int64{7, 4}, 2},
			{"q object id", Filter{Q: "42"}, []int64{6, 4}, 2},
			{"combined", Filter{Username: "admin", Action: "user."}, []int64{6, 4}, 2},
			{"page 1", Filter{PerPage: 3}, []int64{8, 7, 6}, 8},
			{"page 2", Filter{PerPage: 3, Page: 2}, []int64{5, 4, 3}, 8},
			{"page 3", Filter{PerPage: 3, Page: 3}, []int64{2, 1}, 8},
			{"past the end", Filter{PerPage: 3, Page: 4}, nil, 8},
			{"page 0 is 1", Filter{PerPage: 2, Page: 0}, []int64{8, 7}, 8},
		}
		for _, c := range cases {
			got, total := seqs(c.f)
			if fmt.Sprint(got) != fmt.Sprint(c.want) || total != c.total {
				t.Errorf("%s: got %v (total %d), want %v (total %d)", c.name, got, total, c.want, c.total)
			}
		}
		evs, _, err := List(ctx, d.Q(), Filter{Action: ActionDenied})
		if err != nil || len(evs) != 1 {
			t.Fatal(evs, err)
		}
		if e := evs[0]; !e.At.Equal(base.Add(48*time.Hour)) || e.At.Location() != time.UTC || e.Detail != "无权限 100%" {
			t.Fatalf("%+v", e)
		}
	})
}

func TestListPerPageLimits(t *testing.T) {
	d := testdb.SQLite(t)
	err := d.InTx(ctx, func(tx *db.Tx) error {
		for i := 0; i < MaxPerPage+10; i++ {
			if err := Record(ctx, tx, Event{Action: "bulk.x", Outcome: OK}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ per, want int }{{0, DefaultPerPage}, {-1, DefaultPerPage}, {MaxPerPage + 5, MaxPerPage}, {7, 7}} {
		evs, total, err := List(ctx, d.Q(), Filter{PerPage: c.per})
		if err != nil || len(evs) != c.want || total != MaxPerPage+10 {
			t.Errorf("PerPage %d: %d events, total %d, %v", c.per, len(evs), total, err)
		}
	}
}
