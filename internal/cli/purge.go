package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/org"
)

// aidCmd runs the aid module's maintenance:
//
//	aid purge [--dry-run]   remove the personal data of closed applications past their programme's retention
//
// The server runs the same purge once a day; the command is for running
// it now, or for seeing what it would remove.
func aidCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 && args[0] == "owner" {
		return aidOwner(ctx, args[1:], out)
	}
	if len(args) == 0 || args[0] != "purge" {
		return exitError{2, "usage: halfsky aid purge [--dry-run] | aid owner --programme CODE --org UNIT"}
	}
	var dry bool
	_, d, err := open(ctx, "aid purge", args[1:], func(fs *flag.FlagSet) {
		fs.BoolVar(&dry, "dry-run", false, "count what would be purged; change nothing")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.CheckSchema(ctx); err != nil {
		return err
	}
	svc := aid.NewService(d, &org.Store{DB: d})
	res, err := svc.Purge(ctx, aid.PurgeOptions{DryRun: dry, By: "operator"})
	printPurge(out, res, d.Dialect)
	return err
}

func printPurge(out io.Writer, res aid.PurgeResult, dialect db.Dialect) {
	verb := "已清除"
	if res.DryRun {
		verb = "将清除"
	}
	for _, c := range res.Programmes {
		fmt.Fprintf(out, "%s（保留 %d 天）：%s个人信息 %d 条（已批准 %d，未通过 %d），审核理由 %d 条，收款账号 %d 个，申请材料 %d 份\n",
			c.Name, c.RetentionDays, verb, c.Approved+c.Rejected, c.Approved, c.Rejected, c.Steps, c.Accounts, c.Files)
	}
	switch {
	case res.DryRun:
		fmt.Fprintf(out, "试运行：共 %d 条到期，未做任何修改\n", res.Total)
	case res.Total > 0 && dialect == db.SQLite && !res.Compacted:
		fmt.Fprintf(out, "共清除 %d 条；数据库文件已整理，但预写日志仍被占用，下次检查点后清空\n", res.Total)
	case res.Total > 0 && dialect == db.SQLite:
		fmt.Fprintf(out, "共清除 %d 条；数据库文件已整理（VACUUM），旧值已从文件中移除\n", res.Total)
	default:
		fmt.Fprintf(out, "共清除 %d 条\n", res.Total)
	}
}
