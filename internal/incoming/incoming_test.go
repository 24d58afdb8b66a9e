package incoming_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/incoming"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

func notice() incoming.Input {
	return incoming.Input{Fields: incoming.Fields{FromUnit: "黑龙江省妇女联合会", FromNumber: "黑妇发〔2026〕12号",
		Title: "关于开展寻找“最美家庭”活动的通知", DocDate: "2026-03-02", ReceivedOn: "2026-03-05",
		Body: []string{"各市（地）妇联：", "现将有关事项通知如下。"}},
		Source: incoming.FromPDF, Warnings: []string{"没有识别到版记"}, Pages: 2,
		FileName: "黑妇发12号.pdf", File: []byte("%PDF-1.4\n%fake but with the magic\n")}
}

func service(d *db.DB, f *testfx.Demo) *incoming.Service {
	s := incoming.NewService(d, f.Orgs, testfx.Keys)
	s.Now = func() time.Time { return time.Date(2026, 12, 6, 9, 0, 0, 0, db.Shanghai) }
	return s
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, err error, code string) *apperr.Error {
	t.Helper()
	e := apperr.From(err)
	if e == nil || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	return e
}

// A registration takes the unit's next 收文编号 for its year, keeps the
// fields, the reader's warnings and the original file (sealed, read back
// byte for byte), and is audited; a 来文 is registered once.
func TestRegisterNumbersAndKeepsTheOriginal(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := testfx.Seed(t, d)
		s := service(d, f)
		staff := f.Actor("city.office")
		in := notice()
		r, err := s.Register(ctx, staff, in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Number() != "收〔2026〕1号" || r.FromUnit != in.FromUnit || r.FromNumber != in.FromNumber || r.Title != in.Title ||
			r.DocDate != "2026-03-02" || r.ReceivedOn != "2026-03-05" || r.Source != incoming.FromPDF || r.Pages != 2 ||
			strings.Join(r.Body, "|") != strings.Join(in.Body, "|") || strings.Join(r.Warnings, "|") != "没有识别到版记" {
			t.Fatalf("registered %+v", r)
		}
		fl, err := s.FileList(ctx, staff, r.ID)
		if err != nil || len(fl) != 1 || fl[0].Name != in.FileName {
			t.Fatalf("files %+v %v", fl, err)
		}
		_, data, err := s.File(ctx, f.Actor("city.leader"), r.ID, fl[0].ID)
		if err != nil || string(data) != string(in.File) {
			t.Fatalf("the original read back as %q, %v", data, err)
		}
		// Sealed: neither the name nor the bytes are in the clear.
		if n := count(t, d, `SELECT COUNT(*) FROM files WHERE name LIKE '%黑妇发%'`); n != 0 {
			t.Error("the file's name is stored in the clear")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'incoming.register' AND object_id = ?`, strconv.FormatInt(r.ID, 10)); n != 1 {
			t.Errorf("%d audit events for the registration", n)
		}

		// The next one, and one received last year: each year its own series.
		in2 := notice()
		in2.FromNumber, in2.File = "黑妇发〔2026〕13号", nil
		if r2, err := s.Register(ctx, staff, in2); err != nil || r2.Number() != "收〔2026〕2号" {
			t.Fatalf("second: %v %v", r2.Number(), err)
		}
		in3 := notice()
		in3.FromNumber, in3.DocDate, in3.ReceivedOn, in3.File = "黑妇发〔2025〕40号", "2025-12-20", "2025-12-29", nil
		if r3, err := s.Register(ctx, staff, in3); err != nil || r3.Number() != "收〔2025〕1号" {
			t.Fatalf("last year's: %v %v", r3.Number(), err)
		}

		// The register's search: words of the title, the 来文单位 or the
		// 来文字号, wildcards taken literally; the year.
		for q, want := range map[string]int{"最美家庭": 3, "黑妇发〔2025〕": 1, "省妇女": 3, "100%": 0, "_": 0} {
			if _, n, err := s.List(ctx, staff, incoming.Filter{Q: q}); err != nil || n != want {
				t.Errorf("search %q: %d, want %d (%v)", q, n, want, err)
			}
		}
		if _, n, _ := s.List(ctx, staff, incoming.Filter{Year: 2025}); n != 1 {
			t.Errorf("2025: %d registrations, want 1", n)
		}

		// The same 来文 again: refused beside the field, nothing stored.
		before := testdb.TablePrints(t, d, "audit_events", "sessions")
		e := wantCode(t, mustFail(s.Register(ctx, f.Actor("city.staff"), notice())), "already_registered")
		if !strings.Contains(e.Message, "收〔2026〕1号") || e.Fields["from_number"] == "" {
			t.Errorf("duplicate refusal: %+v", e)
		}
		// Bad fields and a file whose content is not its name: nothing stored.
		bad := notice()
		bad.FromUnit, bad.FromNumber, bad.ReceivedOn = "", "黑妇发2026-12", "2099-01-01"
		e = wantCode(t, mustFail(s.Register(ctx, staff, bad)), "invalid")
		for _, k := range []string{"from_unit", "from_number", "received_on"} {
			if e.Fields[k] == "" {
				t.Errorf("no message beside %s: %v", k, e.Fields)
			}
		}
		// Text neither database can store, from any front end.
		nul := notice()
		nul.FromNumber, nul.FromUnit, nul.Body = "黑妇发〔2026〕98号", "黑龙江\x00省妇联", []string{"正文\xff"}
		e = wantCode(t, mustFail(s.Register(ctx, staff, nul)), "invalid")
		if e.Fields["from_unit"] == "" || e.Fields["body"] == "" {
			t.Errorf("unstorable text: %v", e.Fields)
		}
		wrong := notice()
		wrong.FromNumber, wrong.FileName = "黑妇发〔2026〕99号", "通知.docx"
		wantCode(t, mustFail(s.Register(ctx, staff, wrong)), "invalid")
		if diff := diffPrints(before, testdb.TablePrints(t, d, "audit_events", "sessions")); diff != "" {
			t.Errorf("a refused registration changed %s", diff)
		}
	})
}

func mustFail(_ incoming.Record, err error) error { return err }

func diffPrints(a, b map[string]string) string {
	var out []string
	for k, v := range a {
		if b[k] != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	return strings.Join(out, ", ")
}

// Concurrent registrations take distinct numbers with no gaps, and of
// several racing registrations of one 来文 exactly one is stored.
func TestRegisterConcurrently(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := testfx.Seed(t, d)
		s := service(d, f)
		staff := f.Actor("daoli.staff")
		var wg sync.WaitGroup
		errs := make([]error, 12)
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := notice()
				in.File = nil
				if i < 8 {
					in.FromNumber = "哈妇发〔2026〕" + strconv.Itoa(100+i) + "号"
				} else {
					in.FromNumber = "哈妇发〔2026〕200号" // the same 来文, four times
				}
				_, errs[i] = s.Register(ctx, staff, in)
			}()
		}
		wg.Wait()
		dup := 0
		for i, err := range errs {
			switch {
			case err == nil:
			case i >= 8 && apperr.From(err).Code == "already_registered":
				dup++
			default:
				t.Errorf("registration %d: %v", i, err)
			}
		}
		if dup != 3 {
			t.Errorf("%d of 4 racing duplicates refused, want 3", dup)
		}
		if n := count(t, d, `SELECT COUNT(DISTINCT seq) FROM incoming_docs WHERE org_id = ? AND seq BETWEEN 1 AND 9`, staff.OrgID); n != 9 {
			t.Errorf("numbers 1–9 not all taken once: %d distinct", n)
		}
		if n := count(t, d, `SELECT MAX(seq) FROM incoming_docs WHERE org_id = ?`, staff.OrgID); n != 9 {
			t.Errorf("last number %d, want 9 (no gaps)", n)
		}
	})
}

// The register is the unit's own: another unit — above, below, beside —
// and the administrators neither see nor change it; a unit's colleague
// does. Corrections are versioned, a voided registration keeps its
// number and frees its 来文字号.
func TestRegisterIsTheUnitsOwn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := testfx.Seed(t, d)
		s := service(d, f)
		staff := f.Actor("daoli.staff")
		r, err := s.Register(ctx, staff, notice())
		if err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"city.leader", "city.office", "nangang.leader", "street.staff", "village.staff"} {
			a := f.Actor(who)
			if _, err := s.Get(ctx, a, r.ID); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s read another unit's registration: %v", who, err)
			}
			if _, err := s.Update(ctx, a, r.ID, r.Version, r.Fields); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s changed another unit's registration: %v", who, err)
			}
			if err := s.Void(ctx, a, r.ID, "越权"); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s voided another unit's registration: %v", who, err)
			}
			if items, _, err := s.List(ctx, a, incoming.Filter{}); err != nil || len(items) != 0 {
				t.Errorf("%s lists %d of another unit's registrations (%v)", who, len(items), err)
			}
		}
		for _, who := range []string{"admin", "secadmin", "auditor"} {
			if _, err := s.Get(ctx, f.Actor(who), r.ID); !errors.Is(err, access.ErrDenied) {
				t.Errorf("%s reached the register: %v", who, err)
			}
			if _, err := s.Register(ctx, f.Actor(who), notice()); !errors.Is(err, access.ErrDenied) {
				t.Errorf("%s registered: %v", who, err)
			}
		}
		boss := f.Actor("daoli.leader")
		if _, err := s.Get(ctx, boss, r.ID); err != nil {
			t.Fatalf("the unit's leader: %v", err)
		}
		fixed := r.Fields
		fixed.FromUnit, fixed.Note = "黑龙江省妇联", "已转各街道"
		r2, err := s.Update(ctx, boss, r.ID, r.Version, fixed)
		if err != nil || r2.FromUnit != "黑龙江省妇联" || r2.Version != r.Version+1 || r2.Number() != r.Number() {
			t.Fatalf("update: %+v %v", r2, err)
		}
		wantCode(t, mustFail(s.Update(ctx, staff, r.ID, r.Version, fixed)), "stale")
		moved := r2.Fields
		moved.ReceivedOn = "2025-12-31"
		wantCode(t, mustFail(s.Update(ctx, staff, r.ID, r2.Version, moved)), "invalid")

		if err := s.Void(ctx, staff, r.ID, " "); apperr.From(err).Code != "invalid" {
			t.Errorf("void without a reason: %v", err)
		}
		if err := s.Void(ctx, staff, r.ID, "上传错了文件"); err != nil {
			t.Fatal(err)
		}
		v, _ := s.Get(ctx, staff, r.ID)
		if !v.Voided() || v.VoidReason != "上传错了文件" || v.Number() != "收〔2026〕1号" {
			t.Errorf("voided: %+v", v)
		}
		wantCode(t, mustFail(s.Update(ctx, staff, r.ID, v.Version, v.Fields)), "voided")
		again, err := s.Register(ctx, staff, notice())
		if err != nil || again.Number() != "收〔2026〕2号" {
			t.Fatalf("registering the voided 来文 again: %v %v", again.Number(), err)
		}
	})
}
