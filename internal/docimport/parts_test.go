package docimport

import (
	"reflect"
	"strings"
	"testing"
)

func TestNormalizeSpaces(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2015 年 8 月 11 日", "2015年8月11日"},
		{"杨 杰", "杨杰"},
		{"7月 6日至 7日，", "7月6日至7日，"},
		{"的 “妇女之家”。", "的“妇女之家”。"},
		{"责任感, 切实", "责任感,切实"}, // punctuation is normalizePunct's job
		{"并用 Microsoft  Excel 汇总", "并用Microsoft Excel汇总"},
		{"　全角　空格\t制表 ", "全角空格制表"},
		{"Windows 10", "Windows 10"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := normalizeSpaces(tt.in); got != tt.want {
			t.Errorf("normalizeSpaces(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := normalizeSpaces(tt.want); again != tt.want {
			t.Errorf("not idempotent on %q: %q", tt.want, again)
		}
	}
}

func TestParseNumberLine(t *testing.T) {
	tests := []struct {
		in      string
		number  string
		signers []string
	}{
		{"哈妇发〔2015〕9 号 签发人：杨 杰", "哈妇发〔2015〕9号", []string{"杨杰"}},
		{"哈妇发〔2015〕9号", "哈妇发〔2015〕9号", nil},
		{"哈妇发〔2016〕第012号", "哈妇发〔2016〕12号", nil},
		{"哈妇函[2016]12号", "哈妇函〔2016〕12号", nil},
		{"哈妇发(2016)3号", "哈妇发〔2016〕3号", nil},
		{"哈妇发（2016）3号", "哈妇发〔2016〕3号", nil},
		{"哈妇发【2016】3号", "哈妇发〔2016〕3号", nil},
		{"南妇发〔 2016 〕 第 08 号", "南妇发〔2016〕8号", nil},
		{"哈妇发〔２０１６〕１２号", "哈妇发〔2016〕12号", nil},
		{"道妇发〔2016〕5号　　签发人：王丽华 李红梅", "道妇发〔2016〕5号", []string{"王丽华", "李红梅"}},
		{"签发人：王丽华  道妇发〔2016〕5号", "道妇发〔2016〕5号", []string{"王丽华"}},
		{"株妇发﹝2014﹞9号", "株妇发〔2014〕9号", nil},
		{"株妇发 ﹝ 2014 ﹞ 9 号", "株妇发〔2014〕9号", nil},
		{"株妇发﹙2014﹚9号", "株妇发〔2014〕9号", nil},
		{"株妇发［2014］9号", "株妇发〔2014〕9号", nil},
		{"株妇发〖2014〗9号", "株妇发〔2014〕9号", nil},
		{"株妇发 [ 2014 ] 第 9 号", "株妇发〔2014〕9号", nil},
		{"株妇发 ( 2014 ) 9号", "株妇发〔2014〕9号", nil},
		{"株妇发（2014)9号", "株妇发〔2014〕9号", nil},
		{"文号：株妇发〔2014〕9号", "株妇发〔2014〕9号", nil},
		{"　　　　　　　　　　株妇函〔2014〕3号", "株妇函〔2014〕3号", nil},
	}
	for _, tt := range tests {
		nl, ok := parseNumberLine(tt.in)
		if !ok || nl.number != tt.number || !reflect.DeepEqual(nl.signers, tt.signers) {
			t.Errorf("parseNumberLine(%q) = %+v, %v; want %q %q", tt.in, nl, ok, tt.number, tt.signers)
		}
	}
	for _, in := range []string{
		"根据哈妇发〔2015〕9号文件精神", // a number inside a sentence
		"哈妇发〔15〕9号",         // two-digit year
		"哈妇发〔2015〕号",
		"2015年8月11日",
		"来源：株妇发〔2014〕9号",
	} {
		if nl, ok := parseNumberLine(in); ok {
			t.Errorf("parseNumberLine(%q) = %+v, want rejected", in, nl)
		}
	}
}

func TestParseSigners(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"杨 杰", []string{"杨杰"}},
		{"杨　杰", []string{"杨杰"}},
		{"王丽华 李红梅", []string{"王丽华", "李红梅"}},
		{"王丽华、李红梅", []string{"王丽华", "李红梅"}},
		{"杨 杰 王丽华", []string{"杨杰", "王丽华"}},
		{"王 丽 华", []string{"王丽华"}},
		{"张 三 李 四", []string{"张三", "李四"}},
		{"张 三 李 四 五", []string{"张三", "李四五"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := parseSigners(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseSigners(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDates(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2015 年 8 月 11 日", "2015-08-11"},
		{"2015年8月11日", "2015-08-11"},
		{"二〇一五年八月十一日", "2015-08-11"},
		{"二〇一六年十二月三十一日", "2016-12-31"},
		{"二○一六年十月二十日", "2016-10-20"}, // ○ (U+25CB) typed for 〇
		{"二零一六年二月二十九日", "2016-02-29"},
		{"２０１６年５月１０日", "2016-05-10"},
		{"2015年2月30日", ""},
		{"2015年13月1日", ""},
		{"二〇一五年十三月一日", ""},
		{"二〇一五年八月三十二日", ""},
		{"于2015年8月11日", ""}, // not a date line
		{"2015-08-11", ""},
	}
	for _, tt := range tests {
		got, ok := dateOnly(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("dateOnly(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	by, date, ok := printedLine("哈尔滨市妇女联合会 2015 年 8 月 11 日印发")
	if !ok || by != "哈尔滨市妇女联合会" || date != "2015-08-11" {
		t.Errorf("printedLine = %q %q %v", by, date, ok)
	}
	if _, _, ok := printedLine("《意见》已于2015年8月11日印发"); ok {
		t.Error("a sentence ending in 印发 was taken for the 印发 line")
	}
}

func TestPageNumbers(t *testing.T) {
	for _, s := range []string{"— 2 —", "—2—", "-3-", "- 3 -", "－4－", "3", "第 2 页", "第2页 共5页", "第2页，共5页", "~ 7 ~",
		"3/5", "3 / 5", "第 3 页/共 5 页", "共5页 第3页", "Page 3 of 5", "page 3"} {
		if !isPageNumber(s) {
			t.Errorf("isPageNumber(%q) = false", s)
		}
	}
	for _, s := range []string{"000123", "2015", "2015年", "一、", "——", "特急"} {
		if isPageNumber(s) {
			t.Errorf("isPageNumber(%q) = true", s)
		}
	}
	got := splitLines("正文第一页\n\n— 1 —\n\f第二页\n─────────\n-2-\n")
	if len(got) != 2 || got[0].raw != "正文第一页" || got[1].raw != "第二页" || !got[1].pageBreak {
		t.Errorf("splitLines = %+v", got)
	}
}

// TestParagraphs exercises the joining rules on small bodies. Lines are 29
// characters wide, as in the seed.
func TestParagraphs(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{
			name: "page-break fragment with a leading space continues the sentence",
			text: "" +
				" 甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚\n" +
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬\n" +
				" 甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛\n" +
				"子丑寅卯。\n" +
				" 新的一段开始甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲\n" +
				"结束。\n",
			want: []string{
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛子丑寅卯。",
				"新的一段开始甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲结束。",
			},
		},
		{
			name: "a full line ending a sentence does not end the paragraph",
			text: "" +
				" 甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚\n" +
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚。\n" +
				"接着写甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊\n" +
				"完。\n",
			want: []string{
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚。接着写甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊完。",
			},
		},
		{
			name: "a full line ending a sentence, then an indented first line",
			text: "" +
				" 甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚\n" +
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚。\n" +
				" 另起一段甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙\n" +
				"完。\n",
			want: []string{
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚。",
				"另起一段甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙完。",
			},
		},
		{
			name: "headings stand alone, even without punctuation",
			text: "" +
				"一、总体要求\n" +
				" 甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚\n" +
				"完。\n" +
				"（一）加强组织领导\n" +
				"1.成立领导小组\n" +
				" 甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚\n" +
				"增长1.5倍。\n",
			want: []string{
				"一、总体要求",
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚完。",
				"（一）加强组织领导",
				"1.成立领导小组",
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚增长1.5倍。",
			},
		},
		{
			name: "typed text: one paragraph per line",
			text: "　　第一段很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长。\r\n" +
				"　　第二段。\r\n" +
				"　　第三段也很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长。\r\n",
			want: []string{
				"第一段很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长。",
				"第二段。",
				"第三段也很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长。",
			},
		},
		{
			name: "typed paragraphs of similar length are not mistaken for wrapped lines",
			text: "" +
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛。\n" +
				"乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛。\n" +
				"丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛甲。\n",
			want: []string{
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛。",
				"乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛。",
				"丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛甲。",
			},
		},
		{
			name: "blank lines separate wrapped paragraphs when they are rare",
			text: "" +
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛\n" +
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚。\n" +
				"\n" +
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛\n" +
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛\n" +
				"完。\n",
			want: []string{
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚。",
				"甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛完。",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := paragraphs(splitLines(tt.text))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestHeadVariants covers layouts the golden documents do not: a title
// broken after 报告 that continues with 的批复, a document without 主送
// (决定), and 签发人 names continued on the next line.
func TestHeadVariants(t *testing.T) {
	t.Run("title broken after a type word", func(t *testing.T) {
		d, _, err := Parse("哈尔滨市妇女联合会文件\n哈妇复〔2016〕2号\n哈尔滨市妇联关于道里区妇联2016年工作报告\n的批复\n道里区妇联：\n　　你会报告收悉。经研究，同意。\n哈尔滨市妇女联合会\n2016年3月1日\n")
		if err != nil || d.Title != "哈尔滨市妇联关于道里区妇联2016年工作报告的批复" || d.Recipients != "道里区妇联" {
			t.Errorf("err %v, title %q, recipients %q", err, d.Title, d.Recipients)
		}
	})
	t.Run("no recipients", func(t *testing.T) {
		d, rep, err := Parse("哈尔滨市妇女联合会文件\n哈妇发〔2016〕1号\n哈尔滨市妇女联合会关于表彰2015年度\n“三八”红旗手的决定\n　　2015年，全市妇女在各条战线上建功立业。\n　　希望受表彰的同志珍惜荣誉。\n哈尔滨市妇女联合会\n2016年3月1日\n")
		if err != nil || d.Title != "哈尔滨市妇女联合会关于表彰2015年度“三八”红旗手的决定" || d.Recipients != "" || len(d.Body) != 2 {
			t.Errorf("err %v, title %q, recipients %q, body %q", err, d.Title, d.Recipients, d.Body)
		}
		if !strings.Contains(strings.Join(rep.Missing, " "), "主送机关") {
			t.Errorf("Missing = %v, want 主送机关 among them", rep.Missing)
		}
	})
	t.Run("signers over two lines", func(t *testing.T) {
		d, _, err := Parse("哈尔滨市道里区妇女联合会文件\n道妇发〔2016〕5号　　签发人：王丽华\n　　　　　　　　　　　　　　　　李红梅 张 敏\n哈尔滨市道里区妇女联合会关于申请活动经费的请示\n哈尔滨市妇女联合会：\n　　妥否，请批示。\n")
		if err != nil || !reflect.DeepEqual(d.Signers, []string{"王丽华", "李红梅", "张敏"}) || d.Title != "哈尔滨市道里区妇女联合会关于申请活动经费的请示" {
			t.Errorf("err %v, signers %q, title %q", err, d.Signers, d.Title)
		}
	})
	t.Run("markers on one typed line", func(t *testing.T) {
		d, _, err := Parse("份号：000123 密级：机密★长期 特急\n哈尔滨市妇女联合会文件\n哈妇发〔2016〕7号\n关于某事项的通知\n各区县（市）妇联：\n　　特此通知。\n")
		if err != nil || d.CopyNo != "000123" || d.Secret != "机密★长期" || d.Urgency != "特急" {
			t.Errorf("err %v, copy %q, secret %q, urgency %q", err, d.CopyNo, d.Secret, d.Urgency)
		}
	})
	t.Run("attachments labelled one by one", func(t *testing.T) {
		d, _, err := Parse("哈尔滨市妇女联合会文件\n哈妇发〔2016〕7号\n关于某事项的通知\n各区县（市）妇联：\n　　特此通知。\n附件1：推荐表；\n附件2：汇总表。\n哈尔滨市妇女联合会\n二〇一六年三月一日\n")
		if err != nil || !reflect.DeepEqual(d.Attachments, []string{"推荐表", "汇总表"}) || d.Date != "2016-03-01" {
			t.Errorf("err %v, attachments %q, date %q", err, d.Attachments, d.Date)
		}
	})
}
