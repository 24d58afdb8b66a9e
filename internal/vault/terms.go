package vault

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"unicode"
)

// A blind search index lets a list be searched by words of sealed fields
// without their plaintext in the database. The text is cut into every
// two-character piece (bigram) — lower-cased, white space removed, so
// "新阳路社区" gives 新阳 阳路 路社 社区 — and each piece is stored only as a
// keyed hash: the first 8 hex digits of HMAC-SHA-256 under the lookup key
// (which never rotates) and the index's purpose. A row's terms are one
// text column, " t1 t2 … " (distinct, sorted, a space at both ends, " "
// for no text at all), so a query is one LIKE per piece of the query:
// a row matches when it holds every two-character piece of the query.
//
// What it gives away: whoever holds the database sees, per row, a set of
// opaque tokens, and that two rows share a piece of text (not which); the
// frequencies of tokens across many rows can hint at common pieces. It
// never gives back the text. A query needs at least two characters, and a
// row holding all the pieces of a query apart (新阳…阳路 for 新阳路) matches
// too — rare in practice.

// termLen is how many hex digits of the keyed hash a term keeps: 32 bits,
// so a query piece matches a row of a few hundred pieces by chance about
// once in ten million rows.
const termLen = 8

// bigrams are the distinct two-character pieces of the texts, normalized.
func bigrams(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		var rs []rune
		for _, r := range t {
			if unicode.IsSpace(r) {
				continue
			}
			rs = append(rs, unicode.ToLower(r))
		}
		for i := 0; i+1 < len(rs); i++ {
			g := string(rs[i : i+2])
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return out
}

func (k *Keyring) term(purpose, piece string) string {
	m := hmac.New(sha256.New, k.lookup)
	m.Write([]byte("terms\x00" + purpose + "\x00" + piece))
	return hex.EncodeToString(m.Sum(nil))[:termLen]
}

// Terms is the blind index of the texts for purpose (e.g. "visits.search"):
// " t1 t2 … ", or " " when the texts have no two-character piece. A nil
// keyring indexes nothing: ErrNoKeys.
func (k *Keyring) Terms(purpose string, texts ...string) (string, error) {
	if k == nil {
		return "", ErrNoKeys
	}
	var ts []string
	seen := map[string]bool{}
	for _, g := range bigrams(texts...) {
		t := k.term(purpose, g)
		if !seen[t] {
			seen[t] = true
			ts = append(ts, t)
		}
	}
	sort.Strings(ts)
	if len(ts) == 0 {
		return " ", nil
	}
	return " " + strings.Join(ts, " ") + " ", nil
}

// TermPatterns are the LIKE patterns a query's row must all match in the
// terms column of purpose, one per distinct piece of the query; none when
// the query has fewer than two characters (it cannot be searched for). The
// patterns hold only hex digits and spaces: no LIKE escape is needed.
func (k *Keyring) TermPatterns(purpose, query string) []string {
	if k == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, g := range bigrams(query) {
		t := k.term(purpose, g)
		if !seen[t] {
			seen[t] = true
			out = append(out, "% "+t+" %")
		}
	}
	return out
}
