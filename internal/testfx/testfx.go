// Package testfx is the demo tree and its accounts for domain tests that
// act as those accounts (the HTTP tests use internal/testapp instead).
package testfx

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"net/http"
	"strconv"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/duty"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

// Keys seal what domain tests store (the services refuse to store
// anything personal without keys).
var Keys = func() *vault.Keyring {
	k, err := vault.Parse(vault.NewFileText(time.Now()))
	if err != nil {
		panic(err)
	}
	return k
}()

// Password is every demo account's password in tests.
const Password = "test-password-2015"

// Demo is a database holding the demo tree and accounts.
type Demo struct {
	T    testing.TB
	Orgs *org.Store
	Auth *auth.Service
	db   *db.DB
}

// Seed puts the demo tree and accounts into d, with cheap password hashes.
func Seed(t testing.TB, d *db.DB) *Demo {
	t.Helper()
	auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	orgs := &org.Store{DB: d}
	f := &Demo{T: t, Orgs: orgs, Auth: auth.NewService(d, orgs), db: d}
	testdb.Fill(t, d, "testfx.demo", func(ctx context.Context, d *db.DB) error {
		_, err := demo.Seed(ctx, auth.NewService(d, &org.Store{DB: d}), Password, true)
		return err
	})
	return f
}

// Actor is a demo account acting from 127.0.0.1.
func (f *Demo) Actor(username string) access.Actor {
	f.T.Helper()
	u, err := f.Auth.UserByUsername(context.Background(), username)
	if err != nil {
		f.T.Fatal(err)
	}
	return u.Actor("127.0.0.1")
}

// Unit is the unit with the code, whoever may see it.
func (f *Demo) Unit(code string) org.Org {
	f.T.Helper()
	o, err := f.Orgs.ByCodeUnscoped(context.Background(), f.db.Q(), code)
	if err != nil {
		f.T.Fatal(err)
	}
	return o
}

// Colleague makes an account the way the operator does — tied to nobody —
// and dates it from demo.Since like the demo's own accounts, for a test's
// cast: it may decide requests made at any time of the test's story.
func (f *Demo) Colleague(username, name, orgCode string, role access.Role) access.Actor {
	f.T.Helper()
	ctx := context.Background()
	u, err := f.Auth.CreateUserAsOperator(ctx, auth.NewUser{Username: username, DisplayName: name, Password: Password,
		OrgCode: orgCode, Role: role})
	if err != nil {
		f.T.Fatal(err)
	}
	if err := demo.Backdate(ctx, f.db, u.ID); err != nil {
		f.T.Fatal(err)
	}
	return f.Actor(username)
}

// Newcomer makes an account the way the operator does, now: newer than
// anything a test did before it (whatever the services' clocks say), so a
// four-eyes rule refuses it on an earlier request.
func (f *Demo) Newcomer(username, name, orgCode string, role access.Role) access.Actor {
	f.T.Helper()
	time.Sleep(2 * time.Millisecond) // strictly after what came before, at the clock's millisecond
	if _, err := f.Auth.CreateUserAsOperator(context.Background(), auth.NewUser{Username: username, DisplayName: name,
		Password: Password, OrgCode: orgCode, Role: role}); err != nil {
		f.T.Fatal(err)
	}
	return f.Actor(username)
}

// Tie records that by did kind to target's account a minute ago, the way
// an account change records it (internal/duty).
func (f *Demo) Tie(by, target access.Actor, kind duty.Kind) {
	f.T.Helper()
	if err := duty.Link(context.Background(), f.db.Q(), by.UserID, target.UserID, kind, time.Now().Add(-time.Minute)); err != nil {
		f.T.Fatal(err)
	}
}

// FourEyes fails the test unless err is the four-eyes refusal with the
// code (duty.CodeSame, CodeLinked or CodeNewer), a 403 with a message.
func FourEyes(t testing.TB, err error, code string) {
	t.Helper()
	var r duty.Refusal
	if !errors.As(err, &r) || !errors.Is(err, duty.ErrFourEyes) {
		t.Fatalf("want the four-eyes refusal %s, got %v", code, err)
	}
	if e := apperr.From(err); r.Code() != code || e.Code != code || e.Status != http.StatusForbidden || e.Message == "" {
		t.Fatalf("want the four-eyes refusal %s, got %s (%d %q)", code, r.Code(), e.Status, e.Message)
	}
}

// Refusals counts the audited four-eyes refusals of the action on the
// object with the code: denied, and the code the whole detail.
func (f *Demo) Refusals(action, objectType string, objectID int64, code string) int {
	f.T.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_events WHERE action = ? AND object_type = ?
		AND object_id = ? AND outcome = 'denied' AND detail = ?`, action, objectType, strconv.FormatInt(objectID, 10),
		"four_eyes="+code).Scan(&n); err != nil {
		f.T.Fatal(err)
	}
	return n
}

// WantCode fails the test unless err is an *apperr.Error with the code.
func WantCode(t testing.TB, err error, want string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != want {
		t.Fatalf("want error %s, got %v", want, err)
	}
}

// WantField fails the test unless err is bad input with a message beside
// the field.
func WantField(t testing.TB, err error, field string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != "invalid" || e.Fields[field] == "" {
		t.Fatalf("want a message on %s, got %v", field, err)
	}
}

// Photo is a small PNG that decodes, as an uploaded photo must (they are
// scrubbed of their metadata, files.Scrub, which reads them).
var Photo = func() []byte {
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// PhotoWith is Photo carrying s where scrubbing keeps it, to look for in
// what is stored: as the name of its colour profile (an iCCP chunk,
// after IHDR).
func PhotoWith(s string) []byte {
	data := append([]byte(s), 0, 0, 'x')
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(append(chunk, "iCCP"...), data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	const afterIHDR = 8 + 25
	return append(append(append([]byte{}, Photo[:afterIHDR]...), chunk...), Photo[afterIHDR:]...)
}
