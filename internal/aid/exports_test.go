package aid_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/duty"
	"halfsky/internal/testdb"
)

// bankFile is the bank's file of a batch the way it is reached: the
// requester (at the city) asks, the leader approves, the requester
// downloads it once.
func (f *fx) bankFile(requester, leader access.Actor, batchID int64) aid.ExportFile {
	f.t.Helper()
	ctx := context.Background()
	req, err := f.svc.RequestExport(ctx, requester, aid.ExportBank, aid.ExportParams{Batch: batchID}, "交银行代发补助")
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.svc.DecideExport(ctx, leader, req.ID, true, ""); err != nil {
		f.t.Fatal(err)
	}
	file, err := f.svc.UseExport(ctx, requester, req.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return file
}

func (f *fx) exportCount() int {
	var n int
	if err := f.d.QueryRow(context.Background(), `SELECT COUNT(*) FROM aid_exports`).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fx) exportStatus(id int64) aid.ExportStatus {
	var s aid.ExportStatus
	if err := f.d.QueryRow(context.Background(), `SELECT status FROM aid_exports WHERE id = ?`, id).Scan(&s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// TestExportApproval is "exports containing personal data need a leader's
// approval and are audited": the reason is required; the requester cannot
// approve her own; a leader outside the chain sees nothing of it; an
// approved export is downloaded once, by the requester, within 24 hours,
// with the real ID numbers of her scope only; rejected and expired ones
// are refused; every step audited without a personal value.
func TestExportApproval(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		village, street, daoli := f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("daoli.staff")
		daoliLeader, nangang, city := f.Actor("daoli.leader"), f.Actor("nangang.leader"), f.Actor("city.leader")
		f.cycle("cancer", 2026, 5_000_000, nil)
		a := f.approved(village, street, daoli, canaryName, canaryID)
		f.approved(f.Actor("nangang.village"), f.nangangStreet(), nangang, "李淑珍", makeID("23010319820202006"))
		list := aid.ExportParams{Programme: "cancer", Year: 2026}

		// Refusals: no reason, a bad filter, a unit out of scope, an admin,
		// the bank file below the city; nothing is stored.
		for _, reason := range []string{"", "  ", "核对"[:3]} {
			_, err := f.svc.RequestExport(ctx, daoli, aid.ExportApplications, list, reason)
			field(t, err, "reason", aid.ErrExportReason)
		}
		_, err := f.svc.RequestExport(ctx, daoli, aid.ExportApplications, aid.ExportParams{Status: "paid"}, "核对发放名单")
		field(t, err, "status", "")
		_, err = f.svc.RequestExport(ctx, daoli, "everything", list, "核对发放名单")
		field(t, err, "kind", "")
		_, err = f.svc.RequestExport(ctx, daoli, aid.ExportApplications, aid.ExportParams{Year: 2019}, "核对发放名单")
		field(t, err, "params", "")
		_, err = f.svc.RequestExport(ctx, daoli, aid.ExportApplications, aid.ExportParams{Under: nangang.OrgCode}, "核对发放名单")
		if !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("道里 asked for 南岗's list: %v", err)
		}
		admin := city
		admin.Role = access.Sysadmin
		if _, err := f.svc.RequestExport(ctx, admin, aid.ExportApplications, list, "核对发放名单"); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("admin asked: %v", err)
		}
		if _, err := f.svc.RequestExport(ctx, daoli, aid.ExportBank, aid.ExportParams{Batch: 1}, "交银行代发"); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("district asked for a bank file: %v", err)
		}
		_, err = f.svc.RequestExport(ctx, f.Actor("city.staff"), aid.ExportBank, aid.ExportParams{}, "交银行代发")
		field(t, err, "batch", "")
		if n := f.exportCount(); n != 0 {
			t.Fatalf("%d requests stored by refusals", n)
		}

		req, err := f.svc.RequestExport(ctx, daoli, aid.ExportApplications, list, " 核对发放名单 ")
		if err != nil {
			t.Fatal(err)
		}
		if req.Status != aid.ExportPending || req.Reason != "核对发放名单" || req.Requester != "陈静" ||
			!strings.Contains(req.Summary, "两癌救助") || !strings.Contains(req.Summary, "共 1 条") {
			t.Fatalf("request: %+v", req)
		}
		var notes int
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE kind = 'aid.export.request' AND org_id = ?`, daoli.OrgID).Scan(&notes)
		if notes != 1 {
			t.Fatalf("%d notifications to 道里", notes)
		}

		// Not yet approved: no download; staff cannot decide; 南岗 sees nothing.
		_, err = f.svc.UseExport(ctx, daoli, req.ID)
		code(t, err, "not_approved")
		if _, err := f.svc.DecideExport(ctx, daoli, req.ID, true, ""); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("staff decided: %v", err)
		}
		if _, err := f.svc.DecideExport(ctx, nangang, req.ID, true, ""); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 decided: %v", err)
		}
		if _, err := f.svc.ExportRequest(ctx, nangang, req.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 reads it: %v", err)
		}
		if l, n, err := f.svc.Exports(ctx, nangang, aid.ExportFilter{}); err != nil || n != 0 || len(l) != 0 {
			t.Fatalf("南岗 lists %d: %v", n, err)
		}
		if _, err := f.svc.UseExport(ctx, nangang, req.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 downloads: %v", err)
		}
		waiting, n, err := f.svc.Exports(ctx, daoliLeader, aid.ExportFilter{Box: aid.BoxWaiting})
		if err != nil || n != 1 || waiting[0].ID != req.ID || !waiting[0].Decidable(daoliLeader) {
			t.Fatalf("waiting for 道里's leader: %+v %v", waiting, err)
		}
		if l, n, _ := f.svc.Exports(ctx, daoli, aid.ExportFilter{Box: aid.BoxWaiting}); n != 0 || len(l) != 0 {
			t.Fatal("staff has requests waiting for her")
		}
		if l, _, _ := f.svc.Exports(ctx, daoli, aid.ExportFilter{Box: aid.BoxMine}); len(l) != 1 || l[0].Decidable(daoli) {
			t.Fatalf("mine: %+v", l)
		}

		// Four eyes: a leader's own request waits for another leader.
		own, err := f.svc.RequestExport(ctx, daoliLeader, aid.ExportApplications, list, "年终核对")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.DecideExport(ctx, daoliLeader, own.ID, true, "")
		code(t, err, duty.CodeSame)
		if !errors.Is(err, duty.ErrFourEyes) {
			t.Fatalf("own request: %v is not a four-eyes refusal", err)
		}
		if f.exportStatus(own.ID) != aid.ExportPending {
			t.Fatal("own request decided")
		}
		if _, err := f.svc.DecideExport(ctx, city, own.ID, true, "同意"); err != nil {
			t.Fatalf("the city leader approves 道里's leader's request: %v", err)
		}

		// Approved: only the requester downloads it, once, in the clear.
		if _, err := f.svc.DecideExport(ctx, daoliLeader, req.ID, true, "同意"); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.DecideExport(ctx, daoliLeader, req.ID, false, "再议")
		code(t, err, "decided")
		_, err = f.svc.UseExport(ctx, daoliLeader, req.ID)
		code(t, err, "not_requester")
		file, err := f.svc.UseExport(ctx, daoli, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(file.Applications) != 1 || file.Applications[0].ID != a.ID || file.Applications[0].Personal.IDNumber != canaryID ||
			file.Applications[0].Personal.Name != canaryName || file.Applications[0].Personal.Phone != canaryPhone ||
			file.Applications[0].Personal.Address != canaryAddress || file.Export.Status != aid.ExportUsed || file.Export.Rows != 1 {
			t.Fatalf("file: %+v", file)
		}
		_, err = f.svc.UseExport(ctx, daoli, req.ID)
		code(t, err, "used")

		// The city leader's own export of the city: both districts.
		cityReq, err := f.svc.RequestExport(ctx, f.Actor("city.staff"), aid.ExportApplications, aid.ExportParams{}, "全市年度统计核对")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.DecideExport(ctx, city, cityReq.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if file, err := f.svc.UseExport(ctx, f.Actor("city.staff"), cityReq.ID); err != nil || len(file.Applications) != 2 {
			t.Fatalf("city file: %d %v", len(file.Applications), err)
		}

		// Rejected: needs a note, then refused.
		rej, err := f.svc.RequestExport(ctx, daoli, aid.ExportApplications, list, "核对发放名单")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.DecideExport(ctx, daoliLeader, rej.ID, false, " ")
		field(t, err, "note", "")
		if _, err := f.svc.DecideExport(ctx, daoliLeader, rej.ID, false, "用脱敏名单即可"); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.UseExport(ctx, daoli, rej.ID)
		code(t, err, "rejected")

		// Expired: 24 hours after the approval.
		exp, err := f.svc.RequestExport(ctx, daoli, aid.ExportApplications, list, "核对发放名单")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.DecideExport(ctx, daoliLeader, exp.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		f.clock = f.clock.Add(aid.ExportValidFor + time.Minute)
		if e, err := f.svc.ExportRequest(ctx, daoli, exp.ID); err != nil || e.Status != aid.ExportExpired || e.Downloadable(daoli) {
			t.Fatalf("after 24 h: %+v %v", e, err)
		}
		_, err = f.svc.UseExport(ctx, daoli, exp.ID)
		code(t, err, "expired")
		if f.exportStatus(exp.ID) != aid.ExportExpired {
			t.Fatal("not marked expired")
		}

		// Every step audited; no personal value in any detail.
		for action, want := range map[string]int{"aid.export.request": 5, "aid.export.approve": 4, "aid.export.reject": 1,
			"aid.export.download": 2, "aid.export.expire": 1} {
			var got int
			_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = ? AND outcome = 'ok'`, action).Scan(&got)
			if got != want {
				t.Errorf("%s audited %d times, want %d", action, got, want)
			}
		}
		var refused int
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action LIKE 'aid.export.%' AND outcome = 'denied'`).Scan(&refused)
		if refused != 6 { // own approval; not approved, not the requester, used, rejected, expired downloads
			t.Errorf("%d refusals audited", refused)
		}
		var detail string
		if err := d.QueryRow(ctx, `SELECT detail FROM audit_events WHERE action = 'aid.export.download' AND object_id = ? AND outcome = 'ok'`,
			strconv.FormatInt(req.ID, 10)).Scan(&detail); err != nil || detail != "kind=applications rows=1" {
			t.Fatalf("download audit: %q %v", detail, err)
		}
		f.eachRow(`SELECT detail FROM audit_events`, func(v []string) {
			for _, c := range []string{canaryName, canaryID, canaryPhone, canaryAddress} {
				if strings.Contains(v[0], c) {
					t.Fatalf("audit detail holds %q: %s", c, v[0])
				}
			}
		})
	})
}
