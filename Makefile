# ragguard's developer and CI entry points. `make test` is what CI runs
# (.ci/run): it starts the test services, vets, runs the quickstart, fuzzes
# briefly, runs every test with the race detector, and stops the services,
# also when something failed.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test
.NOTPARALLEL:

GO ?= go
# Packages to vet and test. Keep ./... for CI; narrow it while developing.
PKGS ?= ./...
FUZZTIME ?= 5s
BENCHTIME ?= 200ms
QUICKSTART ?= ./examples/quickstart
# Missing services fail the tests instead of skipping them.
REQUIRE_SERVICES ?= 1

TESTENV_ENV := .testenv/env
# Exports the addresses written by scripts/testenv-up, when it has run.
WITH_ENV := if [ -f $(TESTENV_ENV) ]; then . ./$(TESTENV_ENV); fi; export RAGGUARD_REQUIRE_SERVICES=$(REQUIRE_SERVICES);

.PHONY: test check fmt fmt-check vet quickstart fuzz test-go bench testenv-up testenv-down

## test: services up, check, services down; keeps the first failure's exit code.
test:
	@rc=0; \
	scripts/testenv-up || rc=$$?; \
	if [ $$rc -eq 0 ]; then $(MAKE) --no-print-directory check || rc=$$?; fi; \
	RAGGUARD_TESTENV_QUIET=1 scripts/testenv-down || echo "testenv-down failed" >&2; \
	exit $$rc

## check: the checks alone, against services already up (make testenv-up).
check: fmt-check vet quickstart fuzz test-go

fmt:
	$(GO) fmt $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$($(GO) list -e -f '{{$$d := .Dir}}{{range .GoFiles}}{{$$d}}/{{.}} {{end}}{{range .TestGoFiles}}{{$$d}}/{{.}} {{end}}{{range .XTestGoFiles}}{{$$d}}/{{.}} {{end}}' $(PKGS))); \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting (run make fmt):"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

quickstart:
	@if [ -n "$(QUICKSTART)" ]; then echo "$(GO) run $(QUICKSTART)"; $(WITH_ENV) $(GO) run $(QUICKSTART); fi

fuzz:
	@FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz-all $(patsubst %/...,%,$(PKGS))

test-go:
	$(WITH_ENV) $(GO) test -race -count=1 $(PKGS)

bench:
	$(WITH_ENV) $(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) $(PKGS)

testenv-up:
	@scripts/testenv-up

testenv-down:
	@scripts/testenv-down
