package server_test

import (
	"halfsky/internal/access"
	"halfsky/internal/testdb"
)

// reshapers are the roles that may change the tree's shape at all.
var reshapers = []access.Role{access.Sysadmin, access.Leader}

// reshapeSpecs are the probes of the tree's operations (区划调整), on the
// street: its leaders and staff, and everyone below or beside it, are
// refused (a unit is reshaped from above); the city's and the district's
// leaders and the system administrator may — their allowed requests are
// sent only with a body the domain refuses without a change (a move
// under the street's own village, a plan missing its children…), and
// with a valid split preview, which changes nothing.
func (w *world) reshapeSpecs(s map[string][]probe) {
	// Seen from above and by administrators; changed only from above.
	w.recs["unit.reshape"] = &record{seen: above["street"], written: []string{"city", "district"}, accounts: true}
	street, village, sibling := levelCodes["street"], levelCodes["village"], levelCodes["sibling"]
	keep := obj{}
	testdb.EachRow(w.t, w.app.DB, `SELECT code FROM orgs WHERE parent_id = (SELECT id FROM orgs WHERE code = '`+street+`')`, func(v []string) {
		keep[v[0]] = street
	})
	newUnit := []obj{{"code": "230102909", "name": "矩阵新街道妇联", "kind": "street"}}
	api := "/api/v1/orgs/" + street + "/"
	page := "/org/" + street + "/"
	on := func(method, path string, body any) probe {
		return probe{method: method, path: path, roles: reshapers, on: "unit.reshape", body: body}
	}
	refusedBody := func(p probe, body any, status int) probe {
		p.body, p.send, p.ok = body, true, status
		return p
	}
	s["POST /api/v1/orgs/{code}/move"] = []probe{
		on("POST", api+"move", obj{"under": sibling}),
		refusedBody(on("POST", api+"move", nil), obj{"under": village}, 422),
	}
	s["POST /api/v1/orgs/{code}/merge"] = []probe{
		on("POST", api+"merge", obj{"into": sibling}),
		refusedBody(on("POST", api+"merge", nil), obj{"into": street}, 422),
	}
	s["POST /api/v1/orgs/{code}/rename"] = []probe{
		on("POST", api+"rename", obj{"name": "越权更名"}),
		refusedBody(on("POST", api+"rename", nil), obj{"name": ""}, 422),
	}
	s["POST /api/v1/orgs/{code}/recode"] = []probe{
		on("POST", api+"recode", obj{"new_code": "230102999"}),
		refusedBody(on("POST", api+"recode", nil), obj{"new_code": sibling}, 409),
	}
	s["POST /api/v1/orgs/{code}/deactivate"] = []probe{
		refusedBody(on("POST", api+"deactivate", nil), obj{}, 409), // it has children and accounts
	}
	s["POST /api/v1/orgs/{code}/split"] = []probe{
		on("POST", api+"split", obj{"new": newUnit, "children": keep}),
		refusedBody(on("POST", api+"split", nil), obj{"new": newUnit, "children": obj{}}, 422),
	}
	s["POST /api/v1/orgs/{code}/split/preview"] = []probe{
		refusedBody(on("POST", api+"split/preview", nil), obj{"new": newUnit, "children": keep}, 200),
		refusedBody(on("POST", api+"split/preview", nil), obj{"new": []obj{}, "children": keep}, 422),
	}
	s["POST /org/{code}/{action}"] = []probe{
		on("POST", page+"move", form("under", sibling)),
		refusedBody(on("POST", page+"move", nil), form("under", village), 422),
		on("POST", page+"merge", form("into", sibling)),
		refusedBody(on("POST", page+"merge", nil), form("into", street), 422),
		on("POST", page+"rename", form("name", "越权更名")),
		refusedBody(on("POST", page+"recode", nil), form("new_code", sibling), 409),
		refusedBody(on("POST", page+"deactivate", nil), form(), 409),
		on("POST", page+"split", form("new.0.code", "230102909", "new.0.name", "矩阵新街道妇联", "new.0.kind", "street", "step", "confirm")),
		refusedBody(on("POST", page+"split", nil), form("new.0.code", "230102909", "new.0.name", "矩阵新街道妇联", "new.0.kind", "street", "step", "preview"), 422),
	}
}
