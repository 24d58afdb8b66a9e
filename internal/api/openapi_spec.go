package api

import (
	"time"

	"halfsky/internal/aid"
	"halfsky/internal/doc"
	"halfsky/internal/rectify"
	"halfsky/internal/report"
	"halfsky/internal/rights"
	"halfsky/internal/visit"
)

// arrayOf is an array whose items are v's schema (a fields literal).
type arrayOf struct{ v any }

// Shorthands of the table: a value's type is its schema.
var (
	text    = ""
	whole   = 0
	id64    = int64(0)
	flag    = true
	instant = time.Time{}
	noTime  = (*time.Time)(nil)
	none    = fields{} // an empty object, {}
	page    = "page:int per_page:int"
)

// Response bodies several operations share.
var (
	userOut        = fields{"user": userJSON{}}
	orgOut         = fields{"org": orgJSON{}}
	roleReqOut     = fields{"request": roleRequestJSON{}}
	docOut         = fields{"document": docJSON{}}
	filesOut       = fields{"items": []fileJSON{}, "total": whole}
	fileOut        = fields{"file": fileJSON{}}
	reqOut         = fields{"requirement": requirementJSON{}}
	reportOut      = fields{"report": reportJSON{}, "requirement": requirementJSON{}, "files": []fileJSON{}}
	incomingOut    = fields{"incoming": incomingJSON{}}
	visitOut       = fields{"visit": visitJSON{}}
	needOut        = fields{"need": needJSON{}}
	handoverOut    = fields{"handover": handoverJSON{}}
	taskOut        = fields{"task": taskJSON{}}
	problemOut     = fields{"problem": problemJSON{}}
	caseOut        = fields{"case": caseJSON{}}
	programmeOut   = fields{"programme": aidProgrammeJSON{}}
	cycleOut       = fields{"cycle": aidCycleJSON{}}
	applicationOut = fields{"application": aidAppJSON{}}
	exportOut      = fields{"export": aidExportJSON{}}
	batchOut       = fields{"batch": aidBatchJSON{}, "lines": []aidLineJSON{}}
	reshapeCounts  = map[string]int{}
	splitOut       = fields{"preview": flag, "split": fields{"unit": orgJSON{}, "new": []orgJSON{}, "children": []childMoveJSON{},
		"records_to": text, "records": reshapeCounts, "kept": reshapeCounts}}
	reasonIn = fields{"reason": optional{text}}
	anyFile  = download("")
)

// openAPISpec is the document's entry for every API route, by pattern.
// A route without an entry, or an entry without a route, fails
// TestOpenAPIRoutes.
var openAPISpec = map[string]op{
	"GET /api/v1/openapi.json": {summary: "本接口的 OpenAPI 3.1 描述", public: true, out: map[string]any{"type": "object"}},

	// 会话与账号.
	"POST /api/v1/session": {summary: "登录（管理员须同时给出动态验证码或恢复码）", public: true, in: loginRequest{},
		out: fields{"user": userJSON{}, "password_set": (*passwordSetJSON)(nil),
			"recovery_code_used": optional{flag}, "recovery_codes_left": optional{whole}}},
	"DELETE /api/v1/session": {summary: "退出登录（all=1 退出所有设备）", query: "all"},
	"GET /api/v1/session": {summary: "当前用户", out: fields{"user": userJSON{}, "password_set": (*passwordSetJSON)(nil),
		"recovery_codes_left": whole, "recovery_code_last_used": optional{instant}}},
	"POST /api/v1/session/password": {summary: "修改自己的密码", in: passwordRequest{}},
	"GET /api/v1/users":             {summary: "账号列表", query: "under q role " + page, out: list[userJSON]{}},
	"POST /api/v1/users": {summary: "新建账号（返回一次性临时密码）", in: newUserRequest{}, status: 201,
		out: fields{"user": userJSON{}, "temporary_password": text}},
	"GET /api/v1/users/{id}":             {summary: "账号详情", out: userOut},
	"POST /api/v1/users/{id}/disable":    {summary: "停用账号", in: none, optional: true, out: userOut},
	"POST /api/v1/users/{id}/enable":     {summary: "启用账号", in: none, optional: true, out: userOut},
	"POST /api/v1/users/{id}/unlock":     {summary: "解除锁定", in: none, optional: true, out: userOut},
	"POST /api/v1/users/{id}/reset-totp": {summary: "重置动态验证码", in: none, optional: true, out: userOut},
	"POST /api/v1/users/{id}/reset-password": {summary: "重置密码（返回一次性临时密码）", in: none, optional: true,
		out: fields{"user": userJSON{}, "temporary_password": text}},
	"POST /api/v1/users/{id}/role": {summary: "设置角色", in: fields{"role": text}, out: userOut},
	"POST /api/v1/users/{id}/revoke-sessions": {summary: "注销该账号的全部会话", in: none, optional: true,
		out: fields{"user": userJSON{}, "revoked": whole}},
	"POST /api/v1/users/{id}/role-requests": {summary: "申请授予或撤销管理员角色（撤销时 role 为空字符串）",
		in: fields{"role": text}, status: 201, out: roleReqOut},
	"GET /api/v1/role-requests":               {summary: "管理员角色申请", query: "status", out: fields{"items": []roleRequestJSON{}}},
	"GET /api/v1/role-requests/{id}":          {summary: "管理员角色申请详情", out: roleReqOut},
	"POST /api/v1/role-requests/{id}/approve": {summary: "批准申请（须另一位管理员）", in: none, optional: true, out: roleReqOut},
	"POST /api/v1/role-requests/{id}/reject":  {summary: "驳回申请", in: none, optional: true, out: roleReqOut},
	"GET /api/v1/audit": {summary: "审计日志", query: "from to username action outcome q alert " + page,
		out: list[eventJSON]{}},

	// 组织机构.
	"GET /api/v1/orgs": {summary: "单位列表", query: "under kind q " + page, out: list[orgJSON]{}},
	"GET /api/v1/orgs/{code}": {summary: "单位详情", out: fields{"org": orgDetail{}, "children_count": whole,
		"subtree": fields{"total": whole, "levels": []levelJSON{}}, "history": []changeJSON{}}},
	"POST /api/v1/orgs/{code}/move":       {summary: "区划调整：移到另一上级之下", in: fields{"under": text}, optional: true, out: orgOut},
	"POST /api/v1/orgs/{code}/rename":     {summary: "区划调整：更名", in: fields{"name": text}, optional: true, out: orgOut},
	"POST /api/v1/orgs/{code}/recode":     {summary: "区划调整：更改代码", in: fields{"new_code": text}, optional: true, out: orgOut},
	"POST /api/v1/orgs/{code}/deactivate": {summary: "区划调整：撤销", in: none, optional: true, out: orgOut},
	"POST /api/v1/orgs/{code}/merge": {summary: "区划调整：并入另一单位", in: fields{"into": text}, optional: true,
		out: fields{"merge": fields{"from": orgJSON{}, "into": orgJSON{}, "children": []string{}, "users": whole,
			"moved": reshapeCounts, "kept": reshapeCounts}}},
	"POST /api/v1/orgs/{code}/split":         {summary: "区划调整：拆分", in: splitJSON{}, optional: true, out: splitOut},
	"POST /api/v1/orgs/{code}/split/preview": {summary: "区划调整：拆分预览（不作改动）", in: splitJSON{}, optional: true, out: splitOut},

	// 公文.
	"GET /api/v1/docs":                {summary: "公文列表（box：work 办理中、issued 已印发、received 收文）", query: "box q " + page, out: list[docSummary]{}},
	"POST /api/v1/docs":               {summary: "起草公文", in: doc.Fields{}, status: 201, out: docOut},
	"GET /api/v1/docs/{id}":           {summary: "公文详情", out: docOut},
	"PUT /api/v1/docs/{id}":           {summary: "修改公文（给出所读的 version）", in: docUpdateRequest{}, out: docOut},
	"GET /api/v1/docs/{id}/versions":  {summary: "公文的历次版本", out: fields{"items": []versionJSON{}, "total": whole}},
	"POST /api/v1/docs/{id}/submit":   {summary: "送审", in: none, optional: true, out: docOut},
	"POST /api/v1/docs/{id}/review":   {summary: "审核（pass 为 false 即退回）", in: fields{"pass": flag, "note": optional{text}}, out: docOut},
	"POST /api/v1/docs/{id}/sign":     {summary: "签发", in: fields{"opinion": optional{text}}, optional: true, out: docOut},
	"POST /api/v1/docs/{id}/withdraw": {summary: "撤回", in: reasonIn, optional: true, out: docOut},
	"POST /api/v1/docs/{id}/issue":    {summary: "印发", in: none, optional: true, out: docOut},
	"POST /api/v1/docs/{id}/correct":  {summary: "更正：以此公文为底稿起草更正件", in: none, optional: true, status: 201, out: docOut},
	"GET /api/v1/docs/{id}/receipts": {summary: "签收情况", out: fields{"items": []receiptJSON{}, "total": whole,
		"signed": whole, "unsigned": whole}},
	"POST /api/v1/docs/{id}/receipts":             {summary: "签收", in: none, optional: true, status: 201, out: fields{"receipt": receiptJSON{}}},
	"GET /api/v1/docs/{id}/files":                 {summary: "公文附件", out: filesOut},
	"POST /api/v1/docs/{id}/files":                {summary: "上传附件", form: fields{"file": file{}}, status: 201, out: fileOut},
	"GET /api/v1/docs/{id}/files/{fid}":           {summary: "下载附件", out: anyFile},
	"DELETE /api/v1/docs/{id}/files/{fid}":        {summary: "删除附件"},
	"GET /api/v1/docs/{id}/pdf":                   {summary: "公文的 PDF（GB/T 9704 版式）", out: download("application/pdf")},
	"GET /api/v1/docs/{id}/requirements":          {summary: "督办/报送要求", out: fields{"items": []requirementJSON{}, "total": whole}},
	"POST /api/v1/docs/{id}/requirements":         {summary: "添加报送要求", in: report.RequirementInput{}, status: 201, out: reqOut},
	"GET /api/v1/docs/{id}/requirements/{rid}":    {summary: "报送要求详情", out: reqOut},
	"DELETE /api/v1/docs/{id}/requirements/{rid}": {summary: "删除报送要求"},
	"GET /api/v1/docs/{id}/requirements/{rid}/status": {summary: "报送进度：各单位的状态与统计", query: "under state " + page,
		out: fields{"requirement": requirementJSON{}, "node": orgRef{}, "crumbs": []orgRef{}, "now": instant,
			"counts": countsJSON{}, "groups": []groupJSON{}, "units": []unitJSON{}, "total_units": whole, "page": whole, "per_page": whole}},
	"POST /api/v1/docs/{id}/requirements/{rid}/urge": {summary: "催报未报送的单位", in: none, optional: true, out: fields{"urged": whole}},

	// 报送.
	"GET /api/v1/reports/todo":                   {summary: "我单位待报送的事项", out: fields{"items": []reportJSON{}, "total": whole}},
	"GET /api/v1/reports/{id}":                   {summary: "报送详情", out: reportOut},
	"PUT /api/v1/reports/{id}":                   {summary: "保存报送内容", in: report.Input{}, out: reportOut},
	"POST /api/v1/reports/{id}/submit":           {summary: "提交报送", in: report.Input{}, out: reportOut},
	"POST /api/v1/reports/{id}/accept":           {summary: "采用", in: none, optional: true, out: reportOut},
	"POST /api/v1/reports/{id}/return":           {summary: "退回", in: fields{"reason": text}, out: reportOut},
	"POST /api/v1/reports/{id}/extension":        {summary: "申请延期", in: fields{"until": text, "reason": text}, out: reportOut},
	"POST /api/v1/reports/{id}/extension/decide": {summary: "审批延期", in: fields{"grant": flag, "reply": optional{text}}, out: reportOut},
	"GET /api/v1/reports/{id}/files":             {summary: "报送附件", out: filesOut},
	"POST /api/v1/reports/{id}/files":            {summary: "上传报送附件", form: fields{"file": file{}}, status: 201, out: fileOut},
	"GET /api/v1/reports/{id}/files/{fid}":       {summary: "下载报送附件", out: anyFile},
	"DELETE /api/v1/reports/{id}/files/{fid}":    {summary: "删除报送附件"},
	"GET /api/v1/reports/{id}/study":             {summary: "可随报送附上的学习活动", out: reportStudyJSON{}},
	"POST /api/v1/reports/{id}/study":            {summary: "随报送附上学习活动", in: fields{"activity_ids": []int64{}}, out: reportStudyJSON{}},

	// 通知.
	"GET /api/v1/notifications":           {summary: "我的通知", query: "limit:int", out: fields{"items": []noticeJSON{}, "unread": whole}},
	"POST /api/v1/notifications/read-all": {summary: "全部标为已读", in: none, optional: true, out: fields{"unread": whole}},

	// 收文登记.
	"GET /api/v1/incoming": {summary: "收文列表", query: "year:int q " + page, out: list[incomingItemJSON]{}},
	"POST /api/v1/incoming": {summary: "收文登记：上传来文（.docx、PDF、OFD）或给出文本与字段", in: incomingInput{},
		form: fields{"file": optional{file{}}, "text": optional{text}, "from_unit": optional{text}, "from_number": optional{text},
			"title": optional{text}, "doc_date": optional{text}, "received_on": optional{text}, "secret": optional{text},
			"urgency": optional{text}, "note": optional{text}},
		status: 201, out: fields{"incoming": incomingJSON{}, "reading": fields{"kind": text, "found": []string{}, "missing": []string{}}}},
	"GET /api/v1/incoming/{id}":             {summary: "收文详情", out: incomingOut},
	"PUT /api/v1/incoming/{id}":             {summary: "更正收文登记（给出所读的 version）", in: incomingInput{}, out: incomingOut},
	"POST /api/v1/incoming/{id}/void":       {summary: "作废收文登记", in: reasonIn, optional: true, out: incomingOut},
	"GET /api/v1/incoming/{id}/files":       {summary: "收文的文件", out: filesOut},
	"GET /api/v1/incoming/{id}/files/{fid}": {summary: "下载收文的文件", out: anyFile},

	// 学习.
	"GET /api/v1/study":  {summary: "学习活动列表", query: "kind under month from to q " + page, out: list[activityJSON]{}},
	"POST /api/v1/study": {summary: "登记学习活动（照片以 base64 随附）", in: activityInput{}, status: 201, out: activityJSON{}},
	"GET /api/v1/study/stats": {summary: "学习活动统计", query: "under year:int",
		out: fields{"org_code": text, "org_name": text, "year": whole, "total": statRowJSON{}, "rows": []statRowJSON{},
			"months": arrayOf{fields{"month": whole, "activities": id64, "participants": id64}}}},
	"GET /api/v1/study/docs": {summary: "可关联学习活动的公文",
		out: fields{"items": arrayOf{fields{"id": id64, "number": text, "title": text, "issued_at": noTime}}}},
	"GET /api/v1/study/{id}": {summary: "学习活动详情", out: activityJSON{}},
	"PUT /api/v1/study/{id}": {summary: "修改学习活动（给出所读的 version）", in: activityInput{}, out: activityJSON{}},

	// 下基层访妇情办实事.
	"GET /api/v1/visits":      {summary: "走访记录", query: "under from to mine q " + page, out: list[visitJSON]{}},
	"POST /api/v1/visits":     {summary: "登记走访", in: visit.VisitInput{}, status: 201, out: visitOut},
	"GET /api/v1/visits/{id}": {summary: "走访详情与所记诉求", out: fields{"visit": visitJSON{}, "needs": []needJSON{}}},
	"PUT /api/v1/visits/{id}": {summary: "修改走访", in: visit.VisitInput{}, out: visitOut},
	"GET /api/v1/visits/quotas": {summary: "走访任务指标，与我的完成情况",
		out: fields{"items": []quotaJSON{}, "total": whole, "mine": arrayOf{fields{"quota": quotaJSON{}, "progress": progressJSON{}}}}},
	"POST /api/v1/visits/quotas": {summary: "下达走访指标", in: visit.QuotaInput{}, status: 201, out: fields{"quota": quotaJSON{}}},
	"GET /api/v1/visits/quotas/{id}": {summary: "走访指标的完成情况",
		out: fields{"quota": quotaJSON{}, "cadres": []progressJSON{}, "reached": whole, "sum": whole}},
	"GET /api/v1/visits/stats": {summary: "走访统计", query: "under year:int month:int",
		out: fields{"org_code": text, "org_name": text, "year": whole, "month": whole, "totals": map[string]int64{},
			"units":      arrayOf{fields{"org_code": text, "org_name": text, "self": flag, "counts": map[string]int64{}}},
			"categories": []countJSON{}, "need_status": []countJSON{}, "task_status": []countJSON{},
			"trend": arrayOf{fields{"month": text, "visits": id64, "women": id64, "needs": id64, "tasks_done": id64}}}},
	"GET /api/v1/needs": {summary: "群众诉求", query: "under category urgency status incoming from to visit:int " + page,
		out: list[needJSON]{}},
	"POST /api/v1/needs": {summary: "登记诉求", in: visit.NeedInput{}, status: 201, out: needOut},
	"GET /api/v1/needs/{id}": {summary: "诉求详情、转办与任务",
		out: fields{"need": needJSON{}, "handovers": []handoverJSON{}, "tasks": []taskJSON{}}},
	"GET /api/v1/needs/{id}/handover":         {summary: "诉求的转办记录", out: fields{"items": []handoverJSON{}, "total": whole}},
	"POST /api/v1/needs/{id}/handover":        {summary: "转办诉求", in: visit.HandoverInput{}, status: 201, out: handoverOut},
	"POST /api/v1/needs/{id}/handover/accept": {summary: "接收转办", in: fields{"reply": optional{text}}, optional: true, out: handoverOut},
	"POST /api/v1/needs/{id}/handover/refuse": {summary: "退回转办", in: fields{"reply": optional{text}}, optional: true, out: handoverOut},
	"POST /api/v1/needs/{id}/task":            {summary: "为诉求立办实事任务", in: visit.TaskInput{}, status: 201, out: taskOut},
	"GET /api/v1/tasks":                       {summary: "办实事任务", query: "under status overdue soon mine q " + page, out: list[taskJSON]{}},
	"POST /api/v1/tasks":                      {summary: "新建办实事任务", in: visit.TaskInput{}, status: 201, out: taskOut},
	"GET /api/v1/tasks/{id}":                  {summary: "任务详情", out: taskOut},
	"POST /api/v1/tasks/{id}/start":           {summary: "开始办理", out: taskOut},
	"POST /api/v1/tasks/{id}/close":           {summary: "办结任务", in: visit.CloseInput{}, out: taskOut},

	// 问题整改台账.
	"GET /api/v1/problems": {summary: "整改问题", query: "under category source mode status colour verify " + page,
		out: list[problemJSON]{}},
	"POST /api/v1/problems": {summary: "登记问题", in: rectify.Input{}, status: 201, out: problemOut},
	"GET /api/v1/problems/stats": {summary: "整改统计", query: "under",
		out: fields{"node": map[string]string{}, "date": text, "columns": []string{},
			"rows": arrayOf{fields{"org_code": text, "org_name": text, "self": flag, "n": []int64{}}}, "totals": []int64{}}},
	"GET /api/v1/problems/{id}": {summary: "问题详情与整改进展", out: fields{"problem": problemJSON{}, "timeline": []updateJSON{}}},
	"PUT /api/v1/problems/{id}": {summary: "修改问题", in: rectify.Input{}, out: problemOut},
	"POST /api/v1/problems/{id}/progress": {summary: "报告整改进展（可附佐证文件）", in: rectify.Progress{},
		form: fields{"note": optional{text}, "review": optional{text}, "files": optional{[]file{}}}},
	"GET /api/v1/problems/{id}/files/{fid}": {summary: "下载佐证文件", out: anyFile},
	"POST /api/v1/problems/{id}/apply":      {summary: "申请销号", in: fields{"note": optional{text}, "reason": optional{text}}},
	"POST /api/v1/problems/{id}/close":      {summary: "同意销号", in: fields{"note": optional{text}, "reason": optional{text}}},
	"POST /api/v1/problems/{id}/return":     {summary: "退回销号申请", in: fields{"note": optional{text}, "reason": optional{text}}},

	// 巾帼维权.
	"GET /api/v1/cases": {summary: "维权案件（概要，不含姓名和情况）", query: "box under status category channel risk " + page,
		out: list[caseJSON]{}},
	"POST /api/v1/cases": {summary: "登记维权案件", in: rights.Input{}, status: 201, out: caseOut},
	"GET /api/v1/cases/stats": {summary: "维权案件统计：按类别、渠道、危险等级、结果、月份与下级单位", query: "under year:int month",
		out: fields{"node": map[string]string{}, "year": whole, "month": text, "total": id64, "closed": id64,
			"by_category": []rights.StatLine{}, "by_channel": []rights.StatLine{}, "by_risk": []rights.StatLine{},
			"by_outcome": []rights.StatLine{}, "by_month": []rights.StatLine{}, "columns": []string{},
			"rows": arrayOf{fields{"org_code": text, "org_name": text, "self": flag, "n": []int64{}}}, "totals": []int64{}}},
	"GET /api/v1/cases/{id}":         {summary: "案件详情：承办人等可见全文，上级单位只见概要", out: caseOut},
	"POST /api/v1/cases/{id}/take":   {summary: "接案", in: fields{"version": whole}},
	"POST /api/v1/cases/{id}/assign": {summary: "指定承办人（负责人）", in: fields{"version": whole, "handler": id64}},
	"POST /api/v1/cases/{id}/note":   {summary: "记录办理情况：联系、处置路径、回访", in: fields{"version": whole, "kind": text, "note": text}},
	"POST /api/v1/cases/{id}/assess": {summary: "家暴危险性评估", in: fields{"version": whole, "items": []string{}},
		out: fields{"risk": text, "risk_label": text}},
	"POST /api/v1/cases/{id}/consent": {summary: "记录知情同意（服务、转介、提供个人信息）",
		in: fields{"version": whole, "services": flag, "refer": []string{}, "disclose": []string{}}},
	"POST /api/v1/cases/{id}/refer": {summary: "转介（未经同意须负责人写明理由）",
		in: fields{"version": whole, "agency": text, "due_on": optional{text}, "override": optional{text}}, status: 201, out: fields{"id": id64}},
	"POST /api/v1/cases/{id}/escalate":    {summary: "上报上级妇联", in: fields{"version": whole, "reason": text}},
	"POST /api/v1/cases/{id}/transfer":    {summary: "转办", in: fields{"version": whole, "to": text, "reason": text}},
	"POST /api/v1/cases/{id}/close":       {summary: "办结", in: fields{"version": whole, "outcome": text, "satisfaction": text, "note": optional{text}}},
	"POST /api/v1/cases/{id}/reopen":      {summary: "重新打开", in: fields{"version": whole, "reason": text}},
	"POST /api/v1/cases/{id}/break-glass": {summary: "破窗查看（负责人，写明理由，留痕并告知承办人）", in: fields{"reason": text}},
	"POST /api/v1/cases/{id}/order": {summary: "记录人身安全保护令申请或告诫书", in: fields{"version": whole, "order": rights.OrderInput{}},
		status: 201, out: fields{"id": id64}},
	"POST /api/v1/cases/{id}/order-decision": {summary: "记录法院对保护令的裁定",
		in: fields{"version": whole, "order_id": id64, "issued": flag, "issued_on": text, "expires_on": optional{text}}},
	"POST /api/v1/cases/{id}/violation": {summary: "记录违反保护令或告诫书", in: fields{"version": whole, "order_id": id64, "note": text}},
	"POST /api/v1/cases/{id}/follow-up": {summary: "记录家暴案件回访", in: fields{"version": whole, "follow_up": id64, "note": text}},
	"POST /api/v1/cases/{id}/report":    {summary: "记录强制报告", in: fields{"version": whole, "agency": text, "reported_on": text, "note": optional{text}}},
	"POST /api/v1/cases/{id}/safety":    {summary: "落实安全计划（勾选已落实的项目）", in: fields{"version": whole, "items": []string{}}},
	"POST /api/v1/cases/{id}/files": {summary: "上传照片和文件（照片去除拍摄位置、时间、设备等信息）",
		form: fields{"version": text, "files": []file{}}, status: 201, out: fields{"version": whole, "files": []caseFileJSON{}}},
	"GET /api/v1/cases/{id}/files/{fid}": {summary: "下载案件的照片或文件", out: anyFile},
	"POST /api/v1/cases/{id}/remove-file": {summary: "移除照片或文件（原文件保留，写明原因）",
		in: fields{"version": whole, "file": id64, "reason": text}},
	"POST /api/v1/cases/{id}/referrals/{fid}": {summary: "记录转介进展与机构回复",
		in: fields{"version": whole, "status": text, "reply": optional{text}}},
	"POST /api/v1/cases/{id}/moves/{fid}": {summary: "接收或拒收上报、转办", in: fields{"accept": flag, "reply": optional{text}}},

	// 救助.
	"GET /api/v1/aid/programmes": {summary: "救助项目，与各种选项", out: fields{"items": []aidProgrammeJSON{}, "total": whole,
		"households": aid.Households, "facts": aid.Facts, "kinds": aid.Kinds, "statuses": aid.Statuses, "levels": aid.Levels,
		"decisions": aid.Decisions}},
	"GET /api/v1/aid/programmes/{code}": {summary: "救助项目详情与年度批次", out: fields{"programme": aidProgrammeJSON{}, "cycles": []aidCycleJSON{}}},
	"PUT /api/v1/aid/programmes/{code}": {summary: "修改救助项目", in: aid.ProgrammeInput{}, out: programmeOut},
	"GET /api/v1/aid/cycles":            {summary: "年度批次", query: "programme", out: list[aidCycleJSON]{}},
	"POST /api/v1/aid/cycles": {summary: "设立或修改年度批次（已有该年度时 200）", in: aid.CycleInput{}, status: 201, also: []int{200},
		out: cycleOut},
	"GET /api/v1/aid/cycles/{id}":        {summary: "年度批次详情与名额", out: fields{"cycle": aidCycleJSON{}, "quotas": []aidQuotaJSON{}}},
	"GET /api/v1/aid/cycles/{id}/quotas": {summary: "各区县名额", out: list[aidQuotaJSON]{}},
	"PUT /api/v1/aid/cycles/{id}/quotas/{district}": {summary: "设置区县名额", in: fields{"quota": whole}, also: []int{204},
		out: fields{"quota": aidQuotaJSON{}}},
	"GET /api/v1/aid/cycles/{id}/payable": {summary: "可发放的已批准申请", out: list[aidPayeeJSON]{}},
	"GET /api/v1/aid/applications": {summary: "救助申请", query: "programme status level year:int under todo " + page,
		out: list[aidAppJSON]{}},
	"POST /api/v1/aid/applications":             {summary: "录入救助申请", in: aid.Input{}, status: 201, out: applicationOut},
	"GET /api/v1/aid/applications/{id}":         {summary: "救助申请详情（个人信息已遮蔽）", out: applicationOut},
	"PUT /api/v1/aid/applications/{id}":         {summary: "修改救助申请", in: aid.Input{}, out: applicationOut},
	"POST /api/v1/aid/applications/{id}/submit": {summary: "提交审核", in: fields{"version": whole}, out: applicationOut},
	"POST /api/v1/aid/applications/{id}/decide": {summary: "逐级审核", in: aid.Decision{}, out: applicationOut},
	"GET /api/v1/aid/applications/{id}/steps":   {summary: "审核记录", out: list[aidStepJSON]{}},
	"POST /api/v1/aid/applications/{id}/reveal": {summary: "查看完整个人信息（须说明事由，留痕）", in: fields{"reason": text},
		out: fields{"id": id64, "personal": aid.Personal{}}},
	"GET /api/v1/aid/applications/{id}/documents": {summary: "申请材料",
		out: fields{"documents": []aidDocumentJSON{}, "types": text, "max_size": whole}},
	"POST /api/v1/aid/applications/{id}/documents": {summary: "上传申请材料", form: fields{"doc_key": text, "file": file{}},
		status: 201, out: fields{"file": aidFileJSON{}}},
	"GET /api/v1/aid/applications/{id}/documents/{file}":    {summary: "下载申请材料", out: anyFile},
	"DELETE /api/v1/aid/applications/{id}/documents/{file}": {summary: "删除申请材料"},
	"GET /api/v1/aid/applications/{id}/account":             {summary: "收款账户（已遮蔽）", out: fields{"account": aidAccountJSON{}}},
	"PUT /api/v1/aid/applications/{id}/account": {summary: "设置收款账户", in: fields{"bank_name": text, "account": text},
		out: fields{"account": aidAccountJSON{}}},
	"GET /api/v1/aid/applications/{id}/followups": {summary: "回访记录", out: list[aidFollowupJSON]{}},
	"POST /api/v1/aid/applications/{id}/followups": {summary: "登记回访", in: aid.FollowupInput{}, status: 201,
		out: fields{"followup": aidFollowupJSON{}}},
	"POST /api/v1/aid/applications/{id}/followups/reveal": {summary: "查看回访的完整内容（须说明事由，留痕）", in: fields{"reason": text},
		out: list[aidFollowupJSON]{}},
	"GET /api/v1/aid/followups/due": {summary: "到期应回访", query: "programme under " + page, out: list[aidDueJSON]{}},
	"GET /api/v1/aid/stats": {summary: "救助统计", query: "under year:int",
		out: fields{"node": map[string]string{}, "year": (*int)(nil), "programmes": arrayOf{fields{"code": text, "name": text}},
			"statuses": aid.Statuses, "rows": []aidStatsRowJSON{}, "total": aidStatsRowJSON{}}},
	"GET /api/v1/aid/exports": {summary: "导出申请", query: "box status " + page, out: list[aidExportJSON]{}},
	"POST /api/v1/aid/exports": {summary: "申请导出（须另一人批准）", in: fields{"kind": text, "params": aid.ExportParams{}, "reason": text},
		status: 201, out: exportOut},
	"GET /api/v1/aid/exports/{id}":         {summary: "导出申请详情", out: exportOut},
	"POST /api/v1/aid/exports/{id}/decide": {summary: "批准或不批准导出", in: fields{"decision": text, "note": optional{text}}, out: exportOut},
	"GET /api/v1/aid/exports/{id}/download": {summary: "下载已批准的导出（一次）",
		out: download("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
	"GET /api/v1/aid/batches": {summary: "发放批次", query: "year:int cycle:int status " + page, out: list[aidBatchJSON]{}},
	"POST /api/v1/aid/batches": {summary: "新建发放批次", in: fields{"cycle_id": id64, "application_ids": []int64{}}, status: 201,
		out: batchOut},
	"GET /api/v1/aid/batches/{id}": {summary: "发放批次详情", out: batchOut},
	"POST /api/v1/aid/batches/{id}/lines/{line}": {summary: "登记一笔发放的结果", in: fields{"result": text, "note": optional{text}},
		out: batchOut},
	"GET /api/v1/aid/ledger": {summary: "资金台账", query: "year:int", out: fields{"year": whole, "whole": flag,
		"programmes": []aidLedgerProgrammeJSON{}, "districts": []aidLedgerDistrictJSON{}, "total": aidFiguresJSON{}}},
}
