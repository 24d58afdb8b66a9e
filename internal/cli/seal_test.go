package cli_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/doc"
	"halfsky/internal/org"
	"halfsky/internal/rights"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
	"halfsky/internal/vault"
	"halfsky/internal/visit"
)

// cell is one sealed value: a registered column of one row.
type cell struct {
	col vault.Column
	key int64
}

// plainFile is what a stored file must read back as.
type plainFile struct {
	name, sum string
	data      []byte
}

// Canaries put into the demo data before it is taken back to how an
// earlier version stored it.
const (
	migNotes     = "CANARYMIGNOTES丈夫长期外出务工"
	migPhotoName = "金丝雀迁移CANARYMIGPHOTO.png"
	migBytes     = "CANARYMIGBYTES"
	migDocName   = "CANARYMIGDOC通知附件.pdf"
)

// sealedState reads every value of every registered column and every
// stored file and opens them with k; values still in the clear are taken
// as they are (plain reports how many there were).
func sealedState(t *testing.T, d *db.DB, k *vault.Keyring) (cells map[cell]string, fs map[int64]plainFile, plain int) {
	t.Helper()
	ctx := context.Background()
	cells = map[cell]string{}
	for _, c := range vault.Columns() {
		rows, err := d.Query(ctx, `SELECT `+c.Key+`, `+c.Name+` FROM `+c.Table+` WHERE `+c.Name+` <> ''`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var key int64
			var v string
			if err := rows.Scan(&key, &v); err != nil {
				t.Fatal(err)
			}
			if vault.KeyOf(v) == "" {
				plain++
				cells[cell{c, key}] = v
				continue
			}
			p, err := k.Open(c.Purpose(), v)
			if err != nil {
				t.Fatalf("%s %d does not open: %v", c.Purpose(), key, err)
			}
			cells[cell{c, key}] = p
		}
		rows.Close()
	}
	fs = map[int64]plainFile{}
	rows, err := d.Query(ctx, `SELECT id, chunks, data FROM files`)
	if err != nil {
		t.Fatal(err)
	}
	type raw struct {
		id     int64
		chunks int
		data   []byte
	}
	var raws []raw
	for rows.Next() {
		var r raw
		if err := rows.Scan(&r.id, &r.chunks, &r.data); err != nil {
			t.Fatal(err)
		}
		raws = append(raws, r)
	}
	rows.Close()
	for _, r := range raws {
		f := plainFile{name: cells[cell{vault.Column{Table: "files", Key: "id", Name: "name"}, r.id}],
			sum: cells[cell{vault.Column{Table: "files", Key: "id", Name: "sha256"}, r.id}], data: r.data}
		if r.chunks == 0 {
			plain++
		} else {
			f.data = nil
			for seq := 0; seq < r.chunks; seq++ {
				var id int64
				if err := d.QueryRow(ctx, `SELECT id FROM file_chunks WHERE file_id = ? AND seq = ?`, r.id, seq).Scan(&id); err != nil {
					t.Fatalf("file %d piece %d: %v", r.id, seq, err)
				}
				f.data = append(f.data, cells[cell{vault.Column{Table: "file_chunks", Key: "id", Name: "data"}, id}]...)
			}
		}
		fs[r.id] = f
	}
	return cells, fs, plain
}

// unseal takes the database back to how an earlier version stored it:
// every registered column in the clear, files' bytes in files.data, no
// search index.
func unseal(t *testing.T, d *db.DB, cells map[cell]string, fs map[int64]plainFile) {
	t.Helper()
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		for c, v := range cells {
			if c.col.Table == "file_chunks" {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE `+c.col.Table+` SET `+c.col.Name+` = ? WHERE `+c.col.Key+` = ?`, v, c.key); err != nil {
				return err
			}
		}
		for id, f := range fs {
			if _, err := tx.Exec(ctx, `UPDATE files SET data = ?, chunks = 0 WHERE id = ?`, f.data, id); err != nil {
				return err
			}
		}
		for _, q := range []string{`DELETE FROM file_chunks`, `UPDATE visits SET search_terms = ''`, `UPDATE tasks SET search_terms = ''`} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSealExistingData: a database written by an earlier version — the
// demo's every module, plus uploads, all in the clear — is sealed by the
// start-up step, stopped after its first batch, and finished by `halfsky
// keys seal`: every value opens to exactly what it was, nothing is left
// in the clear (not in a row, not in the SQLite file), lists search
// through the new index, and a second run has nothing to do. Then `keys
// rotate` re-seals every one of those values under a new key, each to its
// own plaintext again.
func TestSealExistingData(t *testing.T) {
	each(t, func(t *testing.T) {
		must(t, "migrate")
		ctx := context.Background()
		d := openDB(t)
		path := filepath.Join(os.Getenv("HALFSKY_DATA_DIR"), "keys.txt")
		k, _, err := vault.Load(path, "")
		if err != nil {
			t.Fatal(err)
		}
		svc := auth.NewService(d, &org.Store{DB: d})
		svc.Vault = k
		seeded, err := demo.Seed(ctx, svc, "demo-password-2015", true)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if err := demo.SeedDocuments(ctx, svc, seeded.Password, now); err != nil {
			t.Fatal(err)
		}
		if err := demo.SeedWork(ctx, svc, k, now); err != nil {
			t.Fatal(err)
		}
		if err := demo.SeedAidPayments(ctx, svc, k, now); err != nil {
			t.Fatal(err)
		}
		actor := func(name string) access.Actor {
			u, err := svc.UserByUsername(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			return u.Actor("127.0.0.1")
		}
		// What the demo leaves empty: an upload of each owner, a refused
		// hand-over's reply, a second factor.
		vs := visit.NewService(d, svc.Orgs)
		vs.Vault = k
		v, err := vs.CreateVisit(ctx, actor("street.staff"), visit.VisitInput{OrgCode: "230102001002", VisitedOn: time.Now().In(db.Shanghai).Format("2006-01-02"),
			Place: "索菲亚社区迁移测试", Notes: migNotes, Women: 1}, []visit.Photo{{Name: migPhotoName, Data: testfx.PhotoWith(migBytes)}})
		if err != nil {
			t.Fatal(err)
		}
		n, err := vs.CreateNeed(ctx, actor("street.staff"), visit.NeedInput{VisitID: v.ID, Category: "family", Summary: "迁移测试诉求"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vs.HandOver(ctx, actor("street.staff"), n.ID, visit.HandoverInput{ToCode: "230102", Reason: "迁移测试移交"}); err != nil {
			t.Fatal(err)
		}
		if _, err := vs.Decide(ctx, actor("daoli.staff"), n.ID, false, "迁移测试拒收理由"); err != nil {
			t.Fatal(err)
		}
		today := time.Now().In(db.Shanghai).Format("2006-01-02")
		if _, err := vs.CreateTask(ctx, actor("street.staff"), visit.TaskInput{NeedID: n.ID, Detail: "迁移测试办理要求", OwnerName: "迁移测试责任人",
			DueOn: visit.AddDays(today, 3)}); err != nil {
			t.Fatal(err)
		}
		sealCasesFixture(t, ctx, d, svc, k, actor)
		docs := doc.NewService(d, svc.Orgs)
		docs.Vault = k
		var draft int64
		if err := d.QueryRow(ctx, `SELECT id FROM documents WHERE status = 'reviewing' ORDER BY id LIMIT 1`).Scan(&draft); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `UPDATE documents SET status = 'draft' WHERE id = ?`, draft); err != nil {
			t.Fatal(err)
		}
		var drafter string
		if err := d.QueryRow(ctx, `SELECT u.username FROM documents x JOIN users u ON u.id = x.drafted_by WHERE x.id = ?`, draft).Scan(&drafter); err != nil {
			t.Fatal(err)
		}
		if _, err := docs.Attach(ctx, actor(drafter), draft, migDocName, []byte("%PDF-1.4\n"+migBytes+"-doc")); err != nil {
			t.Fatal(err)
		}
		secret, _ := k.Seal("users.totp_secret", "JBSWY3DPEHPK3PXP")
		if _, err := d.Exec(ctx, `UPDATE users SET totp_secret = ? WHERE username = 'admin'`, secret); err != nil {
			t.Fatal(err)
		}

		cells, fs, plain := sealedState(t, d, k)
		if plain != 0 {
			t.Fatalf("%d values in the clear before the downgrade", plain)
		}
		// Every registered column holds something, so none is checked blind.
		have := map[vault.Column]int{}
		for c := range cells {
			have[c.col]++
		}
		for _, c := range vault.Columns() {
			if have[c] == 0 {
				t.Errorf("the fixture leaves %s empty", c.Purpose())
			}
		}
		if len(fs) < 2 {
			t.Fatalf("%d files", len(fs))
		}
		for id, f := range fs {
			if s := sha256.Sum256(f.data); hex.EncodeToString(s[:]) != f.sum || f.name == "" {
				t.Fatalf("file %d reads %q, %d bytes, checksum %s", id, f.name, len(f.data), f.sum)
			}
		}

		// An earlier version's database: the canaries are there to find.
		unseal(t, d, cells, fs)
		mig := []string{migNotes, migPhotoName, migBytes, migDocName}
		testdb.NoneInFile(t, d, "哈尔滨市妇女联合会") // checkpoint
		if _, got, plain := sealedState(t, d, k); plain == 0 || len(got) != len(fs) {
			t.Fatalf("the downgrade left %d plain values", plain)
		}
		if count := countRows(t, d, `SELECT COUNT(*) FROM visits WHERE notes = ?`, migNotes); count != 1 {
			t.Fatal("the plain notes are not there to seal")
		}
		// Pages read the plain rows as they are.
		if got, err := vs.Visit(ctx, actor("street.staff"), v.ID); err != nil || got.Notes != migNotes {
			t.Fatalf("plain visit reads %q, %v", got.Notes, err)
		}

		// The start-up step, stopped after its first batch.
		stop, cancel := context.WithCancel(ctx)
		done, err := vault.SealPlain(stop, d, k, func(vault.Column, int) { cancel() })
		if !errors.Is(err, context.Canceled) || len(done) != 1 {
			t.Fatalf("interrupted: %v %v", done, err)
		}
		half, _, plainLeft := sealedState(t, d, k)
		if plainLeft == 0 || !equalCells(half, cells) {
			t.Fatalf("after the first batch: %d plain, values equal %v", plainLeft, equalCells(half, cells))
		}
		out := must(t, "keys", "status")
		if !strings.Contains(out, "未加密") || !strings.Contains(out, "未处理") {
			t.Fatalf("status half-way:\n%s", out)
		}

		// The command finishes it.
		out = must(t, "keys", "seal")
		if !strings.Contains(out, "已加密") {
			t.Fatalf("keys seal: %s", out)
		}
		after, afterFiles, plain := sealedState(t, d, k)
		if plain != 0 || !equalCells(after, cells) || !equalFiles(afterFiles, fs) {
			t.Fatalf("after keys seal: %d plain, cells equal %v, files equal %v", plain, equalCells(after, cells), equalFiles(afterFiles, fs))
		}
		if c := countRows(t, d, `SELECT COUNT(*) FROM files WHERE chunks < 1 OR LENGTH(data) > 0`); c != 0 {
			t.Fatalf("%d files keep their bytes", c)
		}
		if c := countRows(t, d, `SELECT (SELECT COUNT(*) FROM visits WHERE search_terms = '') + (SELECT COUNT(*) FROM tasks WHERE search_terms = '')`); c != 0 {
			t.Fatalf("%d rows not indexed", c)
		}
		testdb.NoneInTables(t, d, testdb.Tables(t, d), func(table string, row []string) bool {
			// doc.attach's audit detail names the file: issue 10 item 7,
			// changed on another branch — drop this exemption when it lands.
			return table == "audit_events" && strings.Contains(strings.Join(row, "|"), "|doc.attach|")
		}, append(mig, "JBSWY3DPEHPK3PXP")...)
		testdb.NoneInFile(t, d, "哈尔滨市妇女联合会", migNotes, migPhotoName, migBytes)
		list, _, err := vs.Visits(ctx, actor("street.staff"), visit.VisitFilter{Q: "丈夫长期"})
		if err != nil || len(list) != 1 || list[0].ID != v.ID {
			t.Fatalf("search after sealing: %v %v", list, err)
		}
		if out := must(t, "keys", "status"); strings.Contains(out, "未加密") || strings.Contains(out, "未处理") {
			t.Fatalf("status after:\n%s", out)
		}
		if out := must(t, "keys", "seal"); !strings.Contains(out, "已加密 0 个") {
			t.Fatalf("second keys seal: %s", out)
		}

		// Rotation: every value under the new key, each its own again.
		must(t, "keys", "rotate")
		k2, _, err := vault.Load(path, "")
		if err != nil || k2.Active() == k.Active() {
			t.Fatal(err)
		}
		rotated, rotatedFiles, plain := sealedState(t, d, k2)
		if plain != 0 || !equalCells(rotated, cells) || !equalFiles(rotatedFiles, fs) {
			t.Fatalf("after rotation: %d plain, cells equal %v, files equal %v", plain, equalCells(rotated, cells), equalFiles(rotatedFiles, fs))
		}
		for _, c := range vault.Columns() {
			if n := countRows(t, d, `SELECT COUNT(*) FROM `+c.Table+` WHERE `+c.Name+` <> '' AND `+c.Name+` NOT LIKE ?`, "hs1."+k2.Active()+".%"); n != 0 {
				t.Fatalf("%s: %d values not under the new key", c.Purpose(), n)
			}
		}
	})
}

// equalCells: every cell of want is in got with the same plaintext, and
// got has no other (file pieces compared through the files instead, as
// their row ids change).
func equalCells(got, want map[cell]string) bool {
	n := 0
	for c, v := range want {
		if c.col.Table == "file_chunks" {
			continue
		}
		n++
		if got[c] != v {
			return false
		}
	}
	for c := range got {
		if c.col.Table != "file_chunks" {
			n--
		}
	}
	return n == 0
}

func equalFiles(got, want map[int64]plainFile) bool {
	if len(got) != len(want) {
		return false
	}
	for id, f := range want {
		g := got[id]
		if g.name != f.name || g.sum != f.sum || string(g.data) != string(f.data) {
			return false
		}
	}
	return true
}

func countRows(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sealCasesFixture fills every sealed column of 巾帼维权: a case with its
// parties, contact and timeline, a referral answered and one made on a
// leader's override, an escalation refused with a reply, a broken glass.
func sealCasesFixture(t *testing.T, ctx context.Context, d *db.DB, svc *auth.Service, k *vault.Keyring, actor func(string) access.Actor) {
	t.Helper()
	rs := rights.NewService(d, svc.Orgs, k)
	village, district := actor("village.staff"), actor("daoli.leader")
	id, err := rs.Intake(ctx, village, rights.Input{Channel: rights.ChannelHotline, Category: "dv", Narrative: "迁移测试案情", Phone: "13900000001",
		ContactTime: "迁移测试时间", Take: true, Parties: []rights.PartyInput{{Role: rights.PartyComplainant, Name: "迁移测试姓名",
			Phone: "13900000002", Address: "迁移测试住址", Relation: "迁移测试关系"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.RecordConsent(ctx, village, id, 0, rights.ConsentInput{Services: true, Refer: []string{"police"}}); err != nil {
		t.Fatal(err)
	}
	ref, err := rs.Refer(ctx, village, id, 0, rights.ReferInput{Agency: "police"})
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.UpdateReferral(ctx, village, id, 0, ref, "replied", "迁移测试回复"); err != nil {
		t.Fatal(err)
	}
	if err := rs.BreakGlass(ctx, district, id, "迁移测试破窗理由"); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.RecordOrder(ctx, village, id, 0, rights.OrderInput{Kind: rights.OrderWarning, IssuedOn: time.Now().In(db.Shanghai).Format(time.DateOnly),
		Note: "迁移测试告诫书"}); err != nil {
		t.Fatal(err)
	}
	if err := rs.Close(ctx, village, id, 0, "resolved", "satisfied", ""); err != nil {
		t.Fatal(err)
	}
	c, err := rs.Get(ctx, village, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.DoFollowUp(ctx, village, id, 0, c.FollowUps[0].ID, "迁移测试回访"); err != nil {
		t.Fatal(err)
	}
	minor, err := rs.Intake(ctx, district, rights.Input{Channel: rights.ChannelWalkIn, Category: "dv", Narrative: "迁移测试未成年人", Take: true,
		Parties: []rights.PartyInput{{Role: rights.PartyVictim, AgeGroup: "minor"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Refer(ctx, district, minor, 0, rights.ReferInput{Agency: "court", Override: "迁移测试强制理由"}); err != nil {
		t.Fatal(err)
	}
	if err := rs.RecordReport(ctx, district, minor, 0, "police", time.Now().In(db.Shanghai).Format(time.DateOnly), "迁移测试强制报告"); err != nil {
		t.Fatal(err)
	}
	if err := rs.Escalate(ctx, district, minor, 0, "迁移测试上报理由"); err != nil {
		t.Fatal(err)
	}
	c, err = rs.Get(ctx, district, minor)
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.DecideMove(ctx, actor("city.leader"), minor, c.Moves[0].ID, false, "迁移测试拒收"); err != nil {
		t.Fatal(err)
	}
}
