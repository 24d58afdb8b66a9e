package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"halfsky/internal/aid"
	"halfsky/internal/org"
)

// aidOwner hands a programme to the unit that will run it (its leaders
// manage it; its review chain ends there), or lists who runs each.
func aidOwner(ctx context.Context, args []string, out io.Writer) error {
	var programme, unit string
	_, d, err := open(ctx, "aid owner", args, func(fs *flag.FlagSet) {
		fs.StringVar(&programme, "programme", "", "programme code, e.g. cancer; empty = list who runs each programme")
		fs.StringVar(&unit, "org", "", "code of the unit that will run it, e.g. 2301 or 23")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.CheckSchema(ctx); err != nil {
		return err
	}
	svc := aid.NewService(d, &org.Store{DB: d})
	if programme == "" {
		rows, err := d.Query(ctx, `SELECT p.code, p.name, COALESCE(o.code, ''), COALESCE(o.name, '') FROM aid_programmes p
			LEFT JOIN orgs o ON o.id = p.owner_id ORDER BY p.sort, p.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code, name, ocode, oname string
			if err := rows.Scan(&code, &name, &ocode, &oname); err != nil {
				return err
			}
			if ocode == "" {
				oname, ocode = "尚未指定", "-"
			}
			fmt.Fprintf(out, "%s\t%s\t%s %s\n", code, name, ocode, oname)
		}
		return rows.Err()
	}
	p, moved, err := svc.SetOwnerAsOperator(ctx, programme, unit)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(out, "%s 由 %s（%s）主办；%d 份申请的所属下级单位已随之更新\n", p.Name, p.OwnerName, p.OwnerCode, moved)
	return nil
}
