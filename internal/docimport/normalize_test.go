package docimport

import (
	"strings"
	"testing"
)

func TestNormalizePunct(t *testing.T) {
	tests := []struct{ in, want string }{
		{"各区、县(市)妇联:", "各区、县（市）妇联："},
		{"一、活动时间:2014年5月", "一、活动时间：2014年5月"},
		{"一、活动时间: 2014年5月", "一、活动时间： 2014年5月"}, // normalizeSpaces then drops the space
		{"责任感,切实", "责任感，切实"},
		{"你好!真的吗?", "你好！真的吗？"},
		{"甲;乙", "甲；乙"},
		{"株妇发(2014)9号", "株妇发（2014）9号"}, // a pair converts together
		{"(1)加强领导", "（1）加强领导"},
		{"（一)组织", "（一）组织"}, // the ASCII half follows the full-width one
		{"Windows 10 (64位)", "Windows 10 （64位）"},
		{"“最美家庭”,", "“最美家庭”，"},
		{"市妇联,(注)", "市妇联，（注）"}, // a run of marks converts as one
		// Both neighbours narrow: kept.
		{"Windows 10, 11", "Windows 10, 11"},
		{"下午3:30开会", "下午3:30开会"},
		{"网址:http://a.b/c?d=1", "网址：http://a.b/c?d=1"},
		{"f(x) = 1; g(y)", "f(x) = 1; g(y)"},
		{"邮箱 zz@example.cn, 电话", "邮箱 zz@example.cn， 电话"},
		{"增长1.5倍", "增长1.5倍"},
		{"", ""},
		{"))((", "))(("},
	}
	for _, tt := range tests {
		if got := normalizePunct(tt.in); got != tt.want {
			t.Errorf("normalizePunct(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := normalizePunct(tt.want); again != tt.want {
			t.Errorf("not idempotent on %q: %q", tt.want, again)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"一、活动时间: 2014年5月", "一、活动时间：2014年5月"},
		{"各区、县 (市) 妇联 :", "各区、县（市）妇联："},
		{"Windows 10, 11", "Windows 10, 11"},
		{"a , 市", "a，市"},
		{"时间 3:30 , 地点", "时间3:30，地点"},
	}
	for _, tt := range tests {
		if got := normalize(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := normalize(tt.want); again != tt.want {
			t.Errorf("not idempotent on %q: %q", tt.want, again)
		}
	}
}

// TestWebLines covers what splitLines drops or strips from text copied off
// a web page.
func TestWebLines(t *testing.T) {
	text := strings.Join([]string{
		"?", "? ?", "？？", "\uFFFD", "□", "■ ■", "。", "，", "、", ".", "·", "*", "…",
		"? ?关于开展寻找“最美家庭”活动的通知",
		"打印本页 关闭窗口", "【字体：大 中 小】", "[打印] [关闭]", "【打印此页】【关闭窗口】", "返回顶部",
		"来源：株洲市妇联 发布时间：2014-05-06 浏览次数：123",
		"2014-05-06 10:32 来源：株洲日报",
		"当前位置：首页 > 通知公告",
		"上一篇：关于召开会议的通知",
		"资金来源：各单位自筹",
		"第3页 共5页", "第 3 页/共 5 页", "3/5", "— 3 —", "-3-", "共5页 第3页", "Page 3 of 5",
		"你们准备好了吗？",
		"？？为什么",
	}, "\n")
	var got []string
	for _, l := range splitLines(text) {
		got = append(got, l.norm)
	}
	want := []string{"关于开展寻找“最美家庭”活动的通知", "资金来源：各单位自筹", "你们准备好了吗？", "为什么"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// A sentence's 。 wrapped onto a line of its own joins its sentence; after
	// a finished line or a blank it is junk.
	got = got[:0]
	for _, l := range splitLines("报市妇联宣传部\n。\n特此通知。\n。\n附件\n\n，\n") {
		got = append(got, l.norm)
	}
	if want := "报市妇联宣传部。|特此通知。|附件"; strings.Join(got, "|") != want {
		t.Errorf("wrapped punctuation: got %q, want %q", got, want)
	}
	ls := splitLines("? ?\n? ?关于开展活动的通知\n正文。\n第3页 共5页\n下一页。")
	if len(ls) != 3 || !ls[0].blankBefore || !ls[0].indented || !ls[2].pageBreak {
		t.Errorf("splitLines = %+v", ls)
	}
}

func TestNormalizeQuotes(t *testing.T) {
	for in, want := range map[string]string{
		`寻找"最美家庭"活动`:               `寻找“最美家庭”活动`,
		`"两癌"救助和"春蕾"计划`:            `“两癌”救助和“春蕾”计划`,
		`寻找"WPS"软件`:                `寻找"WPS"软件`,
		`say "hello" and "bye"`:    `say "hello" and "bye"`,
		`只有一个"引号`:                  `只有一个"引号`,
		`三个"引"号"`:                  `三个"引"号"`,
		`HTML: <a href="x">链接</a>`: `HTML: <a href="x">链接</a>`,
	} {
		got := normalizeQuotes(in)
		if got != want {
			t.Errorf("normalizeQuotes(%q) = %q, want %q", in, got, want)
		}
		if again := normalizeQuotes(got); again != got {
			t.Errorf("not idempotent on %q: %q", got, again)
		}
	}
}
