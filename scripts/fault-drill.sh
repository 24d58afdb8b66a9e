#!/usr/bin/env bash
# The fault drills' long versions, with their figures (make fault-drill):
# the disk full under SQLite and PostgreSQL down at the start and in
# work (internal/faults, HALFSKY_FAULT_DRILL=long), and the outbox
# against a mail server that is down (internal/notify). The short
# versions run in `make test`. Needs root (a tmpfs is mounted) and
# PostgreSQL 15 (scripts/deps.sh); with HALFSKY_TEST_REQUIRE_ALL=1 a
# missing one fails the drill instead of skipping it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export HALFSKY_TEST_REQUIRE_ALL=${HALFSKY_TEST_REQUIRE_ALL:-1}
# The outbox's drill runs on both databases: a throwaway cluster for it
# (the PostgreSQL drill starts and stops a private one of its own).
pgdir=$(mktemp -d /tmp/halfsky-pg.XXXXXX)
trap 'bash scripts/pg-test-cluster.sh stop "$pgdir"' EXIT
HALFSKY_TEST_POSTGRES_URL=$(bash scripts/pg-test-cluster.sh start "$pgdir")
export HALFSKY_TEST_POSTGRES_URL

HALFSKY_FAULT_DRILL=long go test -count=1 -v -run 'TestDiskFull|TestPostgresDown' ./internal/faults/
go test -count=1 -v -run 'TestOutboxWaitsOutTheMailServer|TestMailRetriesThenFails' ./internal/notify/
