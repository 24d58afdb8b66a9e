package cli

import (
	"context"
	"fmt"
	"io"

	_ "halfsky/internal/report" // registers its counters' family
	"halfsky/internal/tally"
)

// statsCmd: halfsky stats rebuild | stats check — the counters behind
// every dashboard and roll-up (internal/tally). rebuild recomputes every
// counter from the records of every registered family, in one
// transaction; check recounts and compares, and exits 3 when a counter
// disagrees.
func statsCmd(ctx context.Context, args []string, out io.Writer) error {
	const use = "usage: halfsky stats rebuild | stats check"
	if len(args) == 0 || (args[0] != "rebuild" && args[0] != "check") {
		return exitError{2, use}
	}
	_, d, err := open(ctx, "stats "+args[0], args[1:], nil)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.CheckSchema(ctx); err != nil {
		return err
	}
	if args[0] == "rebuild" {
		n, err := tally.Rebuild(ctx, d)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "已从记录重算全部计数器：%d 行\n", n)
	}
	bad, err := tally.Check(ctx, d.Q())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "与记录不一致的计数器：%d\n", len(bad))
	if len(bad) == 0 {
		return nil
	}
	for i, m := range bad {
		if i == 20 {
			fmt.Fprintf(out, "  …（共 %d 个）\n", len(bad))
			break
		}
		fmt.Fprintf(out, "  %s\n", m)
	}
	return exitError{3, "halfsky stats rebuild recomputes them"}
}
