package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"halfsky/internal/apperr"
	"halfsky/internal/org"
)

// treeCmd: halfsky tree check [--repair] | tree move|merge|split|rename|recode|deactivate.
func treeCmd(ctx context.Context, args []string, out io.Writer) error {
	const use = "usage: halfsky tree check [--repair] | tree move --unit CODE --under CODE | tree merge --unit CODE --into CODE" +
		" | tree split --unit CODE (--plan FILE | --new CODE:NAME:KIND … --child CODE=CODE … [--records CODE]) [--preview]" +
		" | tree rename --unit CODE --name NAME | tree recode --unit CODE --new-code CODE | tree deactivate --unit CODE"
	if len(args) == 0 {
		return exitError{2, use}
	}
	switch args[0] {
	case "check":
		return treeCheck(ctx, args[1:], out)
	case "move", "merge", "split", "rename", "recode", "deactivate":
		return treeReshape(ctx, args[0], args[1:], out)
	}
	return exitError{2, fmt.Sprintf("unknown tree subcommand %q (check, move, merge, split, rename, recode, deactivate)", args[0])}
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

// repeated is a flag given any number of times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// treeReshape runs one change of the tree's shape as the operator, in one
// transaction, and ends with the tree check's line.
func treeReshape(ctx context.Context, sub string, args []string, out io.Writer) error {
	var unit, under, into, name, newCode, planFile, records string
	var preview bool
	var news, children repeated
	_, d, err := open(ctx, "tree "+sub, args, func(fs *flag.FlagSet) {
		fs.StringVar(&unit, "unit", "", "code of the unit to change")
		switch sub {
		case "move":
			fs.StringVar(&under, "under", "", "code of its new parent")
		case "merge":
			fs.StringVar(&into, "into", "", "code of the unit it is merged into (takes its children, accounts and records)")
		case "rename":
			fs.StringVar(&name, "name", "", "its new name")
		case "recode":
			fs.StringVar(&newCode, "new-code", "", "its new code")
		case "split":
			fs.StringVar(&planFile, "plan", "", `a JSON plan: {"new":[{"code","name","kind"}],"children":{"CODE":"CODE"},"records":"CODE"}`)
			fs.Var(&news, "new", "a new unit CODE:NAME:KIND beside the unit (repeat)")
			fs.Var(&children, "child", "CHILD=CODE: the unit a child goes under, the split unit's own code or a new one's (repeat; every child)")
			fs.StringVar(&records, "records", "", "code of the unit taking the split unit's own records (default: it keeps them)")
			fs.BoolVar(&preview, "preview", false, "say what the split would do, change nothing")
		}
	})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.CheckSchema(ctx); err != nil {
		return err
	}
	store := &org.Store{DB: d}
	op := org.Operator()
	var msg string
	switch sub {
	case "move":
		var o org.Org
		if o, err = store.Move(ctx, op, unit, under); err == nil {
			msg = fmt.Sprintf("已将 %s（%s）调整到 %s 之下", o.Name, o.Code, strings.TrimSpace(under))
		}
	case "merge":
		var res org.MergeResult
		if res, err = store.Merge(ctx, op, unit, into); err == nil {
			msg = fmt.Sprintf("已将 %s（%s）并入 %s（%s）：下级单位 %d 个、账号 %d 个、记录 %d 条随之调入，留在原单位 %d 条%s%s",
				res.From.Name, res.From.Code, res.Into.Name, res.Into.Code, len(res.Children), res.Users,
				org.CountTotal(res.Moved), org.CountTotal(res.Kept), countLines("调入", res.Moved), countLines("留在原单位", res.Kept))
		}
	case "rename":
		var o org.Org
		if o, err = store.Rename(ctx, op, unit, name); err == nil {
			msg = fmt.Sprintf("已将 %s 更名为 %s", o.Code, o.Name)
		}
	case "recode":
		var o org.Org
		if o, err = store.Recode(ctx, op, unit, newCode); err == nil {
			msg = fmt.Sprintf("已将 %s 的组织代码由 %s 变更为 %s", o.Name, strings.TrimSpace(unit), o.Code)
		}
	case "deactivate":
		var o org.Org
		if o, err = store.Deactivate(ctx, op, unit); err == nil {
			msg = fmt.Sprintf("已停用 %s（%s）", o.Name, o.Code)
		}
	case "split":
		var plan org.SplitPlan
		if plan, err = splitPlan(planFile, news, children, records); err != nil {
			return err
		}
		call := store.Split
		if preview {
			call = store.PreviewSplit
		}
		var res org.SplitResult
		if res, err = call(ctx, op, unit, plan); err == nil {
			msg = describeSplit(res, preview)
		}
	}
	var refusal *apperr.Error
	if errors.As(err, &refusal) && refusal.Status < 500 {
		return treeRefusal(refusal)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, msg)
	return reportTree(ctx, store, out)
}

// treeRefusal is a refusal for the command line: its message and each
// field at fault by its flag (exit status 2).
func treeRefusal(e *apperr.Error) error {
	if len(e.Fields) == 0 {
		return exitError{2, e.Message}
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(e.Message)
	for _, k := range keys {
		flag := k
		if !strings.Contains(k, ".") {
			flag = "--" + strings.ReplaceAll(k, "_", "-")
		}
		fmt.Fprintf(&b, "\n  %s: %s", flag, e.Fields[k])
	}
	return exitError{2, b.String()}
}

// countLines lists per-table counts, one line each.
func countLines(label string, xs []org.TableCount) string {
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, "\n  %s %s %d", label, x.What, x.Count)
	}
	return b.String()
}

// splitPlan reads a split plan from a JSON file or from the flags.
func splitPlan(file string, news, children []string, records string) (org.SplitPlan, error) {
	plan := org.SplitPlan{Children: map[string]string{}, Records: records}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return plan, exitError{2, "--plan: " + err.Error()}
		}
		var in struct {
			New []struct {
				Code, Name, Kind string
			}
			Children map[string]string
			Records  string
		}
		if err := json.Unmarshal(b, &in); err != nil {
			return plan, exitError{2, "--plan: 不是有效的 JSON：" + err.Error()}
		}
		for _, n := range in.New {
			plan.New = append(plan.New, org.NewUnit{Code: n.Code, Name: n.Name, Kind: org.Kind(n.Kind)})
		}
		if in.Children != nil {
			plan.Children = in.Children
		}
		if plan.Records == "" {
			plan.Records = in.Records
		}
	}
	for _, n := range news {
		parts := strings.SplitN(n, ":", 3)
		if len(parts) != 3 {
			return plan, exitError{2, "--new " + n + ": 应为 代码:名称:类型，如 230102099:新街道妇联:street"}
		}
		plan.New = append(plan.New, org.NewUnit{Code: parts[0], Name: parts[1], Kind: org.Kind(parts[2])})
	}
	for _, c := range children {
		child, to, ok := strings.Cut(c, "=")
		if !ok {
			return plan, exitError{2, "--child " + c + ": 应为 下级代码=去向代码"}
		}
		plan.Children[strings.TrimSpace(child)] = strings.TrimSpace(to)
	}
	return plan, nil
}

// describeSplit says what a split did or would do.
func describeSplit(res org.SplitResult, preview bool) string {
	var b strings.Builder
	verb := "已拆分"
	if preview {
		verb = "预览（未作任何改动）：拆分"
	}
	fmt.Fprintf(&b, "%s %s（%s）", verb, res.Unit.Name, res.Unit.Code)
	for _, n := range res.New {
		fmt.Fprintf(&b, "\n  新单位 %s %s（%s）", n.Code, n.Name, n.Kind.Label())
	}
	for _, c := range res.Children {
		if c.To != res.Unit.Code {
			fmt.Fprintf(&b, "\n  下级 %s %s → %s", c.Child.Code, c.Child.Name, c.To)
		}
	}
	if res.RecordsTo != res.Unit.Code {
		fmt.Fprintf(&b, "\n  本单位记录 %d 条 → %s%s", org.CountTotal(res.Records), res.RecordsTo, countLines("交出", res.Records))
	}
	return b.String()
}
