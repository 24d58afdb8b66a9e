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
//	keys status   how many values each key seals, per column
//	keys rotate   add a new key to the key file and re-seal every value under it
//	keys reseal   re-seal under the active key (after adding a key to HALFSKY_KEYS by hand)
func keysCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "status" && args[0] != "rotate" && args[0] != "reseal") {
		return exitError{2, "usage: halfsky keys status|rotate|reseal"}
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

func reseal(ctx context.Context, d *db.DB, k *vault.Keyring, out io.Writer) error {
	start := time.Now()
	done, err := vault.Rotate(ctx, d, k, func(c vault.Column, n int) {
		fmt.Fprintf(out, "\r%s: %d", c.Purpose(), n)
	})
	total := 0
	for _, n := range done {
		total += n
	}
	// Record what happened even when it stopped half-way: the finished
	// batches are committed.
	outcome, detail := audit.OK, fmt.Sprintf("active key %s, %d values re-sealed", k.Active(), total)
	if err != nil {
		outcome, detail = audit.Fail, detail+": "+err.Error()
	}
	if aerr := audit.Log(ctx, d, audit.Event{Username: "operator", Action: "keys.rotate", ObjectType: "keyring",
		ObjectID: k.Active(), Outcome: outcome, Detail: detail}); aerr != nil && err == nil {
		err = aerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\r已用密钥 %s 重新加密 %d 个值（%.1fs）。旧密钥仍留在密钥文件中，以便从旧备份恢复；确认不再需要后可删去。\n",
		k.Active(), total, time.Since(start).Seconds())
	return nil
}

func keyStatus(ctx context.Context, d *db.DB, k *vault.Keyring, out io.Writer) error {
	fmt.Fprintf(out, "密钥（最后一个用于加密新数据）：%s\n", strings.Join(k.IDs(), "、"))
	cols := vault.Columns()
	sort.Slice(cols, func(i, j int) bool { return cols[i].Purpose() < cols[j].Purpose() })
	for _, c := range cols {
		rows, err := d.Query(ctx, `SELECT `+c.Name+` FROM `+c.Table+` WHERE `+c.Name+` <> ''`)
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
			by[vault.KeyOf(s)]++
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
	return nil
}
