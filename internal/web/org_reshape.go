package web

import (
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
)

// The 调整 section of a unit's page (区划调整): forms to move, merge, split
// (with a preview first), rename, recode and deactivate the unit, shown to
// who may (access.CanReshape); the rules are the domain's (org.Store).

// splitRows is how many new units the split form offers.
const splitRows = 3

// reshapeView is the 调整 section: the forms' values, the errors beside
// their fields (keyed "<form>.<field>", e.g. "merge.into",
// "split.children.230102001001"), the form to show open, and a split's
// preview.
type reshapeView struct {
	Open    string
	Form    map[string]string
	Errors  map[string]string
	Preview *org.SplitResult
	// Filled from the unit by fill.
	Rows     []int // 0 … splitRows-1
	Children []org.Org
	Targets  []Option // where a child (or the unit's records) may go: the unit or a new row
	Kinds    []Option
	Inactive bool
	// newRows is the form row of each new unit of the plan, to put the
	// plan's errors ("new.K.code") beside the right row.
	newRows []int
}

// rowKey maps a split plan's field ("new.K.name") to the form row's.
func (v *reshapeView) rowKey(k string) string {
	rest, ok := strings.CutPrefix(k, "new.")
	if !ok {
		return k
	}
	i, field, _ := strings.Cut(rest, ".")
	if n, err := strconv.Atoi(i); err == nil && n < len(v.newRows) {
		return "new." + strconv.Itoa(v.newRows[n]) + "." + field
	}
	return k
}

// fill completes the view with what the forms offer for unit.
func (v *reshapeView) fill(unit org.Org, kids []org.Org) {
	if v.Form == nil {
		v.Form = map[string]string{}
	}
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	if _, ok := v.Form["rename.name"]; !ok {
		v.Form["rename.name"] = unit.Name
	}
	v.Children, v.Kinds, v.Inactive = kids, kindOptions(), !unit.Active
	v.Rows = seq(0, splitRows-1)
	v.Targets = []Option{{Value: "self", Label: "留在本单位"}}
	for i := range v.Rows {
		label := "新单位 " + strconv.Itoa(i+1)
		if c := v.Form["split.new."+strconv.Itoa(i)+".code"]; c != "" {
			label += "（" + c + "）"
		}
		v.Targets = append(v.Targets, Option{Value: "new" + strconv.Itoa(i+1), Label: label})
	}
}

// Error is the message beside a form's field ("" when none).
func (v *reshapeView) Error(key string) string { return v.Errors[key] }

// Value is a form field's value.
func (v *reshapeView) Value(key string) string { return v.Form[key] }

// orgReshape: POST /org/{code}/{action} — move, merge, rename, recode,
// deactivate, split (step=preview shows what it would do; step=confirm
// does it). Done: back to the unit's page (the unit merged into, for a
// merge; the new code, for a recode) with a message. Refused: the page
// again with the reason beside the field, or the error page for who may
// not (403) or cannot see the unit (404).
func (h *handler) orgReshape(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	ctx, a := r.Context(), c.Actor
	code, action := r.PathValue("code"), r.PathValue("action")
	v := &reshapeView{Open: action, Form: map[string]string{}, Errors: map[string]string{}}
	get := func(field string) string {
		val := strings.TrimSpace(r.PostFormValue(field))
		v.Form[action+"."+field] = val
		return val
	}
	var err error
	to, msg := code, ""
	switch action {
	case "move":
		var o org.Org
		if o, err = h.deps.Orgs.Move(ctx, a, code, get("under")); err == nil {
			msg = "已将" + o.Name + "调整到新的上级单位之下"
		}
	case "merge":
		var res org.MergeResult
		if res, err = h.deps.Orgs.Merge(ctx, a, code, get("into")); err == nil {
			to = res.Into.Code
			msg = "已将" + res.From.Name + "并入" + res.Into.Name + "：下级单位 " + strconv.Itoa(len(res.Children)) + " 个、账号 " +
				strconv.Itoa(res.Users) + " 个、记录 " + strconv.Itoa(org.CountTotal(res.Moved)) + " 条随之调入"
		}
	case "rename":
		var o org.Org
		if o, err = h.deps.Orgs.Rename(ctx, a, code, get("name")); err == nil {
			msg = "已更名为" + o.Name
		}
	case "recode":
		var o org.Org
		if o, err = h.deps.Orgs.Recode(ctx, a, code, get("new_code")); err == nil {
			to, msg = o.Code, "组织代码已变更为 "+o.Code
		}
	case "deactivate":
		var o org.Org
		if o, err = h.deps.Orgs.Deactivate(ctx, a, code); err == nil {
			msg = "已停用" + o.Name
		}
	case "split":
		plan := splitPlanFrom(r, v)
		if r.PostFormValue("step") != "confirm" {
			var res org.SplitResult
			if res, err = h.deps.Orgs.PreviewSplit(ctx, a, code, plan); err == nil {
				v.Preview = &res
				return h.renderOrgWith(w, r, c, code, http.StatusOK, v)
			}
			break
		}
		var res org.SplitResult
		if res, err = h.deps.Orgs.Split(ctx, a, code, plan); err == nil {
			msg = "已拆分" + res.Unit.Name + "：新设 " + strconv.Itoa(len(res.New)) + " 个单位"
		}
	default:
		return apperr.ErrNotFound
	}
	if err == nil {
		redirectFlash(w, r, "/org/"+to, "success", msg)
		return nil
	}
	fields, message := fieldErrors(err)
	if status := statusOf(err); fields == nil || status == http.StatusForbidden || status == http.StatusNotFound {
		return err
	}
	for k, m := range fields {
		v.Errors[action+"."+v.rowKey(k)] = m
	}
	if len(fields) == 0 {
		v.Errors[action] = message // a refusal of the whole form (e.g. accounts still there)
	}
	return h.renderOrgWith(w, r, c, code, statusOf(err), v)
}

// splitPlanFrom reads the split form: new units in rows, each child's
// destination ("self" or "newN", the Nth row's code), and where the
// unit's records go. A destination naming an empty row is passed on as
// is, and refused beside the child's field.
func splitPlanFrom(r *http.Request, v *reshapeView) org.SplitPlan {
	field := func(name string) string {
		val := strings.TrimSpace(r.PostFormValue(name))
		v.Form["split."+name] = val
		return val
	}
	plan := org.SplitPlan{Children: map[string]string{}}
	rowCode := map[string]string{"self": r.PathValue("code")}
	for i := 0; i < splitRows; i++ {
		n := strconv.Itoa(i)
		c, name, kind := field("new."+n+".code"), field("new."+n+".name"), field("new."+n+".kind")
		if c == "" && name == "" {
			continue
		}
		rowCode["new"+strconv.Itoa(i+1)] = c
		v.newRows = append(v.newRows, i)
		plan.New = append(plan.New, org.NewUnit{Code: c, Name: name, Kind: org.Kind(kind)})
	}
	target := func(val string) string {
		if c, ok := rowCode[val]; ok {
			return c
		}
		return val
	}
	if err := r.ParseForm(); err == nil {
		for k := range r.PostForm {
			if child, ok := strings.CutPrefix(k, "child."); ok {
				plan.Children[child] = target(field(k))
			}
		}
	}
	plan.Records = target(field("records"))
	return plan
}
