# Two entry points on a fresh machine: `make demo` (set up, then analyse the embedded example)
# and `make test` (set up, then run the test suite). `make bench` measures; see bench/README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup tools demo test lint bench

$(BIN)/depshield: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,server]'
	@touch $@

# Verdaccio (a real npm registry) for the proxy tests; 6.8.0 is the last release for Node 20.
.tools/verdaccio/node_modules/.bin/verdaccio:
	npm install --silent --prefix .tools/verdaccio --no-audit --no-fund --ignore-scripts verdaccio@6.8.0

# The package managers the proxy tests install through it (never running a package's scripts).
.tools/pnpm/node_modules/.bin/pnpm:
	npm install --silent --prefix .tools/pnpm --no-audit --no-fund --ignore-scripts pnpm@10.34.9
.tools/yarn1/node_modules/.bin/yarn:
	npm install --silent --prefix .tools/yarn1 --no-audit --no-fund --ignore-scripts yarn@1.22.22
.tools/berry/node_modules/.bin/yarn:
	npm install --silent --prefix .tools/berry --no-audit --no-fund --ignore-scripts @yarnpkg/cli-dist@4.18.1

.tools/bun/node_modules/.bin/bun:
	npm install --silent --prefix .tools/bun --no-audit --no-fund --ignore-scripts bun@1.4.4
.tools/poetry/bin/poetry:
	$(PYTHON) -m venv .tools/poetry && .tools/poetry/bin/pip install --quiet poetry==2.5.1

TOOLS := .tools/verdaccio/node_modules/.bin/verdaccio .tools/pnpm/node_modules/.bin/pnpm \
  .tools/yarn1/node_modules/.bin/yarn .tools/berry/node_modules/.bin/yarn \
  .tools/bun/node_modules/.bin/bun .tools/poetry/bin/poetry

# What only the tests need: the proxy's real clients and upstreams, and PostgreSQL's server
# binaries for the monitor (the tests start their own cluster in a temporary folder).
tools: $(TOOLS)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  || (apt-get update -qq && apt-get install -y -qq postgresql >/dev/null) \
	  || echo "note: PostgreSQL not installed; the monitor tests will fail"

# The HTML report is tested in Debian's Chromium; installing it needs root (CI is root).
setup: $(BIN)/depshield
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	  || echo "note: chromium not installed; the HTML report's browser tests will be skipped"

demo: setup
	$(BIN)/depshield scan examples/demo-app; \
	  code=$$?; echo "(exit code $$code: 1 means a dependency was blocked, as it should be)"

test: setup tools
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/detection.py
