package auth

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost settings. The defaults follow OWASP's
// recommendation (19 MiB, 2 passes, 1 lane); tests lower them.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 is used for new hashes.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// hashSlots caps concurrent hashing: each hash takes Memory KiB and a core,
// so a burst of logins must queue rather than exhaust the machine.
var hashSlots = make(chan struct{}, max(2, runtime.NumCPU()))

func withSlot(ctx context.Context, p Argon2Params, fn func()) error {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() {
		<-hashSlots
		if p.Memory >= giveBackFrom {
			giveBack()
		}
	}()
	fn()
	return nil
}

// giveBack returns a finished hash's memory to the system, in the
// background. Each hash allocates Memory KiB (19 MiB) that is garbage the
// moment it returns; left to the collector's pacing, which lets the heap
// grow to twice what it last found live (a hash in flight included), five
// sign-ins in a row grew the process from 42 to 102 MiB resident and kept
// it there (BenchmarkFootprint). A collection and a return of the free
// pages (debug.FreeOSMemory) costs a few milliseconds of one core against
// the hash's tens; sign-ins that come while one runs share the next.
// (One goroutine does it, started by the first hash. Hashes smaller than
// giveBackFrom — the tests' — leave it to the collector.)
func giveBack() {
	giveBackOnce.Do(func() {
		go func() {
			for range giveBackAsked {
				debug.FreeOSMemory()
			}
		}()
	})
	select {
	case giveBackAsked <- struct{}{}:
	default: // one is asked for already
	}
}

const giveBackFrom = 4 * 1024 // KiB

var (
	giveBackOnce  sync.Once
	giveBackAsked = make(chan struct{}, 1)
)

// HashPassword returns a PHC-format argon2id hash.
func HashPassword(ctx context.Context, password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := DefaultArgon2
	var key []byte
	if err := withSlot(ctx, p, func() { key = argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32) }); err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword compares a password with a stored hash in constant time.
func CheckPassword(ctx context.Context, hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("unsupported password hash")
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, fmt.Errorf("password hash parameters: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false, fmt.Errorf("password hash encoding")
	}
	var got []byte
	if err := withSlot(ctx, p, func() { got = argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want))) }); err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when a username does not exist, so a login
// for an unknown user takes as long as one for a known user: a hash in the
// PHC form with the parameters of new hashes, whose salt and key are random
// bytes drawn at start. Checking it runs argon2id once, as a real check
// does, and always fails (no password yields a random key, let alone one
// known to nobody). Hashing a password at start instead held 19 MiB of the
// process's memory from its first moment.
func dummyHash() string {
	p := DefaultArgon2
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(dummySalt[:]), b64.EncodeToString(dummyKey[:]))
}

var dummySalt, dummyKey = func() (s [16]byte, k [32]byte) {
	rand.Read(s[:])
	rand.Read(k[:])
	return s, k
}()

//go:embed common_passwords.txt
var commonPasswordsTxt string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsTxt))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
}()

// MinPasswordLen follows NIST SP 800-63B: length matters, composition rules
// do not.
const MinPasswordLen = 8

// ValidatePassword returns a Chinese message when the password is not
// acceptable, or "".
func ValidatePassword(password, username string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return fmt.Sprintf("密码至少需要 %d 个字符", MinPasswordLen)
	case n > 128:
		return "密码不能超过 128 个字符"
	case commonPasswords[strings.ToLower(password)]:
		return "这个密码太常见，很容易被猜到，请换一个"
	case username != "" && strings.EqualFold(password, username):
		return "密码不能与用户名相同"
	case strings.Count(password, string([]rune(password)[0])) == len(password):
		return "密码不能由同一个字符重复组成"
	}
	return ""
}

// tempAlphabet has no look-alike characters (0/O, 1/l/I), so a password
// read off a screen is typed right.
const tempAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"

// TemporaryPassword is a one-time password the system makes for an
// account opened or reset by someone else: 12 random characters (about
// 69 bits) in groups of four, e.g. "Kp7x-Wq3m-Ht9z". The user must change
// it at first sign-in.
func TemporaryPassword() (string, error) {
	var b strings.Builder
	for i := 0; i < 12; i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		c, err := randomIndex(len(tempAlphabet))
		if err != nil {
			return "", err
		}
		b.WriteByte(tempAlphabet[c])
	}
	return b.String(), nil
}

// randomIndex is a uniform random number in [0, n), n ≤ 256.
func randomIndex(n int) (int, error) {
	limit := 256 - 256%n
	var buf [1]byte
	for {
		if _, err := rand.Read(buf[:]); err != nil {
			return 0, err
		}
		if int(buf[0]) < limit {
			return int(buf[0]) % n, nil
		}
	}
}
