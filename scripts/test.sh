#!/usr/bin/env bash
# THE test command (CI runs it through .ci/run -> make test).
# Installs missing Debian packages, starts a throwaway PostgreSQL, runs the
# static gates of scripts/lint.sh (gofmt, go vet, go mod tidy -diff,
# staticcheck, govulncheck against a local vulnerability database), runs
# every Go test (under the race detector where the code shares memory
# between goroutines, see below) and the mutation check (deliberate
# breaks the tests must catch), several side by side. It stops at the
# first step that fails, with that step's status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Each section says when it starts (seconds since the script began), so a
# slow run shows where its time went.
section() { printf '\n==> %s  [%ds]\n' "$*" "$SECONDS"; }

# Side by side: `beside NAME CMD…` starts CMD in the background, its
# output kept; `gather TITLE NAME…` waits for those and prints their
# output under TITLE. A failing step's status is kept (the first one) by
# `failure`, and `stop_on_failure` ends the run with it once everything
# started has finished.
declare -A pids
failed=0
failure() { ((failed != 0)) || failed=$1; }
stop_on_failure() { ((failed == 0)) || exit "$failed"; }
beside() {
  local name=$1
  shift
  "$@" >"$logs/$name" 2>&1 &
  pids[$name]=$!
}
gather() {
  local title=$1 name st
  shift
  for name in "$@"; do
    st=0
    wait "${pids[$name]}" || st=$?
    ((st == 0)) || failure "$st"
  done
  section "$title"
  for name in "$@"; do
    cat "$logs/$name"
  done
}

# The mutation check's switch to SQLite alone (internal/testdb) is never
# the suite's.
unset HALFSKY_TEST_ENGINE

section "dependencies"
bash scripts/deps.sh

section "postgresql test cluster"
pgdir=$(mktemp -d /tmp/halfsky-pg.XXXXXX)
logs=$(mktemp -d /tmp/halfsky-test-logs.XXXXXX)
# Stop the cluster however we leave (test failure, vet failure, Ctrl-C).
trap 'rm -rf "$logs"; bash scripts/pg-test-cluster.sh stop "$pgdir"' EXIT
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
# The counters' property test runs 1,000 random operations per database
# here (2,000 by default; internal/report/tally_test.go).
# shellcheck disable=SC2086 # one package a word
beside plain env HALFSKY_PROP_OPS=1000 go test -count=1 -timeout 25m $plain_pkgs
# shellcheck disable=SC2086 # one package a word
CGO_ENABLED=1 go test -race -count=1 -timeout 25m -skip '^TestRouteMatrix$' $race_pkgs || failure $?
gather "go test, without the race detector" plain
stop_on_failure

section "go test, serial suites, with the route matrix and the mutation check beside them"
# The whole run is CPU-bound on two cores; what runs side by side here is
# there to leave no core idle while the longest suite finishes. The JSON
# API's halves, the route matrix and the mutation check (deliberate
# breaks of the access rules, each of which the tests of its package must
# catch; scripts/mutation) show their output after the pages' and the
# browser's suites.
# Its timeout is a guard against a hang, as the others' are: alone it
# takes about 70 s, beside the four other suites and the mutation check
# it has taken over 10 minutes.
beside matrix go test -count=1 -timeout 25m -run '^TestRouteMatrix$' ./internal/server
beside mutation go run ./scripts/mutation
# The JSON API's suite, the longest, runs as two processes, each with half
# of its tests (alternate names, so every test is in exactly one): as one
# it finished a minute after the others, with a core idle meanwhile.
api_tests=$(go test -list '^(Test|Fuzz|Example)' ./internal/api | grep -E '^(Test|Fuzz|Example)')
if (($(wc -l <<<"$api_tests") < 20)); then
  echo "listing the JSON API's tests found only: $api_tests" >&2
  exit 1
fi
api_half() { awk -v k="$1" 'NR % 2 == k' <<<"$api_tests" | paste -sd'|'; }
beside api0 go test -count=1 -timeout 25m -run "^($(api_half 0))\$" ./internal/api
beside api1 go test -count=1 -timeout 25m -run "^($(api_half 1))\$" ./internal/api
go test -count=1 -timeout 25m ./internal/web ./e2e || failure $?
gather "the JSON API, in two halves" api0 api1
gather "route matrix" matrix
gather "mutation check" mutation
stop_on_failure
section "all passed"
