// Package pagecache keeps rendered pages of the signed-in front end for as
// long as the database has not changed: a page is stored under the
// session that asked for it, its URL and the minute, beside the database's
// write generation read before it was rendered (db.DB.Generation), and is
// served again only to the same session, for the same URL, in the same
// minute, while the generation still reads the same.
//
// So a page is never shown to anyone but the session it was rendered for
// (whose user, role and unit are the page's scope), and never after any
// write: the user's own (the generation moves before her POST is
// answered), another user's, or another process's (within the database
// watcher's 200 ms). What time alone changes (a deadline passing, "today")
// is at most a minute old. Pages that write while rendering (an audited
// view) are stored under a generation that has already moved, so they are
// never served from here.
//
// Only GET pages a route opts into are kept (Serve), only complete 200
// answers that set no cookie, and never for a request carrying a one-time
// message (a flash cookie): that page clears it.
package pagecache

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Cache holds rendered pages of one generation at a time.
type Cache struct {
	// Generation is the database's write generation.
	Generation func() uint64
	// MaxBytes bounds the pages kept; past it the cache starts again
	// empty. Zero means DefaultMaxBytes.
	MaxBytes int
	// Skip names cookies whose presence means the page is not the same
	// as last time (a flash message to show once).
	Skip []string
	// Now is the clock of the minute in the key (tests move it).
	Now func() time.Time

	mu    sync.Mutex
	gen   uint64
	pages map[key]page
	bytes int

	hits, misses atomic.Int64
}

// DefaultMaxBytes is the cache's default budget: some hundreds of pages,
// well within the server's memory target.
const DefaultMaxBytes = 16 << 20

// maxPage is the largest page kept (a longer list is rendered each time).
const maxPage = 512 << 10

type key struct {
	session string
	uri     string
	minute  int64
}

type page struct {
	header http.Header
	body   []byte
}

// Stats are the cache's counts since it started.
type Stats struct {
	Hits, Misses int64
	Pages, Bytes int
}

// Stats reports hits, misses and what is held.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Pages: len(c.pages), Bytes: c.bytes}
}

// Serve answers a GET page from the cache for session, or has render
// write it (to w, through a recorder that keeps a copy). session "" means
// none: not cached. A nil Cache renders every time.
func (c *Cache) Serve(w http.ResponseWriter, r *http.Request, session string, render func(http.ResponseWriter, *http.Request)) {
	if c == nil || r.Method != http.MethodGet || session == "" || c.skip(r) {
		render(w, r)
		return
	}
	gen := c.Generation()
	k := key{session: session, uri: r.URL.RequestURI(), minute: c.now().Unix() / 60}
	if p, ok := c.get(k, gen); ok {
		c.hits.Add(1)
		h := w.Header()
		for name, v := range p.header {
			h[name] = append([]string(nil), v...)
		}
		h.Set("Content-Length", strconv.Itoa(len(p.body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(p.body)
		return
	}
	c.misses.Add(1)
	rec := &recorder{ResponseWriter: w}
	render(rec, r)
	if rec.status == http.StatusOK && !rec.overflow && rec.header.Get("Set-Cookie") == "" {
		c.put(k, gen, page{header: rec.header, body: bytes.Clone(rec.body.Bytes())})
	}
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cache) skip(r *http.Request) bool {
	for _, name := range c.Skip {
		if _, err := r.Cookie(name); err == nil {
			return true
		}
	}
	return false
}

func (c *Cache) get(k key, gen uint64) (page, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return page{}, false
	}
	p, ok := c.pages[k]
	return p, ok
}

// put keeps a page rendered at gen: the cache holds one generation, so a
// newer one empties it and an older page (its data may predate a write
// that committed while it was rendered) is not kept.
func (c *Cache) put(k key, gen uint64, p page) {
	c.mu.Lock()
	defer c.mu.Unlock()
	budget := c.MaxBytes
	if budget <= 0 {
		budget = DefaultMaxBytes
	}
	switch {
	case gen < c.gen:
		return
	case gen > c.gen || c.pages == nil || c.bytes+len(p.body) > budget:
		c.gen, c.pages, c.bytes = gen, make(map[key]page), 0
	}
	if old, ok := c.pages[k]; ok {
		c.bytes -= len(old.body)
	}
	c.pages[k] = p
	c.bytes += len(p.body)
}

// recorder passes a response through and keeps a copy of it.
type recorder struct {
	http.ResponseWriter
	status   int
	header   http.Header
	body     bytes.Buffer
	overflow bool
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
		r.header = r.ResponseWriter.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if !r.overflow {
		if r.body.Len()+len(b) > maxPage {
			r.overflow = true
			r.body = bytes.Buffer{}
		} else {
			r.body.Write(b)
		}
	}
	return r.ResponseWriter.Write(b)
}
