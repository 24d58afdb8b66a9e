package demo

import (
	"context"
	"embed"
	"fmt"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/incoming"
	"halfsky/internal/vault"
)

// The sample files a federation office receives: the city's 2016 notice on
// 巾帼文明岗 as a Word .docx, as an OFD and as a PDF (made by
// internal/docfile's tests, see its testdata/README.md), and a scan.
//
//go:embed samples
var samples embed.FS

// provinceWebNotice is a notice as the provincial federation's website
// publishes it: no 版头, no 版记, characters the page could not show as
// "?", ASCII punctuation.
const provinceWebNotice = `? ?
黑龙江省妇女联合会关于开展2026年寻找"最美家庭"活动的通知
黑妇发﹝2026﹞5号
各市(地)妇联,省直妇工委:
为深入学习贯彻习近平总书记关于注重家庭家教家风建设的重要论述,省妇联决定在全省开展2026年寻找"最美家庭"活动。现将有关事项通知如下:
一、活动时间:2026年3月至10月。
二、推荐条件:爱国守法、崇德向善,夫妻和睦、尊老爱幼,勤俭持家、邻里互助。
三、工作要求:各地妇联要采取网上网下相结合的方式广泛发动,推荐结果于9月30日前报省妇联家庭和儿童工作部。
?
黑龙江省妇女联合会
2026年2月27日
打印本页 关闭窗口
`

// incomingSeed is one registration of the demo: who enters it, what was
// handed in, and what becomes of it.
type incomingSeed struct {
	by       string
	received string // YYYY-MM-DD
	file     string // a sample file, or ""
	name     string // the file's name as it arrived
	text     string // pasted text, or ""
	typed    incoming.Fields
	fix      *incoming.Fields // a later correction
	void     string           // a reason to void it
}

func incomingSeeds(today string) []incomingSeed {
	return []incomingSeed{
		// 道里区 receives the city's notice by e-mail as a .docx; a paper
		// letter from the court is typed in and completed later.
		{by: "daoli.staff", received: "2016-05-11", file: "notice.docx", name: "哈妇发〔2016〕12号.docx"},
		{by: "daoli.staff", received: today, typed: incoming.Fields{FromUnit: "道里区人民法院", Title: "关于协助开展家事纠纷调解工作的函", Urgency: "加急"},
			fix: &incoming.Fields{FromUnit: "哈尔滨市道里区人民法院", FromNumber: "道法函〔2026〕17号", Title: "关于协助开展家事纠纷调解工作的函",
				DocDate: today, ReceivedOn: today, Urgency: "加急", Note: "已转维权部办理"}},
		// 南岗区 gets it as a PDF.
		{by: "nangang.leader", received: "2016-05-12", file: "notice.pdf", name: "市妇联关于开展巾帼文明岗创建活动的通知.pdf"},
		// The city: the province's notice copied from its website (read, with
		// warnings to check), a scan of the national federation's notice
		// (registered by hand), and its own OFD entered by mistake (voided).
		{by: "city.office", received: today, text: provinceWebNotice},
		{by: "city.office", received: today, file: "scan.pdf", name: "妇厅字〔2026〕8号（扫描件）.pdf", typed: incoming.Fields{FromUnit: "全国妇联办公厅",
			FromNumber: "妇厅字〔2026〕8号", Title: "关于做好2026年“三八”国际妇女节期间宣传工作的通知", DocDate: today}},
		{by: "city.office", received: "2016-05-10", file: "notice.ofd", name: "哈妇发〔2016〕12号.ofd", void: "本单位发文，不应登记为收文"},
	}
}

// seedIncoming fills the 收文登记簿 of the city, 道里区 and 南岗区 with a
// registration in every state: read from a .docx, a PDF, an OFD and
// pasted web text, registered by hand from a scan and from paper, with
// warnings to check, corrected, and voided.
func seedIncoming(ctx context.Context, svc *auth.Service, keys *vault.Keyring, now time.Time) error {
	s := incoming.NewService(svc.DB, svc.Orgs, keys)
	var clock time.Time
	s.Now = func() time.Time { return clock }
	today := now.In(db.Shanghai).Format(time.DateOnly)
	for _, x := range incomingSeeds(today) {
		u, err := svc.UserByUsername(ctx, x.by)
		if err != nil {
			return nil // no demo accounts: nobody to register
		}
		a := u.Actor("127.0.0.1")
		at, _ := time.ParseInLocation(time.DateOnly, x.received, db.Shanghai)
		clock = at.Add(9 * time.Hour).UTC()
		up := incoming.Upload{Text: x.text, Typed: x.typed}
		up.Typed.ReceivedOn = x.received
		if x.file != "" {
			if up.File, err = samples.ReadFile("samples/" + x.file); err != nil {
				return err
			}
			up.FileName = x.name
		}
		in, _, err := incoming.Read(ctx, up)
		if err != nil {
			return fmt.Errorf("demo 收文 %s: %w", x.file, err)
		}
		rec, err := s.Register(ctx, a, in)
		if err != nil {
			return fmt.Errorf("demo 收文 %s: %w", x.file, err)
		}
		clock = clock.Add(2 * time.Hour)
		if x.fix != nil {
			if _, err := s.Update(ctx, a, rec.ID, rec.Version, *x.fix); err != nil {
				return err
			}
		}
		if x.void != "" {
			if err := s.Void(ctx, a, rec.ID, x.void); err != nil {
				return err
			}
		}
	}
	return nil
}
