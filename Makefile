# The two commands of the README: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint install dev-install system-deps oidc-provider serve worker migrate bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(STAMP)

install: $(STAMP)

dev-install: $(DEV_STAMP)

## make demo: set up, migrate an SQLite file under var/, seed demo data, serve on :8000.
## The demo's OpenID login needs the test provider (npm); it is tried, never required: without
## npm or network the demo runs on passwords and says why.
demo: $(STAMP)
	-@if [ -d tests/oidc/node_modules/oidc-provider ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory oidc-provider NPM_CI_FLAGS="--fetch-retries=1 --fetch-timeout=20000" \
	  || echo "make demo: npm ci in tests/oidc failed; the demo runs without OpenID login"; \
	else echo "make demo: no npm; the demo runs without OpenID login (Node.js 20.19+ and npm add it)"; fi
	KULISSER_MODE=demo $(BIN)/kulisser demo

serve: $(STAMP)
	$(BIN)/kulisser serve

worker: $(STAMP)
	$(BIN)/kulisser worker

migrate: $(STAMP)
	$(BIN)/kulisser migrate

## make lint: ruff + mypy
lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

## system packages the tests need (Chromium, espeak-ng, PostgreSQL server, poppler)
system-deps:
	scripts/system-deps.sh

## the tests' OpenID provider (npm `oidc-provider`, pinned by tests/oidc/package-lock.json)
OIDC_STAMP := tests/oidc/node_modules/.package-lock.json
$(OIDC_STAMP): tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund $(NPM_CI_FLAGS)

oidc-provider: $(OIDC_STAMP)

## make test: everything a fresh machine needs, lint, then the suite on SQLite and PostgreSQL
test: system-deps $(DEV_STAMP) oidc-provider lint
	scripts/test.sh

bench: $(DEV_STAMP)
	scripts/bench.sh

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
