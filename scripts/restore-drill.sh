#!/usr/bin/env bash
# The backup and restore drill, long version (issue 16): several writers
# record visits while `backup` runs, the backup is restored into a fresh
# SQLite data directory and a fresh PostgreSQL database, every table is
# compared with the backup's manifest and the audit log verified; the
# figures are printed. The short version runs in `make test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh

pgdir=$(mktemp -d /tmp/halfsky-pg.XXXXXX)
trap 'bash scripts/pg-test-cluster.sh stop "$pgdir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
HALFSKY_TEST_POSTGRES_URL=$(bash scripts/pg-test-cluster.sh start "$pgdir")
export HALFSKY_TEST_POSTGRES_URL
export HALFSKY_TEST_REQUIRE_ALL=1
export HALFSKY_RESTORE_DRILL=long

echo "==> restore drill (long)"
go test -count=1 -v -run '^TestRestoreDrill$' -timeout 20m ./internal/backup/
