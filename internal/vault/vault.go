// Package vault protects sensitive personal data at rest: each value is
// sealed on its own with AES-256-GCM under a named key, the key's name
// stored with it so keys can rotate; lookups (by ID number, by phone) use
// a keyed hash instead of the plaintext; and values are shown masked.
//
// A sealed value looks like "hs1.<key id>.<base64url(nonce‖ciphertext)>".
// The additional data is the value's purpose (its table and column), so a
// value copied into another column does not open.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

const prefix = "hs1."

// Prefix starts every sealed value, so SQL can tell sealed from plain.
const Prefix = prefix

// Keyring holds the data keys by id, which one seals new values, and the
// lookup key for keyed hashes. The lookup key never rotates with the data
// keys: every stored hash would have to be recomputed.
type Keyring struct {
	aeads  map[string]cipher.AEAD
	raw    map[string][]byte // the data keys themselves, for Derive alone
	order  []string          // ids in the order given; the last is active
	lookup []byte
}

var keyIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// ErrSealed is returned for a value that does not open: a damaged value,
// another column's value, or a key that is not in the keyring.
var ErrSealed = errors.New("vault: value does not open")

// ErrNoKeys is returned when a value must be sealed or opened and no
// keyring is configured: nothing personal is ever stored in the clear for
// want of keys.
var ErrNoKeys = errors.New("vault: no field-encryption keys configured")

// New builds a keyring from raw 32-byte keys in order (the last seals) and
// a 32-byte lookup key.
func New(lookup []byte, ids []string, keys [][]byte) (*Keyring, error) {
	if len(lookup) != 32 {
		return nil, errors.New("vault: the lookup key must be 32 bytes")
	}
	if len(ids) == 0 || len(ids) != len(keys) {
		return nil, errors.New("vault: at least one data key is needed")
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}, raw: map[string][]byte{}, lookup: lookupKey(lookup)}
	for i, id := range ids {
		if !keyIDRE.MatchString(id) {
			return nil, fmt.Errorf("vault: bad key id %q (letters, digits, - and _)", id)
		}
		if len(keys[i]) != 32 {
			return nil, fmt.Errorf("vault: key %s must be 32 bytes", id)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("vault: key id %s given twice", id)
		}
		block, err := aes.NewCipher(keys[i])
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[id] = aead
		k.raw[id] = append([]byte(nil), keys[i]...)
		k.order = append(k.order, id)
	}
	return k, nil
}

// lookupKey derives the HMAC key from the configured secret, so the same
// bytes are never used for two algorithms.
func lookupKey(secret []byte) []byte {
	out, err := hkdf.Key(sha256.New, secret, nil, "halfsky lookup hash", 32)
	if err != nil {
		panic(err) // cannot happen with these lengths
	}
	return out
}

// Active is the id of the key that seals new values.
func (k *Keyring) Active() string { return k.order[len(k.order)-1] }

// IDs lists the key ids, oldest first.
func (k *Keyring) IDs() []string { return append([]string(nil), k.order...) }

// Seal encrypts value for purpose (e.g. "needs.contact"). The empty value
// stays empty, so optional fields need no special case. A nil keyring
// seals nothing: ErrNoKeys.
func (k *Keyring) Seal(purpose, value string) (string, error) {
	if value == "" {
		return "", nil
	}
	if k == nil {
		return "", ErrNoKeys
	}
	id := k.Active()
	aead := k.aeads[id]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(value)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := aead.Seal(nonce, nonce, []byte(value), []byte(purpose))
	return prefix + id + "." + base64.RawURLEncoding.EncodeToString(ct), nil
}

// Open decrypts a sealed value of purpose; "" opens to "".
func (k *Keyring) Open(purpose, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if k == nil {
		return "", ErrNoKeys
	}
	id, ct, ok := split(sealed)
	if !ok {
		return "", ErrSealed
	}
	aead, ok := k.aeads[id]
	if !ok || len(ct) < aead.NonceSize() {
		return "", ErrSealed
	}
	pt, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], []byte(purpose))
	if err != nil {
		return "", ErrSealed
	}
	return string(pt), nil
}

// OpenAny opens a value of a column that an earlier version stored in the
// clear: a value without the sealed prefix is such a value and is
// returned as it is, until `halfsky keys reseal` or the next start seals
// it (SealPlain). Anything with the prefix must open.
func (k *Keyring) OpenAny(purpose, stored string) (string, error) {
	if !strings.HasPrefix(stored, prefix) {
		return stored, nil
	}
	return k.Open(purpose, stored)
}

func split(sealed string) (id string, ct []byte, ok bool) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", nil, false
	}
	id, enc, ok := strings.Cut(rest, ".")
	if !ok {
		return "", nil, false
	}
	ct, err := base64.RawURLEncoding.DecodeString(enc)
	return id, ct, err == nil
}

// KeyOf returns the id of the key a value was sealed with ("" if none).
func KeyOf(sealed string) string {
	id, _, ok := split(sealed)
	if !ok {
		return ""
	}
	return id
}

// Stale reports whether a sealed value should be re-sealed under the
// active key.
func (k *Keyring) Stale(sealed string) bool {
	return sealed != "" && KeyOf(sealed) != k.Active()
}

// Lookup is the keyed hash of a value for purpose (e.g. "person.id"),
// for finding records by it without storing it in the clear. Callers
// normalize the value first (an ID number in upper case, a phone without
// spaces).
func (k *Keyring) Lookup(purpose, value string) string {
	m := hmac.New(sha256.New, k.lookup)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

// Fields seals or opens several fields of one record with a keyring,
// keeping the first error, so a record is sealed whole or not stored at
// all: call Seal, Open or Terms for each field, then check Err once.
type Fields struct {
	K   *Keyring
	Err error
}

// Seal seals v for column c.
func (f *Fields) Seal(c Column, v string) string {
	if f.Err != nil {
		return ""
	}
	s, err := f.K.Seal(c.Purpose(), v)
	f.Err = err
	return s
}

// Open opens a stored value of c in place (a value an earlier version
// stored in the clear reads as it is, until it is sealed); id names the
// row in the error, never the value.
func (f *Fields) Open(c Column, id int64, v *string) {
	if f.Err != nil || *v == "" {
		return
	}
	s, err := f.K.OpenAny(c.Purpose(), *v)
	if err != nil {
		f.Err = fmt.Errorf("%s %d: %w", c.Purpose(), id, err)
		return
	}
	*v = s
}

// Terms is the blind search index of texts for purpose.
func (f *Fields) Terms(purpose string, texts ...string) string {
	if f.Err != nil {
		return ""
	}
	s, err := f.K.Terms(purpose, texts...)
	f.Err = err
	return s
}
