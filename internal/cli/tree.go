package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"halfsky/internal/apperr"
	"halfsky/internal/org"
)

// treeCmd: halfsky tree check [--repair] | tree move --unit CODE --under CODE.
func treeCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return exitError{2, "usage: halfsky tree check [--repair] | halfsky tree move --unit CODE --under CODE"}
	}
	switch args[0] {
	case "check":
		return treeCheck(ctx, args[1:], out)
	case "move":
		return treeMove(ctx, args[1:], out)
	}
	return exitError{2, fmt.Sprintf("unknown tree subcommand %q (check, move)", args[0])}
}

// treeCheck counts the records whose stored path or unit disagrees with
// the tree; with --repair it mends them first. It exits 3 when anything
// is (still) out of step.
func treeCheck(ctx context.Context, args []string, out io.Writer) error {
	var repair bool
	_, d, err := open(ctx, "tree check", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&repair, "repair", false, "mend what is out of step (in one transaction), then check again")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.CheckSchema(ctx); err != nil {
		return err
	}
	store := &org.Store{DB: d}
	if repair {
		fixed, err := store.Repair(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "已修复 %d 条记录\n", org.StaleTotal(fixed))
		for _, x := range fixed {
			fmt.Fprintf(out, "  %s\n", x)
		}
	}
	return reportTree(ctx, store, out)
}

// reportTree prints how many records disagree with the tree ("0" when
// none) and fails with status 3 when any do.
func reportTree(ctx context.Context, store *org.Store, out io.Writer) error {
	stale, err := store.Check(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "与组织树不一致的记录：%d\n", org.StaleTotal(stale))
	if len(stale) == 0 {
		return nil
	}
	for _, x := range stale {
		fmt.Fprintf(out, "  %s\n", x)
	}
	return exitError{3, "halfsky tree check --repair mends them"}
}

// treeMove puts a unit, with its subtree and every record in it, under
// another unit.
func treeMove(ctx context.Context, args []string, out io.Writer) error {
	var unit, under string
	_, d, err := open(ctx, "tree move", args, func(fs *flag.FlagSet) {
		fs.StringVar(&unit, "unit", "", "code of the unit to move")
		fs.StringVar(&under, "under", "", "code of its new parent")
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.CheckSchema(ctx); err != nil {
		return err
	}
	store := &org.Store{DB: d}
	moved, err := store.MoveAsOperator(ctx, unit, under)
	var refusal *apperr.Error
	if errors.As(err, &refusal) && len(refusal.Fields) == 0 && refusal.Status < 500 {
		return exitError{2, refusal.Message}
	}
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(out, "已将 %s（%s）调整到 %s 之下\n", moved.Name, moved.Code, under)
	return reportTree(ctx, store, out)
}
