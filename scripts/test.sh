#!/usr/bin/env bash
# THE test command (CI runs it through .ci/run -> make test).
# Installs missing Debian packages, starts a throwaway PostgreSQL, runs the
# static gates of scripts/lint.sh (gofmt, go vet, go mod tidy -diff,
# staticcheck, govulncheck against a local vulnerability database), runs
# every Go test (under the race detector where the code shares memory
# between goroutines, see below), then the mutation check (deliberate breaks the tests must
# catch), the last three side by side. It stops at the first step that
# fails, with that step's status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Each section says when it starts (seconds since the script began), so a
# slow run shows where its time went.
section() { printf '\n==> %s  [%ds]\n' "$*" "$SECONDS"; }

# The mutation check's switch to SQLite alone (internal/testdb) is never
# the suite's.
unset HALFSKY_TEST_ENGINE

section "dependencies"
bash scripts/deps.sh

section "postgresql test cluster"
pgdir=$(mktemp -d /tmp/halfsky-pg.XXXXXX)
# Stop the cluster however we leave (test failure, vet failure, Ctrl-C).
trap 'bash scripts/pg-test-cluster.sh stop "$pgdir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
HALFSKY_TEST_POSTGRES_URL=$(bash scripts/pg-test-cluster.sh start "$pgdir")
export HALFSKY_TEST_POSTGRES_URL
export HALFSKY_CHROMIUM=${HALFSKY_CHROMIUM:-/usr/bin/chromium}
# Test helpers fail, instead of skipping, when PostgreSQL or Chromium is missing:
# a green run must mean everything was exercised.
export HALFSKY_TEST_REQUIRE_ALL=${HALFSKY_TEST_REQUIRE_ALL:-1}
echo "HALFSKY_TEST_POSTGRES_URL=$HALFSKY_TEST_POSTGRES_URL"
echo "HALFSKY_CHROMIUM=$HALFSKY_CHROMIUM"
echo "HALFSKY_TEST_REQUIRE_ALL=$HALFSKY_TEST_REQUIRE_ALL"

# gofmt, go vet, go mod tidy, staticcheck and govulncheck: the static
# gates, each a section of its own (scripts/lint.sh; also `make lint`).
bash scripts/lint.sh

section "go test, race detector beside the rest"
# -race needs cgo, whatever the caller's environment says. The race
# detector runs on the packages whose own code shares memory between
# goroutines (scripts/racepkgs reads that from the source: a go
# statement, or sync or sync/atomic imported), every test; the other
# packages run without it, at the same time. Their tests may race
# transactions against each other, but what those share lives in the
# database, where the detector cannot look, and under it they took twice
# as long. Left out of both: the four suites that drive the server one
# request at a time — the pages' (internal/web), the JSON API's
# (internal/api), the browser's (e2e) and the route matrix (some 13,000
# requests and 2,000 whole-database fingerprints); they run in the next
# section. The server's shared state is raced on purpose instead by
# TestConcurrentTraffic (internal/server, under the detector): every
# read route as every kind of actor from eight clients at once, on both
# databases, through the code of every package.
# (The lists are taken first so that a failing `go list` stops the run
# instead of leaving `go test` with no packages.)
serial_re='/(internal/web|internal/api|e2e)$'
race_pkgs=$(go run ./scripts/racepkgs race | grep -Ev "$serial_re")
plain_pkgs=$(go run ./scripts/racepkgs plain | grep -Ev "$serial_re")
logs=$(mktemp -d /tmp/halfsky-test-logs.XXXXXX)
# The counters' property test runs 1,000 random operations per database
# here (2,000 by default; internal/report/tally_test.go).
# shellcheck disable=SC2086 # one package a word
HALFSKY_PROP_OPS=1000 go test -count=1 -timeout 25m $plain_pkgs >"$logs/plain" 2>&1 &
plain_pid=$!
race=0
# shellcheck disable=SC2086 # one package a word
CGO_ENABLED=1 go test -race -count=1 -timeout 25m -skip '^TestRouteMatrix$' $race_pkgs || race=$?
plain=0
wait "$plain_pid" || plain=$?
section "go test, without the race detector"
cat "$logs/plain"
for rc in "$race" "$plain"; do
  if [[ $rc -ne 0 ]]; then
    exit "$rc"
  fi
done

section "go test, serial suites, with the route matrix and the mutation check beside them"
# The serial suites wait on the databases and the browser more than they
# compute (three side by side kept 0.75 of the two cores busy), so the
# route matrix and the mutation check (deliberate breaks of the access
# rules, each of which the tests of its package must catch;
# scripts/mutation) run at the same time, their output shown after.
go test -count=1 -timeout 10m -run '^TestRouteMatrix$' ./internal/server >"$logs/matrix" 2>&1 &
matrix_pid=$!
go run ./scripts/mutation >"$logs/mutation" 2>&1 &
mutation_pid=$!
# The JSON API's suite, the longest, runs as two processes, each with half
# of its tests (alternate names, so every test is in exactly one): as one
# it finished a minute after the others, with a core idle meanwhile.
api_tests=$(go test -list '^(Test|Fuzz|Example)' ./internal/api | grep -E '^(Test|Fuzz|Example)')
if (($(wc -l <<<"$api_tests") < 20)); then
  echo "listing the JSON API's tests found only: $api_tests" >&2
  exit 1
fi
api_half() { awk -v k="$1" 'NR % 2 == k' <<<"$api_tests" | paste -sd'|'; }
go test -count=1 -timeout 25m -run "^($(api_half 0))\$" ./internal/api >"$logs/api0" 2>&1 &
api0_pid=$!
go test -count=1 -timeout 25m -run "^($(api_half 1))\$" ./internal/api >"$logs/api1" 2>&1 &
api1_pid=$!
serial=0
go test -count=1 -timeout 25m ./internal/web ./e2e || serial=$?
api=0
wait "$api0_pid" || api=$?
wait "$api1_pid" || api=$?
section "the JSON API, in two halves"
cat "$logs/api0" "$logs/api1"
matrix=0
wait "$matrix_pid" || matrix=$?
mutation=0
wait "$mutation_pid" || mutation=$?

section "route matrix"
cat "$logs/matrix"
section "mutation check"
cat "$logs/mutation"
rm -rf "$logs"
for rc in "$serial" "$api" "$matrix" "$mutation"; do
  if [[ $rc -ne 0 ]]; then
    exit "$rc"
  fi
done
section "all passed"
