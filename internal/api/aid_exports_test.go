package api_test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"halfsky/internal/aid"
	"halfsky/internal/demo"
	"halfsky/internal/idcard"
	"halfsky/internal/testapp"
)

// exportSheet opens a downloaded workbook's first sheet.
func exportSheet(t *testing.T, r testapp.Response) [][]string {
	t.Helper()
	if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheet") ||
		!strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
		t.Fatalf("download: %d %q %q %s", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"), r.Body)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestAidExportAPI: /api/v1/aid/exports on both databases — a request
// without a reason is refused with the field; administrators are refused;
// the requester cannot approve her own; 南岗's leader gets 404; approved,
// the file is downloaded once with the real ID numbers; rejected and
// expired ones are refused; every step audited.
func TestAidExportAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		if err := demo.SeedWork(ctx, f.svc(), f.app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		a := &aidRun{t: t, f: f}
		seeded := a.aidRows("aid_exports") // the demo's request waiting for 道里's leader
		const base = "/api/v1/aid/exports"
		first := "230102" + "19750618" + "962" // the demo's approved 冯桂香
		demoID := first + string(idcard.CheckChar(first))
		list := map[string]any{"programme": "cancer"}

		a.do("daoli.staff", "POST", base, map[string]any{"kind": "applications", "params": list, "reason": ""}, 422, "invalid", "reason")
		a.do("daoli.staff", "POST", base, map[string]any{"kind": "applications", "params": map[string]any{"status": "paid"},
			"reason": "核对发放名单"}, 422, "invalid", "status")
		a.do("daoli.staff", "POST", base, map[string]any{"kind": "bank", "params": map[string]any{"batch": 1}, "reason": "交银行代发"},
			403, "forbidden")
		for _, admin := range []string{"admin", "secadmin", "auditor"} {
			a.do(admin, "POST", base, map[string]any{"kind": "applications", "params": list, "reason": "核对发放名单"}, 403, "forbidden")
			a.do(admin, "GET", base, nil, 403, "forbidden")
		}
		if n := a.aidRows("aid_exports"); n != seeded {
			t.Fatalf("%d requests after refusals", n)
		}

		x := a.do("daoli.staff", "POST", base, map[string]any{"kind": "applications", "params": list, "reason": "交区财政局核对发放名单"},
			201, "")["export"].(map[string]any)
		id := strconv.FormatInt(int64(x["id"].(float64)), 10)
		if x["status"] != string(aid.ExportPending) || !strings.Contains(x["summary"].(string), "共 4 条") || x["can_download"] != false {
			t.Fatalf("request: %v", x)
		}
		a.do("daoli.staff", "GET", base+"/"+id+"/download", nil, 409, "not_approved")
		a.do("daoli.staff", "POST", base+"/"+id+"/decide", map[string]any{"decision": "approve"}, 403, "forbidden")
		a.do("nangang.leader", "POST", base+"/"+id+"/decide", map[string]any{"decision": "approve"}, 404, "not_found")
		a.do("nangang.leader", "GET", base+"/"+id, nil, 404, "not_found")
		a.do("nangang.leader", "GET", base+"/"+id+"/download", nil, 404, "not_found")
		if l := a.do("nangang.leader", "GET", base, nil, 200, ""); l["total"].(float64) != 0 {
			t.Fatalf("南岗 lists %v", l)
		}
		waiting := a.do("daoli.leader", "GET", base+"?box=waiting", nil, 200, "")["items"].([]any)
		if len(waiting) != 1 || waiting[0].(map[string]any)["can_decide"] != true {
			t.Fatalf("waiting: %v", waiting)
		}

		// Four eyes: the leader's own request.
		own := a.do("daoli.leader", "POST", base, map[string]any{"kind": "applications", "params": list, "reason": "年终核对名单"},
			201, "")["export"].(map[string]any)
		ownID := strconv.FormatInt(int64(own["id"].(float64)), 10)
		a.do("daoli.leader", "POST", base+"/"+ownID+"/decide", map[string]any{"decision": "approve"}, 403, "same_person")

		a.do("daoli.leader", "POST", base+"/"+id+"/decide", map[string]any{"decision": "maybe"}, 422, "invalid", "decision")
		a.do("daoli.leader", "POST", base+"/"+id+"/decide", map[string]any{"decision": "reject"}, 422, "invalid", "note")
		d := a.do("daoli.leader", "POST", base+"/"+id+"/decide", map[string]any{"decision": "approve", "note": "同意"}, 200, "")
		if e := d["export"].(map[string]any); e["status"] != string(aid.ExportApproved) || e["expires_at"] == nil {
			t.Fatalf("approved: %v", e)
		}
		a.do("daoli.leader", "POST", base+"/"+id+"/decide", map[string]any{"decision": "reject", "note": "再议"}, 409, "decided")
		a.do("daoli.leader", "GET", base+"/"+id+"/download", nil, 403, "not_requester")

		rows := exportSheet(t, f.as("daoli.staff").Do("GET", base+"/"+id+"/download", nil))
		if len(rows) != 5 || !strings.Contains(strings.Join(rows[4], "|")+strings.Join(rows[3], "|"), demoID) {
			t.Fatalf("rows: %v", rows)
		}
		a.do("daoli.staff", "GET", base+"/"+id+"/download", nil, 410, "used")
		if e := a.do("daoli.staff", "GET", base+"/"+id, nil, 200, "")["export"].(map[string]any); e["status"] != string(aid.ExportUsed) || e["rows"].(float64) != 4 {
			t.Fatalf("after download: %v", e)
		}

		// Rejected; expired.
		rej := a.do("daoli.staff", "POST", base, map[string]any{"kind": "applications", "params": list, "reason": "再次核对名单"},
			201, "")["export"].(map[string]any)
		rejID := strconv.FormatInt(int64(rej["id"].(float64)), 10)
		a.do("city.leader", "POST", base+"/"+rejID+"/decide", map[string]any{"decision": "reject", "note": "用脱敏名单即可"}, 200, "")
		a.do("daoli.staff", "GET", base+"/"+rejID+"/download", nil, 409, "rejected")
		exp := a.do("daoli.staff", "POST", base, map[string]any{"kind": "applications", "params": list, "reason": "再次核对名单"},
			201, "")["export"].(map[string]any)
		expID := strconv.FormatInt(int64(exp["id"].(float64)), 10)
		a.do("city.leader", "POST", base+"/"+expID+"/decide", map[string]any{"decision": "approve"}, 200, "")
		// The domain test moves the clock; here the approval is moved back.
		f.exec(`UPDATE aid_exports SET expires_at = ? WHERE id = ?`, time.Now().Add(-time.Minute).UnixMilli(), expID)
		a.do("daoli.staff", "GET", base+"/"+expID+"/download", nil, 410, "expired")

		for action, want := range map[string]int{"aid.export.request": 4, "aid.export.approve": 2, "aid.export.reject": 1,
			"aid.export.download": 1, "aid.export.expire": 1} {
			if n := f.count(`SELECT COUNT(*) FROM audit_events WHERE action = ? AND outcome = 'ok'`, action); n != want {
				t.Errorf("%s audited %d times, want %d", action, n, want)
			}
		}
		// No JSON answer holds personal data: the requests carry none.
		for _, b := range a.bodies {
			if strings.Contains(b, demoID) || strings.Contains(b, "冯桂香") {
				t.Fatalf("personal data in %s", b)
			}
		}
	})
}
