package publicweb

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dchest/captcha"
)

// The CAPTCHA is six digits drawn as a PNG in this process
// (github.com/dchest/captcha): no outside service sees who asks for help.
// Each is answered once and lives captchaTTL; at most maxCaptchas are
// kept, the oldest dropped first. They live in this process, so behind
// several processes a load balancer must send a client back to the same
// one (or she is simply asked again).
const (
	captchaDigits = 6
	captchaTTL    = 10 * time.Minute
	maxCaptchas   = 10000
	captchaWidth  = 240
	captchaHeight = 80
)

type challenge struct {
	digits  []byte
	expires time.Time
}

type captchas struct {
	mu    sync.Mutex
	now   func() time.Time
	m     map[string]challenge
	order []string // ids in the order made, for dropping the oldest
}

func newCaptchas(now func() time.Time) *captchas {
	return &captchas{now: now, m: map[string]challenge{}}
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// create makes a challenge and returns its id.
func (c *captchas) create() string {
	b := make([]byte, 15)
	rand.Read(b)
	id := strings.ToLower(idEncoding.EncodeToString(b))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[id] = challenge{digits: captcha.RandomDigits(captchaDigits), expires: c.now().Add(captchaTTL)}
	c.order = append(c.order, id)
	for len(c.order) > maxCaptchas {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	return id
}

// digits returns an unexpired challenge's digits.
func (c *captchas) digits(id string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.m[id]
	if !ok || c.now().After(ch.expires) {
		return nil, false
	}
	return ch.digits, true
}

// verify reports whether answer (digits, spaces and full-width digits
// allowed) solves the challenge id, and ends the challenge either way: a
// challenge has one try.
func (c *captchas) verify(id, answer string) bool {
	if id == "" {
		return false
	}
	c.mu.Lock()
	ch, ok := c.m[id]
	delete(c.m, id)
	c.mu.Unlock()
	if !ok || c.now().After(ch.expires) {
		return false
	}
	var got []byte
	for _, r := range answer {
		switch {
		case r >= '0' && r <= '9':
			got = append(got, byte(r-'0'))
		case r >= '０' && r <= '９':
			got = append(got, byte(r-'０'))
		case r == ' ' || r == '　':
		default:
			return false
		}
	}
	return len(got) == len(ch.digits) && subtle.ConstantTimeCompare(got, ch.digits) == 1
}

// image serves GET /captcha/{file}: {id}.png, the challenge drawn. An
// unknown or expired id is a 404 (the page asks for a new one).
func (h *handler) image(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".png")
	digits, found := h.captchas.digits(id)
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	var buf bytes.Buffer
	if _, err := captcha.NewImage(id, digits, captchaWidth, captchaHeight).WriteTo(&buf); err != nil {
		http.Error(w, "验证码生成失败", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// captchaError is the message beside the CAPTCHA's field after a try that
// failed: none when none was shown, a reminder when it was left empty.
func captchaError(id, answer string) map[string]string {
	switch {
	case id == "":
		return nil
	case strings.TrimSpace(answer) == "":
		return map[string]string{"captcha_answer": "请输入图中的 6 个数字"}
	}
	return map[string]string{"captcha_answer": "数字不对，请看新的图片再输入一次"}
}
