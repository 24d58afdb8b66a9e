# Everyday commands; `make test` is what CI runs (.ci/run).
.PHONY: test run build bench fmt vet mutation

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

mutation:
	go run ./scripts/mutation
