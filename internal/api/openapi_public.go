package api

import (
	"net/http"

	"halfsky/internal/httpx"
	"halfsky/internal/org"
	"halfsky/internal/publicweb"
)

// The public door's API (/api/public/v1, internal/publicweb) has a
// document of its own, GET /api/public/v1/openapi.json: its clients (a
// partner's site, an app) need no session and should see no cadre
// operation, and the cadre document's session scheme does not apply. It
// is made by the same generator from publicSpec; TestPublicOpenAPIRoutes
// holds the two tables together as TestOpenAPIRoutes does the cadre one.

// publicSpec is the public document's entry for every public API route.
var publicSpec = map[string]op{
	"GET /api/public/v1/openapi.json": {summary: "公众接口的 OpenAPI 3.1 描述", public: true, out: map[string]any{"type": "object"}},
	"GET /api/public/v1/categories":   {summary: "求助类别（两级：parent 为上级类别的 code）", public: true, out: fields{"items": []publicweb.Category{}}},
	"GET /api/public/v1/orgs": {summary: "所在地选择：parent 下一级的区县、街道乡镇、社区村（不给 parent 为全市的区县）", public: true,
		query: "parent", out: fields{"items": []org.Place{}}},
	"POST /api/public/v1/help": {summary: "提交求助，返回查询编号；提交过多时返回 429、Retry-After 和验证码（captcha.id、captcha.image），答对后带 captcha_id、captcha_answer 重交",
		public: true, status: http.StatusCreated,
		in: fields{"category": text, "text": text, "org_code": text, "phone": text, "contact_time": text, "no_call": flag, "consent": flag,
			"captcha_id": optional{text}, "captcha_answer": optional{text}},
		out: fields{"code": text}},
	"GET /api/public/v1/help/{code}": {summary: "凭查询编号查看办理进度（只有状态和下一步，没有任何个人信息）；查询过多时同上要求验证码",
		public: true, query: "captcha_id captcha_answer", out: publicweb.HelpStatus{}},
}

// publicOpenAPI serves the public document of the routes on mux.
func publicOpenAPI(mux httpx.Mux) http.Handler {
	return serveDocument(mux, publicSpec, publicDocument)
}

// publicDocument is the OpenAPI 3.1 document of the public API.
func publicDocument(patterns []string, uploads map[string]bool) map[string]any {
	paths, g := documentPaths(publicSpec, "/api/public/v1/", patterns, uploads)
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "halfsky public API",
			"version": "v1",
			"description": "半边天面向公众的接口：不用登录，不用也不设 Cookie。写操作须与本站同源或不带浏览器的跨站标头。" +
				"出错时返回 {\"error\":{\"code\",\"message\",\"fields\"}}，fields 是逐字段的说明。",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.defs,
			"responses": map[string]any{
				"Error": map[string]any{
					"description": "错误：code 是机器可读的错误码，message 是中文说明，fields 是逐字段的说明",
					"content":     jsonContent(map[string]any{"$ref": "#/components/schemas/Error"}),
				},
			},
		},
	}
}
