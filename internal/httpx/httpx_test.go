package httpx

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"halfsky/internal/apperr"
)

// TestClientIP: the peer's address, unless a trusted proxy names the
// client first in X-Forwarded-For; an untrusted header, or one that is
// not an address, is ignored.
func TestClientIP(t *testing.T) {
	for _, c := range []struct {
		name   string
		trust  bool
		remote string
		xff    string
		want   string
	}{
		{"the peer", false, "192.0.2.1:5000", "", "192.0.2.1"},
		{"an untrusted header", false, "192.0.2.1:5000", "203.0.113.9", "192.0.2.1"},
		{"a trusted proxy", true, "192.0.2.1:5000", "203.0.113.9", "203.0.113.9"},
		{"a chain of proxies: the first", true, "192.0.2.1:5000", " 203.0.113.9 , 198.51.100.2", "203.0.113.9"},
		{"IPv6 through a proxy", true, "192.0.2.1:5000", "2001:db8::1", "2001:db8::1"},
		{"not an address", true, "192.0.2.1:5000", "evil, 203.0.113.9", "192.0.2.1"},
		{"trusted, no header", true, "[2001:db8::2]:443", "", "2001:db8::2"},
		{"a peer without a port", false, "192.0.2.7", "", "192.0.2.7"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := (&Auth{TrustProxy: c.trust}).ClientIP(r); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestCookies: the session cookie is HttpOnly and SameSite=Lax on the
// whole site, Secure over TLS, when forced, or when a trusted proxy says
// the client used HTTPS (not when an untrusted client says so); clearing
// it expires it with the same attributes.
func TestCookies(t *testing.T) {
	for _, c := range []struct {
		name         string
		trust, force bool
		tls          bool
		proto        string
		secure       bool
	}{
		{"plain HTTP", false, false, false, "", false},
		{"TLS at this process", false, false, true, "", true},
		{"forced", false, true, false, "", true},
		{"a trusted proxy over HTTPS", true, false, false, "https", true},
		{"an untrusted X-Forwarded-Proto", false, false, false, "https", false},
		{"a trusted proxy over HTTP", true, false, false, "http", false},
	} {
		a := &Auth{TrustProxy: c.trust, SecureCookies: c.force}
		r := httptest.NewRequest("GET", "/", nil)
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		w := httptest.NewRecorder()
		a.SetCookie(w, r, "tok")
		a.ClearCookie(w, r)
		cs := w.Result().Cookies()
		if len(cs) != 2 {
			t.Fatalf("%s: %d cookies", c.name, len(cs))
		}
		for i, ck := range cs {
			if ck.Name != SessionCookie || ck.Path != "/" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != c.secure {
				t.Errorf("%s: cookie %d is %+v", c.name, i, ck)
			}
		}
		if set, clear := cs[0], cs[1]; set.Value != "tok" || set.MaxAge != 0 || clear.Value != "" || clear.MaxAge >= 0 {
			t.Errorf("%s: set %+v, clear %+v", c.name, set, clear)
		}
	}
}

// TestDecodeJSON: a JSON object, or a refusal that says why, with its
// code and status.
func TestDecodeJSON(t *testing.T) {
	type in struct {
		Title string `json:"title"`
		Count int    `json:"count"`
	}
	for _, c := range []struct {
		name, ct, body string
		limit          int64
		status         int
		code           string
	}{
		{"an object", "application/json", `{"title":"通知","count":2}`, 0, 0, ""},
		{"with a charset", "application/json; charset=utf-8", `{"title":"通知"}`, 0, 0, ""},
		{"no content type", "", `{"title":"通知"}`, 0, 0, ""},
		{"a form", "application/x-www-form-urlencoded", `title=x`, 0, 415, "unsupported_media_type"},
		{"text", "text/plain", `{"title":"通知"}`, 0, 415, "unsupported_media_type"},
		{"an unknown field", "application/json", `{"title":"通知","owner":1}`, 0, 400, "invalid_json"},
		{"trailing data", "application/json", `{"title":"通知"} {"title":"again"}`, 0, 400, "invalid_json"},
		{"trailing garbage", "application/json", `{"title":"通知"} x`, 0, 400, "invalid_json"},
		{"not JSON", "application/json", `title=通知`, 0, 400, "invalid_json"},
		{"empty", "application/json", ``, 0, 400, "invalid_json"},
		{"too large", "application/json", `{"title":"` + strings.Repeat("长", 100) + `"}`, 64, 413, "too_large"},
		{"a wrong type", "application/json", `{"count":"two"}`, 0, 422, "invalid"},
	} {
		r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(c.body))
		if c.ct != "" {
			r.Header.Set("Content-Type", c.ct)
		}
		if c.limit > 0 {
			r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, c.limit)
		}
		var v in
		err := DecodeJSON(r, &v)
		if c.code == "" {
			if err != nil || v.Title != "通知" {
				t.Errorf("%s: %+v %v", c.name, v, err)
			}
			continue
		}
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != c.code || e.Status != c.status {
			t.Errorf("%s: %v, want %d %s", c.name, err, c.status, c.code)
			continue
		}
		if c.code == "invalid" && e.Fields["count"] == "" {
			t.Errorf("%s: the field is not named: %+v", c.name, e.Fields)
		}
	}
}

// TestID: a path id is a positive int64; anything else names no record,
// answered as not found without running the handler.
func TestID(t *testing.T) {
	for _, c := range []struct {
		id, sub     string
		idOK, subOK bool
	}{
		{"7", "9", true, true},
		{"9223372036854775807", "1", true, true},
		{"0", "1", false, true},
		{"-3", "1", false, true},
		{"abc", "1", false, true},
		{"", "1", false, true},
		{"1.5", "1", false, true},
		{"9223372036854775808", "1", false, true},
		{"7", "0", true, false},
		{"7", "-1", true, false},
		{"7", "x", true, false},
		{"7", "99999999999999999999", true, false},
		{"x", "", false, false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.SetPathValue("id", c.id)
		r.SetPathValue("fid", c.sub)
		var gotID, gotSub int64
		ranOne, ranTwo := false, false
		errOne := ID(func(w http.ResponseWriter, r *http.Request, _ *Current, id int64) error {
			ranOne, gotID = true, id
			return nil
		})(httptest.NewRecorder(), r, nil)
		errTwo := IDs("fid", func(w http.ResponseWriter, r *http.Request, _ *Current, id, sub int64) error {
			ranTwo, gotSub = true, sub
			return nil
		})(httptest.NewRecorder(), r, nil)
		if c.idOK {
			if errOne != nil || !ranOne || strconv.FormatInt(gotID, 10) != c.id {
				t.Errorf("ID(%q): %v, ran %v, id %d", c.id, errOne, ranOne, gotID)
			}
		} else if !errors.Is(errOne, apperr.ErrNotFound) || ranOne {
			t.Errorf("ID(%q): %v, ran %v; want not found and no handler", c.id, errOne, ranOne)
		}
		if c.idOK && c.subOK {
			if errTwo != nil || !ranTwo || strconv.FormatInt(gotSub, 10) != c.sub {
				t.Errorf("IDs(%q, %q): %v, ran %v, sub %d", c.id, c.sub, errTwo, ranTwo, gotSub)
			}
		} else if !errors.Is(errTwo, apperr.ErrNotFound) || ranTwo {
			t.Errorf("IDs(%q, %q): %v, ran %v; want not found and no handler", c.id, c.sub, errTwo, ranTwo)
		}
	}
	if id, ok := PathID(httptest.NewRequest("GET", "/", nil), "id"); ok {
		t.Errorf("a request without the parameter: %d", id)
	}
}

// TestMap: an empty or nil list maps to an empty list, which is [] in
// JSON, not null.
func TestMap(t *testing.T) {
	double := func(i int) int { return 2 * i }
	if got := Map([]int(nil), double); got == nil || len(got) != 0 {
		t.Errorf("nil: %#v", got)
	}
	if b, _ := json.Marshal(Map([]int{}, double)); string(b) != "[]" {
		t.Errorf("empty: %s", b)
	}
	if got := Map([]int{1, 2, 3}, double); len(got) != 3 || got[0] != 2 || got[2] != 6 {
		t.Errorf("mapped: %v", got)
	}
}

// TestWriteError: a domain refusal keeps its status, code and message; an
// unknown error is a 500 that tells the client nothing of it.
func TestWriteError(t *testing.T) {
	r := httptest.NewRequest("GET", "/api/v1/x", nil)
	w := httptest.NewRecorder()
	WriteError(w, r, apperr.Field("title", "请填写标题"))
	if w.Code != 422 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" || w.Header().Get("Cache-Control") != "no-store" ||
		!strings.Contains(w.Body.String(), `"code":"invalid"`) || !strings.Contains(w.Body.String(), `"title":"请填写标题"`) {
		t.Errorf("field error: %d %v %s", w.Code, w.Header(), w.Body)
	}
	w = httptest.NewRecorder()
	WriteError(w, r, errors.New("pq: relation secret_table does not exist"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret_table") || !strings.Contains(w.Body.String(), `"code":"internal"`) {
		t.Errorf("internal error: %d %s", w.Code, w.Body)
	}
}

// TestRouteTableUploads: a request takes uploads only when the pattern
// the mux matches for it was registered as an upload route, whatever its
// path looks like.
func TestRouteTableUploads(t *testing.T) {
	rt := NewRouteTable()
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	rt.Handle("POST /docs/{id}", nop)
	rt.HandleUpload("POST /docs/{id}/files", nop)
	rt.HandleFunc("GET /docs/{id}/files", func(http.ResponseWriter, *http.Request) {})
	if len(rt.Patterns) != 3 || !rt.Uploads["POST /docs/{id}/files"] || len(rt.Uploads) != 1 {
		t.Fatalf("table: %v %v", rt.Patterns, rt.Uploads)
	}
	for _, c := range []struct {
		method, path string
		want         bool
	}{
		{"POST", "/docs/1/files", true},
		{"GET", "/docs/1/files", false},
		{"POST", "/docs/1", false},
		{"POST", "/docs/1/files/2", false},
		{"POST", "/nowhere/files", false},
	} {
		if got := rt.Upload(httptest.NewRequest(c.method, c.path, nil)); got != c.want {
			t.Errorf("%s %s: upload %v", c.method, c.path, got)
		}
	}
}
