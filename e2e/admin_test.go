package e2e

import (
	"strings"
	"testing"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/testapp"
)

// TestAdminTOTP: the system administrator must enrol a TOTP authenticator
// at first sign-in, then signs in with password and code, and — separation
// of duties — may not read the audit log.
func TestAdminTOTP(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		app := sqliteApp(t)
		p := NewPage(t, app.URL, vp)

		// The password alone leads to the enrolment page, nowhere else.
		if st := p.Login("admin", testapp.Password); st != 200 || p.Path() != "/totp/setup" {
			p.fatal("admin login: status %d at %s, want /totp/setup", st, p.Path())
		}
		if !p.Visible("#totp-qr") {
			p.fatal("the QR code is not visible")
		}
		if w := Eval[float64](p, `document.querySelector("#totp-qr").naturalWidth`); w == 0 {
			p.fatal("the QR code image did not load")
		}
		secret := strings.ReplaceAll(p.Text("#totp-secret"), " ", "")
		if len(secret) < 16 {
			p.fatal("TOTP secret %q is too short", secret)
		}
		p.Screenshot("totp-setup")
		if st := p.Open("/"); p.Path() != "/totp/setup" {
			p.fatal("/ before enrolment: status %d at %s, want /totp/setup", st, p.Path())
		}

		// A wrong code is refused beside the field.
		p.Fill("#f-otp", "000000")
		if st := p.ClickNav(`form[action="/totp/setup"] button[type="submit"]`); st != 422 {
			p.fatal("wrong enrolment code: status %d, want 422", st)
		}
		fieldError(t, p, "#f-otp", "验证码")
		if got := strings.ReplaceAll(p.Text("#totp-secret"), " ", ""); got != secret {
			p.fatal("the secret changed after a wrong code: %s, was %s", got, secret)
		}

		// The right code completes the enrolment and signs in.
		code, err := auth.TOTPCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		p.Fill("#f-otp", code)
		if st := p.ClickNav(`form[action="/totp/setup"] button[type="submit"]`); st != 200 || p.Path() != "/totp/setup" {
			p.fatal("enrolment: status %d at %s, want the recovery codes", st, p.Path())
		}
		// The recovery codes, shown this once, before the desk.
		codes := texts(p, "#recovery-codes li")
		if len(codes) != 10 {
			p.fatal("%d recovery codes shown, want 10: %v", len(codes), codes)
		}
		wantContains(t, p, "recovery page", p.Text("#recovery-card"), "只显示这一次")
		p.Screenshot("totp-recovery-codes")
		if st := p.ClickNav("#recovery-done"); st != 200 || p.Path() != "/" {
			p.fatal("after the recovery codes: status %d at %s, want /", st, p.Path())
		}
		wantContains(t, p, "enrolment flash", p.Text(".flash-success"), "动态验证码绑定成功")
		wantContains(t, p, "home title", p.Title(), "工作台")
		wantContains(t, p, "home heading", p.Text("main h1"), "哈尔滨市妇联")
		if p.Has(`nav a[href="/audit"]`) {
			p.fatal("the system administrator's navigation offers 审计日志")
		}

		// Out, and in again: password, then the authenticator's next code
		// (the one just used cannot be replayed; ±1 step is accepted).
		if st := p.Logout(); st != 200 || p.Path() != "/login" {
			p.fatal("退出: status %d at %s", st, p.Path())
		}
		if st := p.Login("admin", testapp.Password); st != 200 || !strings.HasPrefix(p.Path(), "/login/otp") {
			p.fatal("second admin login: status %d at %s, want /login/otp", st, p.Path())
		}
		p.Screenshot("login-otp")
		if st := p.Open("/org"); !strings.HasPrefix(p.Path(), "/login") {
			p.fatal("/org between password and code: status %d at %s, want to stay signing in", st, p.Path())
		}
		if !strings.HasPrefix(p.Path(), "/login/otp") {
			p.Open("/login/otp")
		}
		code, err = auth.TOTPCode(secret, time.Now().Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		p.Fill("#f-otp", code)
		if st := p.ClickNav(`form[action="/login/otp"] button[type="submit"]`); st != 200 || p.Path() != "/" {
			p.fatal("OTP step: status %d at %s, want /", st, p.Path())
		}
		wantContains(t, p, "home heading", p.Text("main h1"), "哈尔滨市妇联")

		// 三权分立: the audit log is the auditor's alone.
		wantRefusal(p, "/audit as admin", p.Open("/audit"), 403, pageDenied)
		body := p.Body()
		wantContains(t, p, "403 page", body, "无权访问")
		if p.Has("#audit-events") {
			p.fatal("the 403 page lists audit events")
		}
		p.Screenshot("audit-forbidden")
	})
}
