package docimport

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.json from the parser's output (review the diff!)")

// TestSeed checks the seed notice field by field against what issue 3 item 4
// requires, with the 正文 written out in full. The seed's extraction has
// seven paragraphs: the opening, five points (each starting with a leading
// space; their numbers 一 to 五 were lost in extraction) and the closing
// request. The leading spaces of lines 34, 80, 123 and 171 are page breaks
// in mid-sentence, not paragraphs.
func TestSeed(t *testing.T) {
	want := Document{
		IssuerMark: "哈尔滨市妇女联合会文件",
		Number:     "哈妇发〔2015〕9号",
		Signers:    []string{"杨杰"},
		Title:      "哈尔滨市妇联关于认真学习贯彻中央党的群团工作会议精神的通知",
		Recipients: "各区县（市）妇联，市直妇委会，市妇联团体会员",
		Body: []string{
			"7月6日至7日，中央召开党的群团工作会议，习近平总书记发表重要讲话，对于深入贯彻落实《中共中央关于加强和改进党的群团工作的意见》，努力开创党的群团工作新局面具有重大而深远的指导意义。为深入学习贯彻中央党的群团工作会议特别是习近平总书记重要讲话精神，在落实“四个全面”重大战略部署和推动哈尔滨经济社会健康发展中充分发挥“半边天”作用，现将有关工作通知如下。",
			"习近平总书记重要讲话从巩固党执政的阶级基础、群众基础的战略高度，从党和国家事业长远发展的全局高度，精辟阐述了做好新形势下党的群团工作的重大意义、方向目标和基本要求，深刻阐明了党的群团工作的一系列重大理论和实践问题，提出了一系列新思想新观点新要求，是党的群团工作理论、实践、制度的重大创新，是对党的群团工作规律认识的重大飞跃，是指导新形势下党的群团工作的纲领性文献，为包括妇联工作在内的党的群团工作与时俱进、创新发展指明了前进方向、提供了根本遵循。近期，按照中央、全国妇联和省委、市委要求，各级妇联组织要把认真学习贯彻习近平总书记重要讲话精神作为当前和今后一个时期首要政治任务，及时反映各地学习动态、交流学习成果。通过组织专题学习、专题研讨、专题培训等方式，深入学习领会讲话提出的重大理论观点、重大战略思想、重大工作部署，深化对党的群团工作在党和国家事业大局中的重要地位和作用的认识，深化对保持和增强党的群团工作和群团组织政治性先进性群众性的特殊重要性和现实紧迫性的认识，深化对妇联组织肩负的服务大局和服务妇女的双重使命的认识，增强做好党的妇女群众工作的光荣感使命感责任感，切实用讲话精神武装思想、指导实践、推动工作。",
			"要保持和增强政治性先进性群众性的重要论述，揭示了党的群团工作的本质属性，阐述了党的群团组织的基本定位，回答了党的群团事业坚持什么原则、朝着什么目标努力的根本问题。要深刻领会保持和增强“三性”的重大意义、科学内涵和本质要求，深刻认识把握政治性是妇联组织的灵魂和第一位要求，自觉坚持党的领导，坚定不移走中国特色社会主义群团发展道路，严守政治纪律和政治规矩，树立妇联工作政治标准，在思想上政治上行动上同以习近平同志为总书记的党中央保持高度一致，把妇女群众最广泛最紧密地团结凝聚在党的周围，听党的话、跟党走；深刻认识把握先进性是妇联组织履行责任使命的着力点，牢牢把握妇女工作的时代主题，紧紧围绕党和国家工作大局，切实做好组织、宣传、教育、引导妇女的工作，引领妇女群众走在时代前列，在改革发展稳定第一线建功立业；深刻认识把握群众性是妇联组织的根本特点，满腔热情做好服务妇女群众工作，建立健全联系妇女群众长效机制，发挥好党联系妇女群众的桥梁纽带作用，切实把妇联组织建设成为广大妇女信赖和依靠的“妇女之家”。",
			"强化问题导向，把认真查找和解决脱离群众问题作为妇联组织巩固和拓展党的群众路线教育实践活动成果、开展“三严三实”专题教育的主攻方向，通过学习认真研究思考如何切实增强群众意识、群众观点、群众感情，眼睛向下、面向基层、重心下移，持续开展“下基层、访妇情、办实事”活动，常态化走出机关、走向基层、走进妇女群众，从思想上工作上作风上解决好代表谁、联系谁、服务谁问题。中央党的群团工作会议是群团改革的动员会，总书记针对当前群团组织不同程度存在的脱离群众的现象，一针见血地指出了群团组织“机关化、行政化、贵族化、娱乐化”等问题，并就如何加强和改进新形势下党的群团工作提出了明确要求。脱离群众的现象和问题在妇联组织中不同程度地存在着，既有作风的问题，也有能力的问题。我们必须深刻认识到，这些问题的存在严重影响了妇联组织在妇女群众中的形象和分量，一定要下决心、花气力切实整改，不羞羞答答、遮遮掩掩、避重就轻、等待观望，要正确对待，积极主动，找准问题的具体表现。只有把问题找准，整改才能精准，改革创新任务才能完成。要结合当前正在进行的“三严三实”专题教育，认真对照查摆，能改的马上改，不能马上整改的也要积极思考、认真谋划、拿出规划、摆上日程。",
			"认真学习领会习近平总书记提出的改革创新要求，以把妇联组织建设得更加充满活力、更加坚强有力为着力点，按照切实保持和增强“政治性、先进性、群众性”要求，深入调查研究，抓住重点问题，改革和改进管理模式、运行机制、服务方式。对妇联组织和妇联工作改革创新的方向、目标、任务、举措、路径进行再梳理、再聚焦、再细化，推动从政策制度机制上破解制约妇联组织发展和妇联工作的难题。改进组织设置，扩大组织覆盖面，积极联系和引导相关社会组织；更多把普通群众中的优秀人物纳入组织，增强群众的广泛性和代表性；坚持眼睛向下、面向基层，坚持力量配备、服务资源向基层倾斜，要重视基层、重视普通妇女，更多做雪中送炭的实事，多做暖人心聚人心的好事；切实改进工作作风，拓展服务职能，健全落实联系妇女的制度规定；站在为党分忧、为妇女群众服务的角度，下大力气做好网上工作，加强正面引导，同时积极利用互联网改进工作方式方法，提升传统优势工作，打造网上网下相互促进、有机融合的妇联工作新格局。",
			"按照习近平总书记对群团干部提出的“心中有党、对党忠诚，心系群众、为民造福，求真务实、真抓实干”的要求，进一步加强妇联干部队伍建设，教育引导干部忠于党的妇女事业，热爱本职工作，提高能力水平，做全心全意为人民服务宗旨的忠实践行者、党的群众路线的坚定执行者、妇女群众工作的行家里手。进万家门、访万家情、结万家亲，真正同群众打成一片，增加妇联组织的吸引力和影响力。要切实抓好妇女思想引领工作，深化“我与中国梦”主题宣传教育活动，引导广大妇女增强道路自信、理论自信、制度自信，为党和人民的事业不懈奋斗；切实抓好凝聚改革发展稳定力量的工作，增进妇女民生福祉，最大限度地为妇女儿童做好事、办实事、解难事。以引领城乡妇女创新发展模式为重点，大力实施“巾帼建功促发展”工程，组织引导全市广大妇女投身“大众创业、万众创新”的伟大实践，拓宽创业新领域，把握“互联网+”发展趋势，开创“互联网+妇字号品牌”新模式，掀起妇女自主创业、岗位创优、科技创新的新高潮。大力实施“巾帼关爱促民生”工程，重点实施农村贫困妇女“两癌”救助、“爱心妈妈”一杯奶、慈善助孤、“优才奖励”春蕾圆梦等公益项目，探索新路径、解决新问题，让改革发展成果惠及更多妇女儿童。大力实施“家庭文明促和谐”工程，切实抓好培育践行社会主义核心价值观工作，深入推进家庭文明建设，常态化开展寻找“冰城最美家庭”活动和“好家风、好家训”宣传展示活动，以好的家风支撑起好的社会风气。大力实施“巾帼维权促平等”工程，切实抓好服务妇女群众工作，依法维护妇女合法权益。强化“联系和服务妇女是妇女工作的生命线”意识，有效引导广大妇女党员、干部自觉按照“三严三实”要求，千方百计服务基层，服务妇女。大力实施“固本强基增活力”工程，以改革创新精神加强妇联组织自身建设，要大力健全组织特别是基层组织，加快新领域新阶层组织建设。深入开展“下基层、访妇情、办实事”活动，做到知妇女群众之所想，晓妇女群众之所急，解妇女群众之所难，让基层妇联组织真正地成为群众工作的活力之源和战斗堡垒。",
			"请各地妇联将学习贯彻情况及时报市妇联宣传部。",
		},
		Attachments: []string{},
		Signature:   "哈尔滨市妇女联合会",
		Date:        "2015-08-11",
		CC:          "",
		PrintedBy:   "哈尔滨市妇女联合会",
		PrintedDate: "2015-08-11",
	}
	got, rep, err := Parse(readFile(t, "testdata/seed_000.txt"))
	if err != nil {
		t.Fatalf("Parse: %v (report %+v)", err, rep)
	}
	compareDocs(t, got, want)
	if len(rep.Missing) != 0 {
		t.Errorf("Missing = %v, want none", rep.Missing)
	}

	// The JSON field names are the CLI's contract (issue 3 item 4).
	b, _ := json.Marshal(got)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"issuer_mark", "number", "signers", "title", "recipients", "cc", "body", "attachments", "signature", "date", "printed_by", "printed_date"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if a, ok := m["attachments"].([]any); !ok || len(a) != 0 {
		t.Errorf("attachments = %v, want []", m["attachments"])
	}
}

// TestGolden parses every testdata/*.txt that has a .json beside it and
// compares the result with it. The .json files were checked by hand against
// the documents' sources (testdata/pdfsrc and the generator notes there).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	n := 0
	for _, txt := range files {
		js := strings.TrimSuffix(txt, ".txt") + ".json"
		if _, err := os.Stat(js); err != nil && !*update {
			continue
		}
		if strings.HasPrefix(filepath.Base(txt), "notdoc_") {
			continue
		}
		n++
		t.Run(filepath.Base(txt), func(t *testing.T) {
			got, rep, err := Parse(readFile(t, txt))
			if err != nil {
				t.Fatalf("Parse: %v (report %+v)", err, rep)
			}
			if *update {
				b, _ := json.MarshalIndent(got, "", "  ")
				if err := os.WriteFile(js, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			var want Document
			if err := json.Unmarshal([]byte(readFile(t, js)), &want); err != nil {
				t.Fatal(err)
			}
			compareDocs(t, got, want)
		})
	}
	if n < 6 {
		t.Errorf("only %d golden documents found", n)
	}
}

// TestRoundTrip writes each golden document out again as cleanly typed text
// and parses that: the same document must come back. This catches fields
// whose normalization is not a fixed point.
func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, txt := range files {
		if strings.HasPrefix(filepath.Base(txt), "notdoc_") {
			continue
		}
		t.Run(filepath.Base(txt), func(t *testing.T) {
			d, _, err := Parse(readFile(t, txt))
			if err != nil {
				t.Fatal(err)
			}
			again, rep, err := Parse(render(d))
			if err != nil {
				t.Fatalf("re-parse: %v (report %+v)\n%s", err, rep, render(d))
			}
			compareDocs(t, again, d)
		})
	}
}

// render writes d the way a typist would: one element or paragraph per line,
// paragraphs indented with two full-width spaces.
func render(d Document) string {
	var b strings.Builder
	ln := func(s string) { b.WriteString(s + "\r\n") }
	for _, s := range []string{d.CopyNo, d.Secret, d.Urgency, d.IssuerMark} {
		if s != "" {
			ln(s)
		}
	}
	num := d.Number
	if len(d.Signers) > 0 {
		num += "　签发人：" + strings.Join(d.Signers, "、")
	}
	ln(num)
	ln(d.Title)
	if d.Recipients != "" {
		ln(d.Recipients + "：")
	}
	for _, p := range d.Body {
		ln("　　" + p)
	}
	for i, a := range d.Attachments {
		prefix := "　　　　　"
		if i == 0 {
			prefix = "附件："
		}
		ln(prefix + string(rune('1'+i)) + "．" + a)
	}
	if d.Signature != "" {
		for _, organ := range strings.Split(d.Signature, "、") { // a joint issue: one organ a line
			ln(organ)
		}
	}
	if d.Date != "" {
		ln(chineseDate(d.Date))
	}
	if d.Note != "" {
		ln(d.Note)
	}
	if d.CC != "" {
		ln("抄送：" + d.CC + "。")
	}
	if d.PrintedDate != "" {
		ln(d.PrintedBy + "　　" + chineseDate(d.PrintedDate) + "印发")
	}
	return b.String()
}

func chineseDate(iso string) string {
	return iso[:4] + "年" + strings.TrimLeft(iso[5:7], "0") + "月" + strings.TrimLeft(iso[8:10], "0") + "日"
}

func compareDocs(t *testing.T, got, want Document) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if reflect.DeepEqual(g, w) {
			continue
		}
		if gs, ok := g.([]string); ok {
			ws := w.([]string)
			if len(gs) != len(ws) {
				t.Errorf("%s: %d items, want %d\n got %q\nwant %q", name, len(gs), len(ws), gs, ws)
				continue
			}
			for j := range gs {
				if gs[j] != ws[j] {
					t.Errorf("%s[%d]:\n got %q\nwant %q", name, j, gs[j], ws[j])
				}
			}
			continue
		}
		t.Errorf("%s:\n got %q\nwant %q", name, g, w)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNotDocument feeds texts that are not 公文 and checks the error and the
// report a user would see.
func TestNotDocument(t *testing.T) {
	allRequired := []string{"发文机关标志", "发文字号", "标题", "主送机关", "正文", "发文机关署名", "成文日期", "印发机关和印发日期"}
	tests := []struct {
		name        string
		text        string
		found       []string
		missing     []string
		checkReport bool
	}{
		{name: "empty", text: "", found: []string{}, missing: allRequired, checkReport: true},
		{name: "blank lines", text: "\n\r\n　　\n\f\n", found: []string{}, missing: allRequired, checkReport: true},
		{name: "random bytes", text: "\xff\xfe\x00\x01\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xc3\x28\x80\x81"},
		{name: "binary UTF-16", text: "\xff\xfe\x53\x6f\x87\x65\xf6\x4e"},
		{
			name:        "news article",
			text:        readFile(t, "testdata/notdoc_news.txt"),
			found:       []string{"标题", "正文"},
			missing:     []string{"发文机关标志", "发文字号", "主送机关", "发文机关署名", "成文日期", "印发机关和印发日期"},
			checkReport: true,
		},
		{
			name:        "shopping list",
			text:        readFile(t, "testdata/notdoc_shopping.txt"),
			found:       []string{"标题", "正文"},
			missing:     []string{"发文机关标志", "发文字号", "主送机关", "发文机关署名", "成文日期", "印发机关和印发日期"},
			checkReport: true,
		},
		{
			name:        "head without body",
			text:        "哈尔滨市妇女联合会文件\n哈妇发〔2015〕9号\n关于召开会议的通知\n",
			found:       []string{"发文机关标志", "发文字号", "标题"},
			missing:     []string{"主送机关", "正文", "发文机关署名", "成文日期", "印发机关和印发日期"},
			checkReport: true,
		},
		{
			name:        "no title",
			text:        "哈尔滨市妇女联合会文件\n哈妇发〔2015〕9号\n各区县（市）妇联：\n　　请于8月20日前报送学习情况。\n哈尔滨市妇女联合会\n2015年8月11日\n",
			found:       []string{"发文机关标志", "发文字号", "主送机关", "正文", "发文机关署名", "成文日期"},
			missing:     []string{"标题", "印发机关和印发日期"},
			checkReport: true,
		},
		{
			name:        "title and body with only a date",
			text:        "关于周末聚餐的通知\n　　本周六晚6点在老地方聚餐，请准时参加。\n2015年8月11日\n",
			found:       []string{"标题", "正文", "成文日期"},
			missing:     []string{"发文机关标志", "发文字号", "主送机关", "发文机关署名", "印发机关和印发日期"},
			checkReport: true,
		},
		{
			name:        "a headline is not a title without a head",
			text:        "市妇联开展走访慰问活动\n各区县（市）妇联：\n　　5月6日，市妇联走访慰问困难家庭。\n市妇联宣传部\n2014年5月7日\n",
			found:       []string{"标题", "主送机关", "正文", "发文机关署名", "成文日期"},
			missing:     []string{"发文机关标志", "发文字号", "印发机关和印发日期"},
			checkReport: true,
		},
		{
			name:        "news with a date and a signature-looking line",
			text:        readFile(t, "testdata/notdoc_news_signed.txt"),
			found:       []string{"标题", "正文", "发文机关署名", "成文日期"},
			missing:     []string{"发文机关标志", "发文字号", "主送机关", "印发机关和印发日期"},
			checkReport: true,
		},
		{
			name: "chat log",
			text: readFile(t, "testdata/notdoc_chat.txt"),
		},
		{
			name: "web page without a document",
			text: readFile(t, "testdata/notdoc_webpage.txt"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rep, err := Parse(tt.text)
			if !errors.Is(err, ErrNotDocument) {
				t.Fatalf("err = %v, want ErrNotDocument", err)
			}
			if rep.Found == nil || rep.Missing == nil {
				t.Errorf("report has nil lists: %+v", rep)
			}
			if !tt.checkReport {
				return
			}
			if !reflect.DeepEqual(rep.Found, tt.found) {
				t.Errorf("Found = %q, want %q", rep.Found, tt.found)
			}
			if !reflect.DeepEqual(rep.Missing, tt.missing) {
				t.Errorf("Missing = %q, want %q", rep.Missing, tt.missing)
			}
		})
	}
}

// TestSeedVariants applies changes to the seed that an extractor or editor
// might make and that must not change the result: CRLF line endings and a
// byte order mark, no blank lines, full-width indents, tabs, page numbers
// and form feeds at the page breaks.
func TestSeedVariants(t *testing.T) {
	seed := readFile(t, "testdata/seed_000.txt")
	want, _, err := Parse(seed)
	if err != nil {
		t.Fatal(err)
	}
	pageBreaks := map[string]bool{ // first lines of pages 2–5 (seed lines 34, 80, 123, 171)
		" 工作的纲领性文献，为包括妇联工作在内的党的群团工作与时俱":  true,
		" 线建功立业；深刻认识把握群众性是妇联组织的根本特点，满腔热": true,
		" 织建设得更加充满活力、更加坚强有力为着力点，按照切实保持和": true,
		" 帼建功促发展”工程,组织引导全市广大妇女投身“大众创业、万": true,
	}
	for l := range pageBreaks {
		if !strings.Contains(seed, "\n"+l+"\n") {
			t.Fatalf("seed has no line %q", l)
		}
	}
	variants := map[string]func(string) string{
		"CRLF and BOM": func(s string) string { return "\ufeff" + strings.ReplaceAll(s, "\n", "\r\n") },
		"no blank lines": func(s string) string {
			return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' }), "\n")
		},
		"full-width indents": func(s string) string {
			return strings.ReplaceAll(s, "\n ", "\n　　")
		},
		"tabs": func(s string) string { return strings.ReplaceAll(s, " ", "\t") },
		"page numbers and form feeds": func(s string) string {
			lines := strings.Split(s, "\n")
			page := 1
			for i, l := range lines {
				if pageBreaks[l] {
					page++
					lines[i] = "\n— " + string(rune('0'+page-1)) + " —\n\f" + l
				}
			}
			return strings.Join(lines, "\n")
		},
		"dash page numbers": func(s string) string {
			for l := range pageBreaks {
				s = strings.Replace(s, "\n"+l, "\n-2-\n"+l, 1)
			}
			return s
		},
	}
	for name, change := range variants {
		t.Run(name, func(t *testing.T) {
			got, rep, err := Parse(change(seed))
			if err != nil {
				t.Fatalf("Parse: %v (%+v)", err, rep)
			}
			compareDocs(t, got, want)
		})
	}
}

// TestAcceptance checks the acceptance rule on texts that lack parts a
// printed notice has, and the warnings a user gets for them.
func TestAcceptance(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		warnings []string
	}{
		{
			name: "a letter with neither mark nor number",
			text: "关于周末聚餐的通知\n各位同学：\n　　本周六晚6点在老地方聚餐，请准时参加。\n班长\n2015年8月11日\n",
			warnings: []string{"没有识别到发文机关标志（版头），网页转载的公文常省略版头", "没有识别到发文字号，请对照原件补填",
				"没有识别到版记（印发机关和印发日期）"},
		},
		{
			name:     "number and recipients only",
			text:     "株妇发﹝2014﹞9号\n关于报送材料的通知\n各区县(市)妇联:\n　　请于5月10日前报送材料。\n",
			warnings: []string{"没有识别到发文机关标志（版头），网页转载的公文常省略版头", "没有识别到发文机关署名", "没有识别到成文日期", "没有识别到版记（印发机关和印发日期）"},
		},
		{
			name:     "a title without a document type under a number",
			text:     "株妇发〔2014〕9号\n2014年全市妇联工作要点\n　　2014年全市妇联工作的总体要求是……。\n株洲市妇女联合会\n2014年2月10日\n",
			warnings: []string{"没有识别到发文机关标志（版头），网页转载的公文常省略版头", "没有识别到主送机关，纪要、公告等文种可以没有主送机关", "没有识别到版记（印发机关和印发日期）"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, rep, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse: %v (report %+v, document %+v)", err, rep, d)
			}
			if !reflect.DeepEqual(rep.Warnings, tt.warnings) {
				t.Errorf("Warnings = %q, want %q", rep.Warnings, tt.warnings)
			}
		})
	}
	_, rep, _ := Parse(readFile(t, "testdata/seed_000.txt"))
	if len(rep.Warnings) != 0 {
		t.Errorf("seed: Warnings = %q, want none", rep.Warnings)
	}
}
