package aid_test

import (
	"context"
	"errors"
	"fmt"
	"halfsky/internal/testfx"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/idcard"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

func init() { auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1} }

var testKeys = func() *vault.Keyring {
	k, err := vault.Parse(vault.NewFileText(time.Now()))
	if err != nil {
		panic(err)
	}
	return k
}()

type fx struct {
	t *testing.T
	d *db.DB
	*testfx.Demo
	svc   *aid.Service
	clock time.Time
}

// beijing is a Beijing wall-clock time.
func beijing(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 10, 0, 0, 0, db.Shanghai).UTC()
}

func setup(t *testing.T, d *db.DB) *fx {
	f := &fx{Demo: testfx.Seed(t, d), t: t, d: d, clock: beijing(2026, 3, 10)}
	f.svc = aid.NewService(d, f.Orgs)
	f.svc.Vault = testKeys
	f.svc.Now = func() time.Time { return f.clock }
	ctx := context.Background()
	// A cadre of a community in 南岗区, another district.
	var code string
	if err := d.QueryRow(ctx, `SELECT code FROM orgs WHERE code LIKE '230103%' AND kind IN ('community', 'village') ORDER BY code LIMIT 1`).Scan(&code); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Auth.CreateUserAsOperator(ctx, auth.NewUser{Username: "nangang.village", DisplayName: "赵敏",
		Password: "test-password-2015", OrgCode: code, Role: access.Staff}); err != nil {
		t.Fatal(err)
	}
	return f
}

// cycle opens the programme's year with a budget (fen) and, for each
// district code given, a quota.
func (f *fx) cycle(programme string, year int, budget int64, quotas map[string]int) aid.Cycle {
	f.t.Helper()
	ctx := context.Background()
	city := f.Actor("city.leader")
	c, err := f.svc.SaveCycle(ctx, city, aid.CycleInput{Programme: programme, Year: year, Budget: budget,
		OpensOn: fmt.Sprintf("%d-01-01", year), ClosesOn: fmt.Sprintf("%d-12-31", year)})
	if err != nil {
		f.t.Fatal(err)
	}
	for code, q := range quotas {
		if err := f.svc.SetQuota(ctx, city, c.ID, code, q); err != nil {
			f.t.Fatal(err)
		}
	}
	return c
}

// makeID completes 17 digits with their GB 11643 check character.
func makeID(first17 string) string { return first17 + string(idcard.CheckChar(first17)) }

// Canary personal data: none of it may be found in the database in the clear.
var (
	canaryName     = "金丝雀桂芝"
	canaryID       = makeID("23010219750312002") // a woman born 1975-03-12
	canaryPhone    = "13912345678"
	canaryAddress  = "金丝雀街CANARY号"
	canaryHospital = "CANARY肿瘤医院"
	canaryStage    = "CANARY-IIIB"
)

func cancerInput(name, id string) aid.Input {
	return aid.Input{Programme: "cancer", Name: name, IDNumber: id, Phone: canaryPhone, Address: canaryAddress, Household: "dibao",
		Facts:          map[string]string{"diagnosis": "cervical_iib", "stage": canaryStage, "hospital": canaryHospital},
		MedicalConsent: true}
}

// field checks err is bad input naming the field (with the message, when given).
func field(t *testing.T, err error, name, msg string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != "invalid" || e.Fields[name] == "" {
		t.Fatalf("want invalid %s, got %v", name, err)
	}
	if msg != "" && e.Fields[name] != msg {
		t.Fatalf("%s: %q, want %q", name, e.Fields[name], msg)
	}
}

// code checks err is an apperr with the code.
func code(t *testing.T, err error, want string) *apperr.Error {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != want {
		t.Fatalf("want %s, got %v", want, err)
	}
	return e
}

var aidTables = []string{"aid_programmes", "aid_cycles", "aid_quotas", "aid_applications", "aid_steps", "aid_grants", "aid_files", "aid_file_chunks"}

// fingerprint is every row of the aid tables, as text.
func (f *fx) fingerprint() string {
	f.t.Helper()
	var b strings.Builder
	for _, t := range aidTables {
		b.WriteString(t + ":\n")
		f.eachRow(`SELECT * FROM `+t+` ORDER BY 1, 2`, func(vals []string) { b.WriteString(strings.Join(vals, "|") + "\n") })
	}
	return b.String()
}

// eachRow runs q and hands every row's values to fn as text.
func (f *fx) eachRow(q string, fn func([]string)) {
	f.t.Helper()
	testdb.EachRow(f.t, f.d, q, fn)
}

func (f *fx) audited(action string) int {
	var n int
	if err := f.d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_events WHERE action = ?`, action).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// noneInTables fails if any row of the tables holds one of the canaries
// in the clear.
func (f *fx) noneInTables(tables []string, canaries ...string) {
	f.t.Helper()
	testdb.NoneInTables(f.t, f.d, tables, nil, canaries...)
}

// noneInFile fails if the SQLite database file (and its -wal, -shm) holds
// one of the canaries; known must be found (see testdb.NoneInFile).
func (f *fx) noneInFile(known string, canaries ...string) {
	f.t.Helper()
	testdb.NoneInFile(f.t, f.d, known, canaries...)
}
