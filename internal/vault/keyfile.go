package vault

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The key file holds the lookup secret and the data keys, one per line;
// the last "key" line seals new values:
//
//	# halfsky field-encryption keys …
//	lookup <base64 of 32 bytes>
//	key 20261129 <base64 of 32 bytes>
//	key 20270301 <base64 of 32 bytes>
//
// It is kept apart from the database (and its backups): whoever has both
// has the data. HALFSKY_KEYS may carry the same text instead of a file.

const fileHeader = `# halfsky field-encryption keys. Keep this file secret, readable only by
# halfsky, and backed up apart from the database: without it the sensitive
# fields cannot be read; with the database it reveals them.
# The last "key" line seals new values; "halfsky keys rotate" adds one.
`

// Parse reads key-file text.
func Parse(text string) (*Keyring, error) {
	var lookup []byte
	var ids []string
	var keys [][]byte
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		switch {
		case f[0] == "lookup" && len(f) == 2:
			b, err := base64.StdEncoding.DecodeString(f[1])
			if err != nil || lookup != nil {
				return nil, fmt.Errorf("vault: key file line %d: bad or repeated lookup secret", n)
			}
			lookup = b
		case f[0] == "key" && len(f) == 3:
			b, err := base64.StdEncoding.DecodeString(f[2])
			if err != nil {
				return nil, fmt.Errorf("vault: key file line %d: key %s is not base64", n, f[1])
			}
			ids, keys = append(ids, f[1]), append(keys, b)
		default:
			return nil, fmt.Errorf("vault: key file line %d: want \"lookup <base64>\" or \"key <id> <base64>\"", n)
		}
	}
	if lookup == nil {
		return nil, errors.New("vault: the key file has no lookup secret")
	}
	return New(lookup, ids, keys)
}

func random32() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return base64.StdEncoding.EncodeToString(b)
}

// NewFileText is the text of a fresh key file with one data key.
func NewFileText(now time.Time) string {
	return fileHeader + "lookup " + random32() + "\n" + keyLine(now, nil)
}

// keyLine is a new data key line whose id is the date, made unique
// against the ids already taken.
func keyLine(now time.Time, taken []string) string {
	base := now.UTC().Format("20060102")
	id := base
	for i := 2; contains(taken, id); i++ {
		id = fmt.Sprintf("%s-%d", base, i)
	}
	return "key " + id + " " + random32() + "\n"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Load returns the keyring from env text when set, else from the file at
// path, creating the file (mode 0600) with fresh keys when it does not
// exist; created reports that.
func Load(path, env string) (k *Keyring, created bool, err error) {
	if strings.TrimSpace(env) != "" {
		k, err = Parse(env)
		return k, false, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, err
		}
		text := NewFileText(time.Now())
		if err := writeFile(path, text, true); err != nil {
			return nil, false, err
		}
		k, err = Parse(text)
		return k, true, err
	}
	if err != nil {
		return nil, false, err
	}
	k, err = Parse(string(b))
	return k, false, err
}

// AddKey appends a new data key to the key file at path, which from then
// on seals new values, and returns the new keyring. The file is replaced
// atomically, so a crash leaves the old or the new file, never half.
func AddKey(path string, now time.Time) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	old, err := Parse(string(b))
	if err != nil {
		return nil, err
	}
	text := string(b)
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	text += keyLine(now, old.IDs())
	k, err := Parse(text)
	if err != nil {
		return nil, err
	}
	return k, writeFile(path, text, false)
}

func writeFile(path, text string, exclusive bool) error {
	if exclusive {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := f.WriteString(text); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
