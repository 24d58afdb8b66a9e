package web_test

import (
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// TestIncomingRegister: the office uploads a superior's notice; it is
// registered with the next 收文编号, the fields read from it and the
// original kept and downloadable. The same 来文 again is refused beside
// its field; text that is no 公文 comes back with what was found, and
// with the 来文单位 and 标题 typed in it is registered by hand. Nothing
// refused is stored, and no other unit sees the register.
func TestIncomingRegister(t *testing.T) {
	seed, err := os.ReadFile("../docimport/testdata/seed_000.txt")
	if err != nil {
		t.Fatal(err)
	}
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		office := signIn(t, app, "daoli.staff")
		must(t, office.get("/incoming", http.StatusOK), "还没有登记收文")
		must(t, office.get("/incoming/new", http.StatusOK), `id="incoming-form"`, `name="received_on"`)
		stored := func() int {
			return count(t, d, `SELECT COUNT(*) FROM incoming_docs`) + count(t, d, `SELECT COUNT(*) FROM files`)
		}

		r := office.upload("/incoming", "file", "市妇联9号文.txt", seed, url.Values{"received_on": {"2015-08-12"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("register: %d\n%s", r.Status, excerpt(r.Body))
		}
		show := office.get(r.Header.Get("Location"), http.StatusOK)
		must(t, show, "已登记为收〔2015〕1号", "哈尔滨市妇联关于认真学习贯彻中央党的群团工作会议精神的通知",
			`id="incoming-from">哈尔滨市妇女联合会<`, `id="incoming-from-number">哈妇发〔2015〕9号<`, "2015年8月11日", "2015年8月12日",
			"文本文件", "市妇联9号文.txt", "各区县（市）妇联")
		m := regexp.MustCompile(`href="(/incoming/\d+/files/\d+)"`).FindStringSubmatch(show)
		if m == nil {
			t.Fatal("no original to download")
		}
		dl := office.c.Do("GET", m[1], nil)
		if dl.Status != http.StatusOK || dl.Body != string(seed) {
			t.Fatalf("download: %d, %d bytes", dl.Status, len(dl.Body))
		}
		// Another district, the city above, the street below: not found.
		for _, who := range []string{"nangang.leader", "city.office", "street.staff"} {
			signIn(t, app, who).get(r.Header.Get("Location"), http.StatusNotFound)
			signIn(t, app, who).get(m[1], http.StatusNotFound)
			if strings.Contains(signIn(t, app, who).get("/incoming", http.StatusOK), "群团工作会议") {
				t.Errorf("%s lists daoli's register", who)
			}
		}
		after := stored()

		// Again: refused beside the 来文字号, nothing stored.
		r = office.upload("/incoming", "file", "再来一次.txt", seed, nil)
		if r.Status != http.StatusConflict {
			t.Fatalf("duplicate: %d", r.Status)
		}
		must(t, r.Body, "已登记为 收〔2015〕1号", `id="f-from_number-error"`)
		// Not a 公文, nothing typed: the report, nothing stored.
		r = office.upload("/incoming", "", "", nil, url.Values{"text": {"周末去超市：鸡蛋两斤，牛奶一箱。"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("not a document: %d", r.Status)
		}
		must(t, r.Body, "没有登记", "缺少的要素", `id="f-text-error"`, "手工填写")
		// Bad typed fields: beside them.
		r = office.upload("/incoming", "", "", nil, url.Values{"from_unit": {"黑龙江省妇联"}, "title": {"来函"}, "from_number": {"黑妇函2026-3"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad number: %d", r.Status)
		}
		must(t, r.Body, `id="f-from_number-error"`, "机关代字〔年份〕序号号")
		if n := stored(); n != after {
			t.Fatalf("refused uploads stored %d rows", n-after)
		}

		// A paper letter, typed by hand.
		loc := office.postLocation("/incoming", url.Values{"from_unit": {"道里区人民法院"}, "title": {"关于协助做好家事调解工作的函"},
			"received_on": {"2015-09-01"}, "urgency": {"加急"}})
		page := office.get(loc, http.StatusOK)
		must(t, page, "收〔2015〕2号", "手工登记", "道里区人民法院", "没有电子原件")
		// Corrected, then voided: the number stays.
		must(t, office.get(loc+"/edit", http.StatusOK), `value="道里区人民法院"`)
		page = office.post(loc+"/edit", url.Values{"version": {"1"}, "from_unit": {"哈尔滨市道里区人民法院"}, "title": {"关于协助做好家事调解工作的函"},
			"received_on": {"2015-09-01"}, "note": {"已转维权部"}}, http.StatusSeeOther)
		must(t, page, "哈尔滨市道里区人民法院", "已转维权部")
		page = office.post(loc+"/void", url.Values{"reason": {""}}, http.StatusSeeOther)
		must(t, page, "请说明作废的原因")
		page = office.post(loc+"/void", url.Values{"reason": {"重复登记"}}, http.StatusSeeOther)
		must(t, page, "作废：重复登记", "收〔2015〕2号 已作废")
		if strings.Contains(page, `id="edit-incoming"`) || strings.Contains(page, `id="void-form"`) {
			t.Error("a voided registration still offers changes")
		}
		page = office.post(loc+"/edit", url.Values{"version": {"3"}, "from_unit": {"某单位"}, "title": {"某标题"}, "received_on": {"2015-09-01"}},
			http.StatusSeeOther)
		must(t, page, "该收文登记已作废，不能再修改")
	})
}
