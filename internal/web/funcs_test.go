package web

import (
	"reflect"
	"testing"
)

// TestTemplateFuncs: each call builds a map of its own (nothing adds to a
// shared one), and the small general helpers answer as the pages expect.
func TestTemplateFuncs(t *testing.T) {
	a, b := templateFuncs(), templateFuncs()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("maps of %d and %d functions", len(a), len(b))
	}
	a["extra"] = func() string { return "" }
	if _, ok := b["extra"]; ok {
		t.Fatal("two calls share one map")
	}

	for _, c := range []struct {
		s    string
		n    int
		want string
	}{{"一二三四", 2, "一二…"}, {"一二", 2, "一二"}, {"abc", 3, "abc"}, {"", 1, ""}} {
		if got := clip(c.s, c.n); got != c.want {
			t.Errorf("clip(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
	if got := percent(12.345); got != "12.3%" {
		t.Errorf("percent = %q", got)
	}
	if got := number(2.5); got != "2.5" || number(3) != "3" {
		t.Errorf("number = %q, %q", got, number(3))
	}
	if got, err := dict("Name", "title", "Label", "标题"); err != nil || !reflect.DeepEqual(got, map[string]any{"Name": "title", "Label": "标题"}) {
		t.Errorf("dict = %v, %v", got, err)
	}
	if _, err := dict("Name"); err == nil {
		t.Error("dict with an odd number of arguments")
	}
	if !in("open", "open", "overdue") || in("done", "open", "overdue") || !in(2, []int64{1, 2}) || in(3, []int64{1, 2}) {
		t.Error("in")
	}
	if got := seq(2, 4); !reflect.DeepEqual(got, []int{2, 3, 4}) || seq(3, 2) != nil {
		t.Errorf("seq = %v", got)
	}
}
