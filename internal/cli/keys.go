package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/vault"
)

// keysCmd manages the keys that seal sensitive fields:
//
//	keys status   how many values each key seals, per column, and what is still in the clear
//	keys seal     seal what an earlier version stored in the clear (files, free text)
//	keys rotate   add a new key to the key file and re-seal every value under it
//	keys reseal   re-seal under the active key (after adding a key to HALFSKY_KEYS by hand)
//
// seal, rotate and reseal work in committed batches: stopped (Ctrl-C)
// half-way, they keep what they did and a second run does the rest.
func keysCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "status" && args[0] != "seal" && args[0] != "rotate" && args[0] != "reseal") {
		return exitError{2, "usage: halfsky keys status|seal|rotate|reseal"}
	}
	cfg, d, err := open(ctx, "keys "+args[0], args[1:], nil)
	if err != nil {
		return err
	}
	defer d.Close()
	// The sealed columns' tables must exist: re-sealing a half-migrated
	// database would miss some.
	if err := d.CheckSchema(ctx); err != nil {
		return err
	}
	k, _, err := vault.Load(cfg.KeyFilePath(), cfg.Keys)
	if err != nil {
		return err
	}
	switch args[0] {
	case "status":
		return keyStatus(ctx, d, k, out)
	case "seal":
		return sealPlain(ctx, d, k, out)
	case "rotate":
		if cfg.Keys != "" {
			return exitError{2, "the keys come from HALFSKY_KEYS: append a line \"key <id> <base64 of 32 random bytes>\" to it, restart halfsky, then run halfsky keys reseal"}
		}
		if k, err = vault.AddKey(cfg.KeyFilePath(), time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(out, "新密钥 %s 已写入 %s，此后新数据用它加密\n", k.Active(), cfg.KeyFilePath())
	}
	return reseal(ctx, d, k, out)
}

// sealPlain seals what is still in the clear (vault.SealPlain), audits it
// and compacts the SQLite file so the plain bytes leave it.
func sealPlain(ctx context.Context, d *db.DB, k *vault.Keyring, out io.Writer) error {
	start := time.Now()
	done, err := vault.SealPlain(ctx, d, k, progress(out))
	total := sum(done)
	outcome, detail := audit.OK, fmt.Sprintf("active key %s, %d plain values sealed", k.Active(), total)
	if err != nil {
		outcome, detail = audit.Fail, detail+": "+err.Error()
	}
	if aerr := audit.Log(context.WithoutCancel(ctx), d, audit.Event{Username: "operator", Action: "keys.seal", ObjectType: "keyring",
		ObjectID: k.Active(), Outcome: outcome, Detail: detail}); aerr != nil && err == nil {
		err = aerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\r已加密 %d 个明文存储的值（%.1fs）。\n", total, time.Since(start).Seconds())
	return compactAfter(ctx, d, total, out)
}

// compactAfter makes sealing reach the disk: on SQLite the file is
// rewritten (the plain bytes would stay in free pages); on PostgreSQL the
// old row versions stay until their space is reused, and the operator is
// told how to rewrite the tables.
func compactAfter(ctx context.Context, d *db.DB, sealed int, out io.Writer) error {
	if sealed == 0 {
		return nil
	}
	if d.Dialect != db.SQLite {
		fmt.Fprintln(out, "PostgreSQL 的旧行版本在空间被重用前仍留在表文件中：维护窗口内可执行 VACUUM FULL files, visits, needs, need_handovers, tasks, problems, problem_updates, aid_steps; 彻底清除。")
		return nil
	}
	ok, err := d.Compact(ctx)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(out, "数据库文件已整理，但有读取者占用预写日志，稍后的检查点会完成清除。")
	} else {
		fmt.Fprintln(out, "数据库文件已整理（VACUUM），明文已从文件中移除。")
	}
	return nil
}

func progress(out io.Writer) func(vault.Column, int) {
	return func(c vault.Column, n int) { fmt.Fprintf(out, "\r%s: %d", c.Purpose(), n) }
}

func sum(done map[vault.Column]int) int {
	total := 0
	for _, n := range done {
		total += n
	}
	return total
}

// reseal seals what is in the clear, then re-seals every value under an
// older key, and compacts when anything plain was sealed.
func reseal(ctx context.Context, d *db.DB, k *vault.Keyring, out io.Writer) error {
	start := time.Now()
	plain, err := vault.SealPlain(ctx, d, k, progress(out))
	var done map[vault.Column]int
	if err == nil {
		done, err = vault.Rotate(ctx, d, k, progress(out))
	}
	total := sum(plain) + sum(done)
	// Record what happened even when it stopped half-way: the finished
	// batches are committed.
	outcome, detail := audit.OK, fmt.Sprintf("active key %s, %d values re-sealed", k.Active(), total)
	if err != nil {
		outcome, detail = audit.Fail, detail+": "+err.Error()
	}
	if aerr := audit.Log(context.WithoutCancel(ctx), d, audit.Event{Username: "operator", Action: "keys.rotate", ObjectType: "keyring",
		ObjectID: k.Active(), Outcome: outcome, Detail: detail}); aerr != nil && err == nil {
		err = aerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\r已用密钥 %s 重新加密 %d 个值（%.1fs）。旧密钥仍留在密钥文件中，以便从旧备份恢复；确认不再需要后可删去。\n",
		k.Active(), total, time.Since(start).Seconds())
	return compactAfter(ctx, d, sum(plain), out)
}

func keyStatus(ctx context.Context, d *db.DB, k *vault.Keyring, out io.Writer) error {
	fmt.Fprintf(out, "密钥（最后一个用于加密新数据）：%s\n", strings.Join(k.IDs(), "、"))
	cols := vault.Columns()
	sort.Slice(cols, func(i, j int) bool { return cols[i].Purpose() < cols[j].Purpose() })
	for _, c := range cols {
		// The prefix names the key (hs1.<id up to 40>.): a file piece is not read whole.
		rows, err := d.Query(ctx, `SELECT SUBSTR(`+c.Name+`, 1, 46) FROM `+c.Table+` WHERE `+c.Name+` <> ''`)
		if err != nil {
			return err
		}
		by := map[string]int{}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return err
			}
			by[keyOfPrefix(s)]++
		}
		rows.Close()
		var parts []string
		for id, n := range by {
			if id == "" {
				id = "未加密"
			}
			parts = append(parts, fmt.Sprintf("%s %d", id, n))
		}
		sort.Strings(parts)
		if len(parts) == 0 {
			parts = []string{"无数据"}
		}
		fmt.Fprintf(out, "%-32s %s\n", c.Purpose(), strings.Join(parts, "，"))
	}
	// What the sealers have left: files whose bytes are in the clear, rows
	// not yet in a search index.
	for _, s := range vault.Sealers() {
		n, err := s.Left(ctx, d)
		if err != nil {
			return err
		}
		state := "已全部处理"
		if n > 0 {
			state = fmt.Sprintf("未处理 %d（halfsky keys seal）", n)
		}
		fmt.Fprintf(out, "%-32s %s\n", s.Column.Purpose(), state)
	}
	return nil
}

// keyOfPrefix is the key id at the start of a sealed value ("" for a
// value in the clear), from its first characters only.
func keyOfPrefix(s string) string {
	if rest, ok := strings.CutPrefix(s, vault.Prefix); ok {
		if id, _, ok := strings.Cut(rest, "."); ok {
			return id
		}
	}
	return ""
}
