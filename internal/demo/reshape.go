package demo

import (
	"context"
	"errors"
	"fmt"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/org"
)

// The demo's 区划调整, made by the city's leader in 香坊区 (where no demo
// account works, so every account sees what it did before), so that a
// newcomer finds each kind of change and its history at once:
//
//   - 安埠街道 merged into 香坊大街街道 (its communities go with it; it
//     stays as 已撤并 history);
//   - 通天街道 renamed;
//   - 成高子镇 split as a town becomes partly urban (镇改街道): a new
//     成高子街道 takes its five communities, the villages stay;
//   - the free-trade zone's virtual community recoded, then deactivated.
//
// Each is one operation of internal/org; a unit already changed (a start
// that stopped halfway) is skipped.
func seedReshape(ctx context.Context, svc *auth.Service) error {
	u, err := svc.UserByUsername(ctx, "city.leader")
	if errors.Is(err, db.ErrNotFound) {
		return nil // no demo accounts
	}
	if err != nil {
		return err
	}
	a, s := u.Actor("127.0.0.1"), svc.Orgs
	unit := func(code string) (org.Org, bool, error) {
		o, err := s.ByCodeUnscoped(ctx, svc.DB.Q(), code)
		if errors.Is(err, db.ErrNotFound) {
			return o, false, nil
		}
		return o, err == nil, err
	}
	split := org.SplitPlan{
		New:      []org.NewUnit{{Code: "230110021", Name: "成高子街道妇联", Kind: org.KindStreet}},
		Children: map[string]string{},
	}
	for _, c := range []string{"001", "002", "003", "004", "005"} {
		split.Children["230110101"+c] = "230110021"
	}
	for _, c := range []string{"200", "201", "202", "203", "204", "205", "206", "207"} {
		split.Children["230110101"+c] = "230110101"
	}
	const renamed = "通天路街道妇联"
	for _, op := range []struct {
		code string
		done func(o org.Org) bool // the change is there already
		run  func() error
	}{
		{"230110002", func(o org.Org) bool { return !o.Active },
			func() error { _, err := s.Merge(ctx, a, "230110002", "230110001"); return err }},
		{"230110003", func(o org.Org) bool { return o.Name == renamed },
			func() error { _, err := s.Rename(ctx, a, "230110003", renamed); return err }},
		{"230110101", func(org.Org) bool { _, made, _ := unit("230110021"); return made },
			func() error { _, err := s.Split(ctx, a, "230110101", split); return err }},
		{"230110400498", func(org.Org) bool { return false },
			func() error { _, err := s.Recode(ctx, a, "230110400498", "230110400499"); return err }},
		{"230110400499", func(o org.Org) bool { return !o.Active },
			func() error { _, err := s.Deactivate(ctx, a, "230110400499"); return err }},
	} {
		o, ok, err := unit(op.code)
		if err != nil {
			return err
		}
		if !ok || op.done(o) { // not there (recoded already) or done
			continue
		}
		if err := op.run(); err != nil {
			return fmt.Errorf("%s: %w", op.code, err)
		}
	}
	return nil
}
