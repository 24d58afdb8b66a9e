package aid_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// sealedCols are the columns Purge must blank.
const sealedCols = `name, id_number, phone, address, facts, guardian_name`

// rawApp is an application row as stored.
type rawApp struct {
	sealed  []string // sealedCols, in order
	idHash  string
	dedupe  string // "" for NULL
	purged  bool
	version int
}

func (f *fx) raw(id int64) rawApp {
	f.t.Helper()
	var r rawApp
	v := make([]string, 6)
	var purged int64
	if err := f.d.QueryRow(context.Background(), `SELECT `+sealedCols+`, id_hash, COALESCE(dedupe_key, ''), COALESCE(purged_at, 0), version
		FROM aid_applications WHERE id = ?`, id).Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &r.idHash, &r.dedupe, &purged, &r.version); err != nil {
		f.t.Fatal(err)
	}
	r.sealed, r.purged = v, purged != 0
	return r
}

// fileBytes is the SQLite database file with its -wal and -shm, if any.
func (f *fx) fileBytes() []byte {
	f.t.Helper()
	names, _ := filepath.Glob(f.d.Path + "*")
	if len(names) == 0 {
		f.t.Fatal("no database file")
	}
	var all []byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// approve takes an application from entry to the city's approval, with
// one return for the reason given.
func (f *fx) approve(in aid.Input, reason string) aid.Application {
	f.t.Helper()
	village, street, district, city := f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("daoli.staff"), f.Actor("city.leader")
	x, err := f.svc.Create(context.Background(), village, in)
	if err != nil {
		f.t.Fatal(err)
	}
	x = f.submit(village, x)
	x = f.decide(street, x, aid.Pass, "")
	x = f.decide(district, x, aid.Return, reason)
	x = f.submit(village, x)
	x = f.decide(street, x, aid.Pass, "")
	x = f.decide(district, x, aid.Pass, "")
	return f.decide(city, x, aid.Pass, "")
}

// TestPurge: a canary 两癌 application approved five years ago, a
// rejected one of the same age and two approved 优才奖励 awards past their
// three years are purged — every sealed column blank, reviewers' reasons
// blank, the lookup hash kept only for the lifetime grant; a 2025
// approval inside its retention is untouched. The dry run changes
// nothing, a second run nothing more; the same ID number is still refused
// a second 两癌救助; the purged applications' attachments are deleted;
// and on SQLite the file holds neither the canary's plaintext nor the
// sealed strings (fields, accounts, file content) that were in it before
// the purge.
func TestPurge(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		village, street := f.Actor("village.staff"), f.Actor("street.staff")

		f.clock = beijing(2021, 3, 10)
		cyc := f.cycle("cancer", 2021, 10_000_000, nil)
		f.cycle("talent", 2021, 0, nil)
		canary := f.approve(cancerInput(canaryName, canaryID), "CANARY退回理由：诊断证明不清晰")
		f.pay(cyc, canary)
		// Approved as long ago but never paid: still owed, kept.
		owed := f.approve(cancerInput("金丝雀欠款", makeID("23010219820202002")), "欠款退回：请补充材料")
		rej, err := f.svc.Create(ctx, village, cancerInput("金丝雀拒绝", makeID("23010219800101004")))
		if err != nil {
			t.Fatal(err)
		}
		rej = f.submit(village, rej)
		rej = f.decide(street, rej, aid.Reject, "CANARY拒绝理由：家庭收入超过标准")
		var awards []aid.Application
		for _, id := range []string{makeID("23010219950101013"), makeID("23010219960202024")} {
			awards = append(awards, f.approve(aid.Input{Programme: "talent", Name: "王优才", IDNumber: id, Household: "other",
				Facts: map[string]string{"achievement": "CANARY奥赛金牌"}}, "CANARY退回理由：缺获奖证书"))
		}
		f.clock = beijing(2025, 6, 1)
		f.cycle("cancer", 2025, 10_000_000, nil)
		recent := f.approve(cancerInput("金丝雀近期", makeID("23010219900505006")), "近期退回：请补充材料")

		f.clock = beijing(2026, 4, 1)
		before := map[int64]rawApp{}
		for _, x := range append([]aid.Application{canary, rej, recent, owed}, awards...) {
			before[x.ID] = f.raw(x.ID)
			if !strings.HasPrefix(before[x.ID].sealed[1], "hs1.") || before[x.ID].idHash == "" {
				t.Fatalf("application %d not sealed: %+v", x.ID, before[x.ID])
			}
		}
		accounts := f.accounts(canary.ID)
		if len(accounts) != 2 {
			t.Fatalf("canary accounts: %q", accounts)
		}
		chunks := f.chunks(canary.ID)
		if len(chunks) != 3 {
			t.Fatalf("canary file chunks: %d", len(chunks))
		}
		// The search can see: before the purge the canary's sealed ID
		// number and account are in the file (or its write-ahead log).
		if d.Dialect == db.SQLite {
			b := f.fileBytes()
			for _, v := range append(append([]string{before[canary.ID].sealed[1]}, accounts...), chunks...) {
				if !bytes.Contains(b, []byte(v)) {
					t.Fatalf("the canary's sealed %q is not found in the file before the purge: the search is blind", v)
				}
			}
		}

		// The dry run counts and changes nothing, not even the audit log.
		fp, audits := f.fingerprint(), f.audited("aid.purge")
		dry, err := f.svc.Purge(ctx, aid.PurgeOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := counts(dry); got != "cancer:1/1/2/2/6 talent:2/0/2/0/2" || dry.Total != 4 || dry.Compacted {
			t.Fatalf("dry run: %s total %d", got, dry.Total)
		}
		if f.fingerprint() != fp || f.audited("aid.purge") != audits {
			t.Fatal("the dry run changed something")
		}

		res, err := f.svc.Purge(ctx, aid.PurgeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := counts(res); got != "cancer:1/1/2/2/6 talent:2/0/2/0/2" || res.Total != 4 || res.Compacted != (d.Dialect == db.SQLite) {
			t.Fatalf("purge: %s total %d compacted %v", got, res.Total, res.Compacted)
		}
		for _, x := range append([]aid.Application{canary, rej}, awards...) {
			r := f.raw(x.ID)
			if strings.Join(r.sealed, "") != "" || !r.purged || r.version != before[x.ID].version+1 {
				t.Fatalf("application %d after purge: %+v", x.ID, r)
			}
		}
		// The lifetime grant keeps its hash; the rest lose it.
		if r := f.raw(canary.ID); r.idHash != before[canary.ID].idHash || r.dedupe != "life:cancer" {
			t.Fatalf("lifetime grant lost its hash: %+v", r)
		}
		for _, x := range append([]aid.Application{rej}, awards...) {
			if r := f.raw(x.ID); r.idHash != "" || r.dedupe != "" {
				t.Fatalf("application %d kept its hash: %+v", x.ID, r)
			}
		}
		if got := f.accounts(canary.ID); len(got) != 2 || got[0]+got[1] != "" || f.notes(canary.ID) != "" {
			t.Fatalf("accounts after purge: %q", got)
		}
		// The attachments are gone with their chunks; the kept ones stay.
		for _, x := range append([]aid.Application{canary, rej, recent, owed}, awards...) {
			want := 0
			if x.ID == recent.ID || x.ID == owed.ID {
				want = 3
			}
			if n := len(f.chunks(x.ID)); n != want {
				t.Fatalf("application %d keeps %d file chunks, want %d", x.ID, n, want)
			}
		}
		// Inside its retention, or still owed its money: untouched.
		for _, x := range []aid.Application{recent, owed} {
			if r := f.raw(x.ID); strings.Join(r.sealed, "|") != strings.Join(before[x.ID].sealed, "|") || r.purged ||
				r.idHash != before[x.ID].idHash || r.version != before[x.ID].version {
				t.Fatalf("application %d changed: %+v", x.ID, r)
			}
		}
		var reasons int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM aid_steps WHERE reason <> '' AND application_id NOT IN (?, ?)`, recent.ID, owed.ID).
			Scan(&reasons); err != nil || reasons != 0 {
			t.Fatalf("%d reasons left (%v)", reasons, err)
		}
		// Audited with counts only, one event per batch.
		if n := f.audited("aid.purge"); n != 2 {
			t.Fatalf("%d purge events", n)
		}
		f.eachRow(`SELECT detail FROM audit_events WHERE action = 'aid.purge'`, func(v []string) {
			if strings.Contains(v[0], "CANARY") || strings.Contains(v[0], "金") || !strings.Contains(v[0], "approved") {
				t.Fatalf("purge detail %q", v[0])
			}
		})

		// Still listed and shown, as purged, with nothing to unmask.
		x, err := f.svc.Application(ctx, f.Actor("daoli.leader"), canary.ID)
		if err != nil || !x.Purged || x.Name != "" || x.IDNumber != "" || x.Status != aid.Approved || x.Amount != 1_000_000 {
			t.Fatalf("purged application reads %+v %v", x, err)
		}

		// Idempotent: a second run finds nothing and records nothing.
		again, err := f.svc.Purge(ctx, aid.PurgeOptions{})
		if err != nil || again.Total != 0 || f.audited("aid.purge") != 2 {
			t.Fatalf("second run: %+v %v", again, err)
		}

		if d.Dialect == db.SQLite {
			b := f.fileBytes()
			// The search still sees what is kept.
			if !bytes.Contains(b, []byte(before[recent.ID].sealed[1])) {
				t.Fatal("the kept application's sealed ID number is not found in the file: the search is blind")
			}
			for _, v := range accounts {
				if bytes.Contains(b, []byte(v)) {
					t.Fatal("the canary's sealed account is still in the file")
				}
			}
			for _, v := range chunks {
				if bytes.Contains(b, []byte(v)) {
					t.Fatal("the canary's sealed file content is still in the file")
				}
			}
			for _, x := range append([]aid.Application{canary, rej}, awards...) {
				for i, v := range before[x.ID].sealed {
					if v != "" && bytes.Contains(b, []byte(v)) {
						t.Fatalf("application %d: the sealed %s is still in the file", x.ID, strings.Split(sealedCols, ", ")[i])
					}
				}
			}
			if bytes.Contains(b, []byte(before[rej.ID].idHash)) {
				t.Fatal("the rejected applicant's ID hash is still in the file")
			}
			for _, c := range []string{canaryName, canaryID, canaryPhone, canaryAddress, canaryHospital, canaryStage, "CANARY退回理由", "CANARY拒绝理由", purgeAccount, fileCanary} {
				if bytes.Contains(b, []byte(c)) {
					t.Fatalf("the file holds %q", c)
				}
			}
		}

		// Once per lifetime still holds for the purged grant, elsewhere and later.
		f.cycle("cancer", 2026, 10_000_000, nil)
		_, err = f.svc.Create(ctx, f.Actor("nangang.village"), cancerInput("金某", canaryID))
		code(t, err, "duplicate")
		// The rejected applicant may apply again.
		if _, err := f.svc.Create(ctx, village, cancerInput("金某", makeID("23010219800101004"))); err != nil {
			t.Fatalf("the rejected applicant cannot apply again: %v", err)
		}
	})
}

// counts is "code:approved/rejected/steps/accounts/files" of the programmes with any.
func counts(r aid.PurgeResult) string {
	var out []string
	for _, c := range r.Programmes {
		if c.Approved+c.Rejected > 0 {
			out = append(out, fmt.Sprintf("%s:%d/%d/%d/%d/%d", c.Code, c.Approved, c.Rejected, c.Steps, c.Accounts, c.Files))
		}
	}
	return strings.Join(out, " ")
}

// purgeAccount is a bank card number (with its Luhn digit) for the canary.
const purgeAccount = "6228480402564890018"

// pay records the canary's account and pays it in a batch of its cycle.
func (f *fx) pay(c aid.Cycle, x aid.Application) {
	f.t.Helper()
	ctx, city := context.Background(), f.Actor("city.leader")
	if _, err := f.svc.SetAccount(ctx, f.Actor("village.staff"), x.ID, "中国农业银行哈尔滨道里支行", purgeAccount); err != nil {
		f.t.Fatal(err)
	}
	b, err := f.svc.CreateBatch(ctx, city, c.ID, []int64{x.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	lines, err := f.svc.BatchLines(ctx, city, b.ID)
	if err != nil || len(lines) != 1 {
		f.t.Fatalf("lines %v %v", lines, err)
	}
	if _, err := f.svc.RecordResult(ctx, city, b.ID, lines[0].ID, aid.Paid, "户名核对一致，已入账"); err != nil {
		f.t.Fatal(err)
	}
}

// notes is the bank's notes on the application's payment lines.
func (f *fx) notes(id int64) string {
	f.t.Helper()
	var out string
	f.eachRow(`SELECT note FROM aid_payment_lines WHERE application_id = `+strconv.FormatInt(id, 10), func(v []string) { out += v[0] })
	return out
}

// accounts is the application's sealed account as stored, then its
// payment lines'.
func (f *fx) accounts(id int64) []string {
	f.t.Helper()
	var out []string
	f.eachRow(`SELECT account FROM aid_accounts WHERE application_id = `+strconv.FormatInt(id, 10), func(v []string) { out = append(out, v[0]) })
	f.eachRow(`SELECT account FROM aid_payment_lines WHERE application_id = `+strconv.FormatInt(id, 10)+` ORDER BY id`,
		func(v []string) { out = append(out, v[0]) })
	return out
}

// chunks is the sealed content of the application's files as stored.
func (f *fx) chunks(id int64) []string {
	f.t.Helper()
	var out []string
	f.eachRow(`SELECT c.data FROM aid_file_chunks c JOIN aid_files x ON x.id = c.file_id WHERE x.application_id = `+
		strconv.FormatInt(id, 10)+` ORDER BY c.id`, func(v []string) { out = append(out, v[0]) })
	return out
}
