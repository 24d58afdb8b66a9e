# Everyday commands; `make test` is what CI runs (.ci/run).
.PHONY: test lint run build bench fmt vet mutation fault-drill

test:
	bash scripts/test.sh

run:
	go run ./cmd/halfsky

build:
	CGO_ENABLED=0 go build -o bin/halfsky ./cmd/halfsky

bench:
	bash scripts/bench.sh

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

# The fault drills' long versions with their figures: the disk full, PostgreSQL
# down at the start and in work, the mail server down (scripts/fault-drill.sh;
# root and PostgreSQL 15). The short versions run in `make test`.
fault-drill:
	bash scripts/fault-drill.sh
