#!/usr/bin/env bash
# THE test command (CI runs it through .ci/run -> make test).
# Installs missing Debian packages, starts a throwaway PostgreSQL, runs the
# static gates of scripts/lint.sh (gofmt, go vet, go mod tidy -diff,
# staticcheck, govulncheck against a local vulnerability database), runs
# every Go test with the race detector, then the mutation check (deliberate
# breaks the tests must catch). It stops at the first step that fails, with
# that step's status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() { printf '\n==> %s\n' "$*"; }

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

section "go test"
# -race needs cgo, whatever the caller's environment says. The route
# matrix (some 13,000 requests and 2,000 whole-database fingerprints)
# exercises who may do what, not concurrency: under the race detector it
# takes ten times as long for nothing, so it runs on its own below.
CGO_ENABLED=1 go test -race -count=1 -timeout 25m -skip '^TestRouteMatrix$' ./...

section "route matrix"
go test -count=1 -timeout 10m -run '^TestRouteMatrix$' ./internal/server

section "mutation check"
# Deliberate breaks of the access rules, each of which the tests of its
# package must catch (scripts/mutation); about a minute.
go run ./scripts/mutation
