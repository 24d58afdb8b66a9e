// Package testfx is the demo tree and its accounts for domain tests that
// act as those accounts (the HTTP tests use internal/testapp instead).
package testfx

import (
	"context"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/org"
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
	if _, err := demo.Seed(context.Background(), f.Auth, Password, true); err != nil {
		t.Fatal(err)
	}
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
