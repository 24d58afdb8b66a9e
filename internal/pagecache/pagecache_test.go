package pagecache

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fixture is a cache on a generation and a clock the test moves, and a
// page that counts its renders and shows who it was rendered for.
type fixture struct {
	c       *Cache
	gen     atomic.Uint64
	clock   time.Time
	renders int
	status  int
	cookie  bool
	size    int
}

func newFixture() *fixture {
	f := &fixture{clock: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), status: http.StatusOK}
	f.c = &Cache{Generation: f.gen.Load, Skip: []string{"halfsky_flash"}, Now: func() time.Time { return f.clock }}
	return f
}

// get asks for uri as session and returns the body and whether the page
// was rendered for it (not served from the cache).
func (f *fixture) get(t *testing.T, method, uri, session string, cookies ...*http.Cookie) (string, bool) {
	t.Helper()
	r := httptest.NewRequest(method, uri, nil)
	for _, ck := range cookies {
		r.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	before := f.renders
	f.c.Serve(w, r, session, func(w http.ResponseWriter, r *http.Request) {
		f.renders++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if f.cookie {
			http.SetCookie(w, &http.Cookie{Name: "x", Value: "y"})
		}
		w.WriteHeader(f.status)
		body := "page " + r.URL.RequestURI() + " for " + session + " #" + strconv.Itoa(f.renders)
		if f.size > 0 {
			body += strings.Repeat("x", f.size)
		}
		w.Write([]byte(body))
	})
	if w.Code != f.status {
		t.Fatalf("%s %s: status %d, want %d", method, uri, w.Code, f.status)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("%s %s: Content-Type %q", method, uri, ct)
	}
	return w.Body.String(), f.renders > before
}

func TestServedAgainToTheSameSessionOnly(t *testing.T) {
	f := newFixture()
	first, rendered := f.get(t, "GET", "/org/2301", "alice")
	if !rendered {
		t.Fatal("the first request was not rendered")
	}
	again, rendered := f.get(t, "GET", "/org/2301", "alice")
	if rendered || again != first {
		t.Fatalf("the same session's second request: rendered %v, %q (first %q)", rendered, again, first)
	}
	// Another session never gets alice's page, even with alice's cached.
	bob, rendered := f.get(t, "GET", "/org/2301", "bob")
	if !rendered || strings.Contains(bob, "alice") {
		t.Fatalf("another session got %q (rendered %v)", bob, rendered)
	}
	// Another URL, or the same with another query, is another page.
	if _, rendered := f.get(t, "GET", "/org/2301?page=2", "alice"); !rendered {
		t.Error("another query string was served from the cache")
	}
	if st := f.c.Stats(); st.Hits != 1 || st.Misses != 3 || st.Pages != 3 {
		t.Errorf("stats %+v, want 1 hit, 3 misses, 3 pages", st)
	}
}

func TestAnyWriteOrMinuteMakesItStale(t *testing.T) {
	f := newFixture()
	f.get(t, "GET", "/", "alice")
	f.gen.Add(1)
	if _, rendered := f.get(t, "GET", "/", "alice"); !rendered {
		t.Error("served after the generation moved")
	}
	f.clock = f.clock.Add(time.Minute)
	if _, rendered := f.get(t, "GET", "/", "alice"); !rendered {
		t.Error("served in the next minute")
	}
	if _, rendered := f.get(t, "GET", "/", "alice"); rendered {
		t.Error("not kept within the minute")
	}
}

// A page whose rendering began before a write committed carries the old
// generation: it is not kept once a newer page was, and a newer
// generation empties the cache.
func TestOnlyTheNewestGenerationIsKept(t *testing.T) {
	f := newFixture()
	f.gen.Store(5)
	f.get(t, "GET", "/a", "alice")
	f.c.put(key{session: "alice", uri: "/b", minute: f.clock.Unix() / 60}, 4, page{body: []byte("old")})
	if st := f.c.Stats(); st.Pages != 1 {
		t.Errorf("a page of an older generation was kept: %+v", st)
	}
	f.gen.Store(6)
	f.get(t, "GET", "/c", "alice")
	if st := f.c.Stats(); st.Pages != 1 || st.Bytes != len("page /c for alice #2") {
		t.Errorf("the older generation's pages were not dropped: %+v", st)
	}
}

func TestWhatIsNeverKept(t *testing.T) {
	cases := []struct {
		name string
		set  func(f *fixture) (method, session string, cookies []*http.Cookie)
	}{
		{"a POST", func(f *fixture) (string, string, []*http.Cookie) { return "POST", "alice", nil }},
		{"no session", func(f *fixture) (string, string, []*http.Cookie) { return "GET", "", nil }},
		{"a one-time message to show", func(f *fixture) (string, string, []*http.Cookie) {
			return "GET", "alice", []*http.Cookie{{Name: "halfsky_flash", Value: "e30"}}
		}},
		{"a refusal", func(f *fixture) (string, string, []*http.Cookie) {
			f.status = http.StatusForbidden
			return "GET", "alice", nil
		}},
		{"a redirect", func(f *fixture) (string, string, []*http.Cookie) {
			f.status = http.StatusSeeOther
			return "GET", "alice", nil
		}},
		{"a page that sets a cookie", func(f *fixture) (string, string, []*http.Cookie) { f.cookie = true; return "GET", "alice", nil }},
		{"a page past the size limit", func(f *fixture) (string, string, []*http.Cookie) { f.size = maxPage; return "GET", "alice", nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			method, session, cookies := tc.set(f)
			f.get(t, method, "/", session, cookies...)
			if _, rendered := f.get(t, method, "/", session, cookies...); !rendered {
				t.Error("served from the cache")
			}
			if st := f.c.Stats(); st.Pages != 0 {
				t.Errorf("kept: %+v", st)
			}
		})
	}
}

func TestBudget(t *testing.T) {
	f := newFixture()
	f.c.MaxBytes = 1000
	f.size = 400
	f.get(t, "GET", "/1", "alice")
	f.get(t, "GET", "/2", "alice")
	f.get(t, "GET", "/3", "alice") // past the budget: starts again with this one
	if st := f.c.Stats(); st.Pages != 1 || st.Bytes > 1000 {
		t.Errorf("over budget: %+v", st)
	}
	if _, rendered := f.get(t, "GET", "/3", "alice"); rendered {
		t.Error("the page that started the cache again was not kept")
	}
}

// A served page's headers are its own copy: changing them (as middleware
// outside may) does not change what the next request gets.
func TestServedHeadersAreCopies(t *testing.T) {
	f := newFixture()
	f.get(t, "GET", "/", "alice")
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	f.c.Serve(w, r, "alice", func(http.ResponseWriter, *http.Request) { t.Fatal("rendered") })
	w.Header()["Content-Type"][0] = "changed"
	if _, rendered := f.get(t, "GET", "/", "alice"); rendered {
		t.Fatal("rendered")
	}
	if n := w.Header().Get("Content-Length"); n != strconv.Itoa(w.Body.Len()) {
		t.Errorf("Content-Length %s for a body of %d", n, w.Body.Len())
	}
}

// A nil cache (turned off) renders every time.
func TestNilCacheRenders(t *testing.T) {
	var c *Cache
	n := 0
	for range 2 {
		c.Serve(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), "alice", func(http.ResponseWriter, *http.Request) { n++ })
	}
	if n != 2 {
		t.Fatalf("rendered %d times, want 2", n)
	}
}
