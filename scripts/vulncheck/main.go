// Command vulncheck is the vulnerability gate of scripts/test.sh: it runs
// govulncheck (the go.mod tool) over ./... against a local database
// (scripts/vulndb.sh builds it) and fails on any vulnerability that the
// code calls unless accepted.txt beside this file lists it with a reason.
// Every called vulnerability is printed, accepted or not; an accepted one
// that is no longer found fails too, so the list stays true.
//
//	go run ./scripts/vulncheck -db DIR
//
// Vulnerabilities only in imported packages or required modules, which
// the code does not call, are counted but do not fail (govulncheck's own
// exit status works the same way).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// The parts of govulncheck's -format json stream (its internal/govulncheck
// package, protocol v1.0.0) that the gate reads.
type message struct {
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
	Position *struct {
		Filename string `json:"filename"`
		Line     int    `json:"line"`
	} `json:"position"`
}

func (f frame) symbol() string {
	s := f.Package + "."
	if f.Receiver != "" {
		s += strings.TrimPrefix(f.Receiver, "*") + "."
	}
	return s + f.Function
}

type found struct {
	id, summary, module, version, fixed string
	called                              bool
	example                             string // where the code calls it
}

func main() {
	db := flag.String("db", "", "the local vulnerability database (scripts/vulndb.sh prints it)")
	flag.Parse()
	if *db == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	accepted, err := readAccepted("scripts/vulncheck/accepted.txt")
	if err != nil {
		fail(err)
	}
	dir, err := filepath.Abs(*db)
	if err != nil {
		fail(err)
	}
	cmd := exec.Command("go", "tool", "govulncheck", "-db", "file://"+dir, "-format", "json", "./...")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		// With -format json govulncheck exits 0 whatever it finds.
		fail(fmt.Errorf("govulncheck: %w", err))
	}
	vulns, err := parse(out)
	if err != nil {
		fail(err)
	}

	var bad []string
	imported := 0
	for _, id := range sortedKeys(vulns) {
		v := vulns[id]
		if !v.called {
			imported++
			continue
		}
		why, ok := accepted[v.id]
		mark := "NOT ACCEPTED"
		if ok {
			mark = "accepted: " + why
		} else {
			bad = append(bad, v.id)
		}
		fixed := v.fixed
		if fixed == "" {
			fixed = "no fixed version"
		}
		fmt.Printf("%s %s\n    %s@%s, fixed in %s; called at %s\n    %s\n", v.id, v.summary, v.module, v.version, fixed, v.example, mark)
	}
	for _, id := range sortedKeys(accepted) {
		if v, ok := vulns[id]; !ok || !v.called {
			fmt.Printf("%s is in scripts/vulncheck/accepted.txt but no longer called: take it out\n", id)
			bad = append(bad, id)
		}
	}
	fmt.Printf("govulncheck: %d called (%d accepted), %d more in imported or required code but not called\n",
		len(vulns)-imported, len(vulns)-imported-len(bad), imported)
	if len(bad) > 0 {
		fmt.Fprintf(os.Stderr, "vulncheck: %s: upgrade the module (or Go), or accept it with a reason in scripts/vulncheck/accepted.txt\n", strings.Join(bad, ", "))
		os.Exit(1)
	}
}

// parse reads govulncheck's stream of JSON messages. A finding whose first
// frame names a function is one the code calls (its last frame is the
// call in this module); others are package or module level.
func parse(out []byte) (map[string]*found, error) {
	vulns := map[string]*found{}
	summaries := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("govulncheck output: %w", err)
		}
		if m.OSV != nil {
			summaries[m.OSV.ID] = m.OSV.Summary
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 {
			continue
		}
		v := vulns[f.OSV]
		if v == nil {
			top := f.Trace[0]
			v = &found{id: f.OSV, module: top.Module, version: top.Version, fixed: f.FixedVersion}
			vulns[f.OSV] = v
		}
		if f.Trace[0].Function != "" && !v.called {
			v.called = true
			last := f.Trace[len(f.Trace)-1]
			v.example = f.Trace[0].symbol()
			if last.Position != nil {
				v.example = fmt.Sprintf("%s:%d (%s)", relative(last.Position.Filename), last.Position.Line, v.example)
			}
		}
	}
	for id, v := range vulns {
		v.summary = summaries[id]
	}
	return vulns, nil
}

// readAccepted reads "ID reason…" lines; # starts a comment.
func readAccepted(name string) (map[string]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	accepted := map[string]string{}
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, why, _ := strings.Cut(line, " ")
		if why = strings.TrimSpace(why); !strings.HasPrefix(id, "GO-") || why == "" {
			return nil, fmt.Errorf("%s:%d: want \"GO-YYYY-NNNN reason\"", name, n)
		}
		accepted[id] = why
	}
	return accepted, s.Err()
}

func relative(name string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, name); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return name
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "vulncheck:", err)
	os.Exit(1)
}
