// Command vulnindex builds a local Go vulnerability database, in the v1
// layout that `govulncheck -db file://DIR` reads, from the OSV entries of
// the golang.org/x/vulndb module (its data/osv/GO-*.json). scripts/vulndb.sh
// runs it; see there.
//
//	go run ./scripts/vulnindex -osv $VULNDB/data/osv -out DIR -modified TIME
//
// It writes what govulncheck reads (golang.org/x/vuln/internal/client):
//
//	DIR/index/db.json       {"modified": TIME}
//	DIR/index/modules.json  [{"path", "vulns": [{"id", "modified", "fixed"}]}]
//	DIR/index/vulns.json    [{"id", "modified", "aliases"}]
//	DIR/ID/GO-YYYY-NNNN.json  each OSV entry, as it is in the module
//
// The indexes are those of the vulndb module's own cmd/indexdb
// (internal/database): one modules.json row per affected package of an
// entry, its "fixed" the latest SEMVER fix that no later introduction
// supersedes. indexdb is not run itself because building it downloads the
// vulndb module's Google Cloud dependencies. The entries in data/osv carry
// no modification time (the vulndb pipeline sets it from git history), so
// db.json's "modified" is the given time: the module version's timestamp.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// entry is the part of an OSV entry that the indexes need.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Ranges []osvRange `json:"ranges"`
	} `json:"affected"`
}

type osvRange struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced string `json:"introduced,omitempty"`
		Fixed      string `json:"fixed,omitempty"`
	} `json:"events"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

type module struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type vuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

func main() {
	osvDir := flag.String("osv", "", "directory of OSV entries (the vulndb module's data/osv)")
	out := flag.String("out", "", "directory to write the database to (must not exist)")
	modified := flag.String("modified", "", "the database's modification time, RFC 3339")
	flag.Parse()
	if *osvDir == "" || *out == "" || *modified == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	at, err := time.Parse(time.RFC3339, *modified)
	if err != nil {
		log.Fatalf("vulnindex: -modified: %v", err)
	}
	n, err := build(*osvDir, *out, at.UTC())
	if err != nil {
		log.Fatalf("vulnindex: %v", err)
	}
	fmt.Printf("vulnindex: %d entries\n", n)
}

func build(osvDir, out string, modified time.Time) (int, error) {
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("%s exists", out)
	}
	names, err := filepath.Glob(filepath.Join(osvDir, "GO-*.json"))
	if err != nil {
		return 0, err
	}
	if len(names) == 0 {
		return 0, fmt.Errorf("no GO-*.json entries in %s", osvDir)
	}
	for _, d := range []string{"index", "ID"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return 0, err
		}
	}
	modules := map[string]*module{}
	var vulns []vuln
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return 0, err
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		if filepath.Base(name) != e.ID+".json" {
			return 0, fmt.Errorf("%s holds entry %q", name, e.ID)
		}
		vulns = append(vulns, vuln{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		for _, a := range e.Affected {
			m := modules[a.Package.Name]
			if m == nil {
				m = &module{Path: a.Package.Name, Vulns: []moduleVuln{}}
				modules[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: e.Modified, Fixed: latestFixed(a.Ranges)})
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), b, 0o644); err != nil {
			return 0, err
		}
	}
	ms := make([]*module, 0, len(modules))
	for _, m := range modules {
		slices.SortStableFunc(m.Vulns, func(a, b moduleVuln) int { return strings.Compare(a.ID, b.ID) })
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *module) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(vulns, func(a, b vuln) int { return strings.Compare(a.ID, b.ID) })
	for name, v := range map[string]any{
		"db.json":      map[string]time.Time{"modified": modified},
		"modules.json": ms,
		"vulns.json":   vulns,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(out, "index", name), b, 0o644); err != nil {
			return 0, err
		}
	}
	return len(names), nil
}

// latestFixed is the latest SEMVER fix of ranges that no introduction
// after it supersedes, or "" (vulndb's osvutils.LatestFixed, govulncheck's
// semver.NonSupersededFix): a module at that version or later is not
// affected, so govulncheck need not read the entry.
func latestFixed(ranges []osvRange) string {
	var fixed string
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && less(fixed, e.Fixed) {
				fixed = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && less(fixed, e.Introduced) {
				fixed = ""
				break
			}
		}
	}
	return fixed
}

// less compares OSV versions, which have no "v" prefix; "" is before all.
func less(a, b string) bool {
	return semver.Compare(withV(a), withV(b)) < 0
}

func withV(v string) string {
	if v == "" {
		return ""
	}
	return "v" + v
}
