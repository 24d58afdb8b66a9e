package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
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

// onStripe is a context in which Record uses stripe k.
func onStripe(k int) context.Context { return context.WithValue(ctx, stripeKey{}, k) }

// layout writes one event on each of the given stripes, in order; the
// events' global seq is 1, 2, 3 … on a fresh database.
func layout(t *testing.T, d *db.DB, stripes ...int) {
	t.Helper()
	for i, k := range stripes {
		e := Event{UserID: int64(i % 3), Username: fmt.Sprintf("u%d", i%3), OrgCode: "2301", Action: "test.event",
			ObjectType: "thing", ObjectID: fmt.Sprint(i + 1), IP: "10.0.0.1", Outcome: OK, Detail: fmt.Sprintf("事件 %d：a:b,c 😀", i+1)}
		if err := Log(onStripe(k), d, e); err != nil {
			t.Fatalf("Log on stripe %d: %v", k, err)
		}
	}
}

func repeat(k, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = k
	}
	return s
}

// rowAt reads the event at position pos of stripe k.
func rowAt(t *testing.T, d *db.DB, k int, pos int64) row {
	t.Helper()
	var r row
	if err := r.scan(d.QueryRow(ctx, `SELECT `+columns+` FROM audit_events WHERE stripe = ? AND sseq = ?`, k, pos)); err != nil {
		t.Fatalf("stripe %d position %d: %v", k, pos, err)
	}
	return r
}

type headRow struct {
	seq  int64
	hash string
}

func heads(t *testing.T, d *db.DB) map[int]headRow {
	t.Helper()
	out := map[int]headRow{}
	testdb.EachRow(t, d, `SELECT id, seq, hash FROM audit_head`, func(v []string) {
		var k int
		var s int64
		fmt.Sscan(v[0], &k)
		fmt.Sscan(v[1], &s)
		out[k] = headRow{s, v[2]}
	})
	return out
}

// checkChains checks the stored chains directly, without Verify: every
// stripe's positions run 1…head with no gap, each event links to the one
// before, and the head holds the last event's hash.
func checkChains(t *testing.T, d *db.DB, want int64) {
	t.Helper()
	hs := heads(t, d)
	if len(hs) != Stripes {
		t.Fatalf("%d heads, want %d", len(hs), Stripes)
	}
	var total int64
	for k, h := range hs {
		prev := ""
		for pos := int64(1); pos <= h.seq; pos++ {
			r := rowAt(t, d, k, pos)
			if r.prevHash != prev || len(r.hash) != 64 {
				t.Fatalf("stripe %d position %d: prev %q, want %q", k, pos, r.prevHash, prev)
			}
			prev = r.hash
		}
		if h.hash != prev {
			t.Fatalf("stripe %d head %q, last %q", k, h.hash, prev)
		}
		total += h.seq
	}
	if total != want || count(t, d) != want {
		t.Fatalf("heads account for %d events, %d stored, want %d", total, count(t, d), want)
	}
}

func TestChainVerifies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		rep := mustVerify(t, d, 3)
		if !rep.OK() || rep.Checked != 0 || rep.Chains != Stripes {
			t.Fatalf("empty log: %+v", rep)
		}
		const n = 40
		logN(t, d, n)
		checkChains(t, d, n)
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
		// Newest first in the global order; no writer rolled back, so
		// seq runs n…1 on both engines.
		stripes := map[int]bool{}
		for i, e := range evs {
			if want := int64(n - i); e.Seq != want {
				t.Fatalf("event %d has seq %d, want %d", i, e.Seq, want)
			}
			if len(e.Hash) != 64 || e.Stripe < 1 || e.Stripe > Stripes || e.Pos < 1 {
				t.Fatalf("seq %d: stripe %d position %d hash %q", e.Seq, e.Stripe, e.Pos, e.Hash)
			}
			stripes[e.Stripe] = true
		}
		if len(stripes) < 2 {
			t.Fatalf("40 events all on stripe %v", stripes)
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
	for _, v1 := range []bool{true, false} {
		if a.computeHash(v1) == b.computeHash(v1) {
			t.Fatal("shifting a field boundary kept the hash")
		}
		c := a
		c.userID.Valid = true // NULL user → user 0
		if a.computeHash(v1) == c.computeHash(v1) {
			t.Fatal("NULL and 0 hash alike")
		}
		same := a // an equal row, hashed separately
		if a.computeHash(v1) != same.computeHash(v1) {
			t.Fatal("hash not deterministic")
		}
	}
	if a.computeHash(true) == a.computeHash(false) {
		t.Fatal("v1 and v2 hash alike")
	}
	// v2 covers where the event is: its global seq, stripe and position.
	for _, move := range []func(r *row){
		func(r *row) { r.seq++ }, func(r *row) { r.stripe++ }, func(r *row) { r.sseq++ },
		func(r *row) { r.stripe, r.sseq = 11, 1 }, func(r *row) { r.stripe, r.sseq = 1, 11 },
	} {
		m := a
		move(&m)
		if m.computeHash(false) == a.computeHash(false) {
			t.Fatalf("v2 hash kept after moving %+v to %+v", a, m)
		}
	}
}

// The v1 encoding is what events written before the stripes were hashed
// with: this hash was computed by the code before them (commit a7ff76e).
func TestV1EncodingUnchanged(t *testing.T) {
	r := row{seq: 7, at: 1438000000123, userID: sql.NullInt64{Int64: 5, Valid: true}, username: "zhang", orgCode: "230102",
		action: "user.create", objectType: "user", objectID: "42", ip: "192.0.2.1", outcome: "ok", detail: "创建用户 a:b,c", prevHash: "ab12",
		stripe: 9, sseq: 3} // v1 ignores these
	if got := r.computeHash(true); got != "c1957119383528a11e9cc0641328699a167fa10cfb23f2c154e98d79bfab56c2" {
		t.Fatalf("v1 hash %s", got)
	}
}

// TestConcurrentLog runs 32 writers at once, with Verify running beside
// them the whole time: every report while they append must be clean, and
// the chains they leave verify.
func TestConcurrentLog(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		const workers, each = 32, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers*each+100)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					e := Event{Username: fmt.Sprintf("w%d", w), Action: ActionLogin, Outcome: OK, Detail: fmt.Sprint(i)}
					// Half in a transaction with a change of its own, as the app does.
					err := d.InTx(ctx, func(tx *db.Tx) error {
						if _, err := tx.Exec(ctx, `INSERT INTO login_attempts (ip, at) VALUES (?, ?)`, fmt.Sprint(w), i); err != nil {
							return err
						}
						return Record(ctx, tx, e)
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}(w)
		}
		done := make(chan struct{})
		verified := make(chan int)
		go func() {
			n := 0
			defer func() { verified <- n }()
			for {
				select {
				case <-done:
					return
				default:
				}
				rep, err := Verify(ctx, d)
				if err != nil || !rep.OK() {
					errs <- fmt.Errorf("Verify while writing: %+v %v", rep, err)
					return
				}
				n++
			}
		}()
		wg.Wait()
		close(done)
		if n := <-verified; n == 0 {
			t.Log("no Verify finished while writing")
		}
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var n, distinct, lo, hi, used int64
		if err := d.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq), COUNT(DISTINCT stripe) FROM audit_events`).
			Scan(&n, &distinct, &lo, &hi, &used); err != nil {
			t.Fatal(err)
		}
		// On PostgreSQL seq comes from a sequence: a Record that found every
		// stripe held at the moment it looked (rare) used a number before
		// waiting for a stripe, so seq may skip; on SQLite it never does.
		if n != workers*each || distinct != n || lo != 1 || hi < n || (d.Dialect == db.SQLite && hi != n) {
			t.Fatalf("rows %d distinct %d seq %d..%d", n, distinct, lo, hi)
		}
		if used < 2 {
			t.Fatalf("%d events on %d stripe(s)", n, used)
		}
		var forks int64 // two events claiming the same predecessor in a stripe
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT stripe, prev_hash FROM audit_events
			GROUP BY stripe, prev_hash HAVING COUNT(*) > 1) f`).Scan(&forks); err != nil {
			t.Fatal(err)
		}
		if forks != 0 {
			t.Fatalf("%d forks", forks)
		}
		checkChains(t, d, n)
		rep, err := Verify(ctx, d)
		if err != nil || !rep.OK() || rep.Checked != workers*each {
			t.Fatalf("Verify: %+v %v", rep, err)
		}
	})
}

func TestRollbackLeavesNoEventAndNoGap(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		layout(t, d, 3, 3, 3)
		before := heads(t, d)[3]
		boom := errors.New("boom")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := Record(onStripe(3), tx, Event{Action: "user.create", Outcome: OK, Detail: "rolled back"}); err != nil {
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
		if h := heads(t, d)[3]; h != before {
			t.Fatalf("head after rollback %+v, before %+v", h, before)
		}
		// Record and a change commit together: two events in one transaction.
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if err := Record(onStripe(3), tx, Event{Action: "user.create", Outcome: OK}); err != nil {
				return err
			}
			return Record(onStripe(3), tx, Event{Action: "user.update", Outcome: OK})
		})
		if err != nil {
			t.Fatal(err)
		}
		evs, total, err := List(ctx, d.Q(), Filter{Action: "user."})
		if err != nil || total != 2 || evs[0].Pos != 5 || evs[1].Pos != 4 || evs[0].Stripe != 3 || evs[0].Seq <= evs[1].Seq {
			t.Fatalf("after commit: %+v %d %v", evs, total, err)
		}
		// The global seq skips the rolled-back number on PostgreSQL (a
		// sequence); the stripe's positions never do.
		if d.Dialect == db.SQLite && evs[0].Seq != 5 {
			t.Fatalf("SQLite seq %d, want 5", evs[0].Seq)
		}
		if rep := mustVerify(t, d, 2); !rep.OK() || rep.Checked != 5 {
			t.Fatalf("%+v", rep)
		}
	})
}

// When every head is held, Record waits for one instead of failing. Two
// transactions hold all the heads (16 each), so the waiter has a
// connection of its own and waits for a head, not for the pool.
func TestRecordWaitsWhenEveryHeadIsHeld(t *testing.T) {
	d := testdb.Postgres(t)
	release := make(chan struct{})
	held := make(chan error, 4)
	for _, first := range []int{1, Stripes/2 + 1} {
		go func() {
			held <- d.InTx(ctx, func(tx *db.Tx) error {
				for k := first; k < first+Stripes/2; k++ {
					if err := Record(onStripe(k), tx, Event{Action: "hold", Outcome: OK}); err != nil {
						return err
					}
				}
				held <- nil
				<-release
				return nil
			})
		}()
	}
	for range 2 {
		if err := <-held; err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- Log(ctx, d, Event{Action: "waiter", Outcome: OK}) }()
	select {
	case err := <-done:
		t.Fatalf("Record did not wait with every head held: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	for range 2 {
		if err := <-held; err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if rep := mustVerify(t, d, 10); !rep.OK() || rep.Checked != Stripes+1 {
		t.Fatalf("%+v", rep)
	}
}

// A writer that finds every stripe held does not wait for one while it
// holds locks of its own: here it holds a row that the holder of half the
// stripes wants next. Waiting for one of that holder's stripes would be a
// deadlock (PostgreSQL aborts one of them); looking again until the other
// half is released lets all three commit. Four rounds, as a waiting writer
// would pick a stripe of the blocked holder half the time.
func TestRecordNeverWaitsHoldingLocks(t *testing.T) {
	d := testdb.Postgres(t)
	exec(t, d, `CREATE TABLE held (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`)
	exec(t, d, `INSERT INTO held (id, n) VALUES (1, 0)`)
	for round := range 4 {
		var wg sync.WaitGroup
		holding, release := make(chan struct{}, 2), make(chan struct{})
		writerHolds := make(chan struct{})
		var errA, errB, errW error
		wg.Go(func() { // half the stripes, then the writer's row
			errA = d.InTx(ctx, func(tx *db.Tx) error {
				for k := 1; k <= Stripes/2; k++ {
					if err := Record(onStripe(k), tx, Event{Action: "hold", Outcome: OK}); err != nil {
						return err
					}
				}
				holding <- struct{}{}
				<-writerHolds
				_, err := tx.Exec(ctx, `UPDATE held SET n = n + 1 WHERE id = 1`)
				return err
			})
		})
		wg.Go(func() { // the other half, released later
			errB = d.InTx(ctx, func(tx *db.Tx) error {
				for k := Stripes/2 + 1; k <= Stripes; k++ {
					if err := Record(onStripe(k), tx, Event{Action: "hold", Outcome: OK}); err != nil {
						return err
					}
				}
				holding <- struct{}{}
				<-release
				return nil
			})
		})
		<-holding
		<-holding
		wg.Go(func() { // the writer: its row first, then its event
			errW = d.InTx(ctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, `UPDATE held SET n = n + 1 WHERE id = 1`); err != nil {
					return err
				}
				close(writerHolds)
				return Record(ctx, tx, Event{Action: "writer", Outcome: OK})
			})
		})
		time.Sleep(200 * time.Millisecond) // the writer looks for a stripe; A waits for its row
		close(release)
		wg.Wait()
		if errA != nil || errB != nil || errW != nil {
			t.Fatalf("round %d: holder %v, other holder %v, writer %v", round, errA, errB, errW)
		}
	}
	if rep := mustVerify(t, d, 10); !rep.OK() || rep.Checked != 4*(Stripes+1) {
		t.Fatalf("%+v", rep)
	}
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

// expect checks that Verify reports exactly the given problems: kind,
// stripe and position, the global seq when given, and a part of the
// message when given.
func expect(t *testing.T, d *db.DB, checked int64, want ...Problem) {
	t.Helper()
	for _, b := range []int{3, verifyBatch} {
		rep := mustVerify(t, d, b)
		if rep.OK() != (len(want) == 0) || rep.Checked != checked || len(rep.Problems) != len(want) {
			t.Fatalf("batch %d: got %+v, want %d checked and %+v", b, rep, checked, want)
		}
		for i, p := range rep.Problems {
			w := want[i]
			if p.Kind != w.Kind || p.Stripe != w.Stripe || p.Pos != w.Pos || (w.Seq != 0 && p.Seq != w.Seq) || p.Message == "" {
				t.Fatalf("problem %d: got %+v, want %+v", i, p, w)
			}
			if w.Message != "" && !strings.Contains(p.Message, w.Message) {
				t.Fatalf("problem %d message %q lacks %q", i, p.Message, w.Message)
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

// interleave is stripe 2's events with another stripe's between them, so
// that every tamper test shows the other chains are not disturbed.
func interleave(k, n, other int) []int {
	var s []int
	for i := 0; i < n; i++ {
		s = append(s, k)
		if i%3 == 1 {
			s = append(s, other)
		}
	}
	return s
}

func TestTamperEdited(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		layout(t, d, interleave(2, 10, 7)...) // stripe 2: 10 events, stripe 7: 3
		unlock(t, d)
		r := rowAt(t, d, 2, 4)
		exec(t, d, `UPDATE audit_events SET detail = '改过' WHERE stripe = 2 AND sseq = 4`)
		expect(t, d, 13, Problem{Stripe: 2, Pos: 4, Seq: r.seq, Kind: ProblemEdited, Message: fmt.Sprintf("第 %d 条事件（第 2 链第 4 环）内容被修改（哈希不符）", r.seq)})
	})
}

func TestTamperEditedNullToZero(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		layout(t, d, repeat(2, 6)...) // positions 1 and 4 have no user
		unlock(t, d)
		exec(t, d, `UPDATE audit_events SET user_id = 0 WHERE stripe = 2 AND sseq = 4`)
		expect(t, d, 6, Problem{Stripe: 2, Pos: 4, Kind: ProblemEdited})
	})
}

// A forger who recomputes the edited row's hash breaks the link to the next.
func TestTamperRehashed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		layout(t, d, interleave(2, 10, 5)...)
		unlock(t, d)
		rehash := func(pos int64) {
			r := rowAt(t, d, 2, pos)
			r.detail = "伪造"
			exec(t, d, `UPDATE audit_events SET detail = ?, hash = ? WHERE stripe = 2 AND sseq = ?`, r.detail, r.computeHash(false), pos)
		}
		rehash(5)
		expect(t, d, 13, Problem{Stripe: 2, Pos: 6, Kind: ProblemBrokenLink, Message: "（第 2 链第 6 环）的前序哈希与该链第 5 环不符"})
		rehash(10) // the last row: only the head knows
		expect(t, d, 13,
			Problem{Stripe: 2, Pos: 6, Kind: ProblemBrokenLink},
			Problem{Stripe: 2, Pos: 10, Kind: ProblemHeadMismatch, Message: "第 2 链链头哈希与该链第 10 环不符"})
	})
}

func TestTamperDeletedMiddle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		layout(t, d, interleave(2, 12, 9)...) // stripe 2: 12, stripe 9: 4
		unlock(t, d)
		exec(t, d, `DELETE FROM audit_events WHERE stripe = 2 AND sseq = 5`)
		expect(t, d, 15, Problem{Stripe: 2, Pos: 5, Kind: ProblemMissing, Message: "第 2 链第 5 环缺失"})
		exec(t, d, `DELETE FROM audit_events WHERE stripe = 2 AND sseq IN (1, 8, 9, 10)`)
		exec(t, d, `DELETE FROM audit_events WHERE stripe = 9 AND sseq = 2`)
		expect(t, d, 10,
			Problem{Stripe: 2, Pos: 1, Kind: ProblemMissing, Message: "第 2 链第 1 环缺失"},
			Problem{Stripe: 2, Pos: 5, Kind: ProblemMissing},
			Problem{Stripe: 2, Pos: 8, Kind: ProblemMissing, Message: "第 2 链第 8–10 环缺失（共 3 条"},
			Problem{Stripe: 9, Pos: 2, Kind: ProblemMissing})
	})
}

// Deleting the newest event of a stripe — not the newest of the log —
// is caught by that stripe's head.
func TestTamperDeletedTail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		layout(t, d, 3, 5, 3, 5, 3, 5, 5)
		unlock(t, d)
		exec(t, d, `DELETE FROM audit_events WHERE stripe = 3 AND sseq = 3`)
		expect(t, d, 6, Problem{Stripe: 3, Pos: 3, Kind: ProblemHeadMismatch, Message: "最后一环是第 2 环"})
		exec(t, d, `DELETE FROM audit_events WHERE stripe = 3`)
		expect(t, d, 4, Problem{Stripe: 3, Pos: 3, Kind: ProblemHeadMismatch, Message: "该链全部事件已被删除"})
		exec(t, d, `DELETE FROM audit_events WHERE stripe = 5 AND sseq = 4`)
		expect(t, d, 3,
			Problem{Stripe: 3, Pos: 3, Kind: ProblemHeadMismatch},
			Problem{Stripe: 5, Pos: 4, Kind: ProblemHeadMismatch, Message: "末尾第 4–4 环"})
	})
}

func TestTamperForgedPastHead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		layout(t, d, 4, 4, 6, 4, 4)
		forge := func(seq int64, stripe int, pos int64) {
			exec(t, d, `INSERT INTO audit_events (`+columns+`) VALUES (?, ?, ?, 0, NULL, '', NULL, '', 'x', '', '', '', 'ok', '', '', '')`, seq, stripe, pos)
		}
		forge(100, 4, 7)
		expect(t, d, 5, Problem{Stripe: 4, Pos: 5, Kind: ProblemHeadMismatch, Message: "第 4 链链头之后存在未登记的事件（第 5–7 环"})
		forge(101, 99, 1) // on no stripe
		forge(102, 6, 0)  // before a stripe's start
		forge(103, 12, 1) // on an empty stripe
		expect(t, d, 5,
			Problem{Stripe: 6, Seq: 102, Kind: ProblemBrokenLink, Message: "第 6 链有 1 条事件的环号不大于 0"},
			Problem{Stripe: 4, Pos: 5, Kind: ProblemHeadMismatch},
			Problem{Stripe: 12, Pos: 1, Kind: ProblemHeadMismatch, Message: "第 12 链链头之后"},
			Problem{Seq: 101, Kind: ProblemBrokenLink, Message: "存在 1 条不属于任何链的事件"})
	})
}

// A head row deleted: the stripe can no longer be vouched for.
func TestTamperHeadDeleted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		layout(t, d, 7, 8, 7)
		exec(t, d, `DELETE FROM audit_head WHERE id = 7`)
		expect(t, d, 3, Problem{Stripe: 7, Kind: ProblemHeadMismatch, Message: "第 7 链的链头缺失"})
	})
}

// Two rows swapped between stripes: the hash covers the stripe and the
// position, and each breaks the links around it.
func TestTamperSwappedBetweenStripes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		layout(t, d, 2, 3, 2, 3, 2, 3)
		unlock(t, d)
		a, b := rowAt(t, d, 2, 2), rowAt(t, d, 3, 2)
		exec(t, d, `UPDATE audit_events SET stripe = 0, sseq = 0 WHERE seq = ?`, a.seq)
		exec(t, d, `UPDATE audit_events SET stripe = 2, sseq = 2 WHERE seq = ?`, b.seq)
		exec(t, d, `UPDATE audit_events SET stripe = 3, sseq = 2 WHERE seq = ?`, a.seq)
		expect(t, d, 6,
			Problem{Stripe: 2, Pos: 2, Seq: b.seq, Kind: ProblemBrokenLink},
			Problem{Stripe: 2, Pos: 2, Seq: b.seq, Kind: ProblemEdited},
			Problem{Stripe: 2, Pos: 3, Kind: ProblemBrokenLink},
			Problem{Stripe: 3, Pos: 2, Seq: a.seq, Kind: ProblemBrokenLink},
			Problem{Stripe: 3, Pos: 2, Seq: a.seq, Kind: ProblemEdited},
			Problem{Stripe: 3, Pos: 3, Kind: ProblemBrokenLink})
	})
}

// A row moved to the end of another stripe leaves a hole where it was —
// even when the forger rehashes it, links it and moves that stripe's head.
func TestTamperMovedToAnotherStripe(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		layout(t, d, 2, 2, 2, 5, 5)
		unlock(t, d)
		r := rowAt(t, d, 2, 2)
		exec(t, d, `UPDATE audit_events SET stripe = 5, sseq = 3 WHERE seq = ?`, r.seq)
		expect(t, d, 4,
			Problem{Stripe: 2, Pos: 2, Kind: ProblemMissing, Message: "第 2 链第 2 环缺失"},
			Problem{Stripe: 5, Pos: 3, Kind: ProblemHeadMismatch, Message: "第 5 链链头之后存在未登记的事件"})

		h := heads(t, d)[5]
		r.stripe, r.sseq, r.prevHash = 5, 3, h.hash
		r.hash = r.computeHash(false)
		exec(t, d, `UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?`, r.prevHash, r.hash, r.seq)
		exec(t, d, `UPDATE audit_head SET seq = 3, hash = ? WHERE id = 5`, r.hash)
		expect(t, d, 5, Problem{Stripe: 2, Pos: 2, Kind: ProblemMissing})
	})
}

// Events re-ordered: within a stripe (positions swapped) and in the global
// order (seq swapped between stripes).
func TestTamperReordered(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		layout(t, d, 6, 6, 6, 6, 8, 9)
		unlock(t, d)
		exec(t, d, `UPDATE audit_events SET sseq = 0 WHERE stripe = 6 AND sseq = 2`)
		exec(t, d, `UPDATE audit_events SET sseq = 2 WHERE stripe = 6 AND sseq = 3`)
		exec(t, d, `UPDATE audit_events SET sseq = 3 WHERE stripe = 6 AND sseq = 0`)
		want := []Problem{
			{Stripe: 6, Pos: 2, Kind: ProblemBrokenLink},
			{Stripe: 6, Pos: 2, Kind: ProblemEdited},
			{Stripe: 6, Pos: 3, Kind: ProblemBrokenLink},
			{Stripe: 6, Pos: 3, Kind: ProblemEdited},
			{Stripe: 6, Pos: 4, Kind: ProblemBrokenLink},
		}
		expect(t, d, 6, want...)
		a, b := rowAt(t, d, 8, 1), rowAt(t, d, 9, 1)
		exec(t, d, `UPDATE audit_events SET seq = 1000 WHERE seq = ?`, a.seq)
		exec(t, d, `UPDATE audit_events SET seq = ? WHERE seq = ?`, a.seq, b.seq)
		exec(t, d, `UPDATE audit_events SET seq = ? WHERE seq = 1000`, b.seq)
		expect(t, d, 6, append(want,
			Problem{Stripe: 8, Pos: 1, Seq: b.seq, Kind: ProblemEdited},
			Problem{Stripe: 9, Pos: 1, Seq: a.seq, Kind: ProblemEdited})...)
	})
}

// An existing database — one chain of v1 events — migrates to the stripes
// and verifies: its events are stripe 1's chain, still v1; new events go on
// every stripe, stripe 1's after the old ones, as v2.
func TestMigrateKeepsTheOldChain(t *testing.T) {
	for _, e := range []struct {
		name string
		open func(t *testing.T) *db.DB
	}{
		{"sqlite", func(t *testing.T) *db.DB {
			d, err := db.OpenSQLite(ctx, filepath.Join(t.TempDir(), "old.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			return d
		}},
		{"postgres", func(t *testing.T) *db.DB { return testdb.PostgresEmpty(t) }},
	} {
		t.Run(e.name, func(t *testing.T) {
			d := e.open(t)
			ms, err := db.Migrations()
			if err != nil {
				t.Fatal(err)
			}
			var stripes int
			for _, m := range ms {
				if m.Name == "audit_stripes" {
					stripes = m.Version
				}
			}
			if stripes == 0 {
				t.Fatal("no audit_stripes migration")
			}
			if _, err := d.MigrateTo(ctx, stripes-1); err != nil {
				t.Fatal(err)
			}
			// Events as the code before the stripes wrote them.
			const old = 6
			for i := 1; i <= old; i++ {
				err := d.InTx(ctx, func(tx *db.Tx) error {
					r := row{at: int64(1438000000000 + i), username: "old", action: "test.old", outcome: OK, detail: fmt.Sprintf("旧事件 %d", i),
						userID: sql.NullInt64{Int64: int64(i), Valid: i%2 == 0}}
					if _, err := tx.Exec(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1`); err != nil {
						return err
					}
					if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&r.seq, &r.prevHash); err != nil {
						return err
					}
					r.hash = r.computeHash(true)
					if _, err := tx.Exec(ctx, `INSERT INTO audit_events (seq, at, user_id, username, org_id, org_code, action, object_type, object_id, ip, outcome, detail, prev_hash, hash)
						VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.seq, r.at, r.userID, r.username, r.orgID, r.orgCode, r.action, r.objectType,
						r.objectID, r.ip, r.outcome, r.detail, r.prevHash, r.hash); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `UPDATE audit_head SET hash = ? WHERE id = 1`, r.hash)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if n, err := d.Migrate(ctx); err != nil || n != len(ms)-stripes+1 {
				t.Fatalf("migrate: %d applied, %v", n, err)
			}
			expect(t, d, old)
			checkChains(t, d, old)
			for pos := int64(1); pos <= old; pos++ {
				if r := rowAt(t, d, 1, pos); r.seq != pos {
					t.Fatalf("old event %d is at position %d", r.seq, pos)
				}
			}
			layout(t, d, 1, 1, 4)
			logN(t, d, 30)
			expect(t, d, old+33)
			checkChains(t, d, old+33)
			if r := rowAt(t, d, 1, old+1); r.computeHash(false) != r.hash || r.prevHash != rowAt(t, d, 1, old).hash {
				t.Fatalf("the first new event of stripe 1 is not v2 after the old chain: %+v", r)
			}
			evs, total, err := List(ctx, d.Q(), Filter{PerPage: 200})
			if err != nil || total != old+33 || evs[0].Seq <= evs[1].Seq || evs[total-1].Seq != 1 || evs[total-old].Seq != old {
				t.Fatalf("List after migrating: %d %v", total, err)
			}
			unlock(t, d)
			exec(t, d, `UPDATE audit_events SET detail = '改过' WHERE seq = 2`)
			expect(t, d, old+33, Problem{Stripe: 1, Pos: 2, Seq: 2, Kind: ProblemEdited, Message: "第 2 条事件（第 1 链第 2 环）"})
		})
	}
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

// TestRecordFunction: the function audit_record (migration 0025), which
// Record calls on PostgreSQL, claims the stripes and locks this package
// knows, and what it writes verifies.
func TestRecordFunction(t *testing.T) {
	d := testdb.Postgres(t)
	ctx := context.Background()
	var src string
	if err := d.QueryRow(ctx, `SELECT prosrc FROM pg_proc WHERE proname = 'audit_record'`).Scan(&src); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fmt.Sprintf("FOR i IN 0..%d LOOP", Stripes-1), fmt.Sprintf("(p_start + i) %% %d + 1", Stripes),
		fmt.Sprintf("pg_try_advisory_xact_lock(%d, k)", stripeLock)} {
		if !strings.Contains(src, want) {
			t.Errorf("audit_record does not say %q: the migration and the package disagree", want)
		}
	}
	for i := range 3 * Stripes {
		if err := Log(ctx, d, Event{Username: "f", Action: "test.function", ObjectID: strconv.Itoa(i), Outcome: OK, Detail: "函数"}); err != nil {
			t.Fatal(err)
		}
	}
	if rep := mustVerify(t, d, 10); !rep.OK() || rep.Checked != 3*Stripes {
		t.Fatalf("verify: %d checked, problems %v", rep.Checked, rep.Problems)
	}
}
