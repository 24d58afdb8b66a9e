package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/vault"
)

// A start of the server readies the database in steps, each recorded in
// setup_steps when it is done: the tree, the accounts, then each part of
// the demo. A start that stopped halfway (the process killed, a step
// refused) is completed by the next one; a finished setup is never run
// again, and a later start does nothing but give programmes nobody runs
// yet to the top unit. The steps write through the modules' services, so
// a step that failed halfway is run again from its beginning.

// Options of a start.
type Options struct {
	Top      string // the installation's top unit (config.TopUnit)
	Password string // every account's password; "" = generated and shown once
	Demo     bool   // the demo's accounts and work, not only the administrator
	Keys     *vault.Keyring
	Now      time.Time
}

// Report says what a start did.
type Report struct {
	Top      org.Org
	Units    int
	National bool     // the national root was made now
	Adopted  int      // root units put under the national root now
	Claimed  int64    // programmes given to the top unit now
	Done     []string // the steps this start did, by their Chinese names
	Resumed  bool     // it completed a first start that had stopped halfway
	Accounts []Account
	Password string // of Accounts, made now
}

// First reports whether this start did any of the first start's steps.
func (r Report) First() bool { return len(r.Done) > 0 }

type step struct {
	name, label string
	demo        bool // only with the demo
	run         func(st *starter, ctx context.Context) error
}

type starter struct {
	svc  *auth.Service
	opts Options
	rep  *Report
}

var steps = []step{
	{"tree", "组织树", false, func(st *starter, ctx context.Context) error { return LoadTree(ctx, st.svc.Orgs) }},
	{"accounts", "登录账号", false, (*starter).accounts},
	{"documents", "公文与报送", true, func(st *starter, ctx context.Context) error {
		return SeedDocuments(ctx, st.svc, st.rep.Password, st.opts.Now)
	}},
	{"study", "学习", true, func(st *starter, ctx context.Context) error { return seedStudy(ctx, st.svc, st.opts.Now) }},
	{"visits", "走访、需求与任务", true, func(st *starter, ctx context.Context) error {
		return seedVisits(ctx, st.svc, st.opts.Keys, st.opts.Now)
	}},
	{"problems", "问题整改", true, func(st *starter, ctx context.Context) error {
		return seedProblems(ctx, st.svc, st.opts.Keys, st.opts.Now)
	}},
	{"aid", "关爱救助", true, (*starter).aid},
	{"aid_followups", "救助跟踪", true, func(st *starter, ctx context.Context) error {
		return aidFollowupDemo(ctx, st.svc, st.opts.Keys, st.opts.Now)
	}},
	{"aid_payments", "救助金发放", true, func(st *starter, ctx context.Context) error {
		return SeedAidPayments(ctx, st.svc, st.opts.Keys, st.opts.Now)
	}},
	{"admin", "账号管理", true, func(st *starter, ctx context.Context) error {
		return SeedAccounts(ctx, st.svc, st.opts.Keys, st.opts.Now)
	}},
	{"reshape", "区划调整", true, func(st *starter, ctx context.Context) error { return seedReshape(ctx, st.svc) }},
	{"incoming", "收文登记", true, func(st *starter, ctx context.Context) error {
		return seedIncoming(ctx, st.svc, st.opts.Keys, st.opts.Now)
	}},
	{"cases", "巾帼维权", true, func(st *starter, ctx context.Context) error {
		return seedCases(ctx, st.svc, st.opts.Keys, st.opts.Now)
	}},
}

// Steps is how many steps a first start with the demo takes (setup_steps
// records one more: "done").
func Steps() int { return len(steps) }

// ErrNoTop refuses a start whose top unit is not in the tree.
var ErrNoTop = errors.New("top unit not in the tree")

// Start readies the database for serving (see the steps above) and says
// what it did. On an error the report holds what was done before it.
func Start(ctx context.Context, svc *auth.Service, opts Options) (Report, error) {
	if opts.Top == "" {
		opts.Top = HarbinCode
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	rep := Report{}
	st := &starter{svc: svc, opts: opts, rep: &rep}
	done, err := doneSteps(ctx, svc.DB)
	if err != nil {
		return rep, err
	}
	if opts.Top == org.NationalCode {
		_, made, adopted, err := svc.Orgs.EnsureNational(ctx)
		if err != nil {
			return rep, fmt.Errorf("national root: %w", err)
		}
		rep.National, rep.Adopted = made, adopted
	}
	legacy := done["legacy"]
	if !legacy {
		if len(done) > 0 && !done["done"] {
			rep.Resumed = true
		}
		for _, s := range steps {
			if done[s.name] || done["done"] || (s.demo && !opts.Demo) {
				continue
			}
			if s.name != "tree" {
				if err := st.top(ctx); err != nil {
					return rep, err
				}
			}
			if err := s.run(st, ctx); err != nil {
				return rep, fmt.Errorf("%s: %w", s.label, err)
			}
			if err := markStep(ctx, svc.DB, s.name); err != nil {
				return rep, err
			}
			rep.Done = append(rep.Done, s.label)
			if s.name == "tree" {
				if err := st.top(ctx); err != nil {
					return rep, err
				}
			}
		}
		if !done["done"] {
			if err := markStep(ctx, svc.DB, "done"); err != nil {
				return rep, err
			}
		}
	}
	if err := st.top(ctx); err != nil {
		return rep, err
	}
	n, err := svc.Orgs.Count(ctx)
	if err != nil {
		return rep, err
	}
	rep.Units = n
	return rep, nil
}

// top finds the top unit and gives it the programmes nobody runs.
func (st *starter) top(ctx context.Context) error {
	if st.rep.Top.ID != 0 {
		return nil
	}
	o, err := st.svc.Orgs.ByCodeUnscoped(ctx, st.svc.DB.Q(), st.opts.Top)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("%w: 最高层级单位 %s 不在组织树中，请先用 halfsky import-orgs --dir … --code %s 导入它（或改 HALFSKY_TOP_UNIT）",
			ErrNoTop, st.opts.Top, st.opts.Top)
	}
	if err != nil {
		return err
	}
	st.rep.Top = o
	n, err := aid.ClaimProgrammes(ctx, st.svc.DB, o.ID)
	st.rep.Claimed += n
	return err
}

// accounts makes the accounts the first start shows: the administrator,
// and with the demo one per role and level. The administrators sit at the
// top unit; the demo's cadres at their Harbin units. An account already
// there (a start that stopped halfway) is kept.
func (st *starter) accounts(ctx context.Context) error {
	if st.rep.Password = st.opts.Password; st.rep.Password == "" {
		st.rep.Password = generatePassword()
	}
	list := Accounts[:1]
	if st.opts.Demo {
		list = Accounts
	}
	for _, a := range list {
		if a.Role == access.Sysadmin || a.Role == access.Secadmin || a.Role == access.Auditor {
			a.OrgCode = st.opts.Top
		}
		if _, err := st.svc.UserByUsername(ctx, a.Username); err == nil {
			continue
		} else if !errors.Is(err, db.ErrNotFound) {
			return err
		}
		u, err := st.svc.CreateUserAsOperator(ctx, auth.NewUser{Username: a.Username, DisplayName: a.Name,
			Password: st.rep.Password, OrgCode: a.OrgCode, Role: a.Role})
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.Username, err)
		}
		if st.opts.Demo {
			if err := Backdate(ctx, st.svc.DB, u.ID); err != nil {
				return err
			}
		}
		st.rep.Accounts = append(st.rep.Accounts, a)
	}
	return nil
}

// aid seeds the demo's aid work. The demo is the Harbin city federation's
// story, and Harbin runs its programmes: where the top unit is above it (a
// province, the country) the programmes the top unit has not started are
// handed to Harbin first.
func (st *starter) aid(ctx context.Context) error {
	if st.rep.Top.Code != HarbinCode {
		as := aid.NewService(st.svc.DB, st.svc.Orgs)
		rows, err := st.svc.DB.Query(ctx, `SELECT p.code FROM aid_programmes p WHERE p.owner_id = ?
			AND NOT EXISTS (SELECT 1 FROM aid_cycles c WHERE c.programme_id = p.id) ORDER BY p.code`, st.rep.Top.ID)
		if err != nil {
			return err
		}
		codes, err := scanCodes(rows)
		if err != nil {
			return err
		}
		for _, code := range codes {
			if _, _, err := as.SetOwnerAsOperator(ctx, code, HarbinCode); err != nil {
				return err
			}
		}
	}
	return seedAid(ctx, st.svc, st.opts.Keys, st.opts.Now)
}

func scanCodes(rows interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func doneSteps(ctx context.Context, d *db.DB) (map[string]bool, error) {
	rows, err := d.Query(ctx, `SELECT step FROM setup_steps`)
	if err != nil {
		return nil, err
	}
	names, err := scanCodes(rows)
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out, err
}

func markStep(ctx context.Context, d *db.DB, name string) error {
	_, err := d.Exec(ctx, `INSERT INTO setup_steps (step, done_at) VALUES (?, ?)`, name, db.Millis(db.Now()))
	return err
}
