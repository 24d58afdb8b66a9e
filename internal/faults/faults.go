// Package faults holds the fault drills (its tests): the real binary run
// as an operator runs it while a part it depends on fails — the disk of
// its SQLite data directory full, PostgreSQL down at the start and in the
// middle of work — each asserting what a person sees (the status, the
// Chinese message), that nothing acknowledged is lost and nothing refused
// is half-written, and that the server recovers by itself; each prints
// its figures (time to the first refusal, time to recovery). The outbox's
// drill against a mail server that is down is internal/notify's
// (TestOutboxWaitsOutTheMailServer).
//
// The short drills run in the suite; `make fault-drill` runs the long
// ones (HALFSKY_FAULT_DRILL=long) with -v. The disk drill mounts a tmpfs
// and so needs root; the PostgreSQL drill starts a private cluster with
// scripts/pg-test-cluster.sh. Without them a drill skips, or fails under
// HALFSKY_TEST_REQUIRE_ALL.
package faults
