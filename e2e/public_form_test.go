package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"halfsky/internal/apperr"
	"halfsky/internal/config"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
	"halfsky/internal/publicweb"
	"halfsky/internal/server"
)

// formRights is the rights service's public side in memory, so the form's
// pages can be looked at in the browser apart from the case work behind
// them (TestPublicDoor drives the real service through the whole server
// once it is wired).
type formRights struct {
	mu sync.Mutex
	n  int
}

func (m *formRights) SubmitHelp(_ context.Context, in publicweb.HelpRequest, _ string) (string, error) {
	bad := map[string]string{}
	if in.Category == "" {
		bad["category"] = "请选择遇到了什么事"
	}
	if strings.TrimSpace(in.Text) == "" {
		bad["text"] = "请写一写发生了什么"
	}
	if in.OrgCode == "" {
		bad["org_code"] = "请选择您所在的区县"
	}
	if !in.Consent {
		bad["consent"] = "请勾选同意后再提交"
	}
	if len(bad) > 0 {
		return "", apperr.Invalid(bad)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	return fmt.Sprintf("HK7Q%06dMX", m.n), nil
}

func (m *formRights) LookupHelp(_ context.Context, code string) (publicweb.HelpStatus, error) {
	if !strings.HasPrefix(code, "HK7Q") {
		return publicweb.HelpStatus{}, publicweb.ErrNoSuchCode
	}
	return publicweb.HelpStatus{Status: "handling", StatusLabel: "办理中", NextStep: "工作人员已联系法律援助中心，会在 3 个工作日内给您回电。"}, nil
}

func (m *formRights) PublicCategories(context.Context) ([]publicweb.Category, error) {
	return []publicweb.Category{
		{Code: "family", Label: "婚姻家庭纠纷"}, {Code: "divorce", Label: "离婚", Parent: "family"}, {Code: "custody", Label: "抚养", Parent: "family"},
		{Code: "dv", Label: "家庭暴力"}, {Code: "person", Label: "人身权利"}, {Code: "harass", Label: "性骚扰", Parent: "person"}, {Code: "other", Label: "其他"},
	}, nil
}

// TestPublicForm: the request-for-help form, its refusal, the code and
// the lookup (with and without a CAPTCHA) at a phone's and a desktop's
// width: accessible, light, local, and usable from the keyboard.
func TestPublicForm(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		// A door each: both viewports ask from 127.0.0.1, and the limits
		// (low here, to bring the CAPTCHA) count per address.
		mux := httpx.NewRouteTable()
		if _, err := publicweb.Register(mux, publicweb.Deps{Orgs: &org.Store{DB: seededSQLite(t)}, TopUnit: "2301", Rights: &formRights{},
			Limits:   config.PublicLimits{SubmitsPerHour: 100, LookupsPerHour: 2, CodeLookupsPerHour: 100},
			ClientIP: func(*http.Request) string { return "127.0.0.1" }}); err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(server.SecurityHeaders(mux))
		t.Cleanup(hs.Close)
		p := NewPage(t, hs.URL, vp)
		if st := p.Open("/help"); st != 200 {
			p.fatal("/help: %d", st)
		}
		publicPage(t, p, "form", true)

		// Sent empty: each message beside its field, nothing lost.
		p.Fill("#f-text", "<b>他</b>又来了")
		if st := p.ClickNav("#help-submit"); st != 422 {
			p.fatal("an empty form: %d", st)
		}
		for _, id := range []string{"#e-category", "#e-district", "#e-consent"} {
			if !p.Visible(id) {
				p.fatal("no message %s", id)
			}
		}
		if got := Eval[string](p, `document.getElementById("f-text").value`); got != "<b>他</b>又来了" {
			p.fatal("the text came back as %q", got)
		}
		publicPage(t, p, "form-refused", true)

		fileAndLookUp(t, p)
	})
}
