# credpol — the two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
BIN     := bin
ADDR    ?= 127.0.0.1:8080
DB      ?= credpol.db
DEMO    ?= 5000

.PHONY: build run test lint opa-check bench bench-compare clean

# build stamps the commit into the binary (credpol version), whatever GOFLAGS says.
build:
	$(GO) build -buildvcs=auto -o $(BIN)/credpol ./cmd/credpol

## run: serve the shipped policies on the embedded SQLite store, with a development token
run: build
	$(BIN)/credpol serve --addr $(ADDR) --database-url $(DB) --dev-token --demo-enterprises $(DEMO)

## test: formatting, vet, stock OPA on the policy tree, every Go test under the
## race detector, then the policy regression suite (Rego tests and decision
## cases) with a coverage floor, then every common authoring mistake on a copy
## of the tree (scripts/staff-mistakes.sh) must be caught with its file and line
test: lint opa-check build
	$(GO) test -race -count=1 -timeout 30m ./...
	$(BIN)/credpol test --policy-dir policies --coverage --threshold 90 testpolicies
	CREDPOL=$(BIN)/credpol scripts/staff-mistakes.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Policies are plain Rego v1: stock OPA, built from the version in go.mod,
# must accept them too, type-checked against the schema of their input so a
# misspelt field is an error here as it is in `credpol check`.
opa-check: $(BIN)/opa
	$(BIN)/opa fmt --list --fail policies testpolicies
	$(BIN)/opa check --strict -s policies/schemas/input.json policies testpolicies
	$(BIN)/opa test policies testpolicies

$(BIN)/opa: go.mod go.sum
	$(GO) build -o $(BIN)/opa github.com/open-policy-agent/opa

## bench: every shipped decision in-process (ns/op, p50, p99, allocs), benchstat-compatible,
## at GOGC=400 as `credpol serve` runs and at Go's default 100; then each decision's cost
## as an enterprise's history grows from 1 to 1,000 penalties and annual reports
bench:
	GOGC=400 $(GO) test ./internal/decision -run '^$$' -bench 'Decide$$' -benchmem -count 1
	GOGC=100 $(GO) test ./internal/decision -run '^$$' -bench 'Decide$$' -benchmem -count 1
	scripts/bench-growth.sh

## bench-compare: credpol against stock OPA (built from go.mod) on the same policy and input
bench-compare:
	scripts/bench-compare.sh credit_grade 10 3 8
	scripts/bench-compare.sh supervision 10 3 8
	scripts/bench-compare.sh penalty_publicity 10 3 8

clean:
	rm -rf $(BIN) $(DB) $(DB)-shm $(DB)-wal
