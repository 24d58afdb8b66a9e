package rights

import "halfsky/internal/vocab"

// Status is where a case stands, as the public lookup shows it too.
type Status string

// Case statuses.
const (
	Received Status = "received" // 已受理: in the unit's inbox, or taken and not yet contacted
	Handling Status = "handling" // 办理中
	Closed   Status = "closed"   // 已办结
)

// Statuses in display order.
var Statuses = []vocab.Option{{Key: string(Received), Label: "已受理"}, {Key: string(Handling), Label: "办理中"}, {Key: string(Closed), Label: "已办结"}}

// Label is the status in Chinese.
func (s Status) Label() string { return vocab.Label(Statuses, string(s)) }

// Colour is the status's badge colour.
func (s Status) Colour() string {
	switch s {
	case Received:
		return "yellow"
	case Handling:
		return "blue"
	}
	return "green"
}

// Channels a case comes in by.
const (
	ChannelHotline  = "hotline"
	ChannelWalkIn   = "walkin"
	ChannelLetter   = "letter"
	ChannelOnline   = "online"
	ChannelNeed     = "need"
	ChannelTransfer = "transfer"
)

// Channels in display order.
var Channels = []vocab.Option{
	{Key: ChannelHotline, Label: "12338来电"}, {Key: ChannelWalkIn, Label: "来访"}, {Key: ChannelLetter, Label: "来信"},
	{Key: ChannelOnline, Label: "网上求助"}, {Key: ChannelNeed, Label: "走访发现"}, {Key: ChannelTransfer, Label: "其他部门转来"},
}

// SourceAgencies are who transfers a case in.
var SourceAgencies = []vocab.Option{{Key: "police", Label: "公安机关"}, {Key: "court", Label: "人民法院"}, {Key: "petition", Label: "信访部门"}}

// Risk is a case's danger level, from its latest assessment.
type Risk string

// Risk levels (the empty one: not assessed).
const (
	RiskNone     Risk = ""
	RiskNormal   Risk = "normal"
	RiskElevated Risk = "elevated"
	RiskHigh     Risk = "high"
	RiskSevere   Risk = "severe"
)

// Risks in rising order.
var Risks = []vocab.Option{{Key: string(RiskNormal), Label: "一般"}, {Key: string(RiskElevated), Label: "较高"}, {Key: string(RiskHigh), Label: "高"}, {Key: string(RiskSevere), Label: "极高"}}

// Label is the level in Chinese.
func (r Risk) Label() string {
	if r == RiskNone {
		return "未评估"
	}
	return vocab.Label(Risks, string(r))
}

// Colour is the level's badge colour; the label always says it too.
func (r Risk) Colour() string {
	switch r {
	case RiskSevere, RiskHigh:
		return "red"
	case RiskElevated:
		return "yellow"
	case RiskNormal:
		return "green"
	}
	return "grey"
}

// AtLeastHigh reports whether the level alerts the units (高 and 极高).
func (r Risk) AtLeastHigh() bool { return r == RiskHigh || r == RiskSevere }

// Agencies a case is referred to.
var Agencies = []vocab.Option{
	{Key: "police", Label: "公安机关（告诫书）"}, {Key: "court", Label: "人民法院（人身安全保护令）"},
	{Key: "legal_aid", Label: "法律援助中心"}, {Key: "shelter", Label: "救助管理站/庇护所"},
	{Key: "civil", Label: "民政部门"}, {Key: "mediation", Label: "婚姻家庭纠纷人民调解委员会"},
	{Key: "hospital", Label: "医院"}, {Key: "counseling", Label: "心理咨询机构"},
}

// Party roles.
const (
	PartyComplainant = "complainant"
	PartyVictim      = "victim"
	PartyRespondent  = "respondent"
	PartyChild       = "child"
)

// PartyRoles in display order.
var PartyRoles = []vocab.Option{{Key: PartyComplainant, Label: "求助人"}, {Key: PartyVictim, Label: "受害人"}, {Key: PartyRespondent, Label: "被反映人"}, {Key: PartyChild, Label: "涉及子女"}}

// AgeGroups of a party.
var AgeGroups = []vocab.Option{{Key: "minor", Label: "未成年人"}, {Key: "adult", Label: "成年人"}, {Key: "elderly", Label: "老年人"}}

// EventKinds name the steps of a case's timeline.
var EventKinds = []vocab.Option{
	{Key: "intake", Label: "受理"}, {Key: "assign", Label: "确定承办人"}, {Key: "assess", Label: "危险性评估"},
	{Key: "consent", Label: "记录知情同意"}, {Key: "refer", Label: "转介"}, {Key: "referral", Label: "转介进展"},
	{Key: "contact", Label: "联系求助人"}, {Key: "route", Label: "确定处置路径"}, {Key: "followup", Label: "回访"},
	{Key: "note", Label: "办理记录"}, {Key: "escalate", Label: "上报"}, {Key: "transfer", Label: "转办"},
	{Key: "escalate_accepted", Label: "上报已接收"}, {Key: "escalate_refused", Label: "上报被拒收"},
	{Key: "transfer_accepted", Label: "转办已接收"}, {Key: "transfer_refused", Label: "转办被拒收"},
	{Key: "glass", Label: "破窗查看"}, {Key: "close", Label: "办结"}, {Key: "reopen", Label: "重新打开"},
	{Key: "order", Label: "保护令与告诫书"}, {Key: "violation", Label: "违反保护令"}, {Key: "report", Label: "强制报告"},
	{Key: "safety", Label: "安全计划"}, {Key: "remind", Label: "提醒"},
	{Key: "file", Label: "上传照片和文件"}, {Key: "file_removed", Label: "移除照片或文件"},
}

// Label is the label of key in one of the case's vocabularies, by name:
// for templates and exports ("channel", "agency", "event", "role", "age",
// "outcome", "satisfaction", "source").
func Label(list, key string) string {
	lists := map[string][]vocab.Option{"channel": Channels, "agency": Agencies, "event": EventKinds, "role": PartyRoles,
		"age": AgeGroups, "outcome": Outcomes, "satisfaction": Satisfactions, "source": SourceAgencies,
		"order": OrderKinds, "report": ReportAgencies}
	return vocab.Label(lists[list], key)
}

// DangerLabel is a danger item's question.
func DangerLabel(code string) string {
	for _, it := range DangerItems {
		if it.Code == code {
			return it.Label
		}
	}
	return code
}
