package main

import (
	"go/parser"
	"go/token"
	"testing"
)

// fileShares is the rule that puts a package under the race detector.
func TestFileShares(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      bool
	}{
		{"a go statement", "package p\nfunc f() { go func() {}() }\n", true},
		{"a go statement of a named function", "package p\nfunc g() {}\nfunc f() { go g() }\n", true},
		{"sync imported", "package p\nimport \"sync\"\nvar mu sync.Mutex\n", true},
		{"sync/atomic imported", "package p\nimport \"sync/atomic\"\nvar n atomic.Int64\n", true},
		{"sync imported under another name", "package p\nimport s \"sync\"\nvar o s.Once\n", true},
		{"neither", "package p\nimport \"strings\"\nfunc f() string { return strings.ToUpper(\"go\") }\n", false},
		{"go only in a comment and a string", "package p\n// go func() {}()\nvar s = \"go f()\"\n", false},
		{"a channel alone is not a goroutine", "package p\nfunc f(c chan int) { c <- 1 }\n", false},
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", c.src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := fileShares(f); got != c.want {
			t.Errorf("%s: fileShares = %v, want %v", c.name, got, c.want)
		}
	}
}

// The packages known to share memory are on the race list, and the
// domain modules known not to are off it.
func TestSplitOfThisModule(t *testing.T) {
	pkgs, err := list()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range pkgs {
		shares, err := sharesMemory(p)
		if err != nil {
			t.Fatal(err)
		}
		got[p.ImportPath] = shares
	}
	for path, want := range map[string]bool{
		"halfsky/internal/db": true, "halfsky/internal/pagecache": true, "halfsky/internal/server": true, "halfsky/internal/tally": true,
		"halfsky/internal/desk":    false, // its minute-long memo is gone: only pure functions are left
		"halfsky/internal/audit":   true,  // its observer (audit.Observe, the metrics) is read by every writer
		"halfsky/internal/rectify": false, "halfsky/internal/access": false,
	} {
		if shares, ok := got[path]; !ok || shares != want {
			t.Errorf("%s: under the race detector = %v (listed %v), want %v", path, shares, ok, want)
		}
	}
}
