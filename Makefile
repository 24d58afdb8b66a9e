# Everyday commands; `make test` is what CI runs (.ci/run).
.PHONY: test lint run build bench fmt vet mutation crash-drill restore-drill load fault-drill cluster-drill

test:
	bash scripts/test.sh

run:
	go run ./cmd/halfsky

build:
	CGO_ENABLED=0 go build -o bin/halfsky ./cmd/halfsky

bench:
	bash scripts/bench.sh

# Backup while writers write, restore, compare every table, verify the
# audit log; the long version (the short one runs in `make test`).
restore-drill:
	bash scripts/restore-drill.sh

fmt:
	go fmt ./...

vet:
	go vet ./...

# The static gates that `make test` runs first: gofmt, go vet, go mod tidy,
# staticcheck, govulncheck (scripts/lint.sh).
lint:
	bash scripts/lint.sh

mutation:
	go run ./scripts/mutation

# Issue 16's crash drill, long: 200 SIGKILLs of the server per database
# (SQLite, PostgreSQL) under 16 writing clients, and PostgreSQL itself
# stopped immediately 10 times; `make test` runs 20 kills per database.
# It starts a PostgreSQL cluster of its own, with fsync and synchronous
# commit on.
crash-drill:
	HALFSKY_DRILL_KILLS=200 go test -count=1 -timeout 90m -v -run '^TestCrashDrill$$' ./internal/drill

# Issue 16's load run: 200 simulated cadres for 10 minutes (work desk,
# lists, documents, reports, visits, exports), on the single binary
# (SQLite) and then through HAProxy on the cluster (scripts/cluster.sh);
# `make test` runs 20 cadres for 20 s on the single binary.
load:
	bash scripts/deps.sh
	HALFSKY_LOAD_CADRES=200 HALFSKY_LOAD_SECONDS=600 go test -count=1 -timeout 30m -v -run '^TestLoad$$' ./internal/drill
	HALFSKY_LOAD_CLUSTER=1 HALFSKY_LOAD_CADRES=200 HALFSKY_LOAD_SECONDS=600 go test -count=1 -timeout 40m -v -run '^TestClusterLoad$$' ./internal/cluster

# The fault drills' long versions with their figures: the disk full, PostgreSQL
# down at the start and in work, the mail server down (scripts/fault-drill.sh;
# root and PostgreSQL 15). The short versions run in `make test`.
fault-drill:
	bash scripts/fault-drill.sh

# Issue 16's cluster drill, long: the primary killed four times, back and
# forth, under writes through HAProxy, then one halfsky killed
# (scripts/cluster.sh, internal/cluster; CI runs one failover).
cluster-drill:
	bash scripts/deps.sh
	HALFSKY_TEST_REQUIRE_ALL=1 HALFSKY_CLUSTER_FAILOVERS=4 go test -count=1 -timeout 30m -v -run '^TestClusterDrill$$' ./internal/cluster
