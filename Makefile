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
# 1: unformatted files fail fmt-check (and so make test).
FMT_STRICT ?= 1
# Missing services fail the tests instead of skipping them.
REQUIRE_SERVICES ?= 1

# Not spelled $(MAKE) in the recipe, so that `make -n test` only prints.
SUBMAKE = $(MAKE) --no-print-directory
# Where scripts/testenv-up keeps its state and the env file of addresses.
# make test uses a folder of its own per run, so runs never share services.
TESTENV_DIR ?= $(CURDIR)/.testenv
# Exports the addresses written by scripts/testenv-up, when it has run.
WITH_ENV = if [ -f '$(TESTENV_DIR)/env' ]; then . '$(TESTENV_DIR)/env'; fi;

.PHONY: bench-mask test check fmt fmt-check vet quickstart fuzz test-go bench testenv-up testenv-down

## test: services up, check, services down (also on failure or interrupt,
## keeping the failure's exit code).
test:
	@export RAGGUARD_TESTENV_DIR='$(CURDIR)/.testenv/run-'$$$$; \
	trap 'RAGGUARD_TESTENV_QUIET=1 scripts/testenv-down || echo "testenv-down failed" >&2; rmdir "$$RAGGUARD_TESTENV_DIR" 2>/dev/null || true' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; \
	scripts/testenv-up; \
	$(SUBMAKE) check TESTENV_DIR="$$RAGGUARD_TESTENV_DIR"

## check: the checks alone, against services already up (make testenv-up).
check: fmt-check vet quickstart fuzz test-go

fmt:
	$(GO) fmt $(PKGS)

# Lists files gofmt would change and fails (FMT_STRICT=0 only warns).
fmt-check:
	@out=$$(gofmt -l $$($(GO) list -e -f '{{$$d := .Dir}}{{range .GoFiles}}{{$$d}}/{{.}} {{end}}{{range .TestGoFiles}}{{$$d}}/{{.}} {{end}}{{range .XTestGoFiles}}{{$$d}}/{{.}} {{end}}' $(PKGS)) | sed "s|^$$PWD/||"); \
	if [ -n "$$out" ]; then \
		echo "gofmt: these files need formatting (run make fmt):"; echo "$$out"; \
		if [ "$(FMT_STRICT)" = 1 ]; then exit 1; fi; \
	fi

vet:
	$(GO) vet $(PKGS)

quickstart:
	@if [ -n "$(QUICKSTART)" ]; then echo "$(GO) run $(QUICKSTART)"; $(WITH_ENV) RAGGUARD_REQUIRE_SERVICES=$(REQUIRE_SERVICES) $(GO) run $(QUICKSTART); fi

fuzz:
	@FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz-all $(patsubst %/...,%,$(PKGS))

# go test's own output, then one plain line counting packages.
test-go:
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; rc=0; \
	echo '$(GO) test -race -count=1 $(PKGS)'; \
	{ $(WITH_ENV) RAGGUARD_REQUIRE_SERVICES=$(REQUIRE_SERVICES) $(GO) test -race -count=1 $(PKGS); } 2>&1 | tee "$$log" || rc=$$?; \
	echo "packages: $$(grep -c '^ok ' "$$log") passed, $$(grep -c '^FAIL'$$'\t' "$$log") failed"; \
	exit $$rc

# Benchmarks that need a service skip unless it is up (make testenv-up).
bench:
	$(WITH_ENV) $(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) $(PKGS)

## bench-mask: the masking engine against hoophq/alcatraz on the generated
## corpus, side by side in one run, then precision/recall/F2 for both. It is
## a module of its own so the SDK never depends on alcatraz.
bench-mask:
	cd internal/maskbench && $(GO) test -run='^$$' -bench=. -benchmem -benchtime=1s -count=3 .
	cd internal/maskbench && $(GO) run ./cmd/eval -n 3000

testenv-up:
	@RAGGUARD_TESTENV_DIR='$(TESTENV_DIR)' scripts/testenv-up

testenv-down:
	@RAGGUARD_TESTENV_DIR='$(TESTENV_DIR)' scripts/testenv-down
