package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"halfsky/internal/backup"
	"halfsky/internal/config"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/vault"
)

// backupCmd writes an encrypted backup, or with verify checks one:
//
//	backup [--out FILE]   a consistent backup of the running database
//	backup verify FILE    open every chunk of FILE, restore nothing
func backupCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 && args[0] == "verify" {
		return backupVerify(args[1:], out)
	}
	var dest string
	cfg, d, err := open(ctx, "backup", args, func(fs *flag.FlagSet) {
		fs.StringVar(&dest, "out", "", "backup file (default DATA_DIR/backups/halfsky-TIMESTAMP.hsbak)")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	k, err := existingKeys(cfg)
	if err != nil {
		return err
	}
	if dest == "" {
		dest = filepath.Join(cfg.DataDir, "backups", "halfsky-"+time.Now().UTC().Format("20060102T150405Z")+".hsbak")
	}
	name := ""
	if o, err := (&org.Store{DB: d}).ByCodeUnscoped(ctx, d.Q(), cfg.TopUnit); err == nil {
		name = o.Name + "（" + o.Code + "）"
	}
	w, err := backup.Write(ctx, d, dest, backup.Options{Keys: k, Name: name, Version: Version, URL: cfg.DatabaseURL})
	if err != nil {
		if strings.HasPrefix(err.Error(), "refusing to overwrite") {
			return exitError{1, err.Error()}
		}
		return err
	}
	h := w.Header
	fmt.Fprintln(out, "backup written:", dest)
	fmt.Fprintf(out, "  %s，安装编号 %s，密钥 %s；%s，数据库结构版本 %d\n", orNone(h.Name), h.Installation, h.Key, h.Engine, h.Schema)
	fmt.Fprintf(out, "  %d 张表，%d 行，%s，用时 %.1fs\n", len(w.Manifest.Tables), w.Manifest.Rows(), megabytes(w.Bytes), w.Took.Seconds())
	fmt.Fprintln(out, "  备份已加密；密钥文件不在备份中，须另行保管（恢复时要用它）")
	return nil
}

func backupVerify(args []string, out io.Writer) error {
	cfg, fs, err := configure("backup verify", args, nil)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return exitError{2, "usage: halfsky backup verify [--key-file F] FILE"}
	}
	k, err := existingKeys(cfg)
	if err != nil {
		return err
	}
	c, err := backup.Check(fs.Arg(0), k)
	if err != nil {
		return refused(err)
	}
	h := c.Header
	fmt.Fprintf(out, "备份完整：%s，%d 块全部校验通过\n", fs.Arg(0), c.Chunks)
	fmt.Fprintf(out, "  %s，安装编号 %s，密钥 %s；备份于 %s\n", orNone(h.Name), h.Installation, h.Key, h.Created.In(db.Shanghai).Format("2006-01-02 15:04:05"))
	fmt.Fprintf(out, "  %s，数据库结构版本 %d，%d 张表，%d 行，文件 %s\n", h.Engine, h.Schema, len(c.Manifest.Tables), c.Manifest.Rows(), megabytes(c.Size))
	return nil
}

// restoreCmd restores a backup into a new data directory or an empty
// PostgreSQL database, named by --data-dir or --database-url as for every
// command.
func restoreCmd(ctx context.Context, args []string, out io.Writer) error {
	cfg, fs, err := configure("restore", args, nil)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return exitError{2, "usage: halfsky restore [--data-dir DIR | --database-url URL] [--key-file F] FILE"}
	}
	k, err := existingKeys(cfg)
	if err != nil {
		return err
	}
	target := backup.Target{DataDir: cfg.DataDir, URL: cfg.DatabaseURL}
	r, err := backup.Restore(ctx, fs.Arg(0), target, k)
	if err != nil {
		return refused(err)
	}
	return reportRestore(cfg, r, out)
}

func reportRestore(cfg config.Config, r backup.Restored, out io.Writer) error {
	h, m := r.Header, r.Manifest
	where := filepath.Join(cfg.DataDir, "halfsky.db")
	if cfg.DatabaseURL != "" {
		where = "PostgreSQL 数据库"
	}
	fmt.Fprintf(out, "已恢复到 %s：%s 的备份（安装编号 %s），备份于 %s\n", where, orNone(h.Name), h.Installation,
		h.Created.In(db.Shanghai).Format("2006-01-02 15:04:05"))
	fmt.Fprintf(out, "逐表校验：%d 张表、%d 行与备份清单一致，0 处不符\n", len(m.Tables), m.Rows())
	if r.Migrated > 0 {
		fmt.Fprintf(out, "数据库结构：已从版本 %d 迁移到 %d（%d 个迁移）\n", h.Schema, h.Schema+r.Migrated, r.Migrated)
	} else {
		fmt.Fprintf(out, "数据库结构：版本 %d，无需迁移\n", h.Schema)
	}
	fmt.Fprintf(out, "用时 %.1fs。启动服务时使用同一密钥文件（%s）\n", r.Took.Seconds(), keySource(cfg))
	if !r.Audit.OK() {
		for _, p := range r.Audit.Problems {
			fmt.Fprintln(out, p.Message)
		}
		return exitError{3, fmt.Sprintf("恢复完成，但审计日志校验失败：%d 处问题（备份时即如此：恢复的是备份中的原样）",
			int64(len(r.Audit.Problems))+r.Audit.Omitted)}
	}
	fmt.Fprintf(out, "审计日志完整：已校验 %d 条事件（%d 条哈希链），无断裂\n", r.Audit.Checked, r.Audit.Chains)
	return nil
}

// refused turns a backup's refusal into its message and exit status: 3
// when the restored copy differed from its manifest, 1 otherwise.
func refused(err error) error {
	var r *backup.Refusal
	if !errors.As(err, &r) {
		return err
	}
	if r.Kind == backup.Mismatch {
		return exitError{3, r.Msg}
	}
	return exitError{1, r.Msg}
}

// existingKeys loads the key file, which must exist: a backup or a
// restore under a key file made on the spot would be useless.
func existingKeys(cfg config.Config) (*vault.Keyring, error) {
	if strings.TrimSpace(cfg.Keys) != "" {
		return vault.Parse(cfg.Keys)
	}
	b, err := os.ReadFile(cfg.KeyFilePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, exitError{1, fmt.Sprintf("找不到密钥文件 %s：备份用安装的密钥文件加密，恢复也要用它（--key-file 或 HALFSKY_KEYS）", cfg.KeyFilePath())}
	}
	if err != nil {
		return nil, err
	}
	return vault.Parse(string(b))
}

func keySource(cfg config.Config) string {
	if strings.TrimSpace(cfg.Keys) != "" {
		return "HALFSKY_KEYS"
	}
	return cfg.KeyFilePath()
}

func orNone(s string) string {
	if s == "" {
		return "未记名称的安装"
	}
	return s
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
