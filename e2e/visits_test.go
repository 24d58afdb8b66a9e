package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestVisitScenarioInBrowser is the test at each width: 张秀英
// (street.staff, 兆麟街道) records a visit to 索菲亚社区, two needs from it
// (one with the woman's consent and name), turns that one into a task,
// starts it and closes it with the result and 满意; 孙桂芝 (village.staff)
// of the neighbouring 省报社社区 gets 404 on the need.
func TestVisitScenarioInBrowser(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		app := sqliteApp(t)
		p := NewPage(t, app.URL, vp)
		signIn(t, p, "street.staff")

		// The visit.
		if st := p.Nav("/visits"); st != 200 {
			p.fatal("走访记录: status %d", st)
		}
		noSideScroll(p, "the visit list")
		if st := p.ClickNav("#new-visit"); st != 200 || p.Path() != "/visits/new" {
			p.fatal("登记走访: status %d at %s", st, p.Path())
		}
		choose(p, "#f-org_code", "230102001002")
		p.Fill("#f-place", "索菲亚社区 3 号楼")
		p.Fill("#f-households", "6")
		p.Fill("#f-women", "9")
		p.Fill("#f-notes", "入户了解妇女就业和子女看护情况")
		noSideScroll(p, "the visit form")
		if st := p.ClickNav("#save-visit"); st != 200 || !regexp.MustCompile(`^/visits/\d+$`).MatchString(p.Path()) {
			p.fatal("保存走访: status %d at %s", st, p.Path())
		}
		success(p, "走访已登记")
		p.Screenshot("visit")
		visitPath := p.Path()

		// Two needs from it.
		for i, n := range []struct{ cat, summary, name string }{
			{"employment", "下岗后想学家政技能再就业", "王秀兰"},
			{"children", "留守儿童放学后无人看护", ""},
		} {
			if st := p.ClickNav("#add-need"); st != 200 || !strings.HasPrefix(p.Path(), "/needs/new") {
				p.fatal("记录妇情 %d: status %d at %s", i, st, p.Path())
			}
			choose(p, "#f-category", n.cat)
			p.Fill("#f-summary", n.summary)
			if n.name != "" {
				p.Click("#f-consent")
				p.Fill("#f-person_name", n.name)
			}
			noSideScroll(p, "the need form")
			if st := p.ClickNav("#save-need"); st != 200 || p.Path() != visitPath {
				p.fatal("保存妇情 %d: status %d at %s", i, st, p.Path())
			}
			success(p, "妇情已记录")
		}
		wantContains(t, p, "the visit's needs", p.Text("#visit-needs"), "留守儿童放学后无人看护")

		// The first need becomes a task.
		needPath := Eval[string](p, `Array.from(document.querySelectorAll('#visit-needs a[href^="/needs/"]'))
  .filter(function (a) { return a.textContent.indexOf("下岗") >= 0; }).map(function (a) { return a.getAttribute("href"); })[0] || ""`)
		if st := p.ClickNav(`#visit-needs a[href="` + needPath + `"]`); st != 200 || p.Path() != needPath {
			p.fatal("open the need %q: status %d at %s", needPath, st, p.Path())
		}
		wantContains(t, p, "the need", p.Text("#person"), "王秀兰")
		noSideScroll(p, "the need page")
		p.Screenshot("need")
		p.Fill("#f-title", "推荐参加家政培训")
		p.Fill("#f-owner_name", "张秀英")
		if st := p.ClickNav("#make-task"); st != 200 || !regexp.MustCompile(`^/tasks/\d+$`).MatchString(p.Path()) {
			p.fatal("转为实事: status %d at %s", st, p.Path())
		}
		success(p, "已转为实事")
		if st := p.ClickNav("#start-task"); st != 200 {
			p.fatal("开始办理: status %d", st)
		}
		wantContains(t, p, "task status", p.Text("#task-status"), "办理中")
		p.Fill("#f-result", "已参加区妇联家政培训并上岗")
		choose(p, "#f-feedback", "satisfied")
		noSideScroll(p, "the task page")
		p.Screenshot("task")
		if st := p.ClickNav("#close-task"); st != 200 {
			p.fatal("办结: status %d", st)
		}
		success(p, "实事已办结")
		wantContains(t, p, "task status", p.Text("#task-status"), "已办结")
		wantContains(t, p, "feedback", p.Text("#feedback"), "满意")
		if st := p.Open(needPath); st != 200 {
			p.fatal("back to the need: %d", st)
		}
		wantContains(t, p, "need status", p.Text("#need-status"), "已解决")
		p.Open("/tasks")
		noSideScroll(p, "the task list")
		p.Open("/visits/stats")
		noSideScroll(p, "the statistics")
		p.Screenshot("stats")

		// The neighbouring community's cadre cannot open it.
		if st := p.Logout(); st != 200 {
			p.fatal("logout: %d", st)
		}
		signIn(t, p, "village.staff")
		wantRefusal(p, "village.staff opening "+needPath, p.Open(needPath), 404, pageNotFound)
		p.Open("/needs")
		if body := p.Body(); regexp.MustCompile(`下岗|留守儿童`).MatchString(body) {
			p.fatal("village.staff's need list shows the neighbour's needs")
		}
	})
}

// choose picks the option with value v in the select sel, as a person
// choosing from the list would (a change event fires).
func choose(p *Page, sel, v string) {
	p.t.Helper()
	ok := Eval[bool](p, `(function (e) {
  if (!e) return false;
  e.value = `+strconv.Quote(v)+`; e.dispatchEvent(new Event("change", {bubbles: true}));
  return e.value === `+strconv.Quote(v)+`;
})(document.querySelector(`+strconv.Quote(sel)+`))`)
	if !ok {
		p.fatal("choose %s in %s: no such field or option", v, sel)
	}
}
