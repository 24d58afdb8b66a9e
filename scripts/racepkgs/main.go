// Command racepkgs splits the module's packages into those whose tests
// run under the race detector and those that run without it, for
// scripts/test.sh:
//
//	go run ./scripts/racepkgs race    # one import path a line
//	go run ./scripts/racepkgs plain
//
// The detector finds Go memory that two goroutines touch without
// synchronising. A package can only have such a race if its own code
// shares memory between goroutines: it starts one (a go statement) or
// coordinates them (imports sync or sync/atomic). Those packages run
// under the detector, every test. The others' tests may still start
// goroutines — to race two transactions on one row (aid.TestRaces,
// report.TestNumbersUnderConcurrency, …) — but what those races share
// lives in the database, where the detector cannot look, and the Go
// code they run (db, the server's caches) is raced in the packages that
// own it. Under the detector those packages cost twice the time for
// nothing it could find, so they run without it.
//
// The split is read from the source each run, so a package that starts
// sharing memory goes under the detector by itself.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// pkg is what `go list -json` says of a package that matters here.
type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string // non-test files, build constraints applied
}

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "race" && os.Args[1] != "plain") {
		fmt.Fprintln(os.Stderr, "usage: racepkgs race|plain")
		os.Exit(2)
	}
	want := os.Args[1] == "race"
	pkgs, err := list()
	if err != nil {
		fmt.Fprintln(os.Stderr, "racepkgs:", err)
		os.Exit(1)
	}
	for _, p := range pkgs {
		shares, err := sharesMemory(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "racepkgs:", err)
			os.Exit(1)
		}
		if shares == want {
			fmt.Println(p.ImportPath)
		}
	}
}

// list is every package of the module, wherever in it this runs.
func list() ([]pkg, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOMOD: %w", err)
	}
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	var pkgs []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			return pkgs, nil
		} else if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
}

// sharesMemory reports whether a non-test file of p starts a goroutine or
// imports sync or sync/atomic.
func sharesMemory(p pkg) (bool, error) {
	fset := token.NewFileSet()
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return false, err
		}
		if fileShares(f) {
			return true, nil
		}
	}
	return false, nil
}

func fileShares(f *ast.File) bool {
	for _, imp := range f.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path == "sync" || path == "sync/atomic" {
			return true
		}
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if _, ok := n.(*ast.GoStmt); ok {
			found = true
		}
		return !found
	})
	return found
}
