package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// TestRouteMatrix is the access matrix generated from the route table:
// every route the server registers, HTML and API, is tried as anonymous,
// as each administrator, and as a leader and a staff member at the city,
// the district, the street that owns the fixture's records, the village
// below it (a lower unit acting on a higher unit's record) and the street
// next door. Each refusal has its exact status, its body holds none of
// the markers of records the actor may not see, and the database —
// every row of every table, sessions and successful audit events — is
// the same afterwards. Allowed reads answer and show nothing foreign.
// A route without an entry in specs fails, so no new route escapes.
func TestRouteMatrix(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		w := buildWorld(t, d)
		specs := w.specs()
		routes := w.app.Server.Routes
		for _, p := range routes {
			if _, ok := specs[p]; !ok && methodOf(p) != "" {
				t.Errorf("route %q has no entry in the access matrix", p)
			}
		}
		for p := range specs {
			if !slices.Contains(routes, p) {
				t.Errorf("matrix entry %q names no route", p)
			}
		}
		var refused, allowed, skipped int
		for _, pattern := range routes {
			probes := specs[pattern]
			if methodOf(pattern) == "" {
				probes = w.catchAll(pattern)
			}
			t.Run(pattern, func(t *testing.T) {
				for _, p := range probes {
					r, a, s := w.runProbe(t, p)
					refused, allowed, skipped = refused+r, allowed+a, skipped+s
				}
			})
		}
		t.Logf("%d routes: %d refusals checked, %d allowed requests checked, %d allowed writes not sent", len(routes), refused, allowed, skipped)
	})
}

func methodOf(pattern string) string {
	m, _, ok := strings.Cut(pattern, " ")
	if !ok {
		return ""
	}
	return m
}

// catchAll probes a pattern registered without a method: the JSON 405 of
// an API path with other methods, or the 404 of the catch-alls.
func (w *world) catchAll(pattern string) []probe {
	switch pattern {
	case "/":
		return []probe{{method: "GET", path: "/no-such-page", public: true, ok: 404, send: true}}
	case "/api/":
		return []probe{{method: "GET", path: "/api/v1/no-such-thing", public: true, ok: 404, send: true}}
	}
	path := pattern
	for _, k := range []string{"{id}", "{rid}", "{fid}", "{file}", "{line}", "{district}"} {
		path = strings.ReplaceAll(path, k, "1")
	}
	path = strings.ReplaceAll(path, "{code}", "cancer")
	return []probe{{method: "PATCH", path: path, public: true, ok: 405, send: true, body: obj{}}}
}

// expectation is what one actor must get from one probe.
type expectation struct {
	status  int
	allowed bool
	// flash: a page's refusal of a write by the record's rules (the owner
	// rule, four eyes, its state) goes back to the record with an error
	// message (303 and an error flash), not to an error page.
	flash bool
}

func (w *world) expect(t *testing.T, p probe, a *actor) expectation {
	ok := p.ok
	if ok == 0 {
		ok = 200
	}
	// An actor is named by key, role, or (business roles) level.
	keys := []string{a.key, string(a.role)}
	if a.role.Business() {
		keys = append(keys, "@"+a.level)
	}
	for _, k := range keys {
		if k != "" && slices.Contains(p.flashed, k) {
			return expectation{status: 303, flash: true}
		}
	}
	for _, k := range keys {
		if st, found := p.want[k]; found && k != "" {
			return expectation{status: st, allowed: st == ok}
		}
	}
	if st, found := p.want["admins"]; found && a.admin() {
		return expectation{status: st, allowed: st == ok}
	}
	if st, found := p.want["signed"]; found && a.role != "" {
		return expectation{status: st, allowed: st == ok}
	}
	api := strings.HasPrefix(p.path, "/api/")
	switch {
	case p.public:
		return expectation{status: ok, allowed: true}
	case a.role == "" && api:
		return expectation{status: 401}
	case a.role == "":
		return expectation{status: 303}
	case p.roles != nil && !slices.Contains(p.roles, a.role):
		return expectation{status: 403}
	}
	if p.on != "" {
		rec, found := w.recs[p.on]
		if !found {
			t.Fatalf("probe %s %s: no record %q", p.method, p.path, p.on)
		}
		if (a.admin() && !rec.accounts) || !slices.Contains(rec.seen, a.level) {
			out := p.outside
			if out == 0 {
				out = 404
			}
			return expectation{status: out}
		}
		if (p.method != "GET" || p.form) && !slices.Contains(rec.written, a.level) {
			return expectation{status: 403}
		}
	}
	return expectation{status: ok, allowed: true}
}

// foreign are the markers of records the actor may not see.
func (w *world) foreign(a *actor) []string {
	var out []string
	for _, rec := range w.recs {
		if rec.marker == "" {
			continue
		}
		seen := slices.Contains(rec.seen, a.level) && (!a.admin() || rec.accounts)
		if a.role == "" || !seen {
			out = append(out, rec.marker)
		}
	}
	return out
}

// runProbe sends p as every actor and checks what comes back; it returns
// how many refusals and allowed requests it checked, and how many allowed
// writes it did not send.
func (w *world) runProbe(t *testing.T, p probe) (refused, allowed, skipped int) {
	t.Helper()
	// The database as the last probe left it, when that is known: one
	// fingerprint fewer per probe.
	before := w.last
	if before == nil {
		before = w.fingerprint(t)
	}
	if w.prime(t, p) {
		primed := w.fingerprint(t)
		if !maps.Equal(primed, before) {
			t.Errorf("%s %s: allowed reads changed the database:\n%s", p.method, p.path, diffPrints(before, primed))
		}
		before = primed
	}
	okEvents := w.count(`SELECT COUNT(*) FROM audit_events WHERE outcome = 'ok'`)
	var later []*actor
	for _, a := range w.actors {
		e := w.expect(t, p, a)
		if e.allowed {
			later = append(later, a)
			continue
		}
		w.check(t, p, a, e)
		refused++
	}
	after := w.fingerprint(t)
	if !maps.Equal(after, before) {
		t.Errorf("%s %s: refused requests changed the database:\n%s", p.method, p.path, diffPrints(before, after))
	}
	w.last = after
	if n := w.count(`SELECT COUNT(*) FROM audit_events WHERE outcome = 'ok'`); n != okEvents {
		t.Errorf("%s %s: refused requests wrote %d successful audit events", p.method, p.path, n-okEvents)
	}
	for _, a := range later {
		if (p.method != "GET" || p.mutates) && !p.send {
			skipped++
			continue
		}
		w.check(t, p, a, w.expect(t, p, a))
		allowed++
	}
	switch {
	case allowed == 0:
	case p.mutates:
		w.last = nil // changed, as it may: the next probe looks again
	default:
		if now := w.fingerprint(t); !maps.Equal(now, after) {
			t.Errorf("%s %s: allowed reads changed the database:\n%s", p.method, p.path, diffPrints(after, now))
			w.last = now
		}
	}
	return refused, allowed, skipped
}

// prime runs a read as the first signed-in actor it allows before anyone
// is checked: with the caches warm (sessions, and the pages the page cache
// keeps), each refused actor and every other allowed one is tried against
// a page cached for another, and the primer's own check below is answered
// from the cache. It reports whether it sent anything.
func (w *world) prime(t *testing.T, p probe) bool {
	if p.method != "GET" || p.mutates {
		return false
	}
	for _, a := range w.actors {
		if e := w.expect(t, p, a); e.allowed && a.role != "" {
			w.send(p, a)
			return true
		}
	}
	return false
}

// check sends p as a and compares the answer with e.
func (w *world) check(t *testing.T, p probe, a *actor, e expectation) {
	t.Helper()
	r := w.send(p, a)
	what := fmt.Sprintf("%s %s as %s", p.method, p.path, a.key)
	if r.Status != e.status {
		t.Errorf("%s: status %d, want %d: %s", what, r.Status, e.status, gist(r))
		return
	}
	api := strings.HasPrefix(p.path, "/api/")
	switch {
	case e.flash:
		if f := flashOf(r); f.Kind != "error" || !hasHan(f.Text) {
			t.Errorf("%s: redirected without an error message (flash %+v)", what, f)
		}
	case e.status == 303 && a.role == "" && !p.public:
		if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
			t.Errorf("%s: redirected to %q, not the login page", what, loc)
		}
	case e.status >= 400 && api && !e.allowed || e.status >= 400 && api && p.send:
		var body struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil || body.Error.Code == "" || !hasHan(body.Error.Message) {
			t.Errorf("%s: %d without a JSON error in Chinese: %.300s", what, r.Status, r.Body)
		}
		want := map[int]string{401: "unauthenticated", 404: "not_found", 405: "method_not_allowed"}[e.status]
		if p.code != "" {
			want = p.code
		}
		if e.status == 404 && strings.HasPrefix(p.path, "/api/v1/no-such") {
			want = "no_route"
		}
		if want != "" && body.Error.Code != want {
			t.Errorf("%s: error code %q, want %q", what, body.Error.Code, want)
		}
	}
	text := bodyText(r)
	if p.door {
		w.checkDoor(t, p, a, r)
	}
	for _, m := range w.foreign(a) {
		if strings.Contains(text, m) {
			t.Errorf("%s: the answer shows %q, which %s may not see", what, m, a.key)
		}
	}
}

// checkDoor holds a public door's answer to its rules: no marker of any
// record, whoever asks; no cookie set or cleared; and the answer the
// first actor got, to every other.
func (w *world) checkDoor(t *testing.T, p probe, a *actor, r testapp.Response) {
	t.Helper()
	what := fmt.Sprintf("%s %s as %s", p.method, p.path, a.key)
	for _, rec := range w.recs {
		if rec.marker != "" && strings.Contains(r.Body, rec.marker) {
			t.Errorf("%s: the public door shows %q", what, rec.marker)
		}
	}
	if sc := r.Header.Values("Set-Cookie"); len(sc) > 0 {
		t.Errorf("%s: the public door sets cookies %v", what, sc)
	}
	key := p.method + " " + p.path + fmt.Sprint(p.body)
	if w.doorAnswers == nil {
		w.doorAnswers = map[string]string{}
	}
	if first, ok := w.doorAnswers[key]; !ok {
		w.doorAnswers[key] = r.Body
	} else if first != r.Body {
		t.Errorf("%s: the public door answers differently by who asks", what)
	}
}

// helpWired reports whether the public door's help routes have the rights
// service behind them (they answer 503 until internal/rights is wired).
func (w *world) helpWired() bool {
	r := w.app.Client(w.t).Do("GET", "/api/public/v1/categories", nil)
	return r.Status != 503
}

// flash is the message a redirect leaves for the next page.
type flash struct{ Kind, Text string }

func flashOf(r testapp.Response) flash {
	var f flash
	for _, c := range r.Header.Values("Set-Cookie") {
		v, ok := strings.CutPrefix(c, "halfsky_flash=")
		if !ok {
			continue
		}
		v, _, _ = strings.Cut(v, ";")
		if b, err := base64.RawURLEncoding.DecodeString(v); err == nil {
			json.Unmarshal(b, &f)
		}
	}
	return f
}

// send makes the request of p as a.
func (w *world) send(p probe, a *actor) testapp.Response {
	if p.file != "" {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if v, ok := p.body.(url.Values); ok {
			for k, vs := range v {
				for _, x := range vs {
					mw.WriteField(k, x)
				}
			}
		}
		fw, _ := mw.CreateFormFile(p.file, "矩阵越权.pdf")
		fw.Write(pdfBytes)
		mw.Close()
		return send(a.c, p.method, w.app.URL+p.path, mw.FormDataContentType(), buf.Bytes())
	}
	if p.body == nil {
		return a.c.Do(p.method, p.path, nil)
	}
	return a.c.Do(p.method, p.path, p.body)
}

// bodyText is what a person reading the answer sees: the body, or a
// spreadsheet's cells.
func bodyText(r testapp.Response) string {
	if !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
		return r.Body
	}
	f, err := excelize.OpenReader(strings.NewReader(r.Body))
	if err != nil {
		return r.Body
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, _ := f.GetRows(sheet)
		for _, row := range rows {
			b.WriteString(strings.Join(row, "\t"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// gist is an answer in a line: a JSON body, or a page's title and flash.
func gist(r testapp.Response) string {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return fmt.Sprintf("%.200s", r.Body)
	}
	out := ""
	if i := strings.Index(r.Body, "<title>"); i >= 0 {
		if j := strings.Index(r.Body[i:], "</title>"); j > 0 {
			out = r.Body[i+7 : i+j]
		}
	}
	if loc := r.Header.Get("Location"); loc != "" {
		out += " → " + loc
	}
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func (w *world) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.app.DB.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// fingerprint hashes every row of every table, table by table: the audit
// log is left to the counts of successful events (refusals are audited),
// the per-IP sign-in throttle is left out, and sessions are taken without
// their last-seen time (which a request may move).
func (w *world) fingerprint(t *testing.T) map[string]string {
	t.Helper()
	out := testdb.TablePrints(t, w.app.DB, "audit_events", "audit_head", "login_attempts", "sessions")
	out["sessions"] = testdb.Fingerprint(t, w.app.DB, `SELECT token_hash, user_id, mfa_pending, created_at, expires_at, ip, user_agent FROM sessions`)
	return out
}

// diffPrints names the tables whose fingerprints differ.
func diffPrints(a, b map[string]string) string {
	var out []string
	for k, v := range b {
		if a[k] != v {
			out = append(out, fmt.Sprintf("  %s: %s → %s", k, a[k], v))
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

var _ = os.Getenv
