package docprint

import (
	"regexp"
	"strings"
	"testing"

	"halfsky/internal/doc"
)

// A 请示 (上行文) with every element of the 版头: 份号, 密级★保密期限, 紧急程度,
// several 签发人; heading levels, attachments, 附注 and 抄送; no seal.
func qingshi() doc.Document {
	return doc.Document{
		Number:  "哈妇〔2016〕3号",
		OrgName: "哈尔滨市妇女联合会",
		Fields: doc.Fields{
			Type:       "请示",
			CopyNo:     "000012",
			Secret:     "秘密",
			SecretTerm: "1年",
			Urgency:    "特急",
			IssuerMark: "哈尔滨市妇女联合会文件",
			Signers:    []string{"杨杰", "王丽华", "李明"},
			Title:      "哈尔滨市妇女联合会关于申请2016年“两癌”救助专项资金的请示",
			Recipients: "哈尔滨市人民政府",
			Body: []string{
				"为做好2016年农村贫困妇女“两癌”救助工作，现将有关事项请示如下。",
				"一、基本情况",
				"（一）救助对象。全市农村贫困妇女中经确诊患有宫颈癌、乳腺癌的患者。",
				"1.已纳入低保的患者优先救助。",
				"（1）由区县（市）妇联初审，市妇联复审。",
				"二、资金需求",
				"按每人1万元标准，共需资金300万元。",
				"妥否，请批示。",
			},
			AttachmentNote: []string{"1.2016年“两癌”救助对象名单", "2. 2016年“两癌”救助资金测算表，含各区县（市）分配方案和拨付时间安排的详细说明"},
			Signature:      "哈尔滨市妇女联合会",
			DocDate:        "2016-03-08",
			Note:           "联系人：张红，电话：84600000",
			CC:             "市财政局，市卫生计生委",
			PrintedBy:      "哈尔滨市妇女联合会办公室",
			PrintedDate:    "2016-03-09",
		},
	}
}

func mustHTML(t *testing.T, d doc.Document) string {
	t.Helper()
	b, err := HTML(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// inOrder checks that the substrings occur in s in this order.
func inOrder(t *testing.T, s string, subs ...string) {
	t.Helper()
	at := 0
	for _, sub := range subs {
		i := strings.Index(s[at:], sub)
		if i < 0 {
			t.Errorf("%q not found after byte %d (present anywhere: %v)", sub, at, strings.Contains(s, sub))
			return
		}
		at += i + len(sub)
	}
}

func TestHTMLHeadOfAnUrgentSecretQingshi(t *testing.T) {
	h := mustHTML(t, qingshi())
	inOrder(t, h,
		`<p class="copyno">000012</p>`,
		`<p class="secret">秘密★1年</p>`,
		`<p class="urgency">特急</p>`,
		`哈尔滨市妇女联合会文件`,
		// 上行文: the number on the left, 签发人 on the right.
		`<div class="numline up"><p class="number">哈妇〔2016〕3号</p>`,
		`<span class="label">签发人：</span><span class="name">杨杰</span><span class="name">王丽华</span><span class="name">李明</span>`,
		`<hr class="redline">`,
		`哈尔滨市妇女联合会关于申请`,
		`<p class="recipients">哈尔滨市人民政府：</p>`,
		`<p class="zw h1">`, `一、基本情况`,
		`<p class="zw h2 go"><span class="hd">（一）救助对象。</span>全市农村贫困妇女`,
		`<p class="zw h3">1.已纳入低保`,
		`<p class="zw h4">（1）由区县`,
		`<p class="zw h1"><span class="hd">二、资金需求</span></p>`,
		`妥否，请批示。`,
		`<span class="label">附件：</span><span class="num">1.</span><span class="name">2016年“两癌”救助对象名单</span><span class="num">2.</span><span class="name">2016年“两癌”救助资金测算表，含各区县（市）分配方案和拨付时间安排的详细说明</span>`,
		`<div class="sign plain"><div class="box"><p class="org">哈尔滨市妇女联合会</p><p class="date">2016年3月8日</p></div><p class="note">（联系人：张红，电话：84600000）</p></div>`,
		`抄送：</span><span>市财政局，市卫生计生委。</span>`,
		`<span class="by">哈尔滨市妇女联合会办公室</span><span class="on">2016年3月9日印发</span>`,
	)
	if strings.Contains(h, `class="seal"`) {
		t.Error("a document without Seal got a seal mark")
	}
}

func TestHTMLNoticeWithoutSignersCentresTheNumber(t *testing.T) {
	d := qingshi()
	d.Signers = nil
	d.CopyNo, d.Secret, d.SecretTerm, d.Urgency = "", "", "", ""
	h := mustHTML(t, d)
	if !strings.Contains(h, `<div class="numline"><p class="number">哈妇〔2016〕3号</p></div>`) {
		t.Error("without 签发人 the number is not on a line of its own")
	}
	for _, s := range []string{"签发人", `class="copyno"`, `class="secret"`, `class="urgency"`} {
		if strings.Contains(h, s) {
			t.Errorf("%q printed for a document without it", s)
		}
	}
}

func TestHTMLSealAndSeedLayout(t *testing.T) {
	d := seedNotice(t)
	h := mustHTML(t, d)
	inOrder(t, h,
		`<p class="number">哈妇发〔2015〕9号</p>`, `<span class="name">杨杰</span>`,
		`<h2 class="title">哈尔滨市妇联关于认真学习贯彻<br>中央党的群团工作会议精神的通知</h2>`,
		`<p class="recipients">各区县（市）妇联，市直妇委会，市妇联团体会员：</p>`,
		d.Body[0], d.Body[6],
		`<div class="sign sealed"><p class="date"><span class="org">哈尔滨市妇女联合会</span>2015年8月11日<svg class="seal"`,
		`（印章）`,
		// The 版记 twice: the invisible copy in the flow that makes room, the
		// visible one placed at the bottom of the last page.
		`<footer class="banji ghost">`, `2015年8月11日印发`,
		`<footer class="banji real">`, `2015年8月11日印发`,
	)
	if n := len(regexp.MustCompile(`<p class="zw[ "]`).FindAllString(h, -1)); n != len(d.Body) {
		t.Errorf("%d paragraphs in the body, want %d", n, len(d.Body))
	}
}

// A seal is the unit's legal act: only an issued document carries it. A
// draft, or a version under review or signed but not yet registered, shows
// a grey outline where the seal will go, and the issued print says on
// screen what the red ring is.
func TestSealOnlyOnIssuedDocuments(t *testing.T) {
	for _, st := range []doc.Status{doc.Draft, doc.Reviewing, doc.Returned, doc.Reviewed, doc.Signed} {
		d := seedNotice(t)
		d.Status = st
		h := mustHTML(t, d)
		if strings.Contains(h, `<svg class="seal"`) || strings.Contains(h, "（印章）") || strings.Contains(h, "seal-note") {
			t.Errorf("%s: a document not issued got the seal", st)
		}
		inOrder(t, h, `<div class="sign sealed">`, `<svg class="seal pending"`, `用印位置`, `印发后用印`)
	}
	d := seedNotice(t)
	h := mustHTML(t, d)
	inOrder(t, h, `<p class="seal-note" role="note">红色圆环标出印章的位置，是示意`, `<svg class="seal"`, `（印章）`)
	if strings.Contains(h, "seal pending") {
		t.Error("the issued document still shows the outline")
	}
	d.Seal = false
	if h := mustHTML(t, d); strings.Contains(h, "seal-note") || strings.Contains(h, "<svg class=\"seal") {
		t.Error("a document issued without a seal got one")
	}
}

func TestHTMLEscapesUserText(t *testing.T) {
	d := qingshi()
	d.Title = `关于<script>alert("x")</script>的请示`
	d.Recipients = `<img src=x onerror=alert(1)>`
	d.Body = []string{`正文<b onclick="x()">粗</b>&amp;`}
	d.Signers = []string{`"><script>`}
	d.IssuerMark = `</text><script>alert(2)</script>文件`
	d.CC = `</span><script>`
	d.Note = `<iframe>`
	h := mustHTML(t, d)
	for _, bad := range []string{"<script", "<img", "<b ", "<iframe", "onerror=alert(1)>"} {
		if strings.Contains(h, bad) {
			t.Errorf("user text reached the page unescaped: %q", bad)
		}
	}
	for _, good := range []string{"关于&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;的请示", "&lt;img src=x onerror=alert(1)&gt;：", "正文&lt;b onclick=&#34;x()&#34;&gt;粗&lt;/b&gt;&amp;amp;"} {
		if !strings.Contains(h, good) {
			t.Errorf("escaped text %q missing", good)
		}
	}
}

// The page is served under CSP style-src 'self' and no script: no inline
// style or script, and the style sheet linked from CSSPath.
func TestHTMLIsCSPClean(t *testing.T) {
	for _, d := range []doc.Document{qingshi(), seedNotice(t)} {
		h := mustHTML(t, d)
		for _, bad := range []string{"<style", " style=", "<script", "javascript:", "http://", "https://", "@import"} {
			if strings.Contains(h, bad) {
				t.Errorf("the page contains %q", bad)
			}
		}
		if !strings.Contains(h, `<link rel="stylesheet" href="/docs/print.css">`) {
			t.Error("the page does not link /docs/print.css")
		}
		if !strings.HasPrefix(h, "<!DOCTYPE html>") || !strings.Contains(h, `<html lang="zh-CN">`) {
			t.Error("not a standalone Chinese HTML page")
		}
	}
	c := string(CSS())
	for _, want := range []string{"size: A4", "margin: 37mm 26mm 35mm 28mm", "@bottom-right", "@bottom-left", "counter(page)", "FangSong", "Noto Serif CJK SC", "SimHei", "KaiTi", "FZXiaoBiaoSong-B05S"} {
		if !strings.Contains(c, want) {
			t.Errorf("the style sheet lacks %q", want)
		}
	}
	if strings.Contains(c, "url(") {
		t.Error("the style sheet loads something")
	}
}

func TestHTMLWithoutMark(t *testing.T) {
	d := qingshi()
	d.IssuerMark = ""
	h := mustHTML(t, d)
	inOrder(t, h, `<p class="copyno">000012</p>`, `<p class="secret">秘密★1年</p>`, `<p class="urgency">特急</p>`,
		`<p class="number plain">哈妇〔2016〕3号</p>`, `<h2 class="title top">`)
	for _, s := range []string{`class="redline"`, `class="mark"`, "签发人"} {
		if strings.Contains(h, s) {
			t.Errorf("a document without 发文机关标志 has %q", s)
		}
	}
}

func TestHTMLLongMarkIsSqueezed(t *testing.T) {
	d := qingshi()
	d.IssuerMark = "哈尔滨市妇女联合会哈尔滨市总工会共青团哈尔滨市委员会文件"
	h := mustHTML(t, d)
	if !strings.Contains(h, `textLength="154" lengthAdjust="spacingAndGlyphs"`) {
		t.Error("a mark wider than the 版心 is not squeezed to it")
	}
	d.IssuerMark = "哈尔滨市妇联文件"
	if h := mustHTML(t, d); strings.Contains(h, "textLength") {
		t.Error("a short mark is squeezed")
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct{ in, class, head string }{
		{"一、总体要求", "h1", "一、总体要求"},
		{"十二、其他事项。本通知自印发之日起施行。", "h1 go", "十二、其他事项。"},
		{"（三）加强领导", "h2", "（三）加强领导"},
		{"(三)加强领导。各级妇联要高度重视。", "h2 go", "(三)加强领导。"},
		{"2.组织专题学习。", "h3", ""},
		{"2．组织专题学习。", "h3", ""},
		{"（12）其他", "h4", ""},
		{"2015年8月11日，市妇联召开会议。", "", ""},
		{"一是加强学习。", "", ""},
	} {
		p := classify(c.in)
		if p.Class != c.class || p.Head != c.head || p.Head+p.Rest != c.in {
			t.Errorf("classify(%q) = %+v, want class %q head %q", c.in, p, c.class, c.head)
		}
	}
}

func TestTitleLines(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"关于召开2016年全市妇联工作会议的通知", []string{"关于召开2016年全市妇联工作会议的通知"}},
		{"哈尔滨市妇联关于认真学习贯彻中央党的群团工作会议精神的通知", []string{"哈尔滨市妇联关于认真学习贯彻", "中央党的群团工作会议精神的通知"}},
		{"关于印发《哈尔滨市妇女联合会机关公文处理办法》的通知", []string{"关于印发《哈尔滨市妇女联合会", "机关公文处理办法》的通知"}},
		{"第一行\n第二行", []string{"第一行", "第二行"}},
	} {
		got := titleLines(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("titleLines(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Every line fits the 版心; nothing is lost.
	long := "哈尔滨市妇女联合会关于进一步加强基层妇联组织建设推动妇联工作改革创新和深入开展下基层访妇情办实事活动的实施意见"
	got := titleLines(long)
	if strings.Join(got, "") != long || len(got) != 3 {
		t.Errorf("titleLines(long) = %q", got)
	}
	for _, l := range got {
		if textWidth(l) > titleChars {
			t.Errorf("title line %q is wider than %d characters", l, titleChars)
		}
	}
}
