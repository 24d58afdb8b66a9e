package vault

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Installation names the installation this keyring belongs to: a digest
// of its lookup secret, which is made once with the installation's key
// file and never rotates (every stored lookup hash depends on it). So the
// name is the same in every copy of the key file and in HALFSKY_KEYS, and
// a database's sealed lookups only work with the installation of that
// name: a backup carries it to say whose it is.
func (k *Keyring) Installation() string {
	m := hmac.New(sha256.New, k.lookup)
	m.Write([]byte("halfsky installation id"))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// Has reports whether the keyring holds the data key id.
func (k *Keyring) Has(id string) bool {
	_, ok := k.raw[id]
	return ok
}

// Derive returns n bytes derived (HKDF-SHA-256) from the data key id for
// info, with salt, for callers that encrypt something other than a field
// (a backup file) under the installation's keys without ever holding a
// data key itself: a derived key opens no sealed field, and another info
// gives an unrelated key. ok is false when the keyring lacks id.
func (k *Keyring) Derive(id string, salt []byte, info string, n int) (key []byte, ok bool) {
	raw, ok := k.raw[id]
	if !ok {
		return nil, false
	}
	out, err := hkdf.Key(sha256.New, raw, salt, info, n)
	if err != nil {
		panic(err) // only for n beyond 255 hashes: a programming error
	}
	return out, true
}
