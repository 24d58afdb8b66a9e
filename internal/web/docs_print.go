package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"halfsky/internal/docprint"
	"halfsky/internal/httpx"
)

// docPrint is the GB/T 9704 print view of a visible document: a page of
// its own (no app shell) that the browser prints on A4.
func (h *handler) docPrint(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	d, err := h.deps.Docs.Get(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	page, err := docprint.HTML(d)
	if err != nil {
		return err
	}
	writeHTML(w, http.StatusOK, page)
	return nil
}

var printCSSTag = func() string {
	sum := sha256.Sum256(docprint.CSS())
	return `"` + hex.EncodeToString(sum[:])[:16] + `"`
}()

// printCSS serves the print view's style sheet (no data in it).
func printCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", printCSSTag)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(docprint.CSS()))
}
