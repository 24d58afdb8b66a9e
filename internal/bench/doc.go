// Package bench holds halfsky's benchmarks; it has no code of its own.
//
// They are Go benchmarks that measure once and print figures (they are not
// timed assertions), so they run only with -bench:
//
//	make bench    # = scripts/bench.sh: national data, throwaway PostgreSQL
//
// BenchmarkHTTP drives the real handler over loopback at 32 connections
// beside a bare net/http handler measured by the same client in the same
// run. BenchmarkNationalTree imports the whole country's administrative
// divisions (HALFSKY_DIVISIONS_DIR) and times subtree counts on it.
// BenchmarkWork times the home and work-line pages over a generated year.
// BenchmarkAid enters 100k 巾帼关爱 applications through aid.Service.Create
// (HALFSKY_BENCH_AID_N) with planted duplicates that must all be refused,
// and times the statistics, list and export pages over them.
// BenchmarkCases takes 100k 巾帼维权 cases over three years in through
// rights.Service (Intake as the units' staff, SubmitHelp for the public
// form; HALFSKY_BENCH_CASES_N) beside a raw INSERT of a case row, checks
// the counters' statistics against StatsRecount, settles the cases where
// their handling would have left them, and times the city's monthly
// statistics and the inboxes' first pages beside StatsRecount and a bare
// handler; TestCasesShort runs the same harness on 1,000 cases in CI.
package bench
