// Package demo fills an empty database with what a new installation needs
// to be tried at once: the Harbin federation tree, the units beside it
// (organs' women's committees, group members, new-sector organizations) and
// one account per role at each level.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/division"
	"halfsky/internal/org"
)

// Extra is a non-territorial unit under a territorial parent.
type Extra struct {
	Parent, Code, Name string
	Kind               org.Kind
	Sector             string
}

// Extras are the city's organs' women's committees, group members and a few
// new-sector organizations (names typical of Harbin; codes are halfsky's own:
// parent code + JG/TT/XL + number).
var Extras = []Extra{
	{"2301", "2301JG01", "市直机关工委妇委会", org.KindOrgan, ""},
	{"2301", "2301JG02", "市教育局妇委会", org.KindOrgan, ""},
	{"2301", "2301JG03", "市卫生健康委妇委会", org.KindOrgan, ""},
	{"2301", "2301JG04", "市公安局妇委会", org.KindOrgan, ""},
	{"2301", "2301JG05", "市人民检察院妇委会", org.KindOrgan, ""},
	{"2301", "2301TT01", "哈尔滨市女企业家协会", org.KindMember, ""},
	{"2301", "2301TT02", "哈尔滨市女科技工作者协会", org.KindMember, ""},
	{"2301", "2301TT03", "哈尔滨市家庭教育研究会", org.KindMember, ""},
	{"2301", "2301TT04", "哈尔滨市女律师联谊会", org.KindMember, ""},
	{"2301", "2301XL01", "哈尔滨市快递物流行业妇联", org.KindNewSector, "gig"},
	{"2301", "2301XL02", "哈尔滨市社会组织妇联", org.KindNewSector, "socialorg"},
	{"230102", "230102XL01", "道里区中央大街商圈妇联", org.KindNewSector, "enterprise"},
	{"230103", "230103XL01", "南岗区互联网企业妇联", org.KindNewSector, "enterprise"},
	{"230109", "230109XL01", "松北区科技创新城非公企业妇联", org.KindNewSector, "enterprise"},
}

// Account is a demo account.
type Account struct {
	Username, Name, OrgCode string
	Role                    access.Role
}

// Accounts is one account per role and level, so a new user can see the
// platform as each of its users sees it.
var Accounts = []Account{
	{"admin", "系统管理员", "2301", access.Sysadmin},
	{"secadmin", "安全管理员", "2301", access.Secadmin},
	{"auditor", "安全审计员", "2301", access.Auditor},
	{"city.leader", "杨杰", "2301", access.Leader},
	{"city.staff", "刘洋（宣传部）", "2301", access.Staff},
	{"city.office", "王芳（办公室）", "2301", access.Staff},
	{"daoli.leader", "王丽华", "230102", access.Leader},
	{"daoli.staff", "陈静", "230102", access.Staff},
	{"nangang.leader", "李红梅", "230103", access.Leader},
	{"street.staff", "张秀英", "230102001", access.Staff},
	{"village.staff", "孙桂芝", "230102001001", access.Staff},
}

// LoadTree loads the Harbin tree and the extra units (idempotent).
func LoadTree(ctx context.Context, orgs *org.Store) error {
	if _, err := orgs.ImportHarbin(ctx); err != nil {
		return fmt.Errorf("load Harbin tree: %w", err)
	}
	for _, e := range Extras {
		if _, err := orgs.ByCodeUnscoped(ctx, orgs.DB.Q(), e.Code); err == nil {
			continue
		}
		parent, err := orgs.ByCodeUnscoped(ctx, orgs.DB.Q(), e.Parent)
		if err != nil {
			return fmt.Errorf("parent %s of %s: %w", e.Parent, e.Code, err)
		}
		err = orgs.DB.InTx(ctx, func(tx *db.Tx) error {
			_, err := orgs.Create(ctx, tx, parent, e.Code, e.Name, e.Kind, e.Sector)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Result tells what Seed did.
type Result struct {
	Seeded   bool
	Password string
	Accounts []Account
}

// Seed fills an empty database with the Harbin tree and the accounts
// (the demo's when demo is set, else only the administrator), all with
// password or a generated one, and gives the programmes to Harbin: the
// first start's first two steps with Harbin as the top unit, for tests
// and tools. A database with any account is left alone.
func Seed(ctx context.Context, svc *auth.Service, password string, withDemo bool) (Result, error) {
	n, err := svc.CountUsers(ctx)
	if err != nil || n > 0 {
		return Result{}, err
	}
	st := &starter{svc: svc, opts: Options{Top: HarbinCode, Password: password, Demo: withDemo}, rep: &Report{}}
	for _, s := range steps[:2] {
		if err := s.run(st, ctx); err != nil {
			return Result{}, err
		}
		if err := markStep(ctx, svc.DB, s.name); err != nil {
			return Result{}, err
		}
		if err := st.top(ctx); err != nil {
			return Result{}, err
		}
	}
	accounts := Accounts[:1]
	if withDemo {
		accounts = Accounts
	}
	return Result{Seeded: true, Password: st.rep.Password, Accounts: accounts}, nil
}

// Since is when the demo's story begins. The demo replays the federation's
// work from the seed notice of August 2015 on, its cast acting at those
// times; four-eyes rules refuse a decision by an account made after the
// request it decides (internal/duty), so the demo's accounts are dated
// from here rather than from the moment the demo was loaded.
var Since = time.Date(2015, 8, 1, 0, 0, 0, 0, db.Shanghai)

// Backdate dates a demo account (or a test's cast) from Since.
func Backdate(ctx context.Context, d *db.DB, userID int64) error {
	_, err := d.Exec(ctx, `UPDATE users SET created_at = ? WHERE id = ? AND created_at > ?`, db.Millis(Since), userID, db.Millis(Since))
	return err
}

// generatePassword makes a 14-character password from an alphabet without
// look-alike characters, easy to read off a terminal.
func generatePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
	b := make([]byte, 14)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// HarbinCode re-exports the root unit's code for callers that print it.
const HarbinCode = division.HarbinCode
