// Command mutation is the test suite's own test: it applies deliberate
// breaks of the access rules, two at a time, each through go test
// -overlay (the tree itself is never written), and requires the tests of
// the package concerned to fail on each. A break the tests let through
// (a surviving mutant) means a rule nothing checks.
//
//	go run ./scripts/mutation [-only NAME]
//
// Each mutant replaces one exact piece of code, which must occur exactly
// once in its file (so a refactoring that moves it fails here, loudly,
// instead of testing nothing), and names the tests that must catch it.
// The mutated tree must still build: a compile error kills nothing.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// mutant is one deliberate break.
type mutant struct {
	name     string
	file     string // relative to the repository root
	from, to string // the exact code, and what it becomes
	pkg      string // the package whose tests must fail
	run      string // -run pattern for those tests
}

var mutants = []mutant{
	{
		name: "a unit verifying (销号) its own problem (rectify, the model module)",
		file: "internal/rectify/flow.go",
		from: "if p.OrgID == a.OrgID || p.OrgPath == a.OrgPath {",
		to:   "if p.OrgID == -a.OrgID {",
		pkg:  "./internal/rectify", run: "TestIssueScenario",
	},
	{
		name: "the 收文登记簿 readable by any unit (the unit condition dropped)",
		file: "internal/incoming/store.go",
		from: "` WHERE i.id = ? AND i.org_id = ?`, id, a.OrgID)",
		to:   "` WHERE i.id = ? AND i.org_id > ?`, id, 0)",
		pkg:  "./internal/incoming", run: "TestRegisterIsTheUnitsOwn",
	},
	{
		name: "a scope check removed from a service method (visit.Service.Visit)",
		file: "internal/visit/visits.go",
		from: "\tif !a.Scope().Contains(v.OrgPath) {\n\t\treturn Visit{}, db.ErrNotFound\n\t}\n\treturn v, nil",
		to:   "\treturn v, nil",
		pkg:  "./internal/api", run: "TestWorkAccessMatrix",
	},
	{
		name: "CanGrant allowing every role",
		file: "internal/access/access.go",
		from: "func (a Actor) CanGrant(r Role) bool {\n",
		to:   "func (a Actor) CanGrant(r Role) bool {\n\tif r.Valid() {\n\t\treturn true\n\t}\n",
		pkg:  "./internal/auth", run: "TestThreePowers|TestDelegation",
	},
	{
		name: "the owner rule dropped (a unit below changes a record above)",
		file: "internal/access/access.go",
		from: "\tif below(owner) || below(recorder) {\n\t\treturn ErrNotOwner\n\t}",
		to:   "\tif below(owner) || below(recorder) {\n\t\treturn nil\n\t}",
		pkg:  "./internal/visit", run: "TestWritesFollowOwner",
	},
	{
		name: "a move of the tree forgetting the records' copies of the paths",
		file: "internal/org/follow.go",
		from: "\tfor _, t := range copyTables() {\n\t\tq, args := rewriteCopies(t, oldPath, newPath)",
		to:   "\tfor _, t := range copyTables()[:0] {\n\t\tq, args := rewriteCopies(t, oldPath, newPath)",
		pkg:  "./internal/api", run: "TestImportAboveMovesEveryRecord",
	},
	{
		name: "a merge forgetting to move the merged unit's accounts",
		file: "internal/org/reshape.go",
		from: "`UPDATE users SET org_id = ?, updated_at = ? WHERE org_id = ?`",
		to:   "`UPDATE users SET org_id = ?, updated_at = ? WHERE org_id = ? AND 1 = 0`",
		pkg:  "./internal/org", run: "TestMergeStreets",
	},
	{
		name: "a leader reshaping her own unit (not from above)",
		file: "internal/access/access.go",
		from: "\t\treturn a.Scope().Contains(path)\n\t}\n\treturn a.Below(path)\n",
		to:   "\t\treturn a.Scope().Contains(path)\n\t}\n\treturn a.Scope().Contains(path)\n",
		pkg:  "./internal/org", run: "TestReshapeWhoMay",
	},
	{
		name: "a merge forgetting what the unit runs (programmes, quotas, registers)",
		file: "internal/org/reshape.go",
		from: "\tfor _, h := range registeredHandOvers() {\n\t\tn, err := h.Move(ctx, tx, from, to)",
		to:   "\tfor _, h := range registeredHandOvers()[:0] {\n\t\tn, err := h.Move(ctx, tx, from, to)",
		pkg:  "./internal/aid",
		run:  "^TestMergeHandsOverWhatTheUnitRuns$",
	},
	{
		name: "an import undoing a local move (a merged street's communities sent back)",
		file: "internal/org/import.go",
		from: "\t\tcase ChangeMove:\n\t\t\tn.localPlace = true\n",
		to:   "\t\tcase ChangeMove:\n",
		pkg:  "./internal/org",
		run:  "^TestImportKeepsLocalChanges$",
	},
	{
		name: "key rotation re-sealing another row's plaintext",
		file: "internal/vault/rotate.go",
		from: "\t\t\tfresh, err := k.Seal(c.Purpose(), plain)\n",
		to:   "\t\t\tif first, ferr := k.Open(c.Purpose(), items[0].sealed); ferr == nil {\n\t\t\t\tplain = first\n\t\t\t}\n\t\t\tfresh, err := k.Seal(c.Purpose(), plain)\n",
		pkg:  "./internal/vault", run: "TestRotate",
	},
	{
		name: "an audit record skipped (aid reveal)",
		file: "internal/aid/reveal.go",
		from: `if err := audit.Log(ctx, s.DB, audit.FromActor(a, "aid.reveal", "aid_application", ids(id), audit.OK, "reason: "+reason)); err != nil {`,
		to:   `if err := error(nil); err != nil && audit.OK != "" {`,
		pkg:  "./internal/aid", run: "TestCanary",
	},
	{
		name: "the four-eyes rule left out of the export approval",
		file: "internal/aid/exports_decide.go",
		from: `if err := duty.Require(ctx, s.DB, a, now, e.CreatedAt, action, "aid_export", id, e.RequestedBy); err != nil {`,
		to:   `if err := duty.Check(ctx, s.DB.Q(), a.UserID, now, e.CreatedAt); err != nil {`,
		pkg:  "./internal/aid", run: "TestExportFourEyes",
	},
	{
		name: "aid managed by any leader, not the programme's owner unit's",
		file: "internal/aid/programme.go",
		from: "\treturn a.Can(access.ManageAid) && p.OwnerID != 0 && p.OwnerID == a.OrgID\n",
		to:   "\treturn a.Can(access.ManageAid)\n",
		pkg:  "./internal/aid", run: "TestProgrammeOwner",
	},
	{
		name: "the four-eyes check dropped (duty.Check)",
		file: "internal/duty/duty.go",
		from: "func Check(ctx context.Context, q db.Querier, second int64, now, requested time.Time, firsts ...int64) error {\n",
		to:   "func Check(ctx context.Context, q db.Querier, second int64, now, requested time.Time, firsts ...int64) error {\n\tif second != -1 {\n\t\treturn nil\n\t}\n",
		pkg:  "./internal/duty", run: "TestCheck",
	},
	{
		name: "a transaction that leaves the write generation (every cache shows the page from before it)",
		file: "internal/db/db.go",
		from: "\t// returns: the caller's next read finds its caches stale.\n\tdefer d.Changed()\n",
		to:   "\t// returns: the caller's next read finds its caches stale.\n",
		// The db test stops the watcher first: the page test's watcher
		// (which counts this process's commits as well, 200 ms later) could
		// mask the mutant when its look fell between write and read.
		pkg: "./internal/db", run: "^TestGenerationMovesWithOwnWrites$",
	},
	{
		name: "a rights case read in full by every unit above it (names and her story to the whole tree)",
		file: "internal/rights/list.go",
		from: "(a.OrgID == c.OrgID && (a.Role == access.Leader || c.HandlerID == 0)) {",
		to:   "a.Scope().Contains(c.OrgPath) {",
		pkg:  "./internal/rights", run: "^TestWhoSeesACase$",
	},
	{
		name: "a referral made without her consent",
		file: "internal/rights/refer.go",
		from: "\t\tif !agreed {\n\t\t\tif in.Override == \"\" {",
		to:   "\t\tif agreed && !agreed {\n\t\t\tif in.Override == \"\" {",
		pkg:  "./internal/rights", run: "^TestPublicRequestToClosure$",
	},
	{
		name: "a rights case's change left out of its counters (the statistics count it as it was)",
		file: "internal/rights/change.go",
		from: "\t\terr = track(ctx, tx, id, func() error {",
		to:   "\t\terr = func(f func() error) error { return f() }(func() error {",
		pkg:  "./internal/rights", run: "^TestStatsCountersProperty$",
	},
	{
		name: "a need handed over left out of the counters (the statistics count it at the unit it left)",
		file: "internal/visit/handover.go",
		from: "\t\tif err := trackByID(ctx, tx, needFamilies, needID, func() error {\n\t\t\tif accept {",
		to:   "\t\tif err := trackByID(ctx, tx, nil, needID, func() error {\n\t\t\tif accept {",
		pkg:  "./internal/visit", run: "^TestCountersFollowEveryChange$",
	},
	{
		name: "the page cache keyed without the session (one user's page served to another)",
		file: "internal/pagecache/pagecache.go",
		from: "k := key{session: session, uri: r.URL.RequestURI()",
		to:   "k := key{session: \"\", uri: r.URL.RequestURI()",
		pkg:  "./internal/web", run: "^TestCachedPagesFollowEveryWrite$",
	},
	{
		name: "a case's photo stored as uploaded (its GPS position, camera and time kept)",
		file: "internal/rights/files.go",
		from: "\t\t\tout[i].Data, err = files.Scrub(\"files\", u.Name, u.Data)",
		to:   "\t\t\t_, err = files.Scrub(\"files\", u.Name, u.Data)",
		pkg:  "./internal/rights", run: "^TestCaseFiles$",
	},
	{
		name: "a photo's EXIF, XMP and makers' blocks kept by the scrubber",
		file: "internal/files/scrub.go",
		from: "\tcase marker >= mAPP1 && marker <= mAP15:\n\t\treturn false",
		to:   "\tcase marker >= mAPP1 && marker <= mAP15:\n\t\treturn true",
		pkg:  "./internal/files", run: "^TestScrubCorpus$",
	},
	{
		name: "a session the database could not read taken for no session (everyone signed out by a database blip)",
		file: "internal/auth/session.go",
		from: "\t\treturn ErrNoSession\n\t}\n\treturn err\n}",
		to:   "\t\treturn ErrNoSession\n\t}\n\treturn ErrNoSession\n}",
		pkg:  "./internal/auth", run: "^TestSessionUnreadable$",
	},
}

// workers is how many mutants are tried at once: a mutant's run is mostly
// one package's build and one test binary, which leaves the other core
// idle.
const workers = 2

func main() {
	only := flag.String("only", "", "run only the mutant whose name contains this")
	flag.Parse()
	root, err := gitRoot()
	if err != nil {
		fail("%v", err)
	}
	var todo []mutant
	for _, m := range mutants {
		if *only == "" || strings.Contains(m.name, *only) {
			todo = append(todo, m)
		}
	}
	type result struct {
		verdict, out string
		took         time.Duration
	}
	results := make([]result, len(todo))
	scratch, err := os.MkdirTemp("", "halfsky-mutation-")
	if err != nil {
		fail("%v", err)
	}
	defer os.RemoveAll(scratch)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(todo)) {
		wg.Go(func() {
			for i := range next {
				start := time.Now()
				v, out := run(root, filepath.Join(scratch, strconv.Itoa(i)), todo[i])
				results[i] = result{v, out, time.Since(start)}
			}
		})
	}
	for i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	survived := 0
	for i, m := range todo {
		r := results[i]
		fmt.Printf("%-9s %5.0fs  %s\n", r.verdict, r.took.Seconds(), m.name)
		if r.verdict != "killed" {
			survived++
			fmt.Println(indent(tail(r.out, 30)))
		}
	}
	if survived > 0 {
		fail("%d mutant(s) not killed: the tests above let a broken rule through", survived)
	}
	fmt.Println("mutation: every mutant killed")
}

// run builds the tests of m's package with the mutated file in place of
// the real one (go test -overlay: the tree is never written, so mutants
// run side by side, and every package the mutant does not touch comes
// from the build cache the suites filled), and runs them.
func run(root, scratch string, m mutant) (verdict, output string) {
	path := filepath.Join(root, m.file)
	orig, err := os.ReadFile(path)
	if err != nil {
		return "MISSING", err.Error()
	}
	if n := bytes.Count(orig, []byte(m.from)); n != 1 {
		return "STALE", fmt.Sprintf("the code to break occurs %d times in %s (want exactly once): update the mutant", n, m.file)
	}
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return "ERROR", err.Error()
	}
	mutated := filepath.Join(scratch, filepath.Base(m.file))
	if err := os.WriteFile(mutated, bytes.Replace(orig, []byte(m.from), []byte(m.to), 1), 0o644); err != nil {
		return "ERROR", err.Error()
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {path: mutated}})
	if err != nil {
		return "ERROR", err.Error()
	}
	overlayFile := filepath.Join(scratch, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		return "ERROR", err.Error()
	}
	// -vet=off: the lint gates vet the real tree; vet of a mutant is time
	// spent on code that is thrown away. -failfast and SQLite alone
	// (HALFSKY_TEST_ENGINE, internal/testdb): one failing test kills a mutant, so the rest
	// need not run.
	cmd := exec.Command("go", "test", "-overlay", overlayFile, "-vet=off", "-failfast", "-count=1", "-run", m.run, m.pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "HALFSKY_TEST_ENGINE=sqlite")
	out, err := cmd.CombinedOutput()
	s := string(out)
	switch {
	case err == nil:
		return "SURVIVED", s
	case strings.Contains(s, "[build failed]") || strings.Contains(s, "[setup failed]"):
		return "NOBUILD", s
	case strings.Contains(s, "--- FAIL"):
		return "killed", s
	}
	return "ERROR", s
}

func gitRoot() (string, error) {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("not in a git checkout: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "mutation: "+format+"\n", args...)
	os.Exit(1)
}
