package aid

import (
	"context"
	"fmt"
	"strings"

	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/org"
)

// The paths aid copies from the tree for its scope filters; the tree
// rewrites them whenever a unit moves (org.RegisterPathCopy).
var (
	_ = org.RegisterPathCopy("aid_applications", "org_id", "org_path")
	_ = org.RegisterPathCopy("aid_followups", "org_id", "org_path")
	_ = org.RegisterPathCopy("aid_exports", "org_id", "org_path")
)

// An application's district (district_id: whose quota it counts against,
// its row in the ledger) is derived from the tree: the programme owner's
// child on the application's path. A move can change it — a street moved
// from one district to another takes its applications into the other's
// quota — so it follows every change of the tree in the same
// transaction, and Check and Repair cover it. An application whose unit
// has left its owner's subtree keeps the district it had.

// districtSQL is the district an application (the row of
// aid_applications being updated) should have, NULL when its unit is not
// below its programme's owner.
const districtSQL = `(SELECT d.id FROM aid_programmes p JOIN orgs d ON d.parent_id = p.owner_id
	WHERE p.id = aid_applications.programme_id AND aid_applications.org_path >= d.path
	AND aid_applications.org_path < SUBSTR(d.path, 1, LENGTH(d.path) - 1) || '0')`

// staleDistrict selects the applications whose district disagrees.
const staleDistrict = `district_id <> COALESCE(` + districtSQL + `, district_id)`

// A unit merged into another (or split, another taking its records)
// hands over the programmes it runs — its accounts went to the other
// unit, and a programme is managed by its owner's leaders only — and its
// district quotas: a district merged into another adds its quota to the
// other's for the same cycle, since its applications now count there.
func init() {
	org.RegisterOwnerColumn("aid_programmes", "owner_id")
	org.RegisterHandOver(org.HandOver{
		Name: "aid_quotas.org_id",
		Move: handOverQuotas,
		Count: func(ctx context.Context, q db.Querier, from org.Org) (int64, error) {
			var n int64
			err := q.QueryRow(ctx, `SELECT COUNT(*) FROM aid_quotas WHERE org_id = ?`, from.ID).Scan(&n)
			return n, err
		},
	})
}

// handOverQuotas adds from's quota of each cycle to to's where to has
// one, and gives to the rows where it has none.
func handOverQuotas(ctx context.Context, tx *db.Tx, from, to org.Org) (int64, error) {
	const both = `EXISTS (SELECT 1 FROM aid_quotas f WHERE f.cycle_id = aid_quotas.cycle_id AND f.org_id = ?)`
	added, err := tx.Exec(ctx, `UPDATE aid_quotas SET quota = quota + (SELECT f.quota FROM aid_quotas f
		WHERE f.cycle_id = aid_quotas.cycle_id AND f.org_id = ?) WHERE org_id = ? AND `+both, from.ID, to.ID, from.ID)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM aid_quotas WHERE org_id = ? AND EXISTS
		(SELECT 1 FROM aid_quotas t WHERE t.cycle_id = aid_quotas.cycle_id AND t.org_id = ?)`, from.ID, to.ID); err != nil {
		return 0, err
	}
	moved, err := tx.Exec(ctx, `UPDATE aid_quotas SET org_id = ? WHERE org_id = ?`, to.ID, from.ID)
	if err != nil {
		return 0, err
	}
	a, _ := added.RowsAffected()
	m, _ := moved.RowsAffected()
	return a + m, nil
}

func init() {
	org.RegisterFollower(org.Follower{
		Name: "aid_applications.district_id",
		Follow: func(ctx context.Context, tx *db.Tx, root string) error {
			_, err := tx.Exec(ctx, `UPDATE aid_applications SET district_id = COALESCE(`+districtSQL+`, district_id)
				WHERE org_path >= ? AND org_path < ? AND `+staleDistrict, root, root[:len(root)-1]+"0")
			return err
		},
		Stale: func(ctx context.Context, q db.Querier) (int, error) {
			var n int
			err := q.QueryRow(ctx, `SELECT COUNT(*) FROM aid_applications WHERE `+staleDistrict).Scan(&n)
			return n, err
		},
		Repair: func(ctx context.Context, tx *db.Tx) (int64, error) {
			return redistrict(ctx, tx, "")
		},
	})
}

// redistrict recomputes the districts of every application (of one
// programme when programme is set) and says how many changed.
func redistrict(ctx context.Context, tx *db.Tx, programme string) (int64, error) {
	q := `UPDATE aid_applications SET district_id = COALESCE(` + districtSQL + `, district_id) WHERE ` + staleDistrict
	var args []any
	if programme != "" {
		q += ` AND programme_id = (SELECT id FROM aid_programmes WHERE code = ?)`
		args = append(args, programme)
	}
	res, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ErrOwnerOpen refuses to hand a programme over while applications wait
// at its owner's level: they would change hands mid-decision.
var ErrOwnerOpen = apperr.New(409, "owner_open", "该项目尚有等待主办单位审批的申请，请办结后再更换主办单位")

// SetOwnerAsOperator hands a programme to the unit with the code, from
// the server's command line: that unit's leaders manage it from then on,
// its chain ends there, and its applications' districts are recomputed
// in the same transaction, audited as the operator's. It reports how
// many applications changed district.
func (s *Service) SetOwnerAsOperator(ctx context.Context, programme, unit string) (Programme, int64, error) {
	var moved int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		p, err := s.programme(ctx, tx, programme)
		if err == db.ErrNotFound {
			return apperr.Field("programme", "没有这个项目代码")
		}
		if err != nil {
			return err
		}
		o, err := s.Orgs.ByCodeUnscoped(ctx, tx, strings.TrimSpace(unit))
		if err == db.ErrNotFound {
			return apperr.Field("org", "没有这个组织代码")
		}
		if err != nil {
			return err
		}
		if o.ID == p.OwnerID {
			return nil
		}
		var waiting int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM aid_applications WHERE programme_id = ? AND status = 'reviewing' AND level = 'city'`,
			p.ID).Scan(&waiting); err != nil {
			return err
		}
		if waiting > 0 {
			return ErrOwnerOpen
		}
		if _, err := tx.Exec(ctx, `UPDATE aid_programmes SET owner_id = ?, version = version + 1 WHERE id = ?`, o.ID, p.ID); err != nil {
			return err
		}
		if moved, err = redistrict(ctx, tx, p.Code); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Username: "operator", Action: "aid.programme.owner", ObjectType: "aid_programme",
			ObjectID: ids(p.ID), OrgID: o.ID, OrgCode: o.Code, Outcome: audit.OK,
			Detail: fmt.Sprintf("%s from=%s to=%s redistricted=%d", p.Code, p.OwnerCode, o.Code, moved)})
	})
	if err != nil {
		return Programme{}, 0, err
	}
	p, err := s.programme(ctx, s.DB.Q(), programme)
	return p, moved, err
}
