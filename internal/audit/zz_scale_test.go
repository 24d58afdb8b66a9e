package audit

import (
	"testing"
	"time"

	"halfsky/internal/testdb"
)

func TestZZScale(t *testing.T) {
	d := testdb.Postgres(t)
	t0 := time.Now()
	prev := ""
	const n = 300000
	tx, _ := d.Raw().Begin()
	st, _ := tx.Prepare(`INSERT INTO audit_events (` + columns + `) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`)
	for i := int64(1); i <= n; i++ {
		r := row{seq: i, at: i, action: "bulk.x", outcome: OK, detail: "some detail text", prevHash: prev}
		r.hash = r.computeHash()
		if _, err := st.Exec(r.seq, r.at, r.userID, r.username, r.orgID, r.orgCode, r.action, r.objectType, r.objectID, r.ip, r.outcome, r.detail, r.prevHash, r.hash); err != nil {
			t.Fatal(err)
		}
		prev = r.hash
	}
	tx.Exec(`UPDATE audit_head SET seq = $1, hash = $2`, n, prev)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	rep, err := Verify(ctx, d)
	t.Logf("insert %v verify %v %+v %v", t1.Sub(t0), time.Since(t1), rep, err)
}
