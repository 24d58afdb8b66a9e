package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// TestCachedPagesFollowEveryWrite: the pages the cache keeps (the tree, the
// work desk, the lists) change at once after the user's own write and
// another user's, and within a second after another process's; a page
// kept for one user is never another's; and a session ended by another
// process is refused although its page and session were cached.
func TestCachedPagesFollowEveryWrite(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := testapp.Start(t, d)
		pages := app.Server.Deps.Pages
		if pages == nil {
			t.Fatal("the test server runs without the page cache")
		}
		// open fetches a page and reports whether the cache answered.
		open := func(u *ui, path string) (string, bool) {
			t.Helper()
			hits := pages.Stats().Hits
			body := u.get(path, http.StatusOK)
			return body, pages.Stats().Hits > hits
		}
		const street = "/org/230102001"
		leader := signIn(t, app, "daoli.leader")
		first, _ := open(leader, street)
		// Her sign-in was a write: the database watcher moves the
		// generation once more on its next look (200 ms), so a page may be
		// rendered twice before the cache answers.
		waitFor(t, "the same page answered from the cache", func() bool {
			again, cached := open(leader, street)
			return cached && again == first
		})

		// Her own write.
		leader.post(street+"/rename", url.Values{"name": {"兆麟街道妇女联合会"}}, http.StatusSeeOther)
		if body, cached := open(leader, street); cached || !strings.Contains(body, `<h1 id="unit-name">兆麟街道妇女联合会`) {
			t.Fatalf("after her own rename: cached %v, the page still lacks the name", cached)
		}
		// Another user's write, in this process.
		open(leader, street)
		signIn(t, app, "city.leader").post(street+"/rename", url.Values{"name": {"兆麟街道妇联（二）"}}, http.StatusSeeOther)
		if body, cached := open(leader, street); cached || !strings.Contains(body, "兆麟街道妇联（二）") {
			t.Fatalf("after the city's rename: cached %v, the page still lacks the name", cached)
		}
		// Another process's write.
		open(leader, street)
		other := testdb.Reopen(t, d)
		if _, err := other.Exec(ctx, `UPDATE orgs SET name = '兆麟街道妇联（三）' WHERE code = '230102001'`); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "another process's rename on the page", func() bool {
			body, _ := open(leader, street)
			return strings.Contains(body, "兆麟街道妇联（三）")
		})

		// A page kept for one user is never another's. Both signed in
		// first (a sign-in is a write); the watcher's look after it may
		// still empty the cache between the city's page and hers, so the
		// pair is tried until her page comes from the cache — hers, never
		// the city's.
		city := signIn(t, app, "city.leader")
		staff := signIn(t, app, "daoli.staff")
		for _, path := range []string{"/", "/visits"} {
			waitFor(t, path+" answered to daoli.staff from the cache", func() bool {
				open(city, path)
				body, cached := open(staff, path)
				if !strings.Contains(body, displayName(t, app, "daoli.staff")) || strings.Contains(body, displayName(t, app, "city.leader")) {
					t.Fatalf("%s: daoli.staff was given a page kept for city.leader (cached %v)", path, cached)
				}
				return cached
			})
		}

		// A session another process ends is refused at once (within the
		// watcher's look), although it and its page were cached.
		open(staff, "/visits")
		if _, err := other.Exec(ctx, `DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = 'daoli.staff')`); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the ended session refused", func() bool {
			r := staff.c.Do("GET", "/visits", nil)
			return r.Status == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/login")
		})
	})
}

// waitFor retries ok for up to 3 s: what another process writes reaches
// this one's caches within the database watcher's look (200 ms).
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 3 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func displayName(t *testing.T, app *testapp.App, username string) string {
	t.Helper()
	u, err := app.Server.Deps.Auth.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.DisplayName
}
