#!/usr/bin/env bash
# The static gates, run by scripts/test.sh (so by CI) before the tests, and
# on their own by `make lint`. Each stops the run when it fails:
#   gofmt         every Go file formatted
#   go vet        the compiler's vet checks
#   go mod tidy   go.mod and go.sum exactly what the code and tools need
#   staticcheck   honnef.co/go/tools, pinned as a go.mod tool (go tool
#                 staticcheck); checks disabled, if any, are in
#                 staticcheck.conf with the reason
#   govulncheck   golang.org/x/vuln, also a go.mod tool, against a local
#                 database built from golang.org/x/vulndb (scripts/vulndb.sh);
#                 a called vulnerability fails unless scripts/vulncheck/
#                 accepted.txt lists it with a reason
# Only the Go module proxy is needed. Cost on a warm cache (2 cores): gofmt,
# vet, tidy and staticcheck a few seconds together (staticcheck caches its
# analyses); govulncheck about 25 s, as it type-checks every package from
# source on each run. Cold: staticcheck builds itself and analyses every
# package and the standard library (about 2 minutes); govulncheck builds
# itself and the database (a few seconds, scripts/vulndb.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Each section says when it starts (seconds since the script began), so a
# slow run shows where its time went.
section() { printf '\n==> %s  [%ds]\n' "$*" "$SECONDS"; }

section "gofmt"
# Tracked files plus new ones not yet added (but not ignored ones); gofmt with
# no arguments would read stdin, hence the guard.
mapfile -t gofiles < <(git ls-files --cached --others --exclude-standard -- '*.go')
if ((${#gofiles[@]} > 0)); then
  unformatted=$(gofmt -l "${gofiles[@]}")
  if [[ -n $unformatted ]]; then
    echo "gofmt: these files need 'make fmt':" >&2
    echo "$unformatted" >&2
    exit 1
  fi
fi
echo "ok"

section "go vet"
go vet ./...
echo "ok"

section "go mod tidy"
# -diff changes nothing: it prints what tidy would change and fails if so.
if ! go mod tidy -diff; then
  echo "go mod tidy: go.mod or go.sum is not tidy; run 'go mod tidy'" >&2
  exit 1
fi
echo "ok"

section "staticcheck"
go tool staticcheck ./...
echo "ok"

section "govulncheck"
vulndb=$(bash scripts/vulndb.sh)
go run ./scripts/vulncheck -db "$vulndb"
